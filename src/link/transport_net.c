/* SPDX-License-Identifier: MIT */
/* transport_net.c - the network backends: "socket://HOST:PORT" (raw TCP,
 * what socat TCP-LISTEN and esptool's socket:// speak) and
 * "rfc2217://HOST:PORT" (telnet with COM-PORT-OPTION: Wokwi's
 * rfc2217ServerPort, ser2net, pyserial's rfc2217_server). The telnet bytes
 * are telnet.c's business; this file parses the name, connects, and moves
 * bytes, with the peer closing the connection read as an unplugged port. */
#include "telnet.h"
#include "transport_impl.h"
#include "util.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKET_PREFIX "socket://"
#define RFC2217_PREFIX "rfc2217://"

/* A name's parts: host without brackets, port as digits. */
struct net_name {
    char host[256];
    char port[8];
    bool rfc2217;
};

int transport_net_kind(const char *spec)
{
    if (!spec) {
        return 0;
    }
    if (strncmp(spec, SOCKET_PREFIX, strlen(SOCKET_PREFIX)) == 0) {
        return 1;
    }
    return strncmp(spec, RFC2217_PREFIX, strlen(RFC2217_PREFIX)) == 0 ? 2 : 0;
}

static int bad_name(struct hw_err *err, const char *spec, const char *why)
{
    int code = hw_err_set(err, HW_EARG, "cannot open %s: %s", spec, why);

    hw_err_hint(err, "write rfc2217://HOST:PORT or socket://HOST:PORT, e.g. "
                     "rfc2217://localhost:4000 or rfc2217://[::1]:4000");
    return code;
}

/* "[::1]:4000" or "host:4000" after the prefix. */
static int split_host(const char *spec, const char *rest, struct net_name *nm, struct hw_err *err)
{
    const char *colon;
    size_t hlen;

    if (rest[0] == '[') {
        const char *close = strchr(rest, ']');
        if (!close || close[1] != ':') {
            return bad_name(err, spec, "an IPv6 address is [ADDRESS]:PORT");
        }
        rest++;
        hlen = (size_t)(close - rest);
        colon = close + 1;
    } else {
        colon = strrchr(rest, ':');
        if (!colon) {
            return bad_name(err, spec, "no port");
        }
        hlen = (size_t)(colon - rest);
        if (memchr(rest, ':', hlen)) {
            return bad_name(err, spec, "an IPv6 address goes in brackets");
        }
    }
    if (hlen == 0) {
        return bad_name(err, spec, "no host");
    }
    if (hlen >= sizeof nm->host) {
        return bad_name(err, spec, "host name too long");
    }
    memcpy(nm->host, rest, hlen);
    nm->host[hlen] = '\0';
    snprintf(nm->port, sizeof nm->port, "%.7s", colon + 1);
    return strlen(colon + 1) < sizeof nm->port ? HW_OK : bad_name(err, spec, "no such port");
}

/* Whether opt (n bytes, "name" or "name=value") is one of pyserial's URL
 * options that heapwatch does already: esptool's documentation writes
 * "rfc2217://localhost:4000?ign_set_control" for esp_rfc2217_server, and
 * heapwatch never waits for SET-CONTROL's answer; it does not poll the
 * modem lines (poll_modem), has its own time limits (timeout=) and no
 * telnet log (logging=). socket:// knows only logging= in pyserial. */
static bool known_option(const char *opt, size_t n, bool rfc2217)
{
    static const char *const rfc[] = {"ign_set_control", "poll_modem", "timeout=", "logging="};
    for (size_t i = rfc2217 ? 0 : 3; i < sizeof rfc / sizeof rfc[0]; i++) {
        size_t k = strlen(rfc[i]);
        bool valued = rfc[i][k - 1] == '=';
        if (valued ? n > k && memcmp(opt, rfc[i], k) == 0 : n == k && memcmp(opt, rfc[i], k) == 0)
            return true;
    }
    return false;
}

/* "?a&b=1" after the port: every option must be known_option()'s. */
static int check_options(const char *spec, const char *q, bool rfc2217, struct hw_err *err)
{
    for (const char *o = q + 1;; o++) {
        size_t n = strcspn(o, "&");
        if (!known_option(o, n, rfc2217)) {
            return hw_err_set(err, HW_EARG, "cannot open %s: unknown option '%.*s' (%s)", spec,
                              (int)(n < 40 ? n : 40), o,
                              rfc2217 ? "pyserial's ign_set_control, poll_modem, timeout= "
                                        "and logging= are understood"
                                      : "pyserial's logging= is understood");
        }
        o += n;
        if (!*o)
            return HW_OK;
    }
}

