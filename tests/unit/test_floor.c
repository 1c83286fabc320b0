/* SPDX-License-Identifier: MIT */
/* test_floor.c - the shared board's floor (floor.c): handed over only
 * when asked and between heapwatch's exchanges, taken back only at a
 * prompt after the quiet time, and given back in the raw REPL when they
 * left it there. Bytes are the real device lines (raw-repl.md 1.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "floor.h"

#include <string.h>

static void board(struct floor *f, const char *s, int64_t now)
{
    floor_board_output(f, s, strlen(s), now);
}

static void test_handover_and_back(void **state)
{
    (void)state;
    struct floor f;
    floor_init(&f);
    assert_int_equal(f.state, FLOOR_OURS);
    assert_int_equal(floor_deadline(&f), -1);
    /* nothing to take back while it is ours */
    assert_false(floor_take_back(&f, 100000));
    floor_their_input(&f, 1000);
    assert_int_equal(f.state, FLOOR_HANDING);
    /* more bytes while handing: still handing */
    floor_their_input(&f, 1010);
    assert_int_equal(f.state, FLOOR_HANDING);
    floor_handed(&f, 1100);
    assert_int_equal(f.state, FLOOR_THEIRS);
    assert_int_equal(f.handovers, 1);
    /* mpremote: Ctrl-C, the friendly prompt, Ctrl-A, raw, exec, Ctrl-B */
    board(&f, "\r\n>>> ", 1110);
    board(&f, "\r\nraw REPL; CTRL-B to exit\r\n>", 1120);
    board(&f, "OK42\r\n\x04\x04>", 1130);
    assert_false(floor_take_back(&f, 1130 + FLOOR_QUIET_MS - 1));
    assert_int_equal(floor_deadline(&f), 1130 + FLOOR_QUIET_MS);
    board(&f, "\r\nMicroPython v1.27.0 on 2025-12-09; linux [GCC 4.2.1] version\r\n>>> ", 1200);
    /* their keystroke resets the quiet time */
    floor_their_input(&f, 1300);
    assert_false(floor_take_back(&f, 1300 + FLOOR_QUIET_MS - 1));
    assert_true(floor_take_back(&f, 1300 + FLOOR_QUIET_MS));
    assert_int_equal(f.state, FLOOR_OURS);
    assert_false(f.their_raw);
}

static void test_no_prompt_keeps_floor(void **state)
{
    (void)state;
    struct floor f;
    floor_init(&f);
    floor_their_input(&f, 0);
    floor_handed(&f, 0);
    /* a script that printed and runs on in silence */
    board(&f, "OK", 10);
    board(&f, "starting\r\n", 20);
    assert_false(floor_take_back(&f, 1000000));
    assert_int_equal(f.state, FLOOR_THEIRS);
    /* a line of output longer than the tail ending at a prompt still counts */
    char big[100];
    memset(big, 'x', sizeof(big));
    memcpy(big + sizeof(big) - 4, ">>> ", 4);
    floor_board_output(&f, big, sizeof(big), 2000000);
    assert_true(floor_take_back(&f, 2000000 + FLOOR_QUIET_MS));
}

static void test_left_in_raw(void **state)
{
    (void)state;
    struct floor f;
    floor_init(&f);
    floor_their_input(&f, 0);
    floor_handed(&f, 0);
    /* in pieces: "\x04" and ">" in separate reads */
    board(&f, "OK", 10);
    board(&f, "hello\r\n\x04", 11);
    board(&f, "\x04", 12);
    board(&f, ">", 13);
    assert_true(floor_take_back(&f, 13 + FLOOR_QUIET_MS));
    assert_true(f.their_raw);
    /* a handover before any exchange does nothing */
    struct floor g;
    floor_init(&g);
    floor_handed(&g, 5);
    assert_int_equal(g.state, FLOOR_OURS);
    assert_string_equal(floor_state_name(FLOOR_THEIRS), "theirs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handover_and_back),
        cmocka_unit_test(test_no_prompt_keeps_floor),
        cmocka_unit_test(test_left_in_raw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
