/* SPDX-License-Identifier: MIT */
/* telnet.c - the telnet layer of rfc2217:// without I/O.
 *
 * Negotiation follows RFC 854's rule against loops: a request for a state
 * we are already in is not answered, and a request we made ourselves is
 * answered by the server, not by us again. What pyserial's PortManager
 * (serial.rfc2217, the server Wokwi-style tools and tests use) sends on
 * connect:
 *     IAC WILL ECHO, IAC WILL SGA, IAC DO BINARY, IAC WILL COM-PORT-OPTION
 * We accept BINARY, SGA and COM-PORT-OPTION both ways and refuse ECHO (a
 * server that echoed would double every byte the raw REPL parses). Once it
 * says DO COM-PORT-OPTION we send the settings; it answers each, e.g.
 *     IAC SB COM-PORT-OPTION 101 00 01 c2 00 IAC SE   (baud 115200)
 * and later may send NOTIFY-MODEMSTATE (107) when the lines change, which
 * carries nothing the heap needs. */
#include "telnet.h"
#include "hw.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum state {
    S_DATA,   /* plain bytes */
    S_IAC,    /* after IAC */
    S_OPTION, /* after IAC WILL/WONT/DO/DONT: the option byte comes */
    S_SB,     /* inside IAC SB ... */
    S_SB_IAC, /* IAC inside a subnegotiation */
};

struct telnet {
    struct telnet_cfg cfg;
    enum state state;
    uint8_t verb;              /* WILL/WONT/DO/DONT of S_OPTION */
    uint8_t us[256], him[256]; /* option enabled on our side / the server's */
    uint8_t asked_us[256];     /* we sent WILL and wait for DO/DONT */
    uint8_t asked_him[256];    /* we sent DO and wait for WILL/WONT */
    uint8_t sb[TELNET_SB_CAP]; /* the subnegotiation being read */
    size_t sb_len;
    bool sb_long;       /* it did not fit: ignore it */
    bool settings_sent; /* once per connection */
    long server_baud;
    uint8_t out[TELNET_OUT_CAP]; /* replies to send */
    size_t out_len, dropped;
};

struct telnet *telnet_new(const struct telnet_cfg *cfg)
{
    struct telnet *tn = xcalloc(1, sizeof *tn);

    tn->cfg = *cfg;
    return tn;
}

void telnet_free(struct telnet *tn)
{
    free(tn);
}

/* Queue bytes whole or not at all: half a command would corrupt the stream. */
static void put(struct telnet *tn, const uint8_t *b, size_t n)
{
    if (n > sizeof tn->out - tn->out_len) {
        tn->dropped += n;
        return;
    }
    memcpy(tn->out + tn->out_len, b, n);
    tn->out_len += n;
}

static void send_option(struct telnet *tn, uint8_t verb, uint8_t option)
{
    const uint8_t b[3] = {TELNET_IAC, verb, option};

    put(tn, b, sizeof b);
}

/* IAC SB COM-PORT-OPTION cmd value... IAC SE, with 0xFF in the value doubled. */
static void send_com(struct telnet *tn, uint8_t cmd, const uint8_t *value, size_t n)
{
    uint8_t b[4 + 2 * 4 + 2] = {TELNET_IAC, TELNET_SB, TELNET_COM_PORT, cmd};
    size_t len = 4, used;

    len += telnet_escape(value, n, b + len, sizeof b - len - 2, &used);
    b[len++] = TELNET_IAC;
    b[len++] = TELNET_SE;
    put(tn, b, len);
}

static void send_com_byte(struct telnet *tn, uint8_t cmd, uint8_t v)
{
    send_com(tn, cmd, &v, 1);
}

/* 8N1, no flow control, the baud, then RTS before DTR: the ESP auto-reset
 * circuit resets on DTR=0 && RTS=1, as transport_fd_lines() says. */
