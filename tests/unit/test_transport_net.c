/* SPDX-License-Identifier: MIT */
/* test_transport_net.c - socket:// and rfc2217:// on real loopback sockets,
 * the test playing the server: bytes both ways unchanged over socket://,
 * the opening negotiation and the settings (with the --baud given) over
 * rfc2217://, IAC IAC both ways, the server closing read as a disconnect,
 * IPv4 and bracketed IPv6, refused connections and bad names, and id:/port:. */
#include "transport.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A listening socket on the loopback of family af; its port in *port. */
static int listener(int af, int *port)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int fd = socket(af, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    if (af == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(af == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* Read from the transport until want bytes came, or 3 s. */
static size_t read_some(struct transport *t, uint8_t *buf, size_t want, int *rc, struct hw_err *err)
{
    int64_t deadline = now_ms() + 3000;
    size_t got = 0;

    *rc = HW_OK;
    while (got < want && now_ms() < deadline) {
        struct pollfd p = {.fd = transport_fd(t), .events = POLLIN};
        size_t n = 0;
        poll(&p, 1, 100);
        *rc = transport_read(t, buf + got, want - got, &n, err);
        if (*rc != HW_OK) {
            break;
        }
        got += n;
    }
    return got;
}

/* The server side reads exactly n bytes (3 s at most). */
static void server_expect(int fd, const uint8_t *want, size_t n)
{
    uint8_t buf[256];
    size_t got = 0;

    assert_true(n <= sizeof buf);
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_true(poll(&p, 1, 3000) == 1);
        ssize_t r = recv(fd, buf + got, n - got, 0);
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_memory_equal(buf, want, n);
}

static void test_socket_bytes_and_close(void **state)
{
    int port, lfd = listener(AF_INET, &port), sfd, rc;
    char spec[64];
    struct transport *t;
    struct hw_err err = {0};
    uint8_t buf[16];

    (void)state;
    snprintf(spec, sizeof spec, "socket://127.0.0.1:%d", port);
    assert_int_equal(transport_open(spec, NULL, &t, &err), HW_OK);
    assert_string_equal(transport_path(t), spec);
    sfd = accept(lfd, NULL, NULL);
    assert_true(sfd >= 0);
    /* no telnet on socket://: 0xFF passes as it is, both ways */
    assert_int_equal(send(sfd,
                          "a\xff\xff"
                          "b",
                          4, 0),
                     4);
    assert_int_equal(read_some(t, buf, 4, &rc, &err), 4);
    assert_memory_equal(buf,
                        "a\xff\xff"
                        "b",
                        4);
    assert_int_equal(transport_write(t,
                                     "\xff"
                                     "c",
                                     2, 1000, &err),
                     HW_OK);
    server_expect(sfd,
                  (const uint8_t *)"\xff"
                                   "c",
                  2);
    close(sfd);
    read_some(t, buf, 1, &rc, &err);
    assert_int_equal(rc, HW_EDISCONNECTED);
    assert_non_null(strstr(err.msg, "connection closed by the server"));
    transport_close(t);
    close(lfd);
}

/* rfc2217:// over IPv6, named with esptool's ?ign_set_control: the
 * opening requests, then on DO COM-PORT the settings with the baud asked
 * for; data with IAC IAC both ways. */
static void test_rfc2217_negotiation(void **state)
{
    static const uint8_t hello[] = {255, 251, 0,   255, 253, 0,   255, 251,
                                    3,   255, 253, 3,   255, 251, 44};
    static const uint8_t baud[] = {255, 250, 44, 1, 0, 0, 0xe1, 0, 255, 240};
    int port, lfd = listener(AF_INET6, &port), sfd, rc;
    const struct transport_opts o = {.baud = 57600, .dtr = -1, .rts = -1};
    char spec[64];
    struct transport *t;
    struct hw_err err = {0};
    uint8_t buf[64];

    (void)state;
    snprintf(spec, sizeof spec, "rfc2217://[::1]:%d?ign_set_control", port);
    assert_int_equal(transport_open(spec, &o, &t, &err), HW_OK);
    sfd = accept(lfd, NULL, NULL);
    assert_true(sfd >= 0);
    server_expect(sfd, hello, sizeof hello);
    /* DO COM-PORT-OPTION, then data: the read gives only the data */
    assert_int_equal(send(sfd, "\xff\xfd\x2cx\xff\xffy", 7, 0), 7);
    assert_int_equal(read_some(t, buf, 3, &rc, &err), 3);
    assert_memory_equal(buf, "x\xffy", 3);
    server_expect(sfd, baud, sizeof baud);
    assert_int_equal(transport_write(t, "\xff", 1, 1000, &err), HW_OK);
    /* after the other settings (datasize, parity, stopsize, control: 4 x 7 bytes) */
    uint8_t rest[4 * 7 + 2];
    size_t got = 0;
    while (got < sizeof rest) {
        ssize_t r = recv(sfd, rest + got, sizeof rest - got, 0);
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_memory_equal(rest + 4 * 7, "\xff\xff", 2);
    close(sfd);
    read_some(t, buf, 1, &rc, &err);
    assert_int_equal(rc, HW_EDISCONNECTED);
    transport_close(t);
    close(lfd);
}

static void test_refused(void **state)
{
    int port, lfd = listener(AF_INET, &port);
    char spec[64];
    struct transport *t;
    struct hw_err err = {0};

    (void)state;
    close(lfd); /* nobody listens there now */
    snprintf(spec, sizeof spec, "rfc2217://127.0.0.1:%d", port);
    assert_int_equal(transport_open(spec, NULL, &t, &err), HW_ENOENT);
    assert_null(t);
    assert_non_null(strstr(err.msg, "cannot connect to rfc2217://127.0.0.1:"));
    assert_non_null(strstr(err.msg, "Connection refused"));
    assert_non_null(strstr(err.hint, "wokwi.toml"));
}

static void test_bad_names(void **state)
{
    static const char *const bad[] = {
        "rfc2217://nohost",
        "socket://:0",
        "socket://:4000",
        "rfc2217://h:0",
        "rfc2217://h:65536",
        "rfc2217://h:-1",
        "rfc2217://h:",
        "rfc2217://::1:4000",
        "rfc2217://[::1]",
        "rfc2217://h:4000?x=1",
        "rfc2217://h:4000?ign_set_control&x",
        "rfc2217://h:4000?timeout=",
        "rfc2217://h:4000?ign_set_controls",
        "rfc2217://h:4000?",
        "socket://h:40?ign_set_control",
        "socket://h:40/path",
        "socket://h/40:40",
        "id:",
        "port:",
    };
    struct transport *t;

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct hw_err err = {0};
        assert_int_equal(transport_check_spec(bad[i], &err), HW_EARG);
        assert_non_null(strstr(err.msg, bad[i]));
        err = (struct hw_err){0};
        assert_int_equal(transport_open(bad[i], NULL, &t, &err), HW_EARG);
        assert_null(t);
    }
    assert_int_equal(transport_check_spec("rfc2217://localhost:4000", NULL), HW_OK);
    assert_int_equal(transport_check_spec("socket://[::1]:1", NULL), HW_OK);
    /* pyserial's options, as esptool's documentation writes them */
    assert_int_equal(transport_check_spec("rfc2217://localhost:4000?ign_set_control", NULL), HW_OK);
    assert_int_equal(
        transport_check_spec("rfc2217://[::1]:4000?poll_modem&timeout=3&logging=debug", NULL),
        HW_OK);
    assert_int_equal(transport_check_spec("socket://h:40?logging=info", NULL), HW_OK);
    struct hw_err err = {0};
    assert_int_equal(transport_check_spec("rfc2217://h:1?ign_set_control&baud=9", &err), HW_EARG);
    assert_string_equal(err.msg, "cannot open rfc2217://h:1?ign_set_control&baud=9: unknown "
                                 "option 'baud=9' (pyserial's ign_set_control, poll_modem, "
                                 "timeout= and logging= are understood)");
    assert_int_equal(transport_check_spec("/dev/ttyACM0", NULL), HW_OK);
}

/* id: goes through the port list (no such board here); port: is the path
 * itself, even when it looks like a shortcut. */
static void test_id_and_port(void **state)
{
    struct transport *t;
    struct hw_err err = {0};

    (void)state;
    assert_int_equal(transport_open("id:NO-SUCH-SERIAL-0", NULL, &t, &err), HW_ENOENT);
    assert_string_equal(err.msg, "cannot find board NO-SUCH-SERIAL-0: not connected");
    err = (struct hw_err){0};
    assert_int_equal(transport_open("port:a0", NULL, &t, &err), HW_ENOENT);
    assert_string_equal(err.msg, "cannot open a0: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_bytes_and_close),
        cmocka_unit_test(test_rfc2217_negotiation),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_id_and_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
