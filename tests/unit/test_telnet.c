/* SPDX-License-Identifier: MIT */
/* test_telnet.c - the telnet layer of rfc2217:// on byte strings: the
 * opening requests, pyserial's PortManager's opening as it sends it, the
 * COM-PORT settings after DO, the server's answers and notifications,
 * IAC IAC both ways, every sequence split at every byte, refusals, no
 * negotiation loops, garbage, and a full reply queue. */
#include "telnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define IAC 255
#define SB 250
#define SE 240
#define WILL 251
#define WONT 252
#define DO 253
#define DONT 254
#define COM 44

static const struct telnet_cfg cfg_default = {.baud = 115200, .dtr = -1, .rts = -1};

/* What the server sends on connect (serial/rfc2217.py PortManager.__init__:
 * the options in state REQUESTED): WILL ECHO, WILL SGA, DO BINARY, WILL
 * COM-PORT-OPTION. */
static const uint8_t pyserial_hello[] = {IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 0, IAC, WILL, COM};

/* Take everything queued; returns its length, bytes in out. */
static size_t take(struct telnet *tn, uint8_t *out, size_t cap)
{
    const uint8_t *p;
    size_t n = telnet_output(tn, &p);

    assert_true(n <= cap);
    memcpy(out, p, n);
    telnet_output_done(tn, n);
    return n;
}