static void send_settings(struct telnet *tn)
{
    uint32_t baud = (uint32_t)tn->cfg.baud;
    const uint8_t be[4] = {(uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8),
                           (uint8_t)baud};

    tn->settings_sent = true;
    send_com(tn, RFC2217_SET_BAUDRATE, be, sizeof be);
    send_com_byte(tn, RFC2217_SET_DATASIZE, 8);
    send_com_byte(tn, RFC2217_SET_PARITY, 1);   /* NONE */
    send_com_byte(tn, RFC2217_SET_STOPSIZE, 1); /* 1 stop bit */
    send_com_byte(tn, RFC2217_SET_CONTROL, RFC2217_FLOW_NONE);
    if (tn->cfg.rts >= 0) {
        send_com_byte(tn, RFC2217_SET_CONTROL, tn->cfg.rts ? RFC2217_RTS_ON : RFC2217_RTS_OFF);
    }
    if (tn->cfg.dtr >= 0) {
        send_com_byte(tn, RFC2217_SET_CONTROL, tn->cfg.dtr ? RFC2217_DTR_ON : RFC2217_DTR_OFF);
    }
}

void telnet_start(struct telnet *tn)
{
    static const uint8_t both[] = {TELNET_BINARY, TELNET_SGA};

    for (size_t i = 0; i < ARRAY_LEN(both); i++) {
        send_option(tn, TELNET_WILL, both[i]);
        tn->asked_us[both[i]] = 1;
        send_option(tn, TELNET_DO, both[i]);
        tn->asked_him[both[i]] = 1;
    }
    send_option(tn, TELNET_WILL, TELNET_COM_PORT);
    tn->asked_us[TELNET_COM_PORT] = 1;
}

static bool accepted(uint8_t option)
{
    return option == TELNET_BINARY || option == TELNET_SGA || option == TELNET_COM_PORT;
}

/* The server's WILL/WONT: about its side. */
static void him_option(struct telnet *tn, bool will, uint8_t opt)
{
    bool asked = tn->asked_him[opt];

    tn->asked_him[opt] = 0;
    if (will && accepted(opt)) {
        if (!tn->him[opt] && !asked) {
            send_option(tn, TELNET_DO, opt);
        }
        tn->him[opt] = 1;
    } else if (will) {
        send_option(tn, TELNET_DONT, opt); /* a refusal is always sent */
    } else if (tn->him[opt]) {
        tn->him[opt] = 0;
        send_option(tn, TELNET_DONT, opt); /* acknowledge the change */
    }
}

/* The server's DO/DONT: about our side. */
static void us_option(struct telnet *tn, bool on, uint8_t opt)
{
    bool asked = tn->asked_us[opt];

    tn->asked_us[opt] = 0;
    if (on && accepted(opt)) {
        if (!tn->us[opt] && !asked) {
            send_option(tn, TELNET_WILL, opt);
        }
        tn->us[opt] = 1;
        if (opt == TELNET_COM_PORT && !tn->settings_sent) {
            send_settings(tn);
        }
    } else if (on) {
        send_option(tn, TELNET_WONT, opt);
    } else if (tn->us[opt]) {
        tn->us[opt] = 0;
        send_option(tn, TELNET_WONT, opt);
    }
}

static void negotiate(struct telnet *tn, uint8_t verb, uint8_t opt)
{
    if (verb == TELNET_WILL || verb == TELNET_WONT) {
        him_option(tn, verb == TELNET_WILL, opt);
    } else {
        us_option(tn, verb == TELNET_DO, opt);
    }
}

/* A whole subnegotiation. Only the server's SET-BAUDRATE answer is kept
 * (for the record); the other answers and NOTIFY-LINESTATE/MODEMSTATE are
 * read and ignored. */
static void subnegotiation(struct telnet *tn)
{
    const uint8_t *s = tn->sb;

    if (tn->sb_long || tn->sb_len < 2 || s[0] != TELNET_COM_PORT) {
        return;
    }
    if (s[1] == RFC2217_SERVER + RFC2217_SET_BAUDRATE && tn->sb_len == 6) {
        tn->server_baud = (long)((uint32_t)s[2] << 24 | (uint32_t)s[3] << 16 | (uint32_t)s[4] << 8 |
                                 (uint32_t)s[5]);
    }
}