static int parse_name(const char *spec, struct net_name *nm, struct hw_err *err)
{
    int kind = transport_net_kind(spec);
    const char *rest = spec + strlen(kind == 2 ? RFC2217_PREFIX : SOCKET_PREFIX);
    char name[sizeof nm->host + sizeof nm->port + 4];
    char *end;
    long port;
    int rc;

    memset(nm, 0, sizeof *nm);
    nm->rfc2217 = kind == 2;
    size_t len = strcspn(rest, "?");
    if (rest[len]) {
        rc = check_options(spec, rest + len, nm->rfc2217, err);
        if (rc != HW_OK)
            return rc;
    }
    if (memchr(rest, '/', len))
        return bad_name(err, spec, "a path after the port is not supported");
    if (len >= sizeof name)
        return bad_name(err, spec, "host name too long");
    memcpy(name, rest, len);
    name[len] = '\0';
    rc = split_host(spec, name, nm, err);
    if (rc != HW_OK) {
        return rc;
    }
    port = strtol(nm->port, &end, 10);
    if (!nm->port[0] || *end || nm->port[0] == '-' || nm->port[0] == '+' || port < 1 ||
        port > 65535) {
        return bad_name(err, spec, port == 0 && !*end ? "port 0" : "no such port");
    }
    return HW_OK;
}

int transport_net_check(const char *spec, struct hw_err *err)
{
    struct net_name nm;

    return parse_name(spec, &nm, err);
}

/* ---- connecting ---- */

static int connect_error(struct hw_err *err, const char *spec, int e)
{
    int code = hw_err_set(err, e == ECONNREFUSED ? HW_ENOENT : hw_from_errno(e),
                          "cannot connect to %s: %s", spec, strerror(e));

    if (strncmp(spec, RFC2217_PREFIX, strlen(RFC2217_PREFIX)) == 0) {
        hw_err_hint(err, "is the RFC 2217 server running? (Wokwi: rfc2217ServerPort in "
                         "wokwi.toml, and the simulation started)");
    } else {
        hw_err_hint(err, "is the server running and listening on that port?");
    }
    return code;
}

/* Wait for a non-blocking connect() until the deadline; 0 or the errno. */
static int connect_wait(int fd, int64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int r, e = 0;
    socklen_t len = sizeof e;

    do {
        int64_t left = deadline - now_ms();
        r = poll(&p, 1, left > 0 ? (int)left : 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return errno;
    }
    if (r == 0) {
        return ETIMEDOUT;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) {
        return errno;
    }
    return e;
}

/* One address: a connected non-blocking socket, or -1 with *e set. */
static int connect_one(const struct addrinfo *ai, int64_t deadline, int *e)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;

    if (fd < 0) {
        *e = errno;
        return -1;
    }
    *e = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (*e == EINPROGRESS || *e == EINTR) {
        *e = connect_wait(fd, deadline);
    }
    if (*e) {
        close(fd);
        return -1;
    }
    /* the raw REPL sends a few bytes and waits for the answer: no Nagle */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    return fd;
}

static int net_connect(const char *spec, const struct net_name *nm, int *fd, struct hw_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV},
                    *res, *ai;
    int64_t deadline = now_ms() + TRANSPORT_NET_CONNECT_MS;
    int rc = getaddrinfo(nm->host, nm->port, &hints, &res), e = ECONNREFUSED;

    if (rc != 0) {
        int code = hw_err_set(err, rc == EAI_NONAME || rc == EAI_AGAIN ? HW_ENOENT : HW_EIO,
                              "cannot connect to %s: %s", spec,
                              rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        hw_err_hint(err, "check the host name (localhost, 127.0.0.1, [::1])");
        return code;
    }
    *fd = -1;
    for (ai = res; ai && *fd < 0 && now_ms() < deadline; ai = ai->ai_next) {
        *fd = connect_one(ai, deadline, &e); /* IPv6 and IPv4 both, in resolver order */
    }
    freeaddrinfo(res);
    return *fd >= 0 ? HW_OK : connect_error(err, spec, e);
}

int transport_net_open(struct transport *t, const char *spec, const struct transport_opts *o,
                       struct hw_err *err)
{
    struct net_name nm;
    int rc = parse_name(spec, &nm, err), fd;

