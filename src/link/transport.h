/* SPDX-License-Identifier: MIT */
/* transport.h - bytes to and from a MicroPython board.
 *
 * Owns opening a port (libserialport for real serial ports, a termios
 * fallback for ptys and socat links, "exec:CMD" on a fresh pty, TCP for
 * socket:// and rfc2217://), non-blocking
 * reads, bounded writes, hangup detection and port enumeration. It knows
 * nothing about the raw REPL: the caller polls transport_fd() and feeds the
 * bytes to repl.c. Never prints, never exits. */
#ifndef HW_TRANSPORT_H
#define HW_TRANSPORT_H

#include <stddef.h>

#include "hw.h"

struct transport; /* opaque; one open port */

/* How to open a port. A NULL opts pointer means "all defaults". */
struct transport_opts {
    int baud; /* 0 = 115200; 1200 is refused (it reboots native-USB boards into the bootloader) */
    int dtr, rts; /* -1 leave as the kernel set them (raised on open), 0 clear, 1 set */
};

/* Open the port named by spec and store the handle in *out (NULL on failure).
 *
 * spec forms:
 *  - NULL or "auto": the single likely board from transport_list(), preferring
 *    native MicroPython VID:PIDs over known USB-UART bridges. None: HW_ENOENT
 *    "no MicroPython board found". Several in the best tier: HW_EARG
 *    "several boards: /dev/ttyACM0, /dev/ttyACM1", hint "name one: ...".
 *  - "exec:CMD": run CMD with /bin/sh -c in its own session and process group,
 *    stdin and stdout on a fresh raw pty, stderr on a pipe (transport_err_fd),
 *    so its diagnostics never land on the terminal or in the byte stream.
 *    A command that cannot start shows up as HW_EDISCONNECTED on the first read.
 *  - "socket://HOST:PORT": raw TCP (socat TCP-LISTEN, esptool's socket://).
 *  - "rfc2217://HOST:PORT": TCP with telnet and RFC 2217 COM-PORT-OPTION
 *    (Wokwi, ser2net, pyserial's server): baud as SET-BAUDRATE, 8N1, no flow
 *    control, then the DTR/RTS overrides as SET-CONTROL; 0xFF escaped both
 *    ways. HOST may be a name, an IPv4 or a bracketed IPv6 address
 *    ("[::1]:4000"). Connecting gives up after TRANSPORT_NET_CONNECT_MS
 *    (transport_impl.h). Refused or unknown host: HW_ENOENT "cannot connect
 *    to rfc2217://127.0.0.1:4000: Connection refused" and a hint; a bad
 *    name: HW_EARG. The server closing the connection reads as an unplug:
 *    HW_EDISCONNECTED "connection closed by the server".
 *  - "id:SERIAL": the port of the board with that USB serial number (mpremote's
 *    form); HW_ENOENT "cannot find board SERIAL: not connected".
 *  - "port:PATH": PATH itself, never read as a shortcut (mpremote's form).
 *  - "a0".."a9", "u0".."u9", "c0".."c9": /dev/ttyACM<n>, /dev/ttyUSB<n>, COM<n>.
 *  - anything else is a path. Real serial ports go through libserialport; ttys
 *    it refuses (ptys, socat links) through termios. Both: 8N1, no flow
 *    control, raw, exclusive (TIOCEXCL plus flock(LOCK_EX)), HUPCL cleared so
 *    closing does not drop DTR/RTS, then the DTR/RTS overrides (RTS first).
 *
 * Errors (err->msg is one line "cannot open <path>: <cause>", err->hint may
 * give the fix): HW_EPERM (EACCES; hint: the dialout group), HW_EBUSY ("port
 * is busy"), HW_ENOENT (no such file or device), HW_EARG ("not a serial port",
 * bad opts, empty spec, unsupported baud), HW_EIO for anything else. */
int transport_open(const char *spec, const struct transport_opts *opts, struct transport **out,
                   struct hw_err *err);

/* Close t and free it; NULL-safe. Lines: if opts set DTR or RTS to 1, clear
 * RTS and then DTR before closing (mpremote's order: never passes through
 * DTR=0/RTS=1, which resets ESP boards through their auto-reset circuit);
 * otherwise leave them exactly as they are (HUPCL is cleared at open, so the
 * kernel does not drop them either). exec: sends SIGTERM to the child's
 * process group, closes the pty, waits up to TRANSPORT_EXEC_GRACE_MS, then
 * SIGKILLs the group and reaps the child, so no zombie remains. */
void transport_close(struct transport *t);

/* How long transport_close() lets an exec: child exit after SIGTERM. */
#define TRANSPORT_EXEC_GRACE_MS 300

/* The descriptor to poll() for POLLIN (POLLHUP/POLLERR mean "gone"; confirm
 * with transport_read()). Owned by t; valid until transport_close(). */
int transport_fd(const struct transport *t);