static void sb_byte(struct telnet *tn, uint8_t c)
{
    if (tn->sb_len < sizeof tn->sb) {
        tn->sb[tn->sb_len++] = c;
    } else {
        tn->sb_long = true;
    }
}

/* After IAC outside a subnegotiation. IAC IAC is a data 0xFF; other
 * commands (NOP, GA, a stray SE, bytes below 240 that are no command at
 * all) carry nothing here and are dropped. Returns 1 for a data byte. */
static int after_iac(struct telnet *tn, uint8_t c)
{
    tn->state = S_DATA;
    switch (c) {
    case TELNET_IAC:
        return 1;
    case TELNET_SB:
        tn->state = S_SB;
        tn->sb_len = 0;
        tn->sb_long = false;
        return 0;
    case TELNET_WILL:
    case TELNET_WONT:
    case TELNET_DO:
    case TELNET_DONT:
        tn->verb = c;
        tn->state = S_OPTION;
        return 0;
    default:
        return 0;
    }
}

/* IAC inside a subnegotiation: IAC IAC is a 0xFF of its value, IAC SE its
 * end. Anything else means the server never closed it (RFC 855 leaves that
 * undefined): drop it and read the byte as the command after IAC. */
static void after_sb_iac(struct telnet *tn, uint8_t c)
{
    tn->state = S_SB;
    if (c == TELNET_IAC) {
        sb_byte(tn, c);
    } else if (c == TELNET_SE) {
        subnegotiation(tn);
        tn->state = S_DATA;
    } else {
        (void)after_iac(tn, c);
    }
}

size_t telnet_feed(struct telnet *tn, const uint8_t *in, size_t n, uint8_t *data)
{
    size_t out = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        switch (tn->state) {
        case S_DATA:
            if (c == TELNET_IAC) {
                tn->state = S_IAC;
            } else {
                data[out++] = c;
            }
            break;
        case S_IAC:
            if (after_iac(tn, c)) {
                data[out++] = c;
            }
            break;
        case S_OPTION:
            negotiate(tn, tn->verb, c);
            tn->state = S_DATA;
            break;
        case S_SB:
            if (c == TELNET_IAC) {
                tn->state = S_SB_IAC;
            } else {
                sb_byte(tn, c);
            }
            break;
        case S_SB_IAC:
            after_sb_iac(tn, c);
            break;
        }
    }
    return out;
}

size_t telnet_output(const struct telnet *tn, const uint8_t **out)
{
    *out = tn->out;
    return tn->out_len;
}

void telnet_output_done(struct telnet *tn, size_t n)
{
    if (n >= tn->out_len) {
        tn->out_len = 0;
        return;
    }
    memmove(tn->out, tn->out + n, tn->out_len - n);
    tn->out_len -= n;
}

size_t telnet_escape(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *used)
{
    size_t i = 0, o = 0;

    while (i < n) {
        size_t need = in[i] == TELNET_IAC ? 2 : 1;
        if (o + need > cap) {
            break;
        }
        out[o++] = in[i];
        if (need == 2) {
            out[o++] = TELNET_IAC;
        }
        i++;
    }
    *used = i;
    return o;
}

void telnet_lines_off(struct telnet *tn)
{
    if (!tn->settings_sent) {
        return;
    }
    send_com_byte(tn, RFC2217_SET_CONTROL, RFC2217_RTS_OFF);
    send_com_byte(tn, RFC2217_SET_CONTROL, RFC2217_DTR_OFF);
}

bool telnet_com_port(const struct telnet *tn)
{
    return tn->settings_sent;
}

long telnet_server_baud(const struct telnet *tn)
{
    return tn->server_baud;
}

size_t telnet_dropped(const struct telnet *tn)
{
    return tn->dropped;
}