    if (rc != HW_OK) {
        return rc;
    }
    rc = net_connect(spec, &nm, &fd, err);
    if (rc != HW_OK) {
        return rc;
    }
    t->kind = TRANSPORT_NET;
    t->fd = fd;
    if (nm.rfc2217) {
        struct telnet_cfg cfg = {.baud = o->baud, .dtr = o->dtr, .rts = o->rts};
        t->telnet = telnet_new(&cfg);
        telnet_start(t->telnet);
        rc = transport_net_flush(t, TRANSPORT_NET_CLOSE_MS, err);
        if (rc != HW_OK) {
            transport_net_close(t);
        }
    }
    return rc;
}

void transport_net_close(struct transport *t)
{
    if (t->telnet && t->fd >= 0 && t->clear_lines) {
        telnet_lines_off(t->telnet);
        (void)transport_net_flush(t, TRANSPORT_NET_CLOSE_MS, NULL); /* best effort */
    }
    telnet_free(t->telnet);
    t->telnet = NULL;
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
}

/* ---- bytes ---- */

static int gone(const struct transport *t, const char *action, int e, struct hw_err *err)
{
    if (e == 0) {
        return hw_err_set(err, HW_EDISCONNECTED, "cannot %s %s: connection closed by the server",
                          action, t->path);
    }
    return hw_err_set(err, HW_EDISCONNECTED, "cannot %s %s: connection lost (%s)", action, t->path,
                      strerror(e));
}

static bool is_gone(int e)
{
    return e == ECONNRESET || e == EPIPE || e == ETIMEDOUT || e == EHOSTUNREACH ||
           e == ENETUNREACH || e == ENETDOWN || e == ECONNABORTED || e == ENOTCONN;
}

/* Send all of buf by the deadline (-1: none); MSG_NOSIGNAL, so a closed
 * connection is an error and not a SIGPIPE. */
static int send_all(struct transport *t, const uint8_t *buf, size_t len, int64_t deadline,
                    struct hw_err *err)
{
    while (len > 0) {
        ssize_t w = send(t->fd, buf, len, MSG_NOSIGNAL);
        if (w > 0) {
            buf += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            return is_gone(errno)
                       ? gone(t, "write", errno, err)
                       : hw_err_set(err, HW_EIO, "cannot write %s: %s", t->path, strerror(errno));
        }
        struct pollfd p = {.fd = t->fd, .events = POLLOUT};
        int64_t left = deadline < 0 ? -1 : deadline - now_ms();
        if (deadline >= 0 && left <= 0) {
            return hw_err_set(err, HW_ETIMEDOUT,
                              "cannot write %s: timed out (the server is not reading)", t->path);
        }
        if (poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left) > 0 &&
            (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & POLLOUT)) {
            return gone(t, "write", ECONNRESET, err);
        }
    }
    return HW_OK;
}

int transport_net_flush(struct transport *t, int timeout_ms, struct hw_err *err)
{
    const uint8_t *out;
    size_t n;
    int rc;

    if (!t->telnet || (n = telnet_output(t->telnet, &out)) == 0) {
        return HW_OK;
    }
    rc = send_all(t, out, n, timeout_ms < 0 ? -1 : now_ms() + timeout_ms, err);
    if (rc == HW_OK) {
        telnet_output_done(t->telnet, n);
    }
    return rc;
}

int transport_net_read(struct transport *t, void *buf, size_t cap, size_t *n, struct hw_err *err)
{
    *n = 0;
    for (;;) {
        ssize_t r = recv(t->fd, buf, cap, 0);
        if (r > 0) {
            size_t got = t->telnet ? telnet_feed(t->telnet, buf, (size_t)r, buf) : (size_t)r;
            /* replies to the server's negotiation go out at once, so it
             * sets the port up before the board's first answer matters */
            int rc = transport_net_flush(t, TRANSPORT_NET_CLOSE_MS, err);
            *n = rc == HW_OK ? got : 0;
            return rc;
        }
        if (r == 0) {
            return gone(t, "read", 0, err); /* the server closed or restarted */
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return HW_OK;
        }
        if (is_gone(errno)) {
            return gone(t, "read", errno, err);
        }
        return hw_err_set(err, HW_EIO, "cannot read %s: %s", t->path, strerror(errno));
    }
}

int transport_net_write(struct transport *t, const void *buf, size_t len, int timeout_ms,
                        struct hw_err *err)
{
    const uint8_t *p = buf;
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    int rc = transport_net_flush(t, timeout_ms, err);

    if (!t->telnet || rc != HW_OK) {
        return rc == HW_OK ? send_all(t, p, len, deadline, err) : rc;
    }
    while (rc == HW_OK && len > 0) {
        uint8_t wire[1024];
        size_t used, w = telnet_escape(p, len, wire, sizeof wire, &used);
        rc = send_all(t, wire, w, deadline, err);
        p += used;
        len -= used;
    }
    return rc;
}