/* Read up to cap bytes into buf without blocking; *n = bytes read (0 = none
 * available now). Returns HW_EDISCONNECTED when the device is gone (EOF after
 * a hangup, EIO, ENXIO, ENODEV; for exec: the command exited, msg says how),
 * HW_EIO for other errors. *n is 0 on failure. */
int transport_read(struct transport *t, void *buf, size_t cap, size_t *n, struct hw_err *err);

/* Write all len bytes, waiting in poll() for the device to drain, at most
 * timeout_ms in total (< 0 = no limit). HW_ETIMEDOUT if it does not drain (some
 * bytes may have been written), HW_EDISCONNECTED if the device is gone. */
int transport_write(struct transport *t, const void *buf, size_t len, int timeout_ms,
                    struct hw_err *err);

/* Check a port name's syntax without opening anything (the net forms'
 * HOST:PORT, a non-empty id: or port:): HW_OK, or HW_EARG with the reason
 * and a hint. Names it does not know are left to transport_open(). */
int transport_check_spec(const char *spec, struct hw_err *err);

/* The resolved spec: "/dev/ttyACM0" after shortcut, id: or auto expansion,
 * the path as the user gave it (symlinks are not resolved), "exec:CMD", or
 * the socket:// or rfc2217:// name as given (what reconnecting opens again).
 * Never NULL; owned by t, valid until transport_close(). */
const char *transport_path(const struct transport *t);

/* The USB serial number of a libserialport USB port, or NULL (not USB, no
 * serial, fallback or exec). Owned by t, valid until transport_close(). */
const char *transport_usb_serial(const struct transport *t);

/* The read end of an exec: child's stderr (non-blocking; read() it when
 * poll() says so, EOF when the child is gone), or -1 for other transports.
 * Owned by t; closed by transport_close(), which drops what the child
 * writes while it is being stopped ("terminating on signal 15"). */
int transport_err_fd(const struct transport *t);
/* Read what the exec: child wrote on stderr without blocking; *n = 0 when
 * nothing is waiting. At EOF the pipe is closed and transport_err_fd()
 * becomes -1. Always HW_OK (a stderr that fails is only closed). */
int transport_read_err(struct transport *t, void *buf, size_t cap, size_t *n);

/* The process id of an exec: child, or -1 for other transports. */
long transport_pid(const struct transport *t);

/* One row of heapwatch list. All strings are owned by the list; any of
 * serial/description/manufacturer/product may be NULL. */
struct port_info {
    char *path;         /* "/dev/ttyACM0"; never NULL */
    int vid, pid;       /* USB ids, -1 if not USB */
    char *serial;       /* USB serial number */
    char *description;  /* libserialport's description ("Board in FS mode") */
    char *manufacturer; /* USB manufacturer string ("MicroPython") */
    char *product;      /* USB product string */
    int likely;         /* 2 native MicroPython id, 1 known USB-UART bridge, 0 other */
};

/* List the serial ports the OS knows (libserialport; ptys are never listed).
 * *out is an array of *n entries sorted as transport_list_sort() does (NULL
 * when *n is 0); the caller frees it with transport_list_free(). On failure
 * returns HW_EIO with *out NULL and *n 0. */
int transport_list(struct port_info **out, size_t *n, struct hw_err *err);

/* Free a list from transport_list(); NULL-safe. */
void transport_list_free(struct port_info *list, size_t n);

/* Sort in place: likely descending, then path in natural order (ttyACM2
 * before ttyACM10). */
void transport_list_sort(struct port_info *list, size_t n);

/* Classify a USB VID:PID: 2 native MicroPython firmware id (F055:98xx,
 * 2E8A:0005..., 303A:1001/40xx/80xx-82xx, 2341, 239A, 1B4F, 37C5), 1 a USB-UART
 * bridge found on MicroPython boards (CP210x, CH34x/CH9102, FTDI), 0 other
 * or not USB (vid < 0). */
int transport_likely(int vid, int pid);

/* The auto rule over a list: the one port of the highest likely tier > 0.
 * On success copies its path into path[cap]. HW_ENOENT if no port is likely,
 * HW_EARG if several share the best tier (msg lists them, hint names one),
 * HW_EARG if path[cap] is too small. path is "" on failure (if cap > 0). */
int transport_pick(const struct port_info *list, size_t n, char *path, size_t cap,
                   struct hw_err *err);

/* Find the current path of the board with this USB serial number (after a
 * re-enumeration ttyACM0 may come back as ttyACM1). Fills path[cap].
 * HW_ENOENT if no such board is present, HW_EARG for an empty serial or a
 * too-small buffer, HW_EIO if listing fails. path is "" on failure. */
int transport_find_serial(const char *usb_serial, char *path, size_t cap, struct hw_err *err);

/* Expand mpremote-style shortcuts into out[cap] (always NUL-terminated when
 * cap > 0, truncated if needed): "a0" -> "/dev/ttyACM0", "u1" -> "/dev/ttyUSB1",
 * "c3" -> "COM3". Any other spec is copied unchanged; NULL becomes "". */
void transport_expand(const char *spec, char *out, size_t cap);

#endif
