/* SPDX-License-Identifier: MIT */
/* telnet.h - the telnet layer of an rfc2217:// port (RFC 854/855, RFC 2217
 * COM-PORT-OPTION), as a state machine that does no I/O.
 *
 * The transport feeds it what the socket gave (telnet_feed), gets the data
 * bytes back, and sends what telnet_output() holds: the replies to the
 * server's negotiation and the COM-PORT settings. Data the board is sent goes
 * through telnet_escape() (a 0xFF data byte is IAC IAC on the wire). Never
 * prints, never exits. */
#ifndef HW_TELNET_H
#define HW_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Telnet commands and the options this layer knows. */
enum {
    TELNET_SE = 240,
    TELNET_NOP = 241,
    TELNET_SB = 250,
    TELNET_WILL = 251,
    TELNET_WONT = 252,
    TELNET_DO = 253,
    TELNET_DONT = 254,
    TELNET_IAC = 255,
    TELNET_BINARY = 0,
    TELNET_ECHO = 1,
    TELNET_SGA = 3,
    TELNET_COM_PORT = 44,
};

/* RFC 2217 client-to-server commands; the server answers each with the
 * same code plus 100 (SET-BAUDRATE 1 -> 101). */
enum {
    RFC2217_SET_BAUDRATE = 1,
    RFC2217_SET_DATASIZE = 2,
    RFC2217_SET_PARITY = 3,
    RFC2217_SET_STOPSIZE = 4,
    RFC2217_SET_CONTROL = 5,
    RFC2217_NOTIFY_LINESTATE = 6,
    RFC2217_NOTIFY_MODEMSTATE = 7,
    RFC2217_SERVER = 100,
};

/* SET-CONTROL values used here. */
enum {
    RFC2217_FLOW_NONE = 1,
    RFC2217_DTR_ON = 8,
    RFC2217_DTR_OFF = 9,
    RFC2217_RTS_ON = 11,
    RFC2217_RTS_OFF = 12,
};

/* The most reply bytes telnet_output() holds; replies that do not fit (a
 * flood of garbage requests) are dropped and counted. */
#define TELNET_OUT_CAP 1024
/* Subnegotiation bytes kept; longer ones are read to their end and ignored. */
#define TELNET_SB_CAP 32

struct telnet; /* opaque; one connection's state */

/* The serial settings to ask the server for, as transport_opts has them. */
struct telnet_cfg {
    int baud;     /* > 0, sent as SET-BAUDRATE */
    int dtr, rts; /* -1 leave alone, 0 clear, 1 set (RTS goes first) */
};

/* A new connection's state; owned by the caller, freed with telnet_free(). */
struct telnet *telnet_new(const struct telnet_cfg *cfg);
/* NULL-safe. */
void telnet_free(struct telnet *tn);

/* Queue the opening requests: WILL/DO BINARY, WILL/DO SGA and WILL
 * COM-PORT-OPTION. The settings follow once the server says DO COM-PORT-OPTION. */
void telnet_start(struct telnet *tn);

/* Take n bytes from the server; write the data bytes among them to data
 * (room for n bytes; data may be in, decoding only shrinks) and return
 * their count. Sequences split across calls carry over. Replies are queued. */
size_t telnet_feed(struct telnet *tn, const uint8_t *in, size_t n, uint8_t *data);

/* The queued bytes to send (*out valid until the next call on tn), and how
 * many of them were sent. */
size_t telnet_output(const struct telnet *tn, const uint8_t **out);
void telnet_output_done(struct telnet *tn, size_t n);

/* Escape data for the wire: copy from in[n] into out[cap] doubling 0xFF,
 * stopping before a byte that does not fit. *used = input bytes taken;
 * returns the bytes written. cap >= 2 always makes progress. */
size_t telnet_escape(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *used);

/* Queue SET-CONTROL RTS off then DTR off (mpremote's order at close), if
 * the server accepted COM-PORT-OPTION. */
void telnet_lines_off(struct telnet *tn);

/* The server agreed to COM-PORT-OPTION (sent DO), so the settings went out. */
bool telnet_com_port(const struct telnet *tn);
/* The baud rate the server says it set (its SET-BAUDRATE answer), 0 until then. */
long telnet_server_baud(const struct telnet *tn);
/* Reply bytes dropped because the queue was full. */
size_t telnet_dropped(const struct telnet *tn);

#endif