/* Does hay[n] contain needle[m]? */
static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_start_requests(void **state)
{
    static const uint8_t want[] = {IAC, WILL, 0,  IAC, DO,  0,    IAC, WILL,
                                   3,   IAC,  DO, 3,   IAC, WILL, COM};
    struct telnet *tn = telnet_new(&cfg_default);
    uint8_t out[TELNET_OUT_CAP];

    (void)state;
    telnet_start(tn);
    assert_int_equal(take(tn, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_false(telnet_com_port(tn));
    telnet_free(tn);
}

/* The server's opening: refuse ECHO; SGA and BINARY were our own requests
 * (no second answer); WILL COM-PORT gets DO; nothing is data. */
static void test_pyserial_opening(void **state)
{
    static const uint8_t want[] = {IAC, DONT, 1, IAC, DO, COM};
    struct telnet *tn = telnet_new(&cfg_default);
    uint8_t out[TELNET_OUT_CAP], data[64];

    (void)state;
    telnet_start(tn);
    take(tn, out, sizeof out);
    assert_int_equal(telnet_feed(tn, pyserial_hello, sizeof pyserial_hello, data), 0);
    assert_int_equal(take(tn, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_false(telnet_com_port(tn));
    telnet_free(tn);
}

/* DO COM-PORT-OPTION (the answer to our WILL) sends the settings: baud
 * 57600 = 00 00 e1 00, 8 data bits, parity NONE (1), 1 stop bit, no flow
 * control (SET-CONTROL 1), then RTS before DTR. No WILL again. */
static void test_settings_after_do(void **state)
{
    static const uint8_t want[] = {IAC, SB,  COM, 1,   0,   0,   0xe1, 0,   IAC, SE,  IAC, SB,  COM,
                                   2,   8,   IAC, SE,  IAC, SB,  COM,  3,   1,   IAC, SE,  IAC, SB,
                                   COM, 4,   1,   IAC, SE,  IAC, SB,   COM, 5,   1,   IAC, SE,  IAC,
                                   SB,  COM, 5,   12,  IAC, SE,  IAC,  SB,  COM, 5,   8,   IAC, SE};
    const struct telnet_cfg cfg = {.baud = 57600, .dtr = 1, .rts = 0};
    static const uint8_t do_com[] = {IAC, DO, COM};
    struct telnet *tn = telnet_new(&cfg);
    uint8_t out[TELNET_OUT_CAP], data[8];

    (void)state;
    telnet_start(tn);
    take(tn, out, sizeof out);
    assert_int_equal(telnet_feed(tn, do_com, sizeof do_com, data), 0);
    assert_int_equal(take(tn, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_true(telnet_com_port(tn));
    /* a second DO is a request for a state we are in: no answer, no settings again */
    assert_int_equal(telnet_feed(tn, do_com, sizeof do_com, data), 0);
    assert_int_equal(take(tn, out, sizeof out), 0);
    telnet_free(tn);
}

/* Without DTR/RTS overrides, no SET-CONTROL for lines; a baud with a 0xFF
 * byte (255 = 00 00 00 ff) has it doubled inside the subnegotiation. */
static void test_settings_escaped_no_lines(void **state)
{
    static const uint8_t baud[] = {IAC, SB, COM, 1, 0, 0, 0, IAC, IAC, IAC, SE};
    static const uint8_t dtr_on[] = {IAC, SB, COM, 5, 8, IAC, SE};
    static const uint8_t rts_off[] = {IAC, SB, COM, 5, 12, IAC, SE};
    const struct telnet_cfg cfg = {.baud = 255, .dtr = -1, .rts = -1};
    static const uint8_t do_com[] = {IAC, DO, COM};
    struct telnet *tn = telnet_new(&cfg);
    uint8_t out[TELNET_OUT_CAP], data[8];
    size_t n;

    (void)state;
    telnet_feed(tn, do_com, sizeof do_com, data);
    n = take(tn, out, sizeof out);
    /* not asked first: WILL COM-PORT, then the settings */
    assert_memory_equal(out, ((const uint8_t[]){IAC, WILL, COM}), 3);
    assert_true(contains(out, n, baud, sizeof baud));
    assert_false(contains(out, n, dtr_on, sizeof dtr_on));
    assert_false(contains(out, n, rts_off, sizeof rts_off));
    telnet_free(tn);
}

/* The server's answers: SET-BAUDRATE 101 is kept; the rest and the
 * NOTIFY-LINESTATE/MODEMSTATE (106/107) carry nothing and yield no data
 * and no reply; data around them passes. */
static void test_server_answers(void **state)
{
    static const uint8_t in[] = {'a', IAC,  SB,  COM, 101, 0,   1,   0xc2, 0,    IAC, SE,
                                 'b', IAC,  SB,  COM, 102, 8,   IAC, SE,   IAC,  SB,  COM,
                                 107, 0x30, IAC, SE,  IAC, SB,  COM, 106,  0x60, IAC, SE,
                                 IAC, SB,   COM, 105, 1,   IAC, SE,  'c'};
    struct telnet *tn = telnet_new(&cfg_default);
    uint8_t out[TELNET_OUT_CAP], data[sizeof in];

    (void)state;
    assert_int_equal(telnet_feed(tn, in, sizeof in, data), 3);
    assert_memory_equal(data, "abc", 3);
    assert_int_equal(telnet_server_baud(tn), 115200);
    assert_int_equal(take(tn, out, sizeof out), 0);
    telnet_free(tn);
}

/* 0xFF in the data: IAC IAC in, one 0xFF out; out, every 0xFF doubled. */
static void test_iac_iac_both_ways(void **state)
{
    static const uint8_t in[] = {'x', IAC, IAC, 'y', IAC, IAC, IAC, IAC};
    static const uint8_t want[] = {'x', 0xff, 'y', 0xff, 0xff};
    static const uint8_t raw[] = {0xff, 'a', 0xff, 0xff};
    static const uint8_t wire[] = {0xff, 0xff, 'a', 0xff, 0xff, 0xff, 0xff};
    struct telnet *tn = telnet_new(&cfg_default);
    uint8_t data[sizeof in], out[16];
    size_t used;

    (void)state;
    assert_int_equal(telnet_feed(tn, in, sizeof in, data), sizeof want);
    assert_memory_equal(data, want, sizeof want);
    assert_int_equal(telnet_escape(raw, sizeof raw, out, sizeof out, &used), sizeof wire);
    assert_int_equal(used, sizeof raw);
    assert_memory_equal(out, wire, sizeof wire);
    /* a doubled byte never splits: with room for 2, 0xff then 'a' stop at one each */
    assert_int_equal(telnet_escape(raw, sizeof raw, out, 3, &used), 3);
    assert_int_equal(used, 2);
    assert_int_equal(telnet_escape(raw, sizeof raw, out, 1, &used), 0);
    assert_int_equal(used, 0);
    telnet_free(tn);
}

/* Any stream cut at any byte gives the same data and the same replies as
 * in one piece; decoding in place (data == in) too. */
static void test_split_everywhere(void **state)
{
    static const uint8_t in[] = {'1', IAC, IAC, IAC,  WILL, 1,   '2', IAC, SB,  COM,
                                 101, 0,   0,   0x25, 0x80, IAC, SE,  '3', IAC, WILL,
                                 COM, IAC, DO,  99,   IAC,  IAC, '4', IAC, SB,  COM,
                                 107, IAC, IAC, IAC,  SE,   '5', IAC, 241, '6'};
    uint8_t whole_data[sizeof in], whole_out[TELNET_OUT_CAP];
    size_t wd, wo;

    (void)state;
    {
        struct telnet *tn = telnet_new(&cfg_default);
        wd = telnet_feed(tn, in, sizeof in, whole_data);
        wo = take(tn, whole_out, sizeof whole_out);
        assert_int_equal(telnet_server_baud(tn), 9600);
        telnet_free(tn);
    }
    assert_int_equal(wd, 8);
    assert_memory_equal(whole_data,
                        "1\xff"
                        "23\xff"
                        "456",
                        8);
    for (size_t cut = 0; cut <= sizeof in; cut++) {
        struct telnet *tn = telnet_new(&cfg_default);
        uint8_t buf[sizeof in], out[TELNET_OUT_CAP];
        size_t d;
        memcpy(buf, in, sizeof in);
        d = telnet_feed(tn, buf, cut, buf);
        uint8_t first[sizeof in];
        memcpy(first, buf, d);
        size_t d2 = telnet_feed(tn, buf + cut, sizeof in - cut, buf + cut);
        memcpy(first + d, buf + cut, d2);
        assert_int_equal(d + d2, wd);
        assert_memory_equal(first, whole_data, wd);
        assert_int_equal(take(tn, out, sizeof out), wo);
        assert_memory_equal(out, whole_out, wo);
        assert_int_equal(telnet_server_baud(tn), 9600);
        telnet_free(tn);
    }
}

/* Options we do not take are refused, WONT/DONT of an enabled option is
 * acknowledged once, and a WONT/DONT for what is already off is not
 * answered (RFC 854: no loops). */
static void test_refusals_and_no_loops(void **state)
{
    static const uint8_t unknown[] = {IAC, DO, 24, IAC, WILL, 31};
    static const uint8_t unknown_want[] = {IAC, WONT, 24, IAC, DONT, 31};
    static const uint8_t on[] = {IAC, WILL, 0, IAC, DO, 3};
    static const uint8_t on_want[] = {IAC, DO, 0, IAC, WILL, 3};
    static const uint8_t off[] = {IAC, WONT, 0, IAC, DONT, 3, IAC, WONT, 0, IAC, DONT, 3};
    static const uint8_t off_want[] = {IAC, DONT, 0, IAC, WONT, 3};
    struct telnet *tn = telnet_new(&cfg_default);
    uint8_t out[TELNET_OUT_CAP], data[16];

    (void)state;
    assert_int_equal(telnet_feed(tn, unknown, sizeof unknown, data), 0);
    assert_int_equal(take(tn, out, sizeof out), sizeof unknown_want);
    assert_memory_equal(out, unknown_want, sizeof unknown_want);
    telnet_feed(tn, on, sizeof on, data);
    assert_int_equal(take(tn, out, sizeof out), sizeof on_want);
    assert_memory_equal(out, on_want, sizeof on_want);
    telnet_feed(tn, on, sizeof on, data); /* again: already on, no answer */
    assert_int_equal(take(tn, out, sizeof out), 0);
    telnet_feed(tn, off, sizeof off, data);
    assert_int_equal(take(tn, out, sizeof out), sizeof off_want);
    assert_memory_equal(out, off_want, sizeof off_want);
    /* the refused answer to our own request needs no reply either */
    telnet_start(tn);
    take(tn, out, sizeof out);
    static const uint8_t no[] = {IAC, WONT, 0, IAC, DONT, COM};
    telnet_feed(tn, no, sizeof no, data);
    assert_int_equal(take(tn, out, sizeof out), 0);
    assert_false(telnet_com_port(tn));
    telnet_free(tn);
}

/* Garbage: IAC before a non-command byte, a stray SE, NOP/GA, a
 * subnegotiation longer than the buffer, one never closed (IAC then a
 * command inside it), a COM-PORT answer too short: none crashes, none
 * leaks command bytes into the data, and data after them passes. */
static void test_garbage(void **state)
{
    uint8_t in[200], data[sizeof in];
    size_t n = 0;
    struct telnet *tn = telnet_new(&cfg_default);

    (void)state;
    in[n++] = IAC;
    in[n++] = 'Q'; /* not a command: dropped with its IAC */
    in[n++] = 'a';
    in[n++] = IAC;
    in[n++] = SE;
    in[n++] = IAC;
    in[n++] = 241; /* NOP */
    in[n++] = IAC;
    in[n++] = 249; /* GA */
    in[n++] = 'b';
    in[n++] = IAC;
    in[n++] = SB;
    in[n++] = COM;
    in[n++] = 101;
    for (int i = 0; i < 60; i++) {
        in[n++] = 7; /* too long: ignored, no baud taken from it */
    }
    in[n++] = IAC;
    in[n++] = SE;
    in[n++] = 'c';
    in[n++] = IAC;
    in[n++] = SB;
    in[n++] = COM;
    in[n++] = 101;
    in[n++] = 1; /* too short for a baud */
    in[n++] = IAC;
    in[n++] = SE;
    in[n++] = IAC;
    in[n++] = SB;
    in[n++] = COM;
    in[n++] = IAC;
    in[n++] = WILL; /* never closed: the WILL is read as a command */
    in[n++] = 3;
    in[n++] = 'd';
    assert_int_equal(telnet_feed(tn, in, n, data), 4);
    assert_memory_equal(data, "abcd", 4);
    assert_int_equal(telnet_server_baud(tn), 0);
    telnet_free(tn);
}

/* A flood of requests: replies stop at the queue's size, whole commands
 * only, the rest counted; sending drains it and replies flow again. */
static void test_reply_queue_full(void **state)
{
    enum { REQS = TELNET_OUT_CAP }; /* 3 bytes of reply each: more than fits */
    uint8_t *in = malloc(3 * REQS), data[8], out[TELNET_OUT_CAP];
    struct telnet *tn = telnet_new(&cfg_default);
    size_t n;

    (void)state;
    assert_non_null(in);
    for (size_t i = 0; i < REQS; i++) {
        in[3 * i] = IAC;
        in[3 * i + 1] = WILL;
        in[3 * i + 2] = 1; /* ECHO: always refused */
    }
    for (size_t i = 0; i < REQS; i += 2) {
        assert_int_equal(telnet_feed(tn, in + 3 * i, 6, data), 0);
    }
    n = take(tn, out, sizeof out);
    assert_int_equal(n % 3, 0);
    assert_true(n >= TELNET_OUT_CAP - 2);
    assert_int_equal(telnet_dropped(tn), 3 * REQS - n);
    for (size_t i = 0; i < n; i += 3) {
        assert_memory_equal(out + i, ((const uint8_t[]){IAC, DONT, 1}), 3);
    }
    telnet_feed(tn, in, 3, data);
    assert_int_equal(take(tn, out, sizeof out), 3);
    free(in);
    telnet_free(tn);
}

/* Lines off at close: RTS off then DTR off, only once COM-PORT is agreed. */
static void test_lines_off(void **state)
{
    static const uint8_t want[] = {IAC, SB, COM, 5, 12, IAC, SE, IAC, SB, COM, 5, 9, IAC, SE};
    static const uint8_t do_com[] = {IAC, DO, COM};
    struct telnet *tn = telnet_new(&cfg_default);
    uint8_t out[TELNET_OUT_CAP], data[4];

    (void)state;
    telnet_lines_off(tn);
    assert_int_equal(take(tn, out, sizeof out), 0);
    telnet_start(tn);
    telnet_feed(tn, do_com, sizeof do_com, data);
    take(tn, out, sizeof out);
    telnet_lines_off(tn);
    assert_int_equal(take(tn, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    telnet_free(tn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_requests),    cmocka_unit_test(test_pyserial_opening),
        cmocka_unit_test(test_settings_after_do), cmocka_unit_test(test_settings_escaped_no_lines),
        cmocka_unit_test(test_server_answers),    cmocka_unit_test(test_iac_iac_both_ways),
        cmocka_unit_test(test_split_everywhere),  cmocka_unit_test(test_refusals_and_no_loops),
        cmocka_unit_test(test_garbage),           cmocka_unit_test(test_reply_queue_full),
        cmocka_unit_test(test_lines_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
