/* SPDX-License-Identifier: MIT */
/* transport_impl.h - internal to the transport module (transport.c, the
 * backends transport_serial.c, transport_tty.c, transport_exec.c, and
 * transport_io.c): the shared handle and the backend entry points.
 * No other module includes this; they see only transport.h. */
#ifndef HW_TRANSPORT_IMPL_H
#define HW_TRANSPORT_IMPL_H

#include <stddef.h>

#include "hw.h"
#include "transport.h"

struct sp_port; /* only transport_serial.c looks inside */
struct telnet;  /* telnet.c: rfc2217:// only */

enum transport_kind {
    TRANSPORT_SERIAL, /* libserialport owns the fd (sp_close closes it) */
    TRANSPORT_TTY,    /* termios fallback; we own the fd */
    TRANSPORT_EXEC,   /* pty master of a child process; we own fd and child */
    TRANSPORT_NET,    /* a TCP socket (socket://, rfc2217://); we own the fd */
};

struct transport {
    enum transport_kind kind;
    int fd;
    char *path;            /* xstrdup'd, never NULL */
    char *usb_serial;      /* xstrdup'd or NULL */
    int clear_lines;       /* opts raised DTR or RTS: clear RTS, DTR on close */
    struct sp_port *port;  /* TRANSPORT_SERIAL only */
    long child;            /* TRANSPORT_EXEC: the child's pid (also its pgid), else -1 */
    int reaped;            /* the child has been waited for; never signal it again */
    int child_status;      /* its waitpid() status once reaped */
    int err_fd;            /* TRANSPORT_EXEC: read end of the child's stderr, else -1 */
    struct telnet *telnet; /* TRANSPORT_NET over rfc2217://, else NULL */
};

/* A backend's "not mine, try the next one" answer (not an HW_E* code). */
#define TRANSPORT_DECLINED 1

/* transport_tty.c: fill err for a failed open of path with errno e, in the
 * shapes transport_open() documents. Returns the HW_E* code. */
int transport_open_error(struct hw_err *err, const char *path, int e);

/* transport_serial.c: open path with libserialport into t (fd, port,
 * usb_serial). TRANSPORT_DECLINED if libserialport does not know the path or
 * cannot open it (the fallback then reports the real errno); a negative code
 * once the port is open but cannot be made exclusive or configured. */
int transport_serial_open(struct transport *t, const char *path, const struct transport_opts *o,
                          struct hw_err *err);
/* Close what transport_serial_open() opened. */
void transport_serial_close(struct transport *t);
/* Enumerate ports: unsorted, likely not yet filled. See transport_list(). */
int transport_serial_list(struct port_info **out, size_t *n, struct hw_err *err);

/* transport_tty.c: the termios fallback for any tty, and its close. */
int transport_fd_open_tty(struct transport *t, const char *path, const struct transport_opts *o,
                          struct hw_err *err);
void transport_tty_close(struct transport *t);
/* transport_exec.c: "exec:" - cmd is what follows the prefix; its close
 * (TERM, KILL after TRANSPORT_EXEC_GRACE_MS, reaped); and how a child
 * whose pty hung up ended ("command exited with status 1"; "" unknown). */
int transport_exec_open(struct transport *t, const char *cmd, struct hw_err *err);
void transport_exec_close(struct transport *t);
void transport_exec_status(struct transport *t, char *buf, size_t cap);

/* transport_net.c: "socket://HOST:PORT" and "rfc2217://HOST:PORT".
 * transport_net_kind: 1 socket://, 2 rfc2217://, 0 neither. check: the
 * name's syntax only (HW_EARG, no I/O). open: connect within
 * TRANSPORT_NET_CONNECT_MS (refused: HW_ENOENT "cannot connect to ...:
 * Connection refused" + hint) and, for rfc2217, start the negotiation.
 * read/write: as transport_read()/transport_write(), through the telnet
 * layer for rfc2217; the server closing is HW_EDISCONNECTED. flush: send
 * the telnet layer's queued replies. close: lines off if asked, then close. */
#define TRANSPORT_NET_CONNECT_MS 3000
#define TRANSPORT_NET_CLOSE_MS 500
int transport_net_kind(const char *spec);
int transport_net_check(const char *spec, struct hw_err *err);
int transport_net_open(struct transport *t, const char *spec, const struct transport_opts *o,
                       struct hw_err *err);
void transport_net_close(struct transport *t);
int transport_net_read(struct transport *t, void *buf, size_t cap, size_t *n, struct hw_err *err);
int transport_net_write(struct transport *t, const void *buf, size_t len, int timeout_ms,
                        struct hw_err *err);
int transport_net_flush(struct transport *t, int timeout_ms, struct hw_err *err);

/* Shared by both tty backends, on an already open fd: */
/* TIOCEXCL plus flock(LOCK_EX|LOCK_NB); HW_EBUSY "port is busy" on failure. */
int transport_fd_lock(int fd, const char *path, struct hw_err *err);
/* Raw 8N1 at baud (0 keeps the current speed), no flow control, CLOCAL|CREAD,
 * HUPCL cleared, VMIN=1 VTIME=0 so a non-blocking read() returns 0 only at
 * hangup. HW_EARG for a baud termios cannot express, HW_EIO otherwise. */
int transport_fd_setup(int fd, const char *path, int baud, struct hw_err *err);
/* Apply DTR/RTS (-1 leave, 0 clear, 1 set), RTS first; ENOTTY/EINVAL ignored
 * (ptys). HW_EIO on other failures. */
int transport_fd_lines(int fd, const char *path, int dtr, int rts, struct hw_err *err);

#endif
