/* SPDX-License-Identifier: MIT */
/* transport.c - the backend-independent part of the transport module:
 * resolving what the user named (auto, exec:, shortcuts), picking a backend,
 * open errors in one shape, and the port list with its "likely MicroPython"
 * ranking. No libserialport, termios or pty code: transport_serial.c,
 * transport_tty.c and transport_exec.c hold the backends, transport_io.c
 * the fd I/O they share. */
#include "transport.h"
#include "transport_impl.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BAUD 115200
#define PATH_CAP 1024 /* longer than any device path; longer specs are refused */
#define EXEC_PREFIX "exec:"
#define ID_PREFIX "id:"     /* mpremote's id:SERIAL: the board with that USB serial number */
#define PORT_PREFIX "port:" /* mpremote's port:PATH: PATH, never a shortcut */

/* ---- names ---- */

void transport_expand(const char *spec, char *out, size_t cap)
{
    static const struct {
        char letter;
        const char *prefix;
    } shortcuts[] = {
        {'a', "/dev/ttyACM"},
        {'u', "/dev/ttyUSB"},
        {'c', "COM"},
    };

    if (cap == 0) {
        return;
    }
    if (!spec) {
        spec = "";
    }
    /* mpremote's a0/u0/c0 forms: exactly one letter and one digit */
    if (spec[0] && isdigit((unsigned char)spec[1]) && spec[2] == '\0') {
        for (size_t i = 0; i < ARRAY_LEN(shortcuts); i++) {
            if (spec[0] == shortcuts[i].letter) {
                snprintf(out, cap, "%s%c", shortcuts[i].prefix, spec[1]);
                return;
            }
        }
    }
    snprintf(out, cap, "%s", spec);
}

/* Normalise opts into o: fill defaults, refuse what would harm the board. */
static int opts_check(const struct transport_opts *opts, struct transport_opts *o,
                      struct hw_err *err)
{
    *o = opts ? *opts : (struct transport_opts){0, -1, -1};
    if (o->baud == 0) {
        o->baud = DEFAULT_BAUD;
    }
    if (o->baud < 0) {
        return hw_err_set(err, HW_EARG, "cannot use baud rate %d: not a rate", o->baud);
    }
    if (o->baud == 1200) {
        /* MICROPY_HW_USB_CDC_1200BPS_TOUCH: 1200 baud then a DTR drop jumps
         * native-USB boards into their bootloader (raw-repl.md section 2, row 3) */
        hw_err_set(err, HW_EARG,
                   "cannot use baud rate 1200: it reboots native-USB boards "
                   "into the bootloader");
        hw_err_hint(err, "use 115200 (the default) or another rate");
        return HW_EARG;
    }
    if (o->dtr < -1 || o->dtr > 1 || o->rts < -1 || o->rts > 1) {
        return hw_err_set(err, HW_EARG, "cannot set DTR=%d RTS=%d: use -1, 0 or 1", o->dtr, o->rts);
    }
    return HW_OK;
}

/* spec -> device path: "auto"/NULL via the port list, else shortcuts. */
static int resolve(const char *spec, char *path, size_t cap, struct hw_err *err)
{
    struct port_info *list;
    size_t n;
    int rc;

    if (!spec || strcmp(spec, "auto") == 0) {
        rc = transport_list(&list, &n, err);
        if (rc == HW_OK) {
            rc = transport_pick(list, n, path, cap, err);
            transport_list_free(list, n);
        }
        return rc;
    }
    if (spec[0] == '\0') {
        hw_err_set(err, HW_EARG, "cannot open '': empty port name");
        hw_err_hint(err, "heapwatch list shows the ports");
        return HW_EARG;
    }
    if (strlen(spec) >= cap) {
        return hw_err_set(err, HW_EARG, "cannot open %.40s...: name too long", spec);
    }
    rc = transport_check_spec(spec, err);
    if (rc != HW_OK) {
        return rc;
    }
    if (strncmp(spec, ID_PREFIX, strlen(ID_PREFIX)) == 0) {
        rc = transport_find_serial(spec + strlen(ID_PREFIX), path, cap, err);
        if (rc == HW_ENOENT) {
            hw_err_hint(err, "heapwatch list shows the ports and their serial numbers");
        }
        return rc;
    }
    if (strncmp(spec, PORT_PREFIX, strlen(PORT_PREFIX)) == 0) {
        snprintf(path, cap, "%s", spec + strlen(PORT_PREFIX));
        return HW_OK;
    }
    transport_expand(spec, path, cap);
    return HW_OK;
}

int transport_check_spec(const char *spec, struct hw_err *err)
{
    static const char *const prefixes[] = {ID_PREFIX, PORT_PREFIX};

    if (transport_net_kind(spec)) {
        return transport_net_check(spec, err);
    }
    for (size_t i = 0; spec && i < ARRAY_LEN(prefixes); i++) {
        size_t len = strlen(prefixes[i]);
        if (strncmp(spec, prefixes[i], len) == 0 && spec[len] == '\0') {
            hw_err_set(err, HW_EARG, "cannot open %s: nothing after '%s'", spec, prefixes[i]);
            hw_err_hint(err, "write id:SERIAL (heapwatch list shows them) or port:PATH");
            return HW_EARG;
        }
    }
    return HW_OK;
}

static struct transport *transport_new(const char *path)
{
    struct transport *t = xcalloc(1, sizeof *t);

    t->fd = -1;
    t->child = -1;
    t->err_fd = -1;
    t->path = xstrdup(path);
    return t;
}

static void transport_free(struct transport *t)
{
    free(t->path);
    free(t->usb_serial);
    free(t);
}

/* Backend close without the line handling of transport_close(). */
static void backend_close(struct transport *t)
{
    if (t->kind == TRANSPORT_SERIAL) {
        transport_serial_close(t);
    } else if (t->kind == TRANSPORT_NET) {
        transport_net_close(t);
    } else if (t->kind == TRANSPORT_EXEC) {
        transport_exec_close(t);
    } else {
        transport_tty_close(t);
    }
}

static int open_net(const char *spec, const struct transport_opts *o, struct transport **out,
                    struct hw_err *err)
{
    struct transport *t = transport_new(spec);
    int rc = transport_net_open(t, spec, o, err);

    if (rc != HW_OK) {
        transport_free(t);
        return rc;
    }
    /* DTR/RTS went out as SET-CONTROL; transport_net_close() clears them */
    t->clear_lines = o->dtr == 1 || o->rts == 1;
    *out = t;
    return HW_OK;
}

static int open_exec(const char *spec, struct transport **out, struct hw_err *err)
{
    const char *cmd = spec + strlen(EXEC_PREFIX);
    struct transport *t;
    int rc;

    if (cmd[strspn(cmd, " \t")] == '\0') {
        return hw_err_set(err, HW_EARG, "cannot run %s: empty command", spec);
    }
    t = transport_new(spec);
    rc = transport_exec_open(t, cmd, err);
    if (rc != HW_OK) {
        transport_free(t);
        return rc;
    }
    *out = t;
    return HW_OK;
}

int transport_open(const char *spec, const struct transport_opts *opts, struct transport **out,
                   struct hw_err *err)
{
    struct transport_opts o;
    struct transport *t;
    char path[PATH_CAP];
    int rc;

    *out = NULL;
    rc = opts_check(opts, &o, err);
    if (rc != HW_OK) {
        return rc;
    }
    if (spec && strncmp(spec, EXEC_PREFIX, strlen(EXEC_PREFIX)) == 0) {
        return open_exec(spec, out, err);
    }
    if (transport_net_kind(spec)) {
        return open_net(spec, &o, out, err);
    }
    rc = resolve(spec, path, sizeof path, err);
    if (rc != HW_OK) {
        return rc;
    }
    t = transport_new(path);
    /* libserialport first (it knows USB serial numbers); ptys, socat links
     * and anything it cannot open fall back to termios, which then reports
     * the real errno ("Permission denied", "port is busy"). */
    rc = transport_serial_open(t, path, &o, err);
    if (rc == TRANSPORT_DECLINED) {
        rc = transport_fd_open_tty(t, path, &o, err);
    }
    if (rc == HW_OK) {
        rc = transport_fd_lines(t->fd, path, o.dtr, o.rts, err);
        if (rc != HW_OK) {
            backend_close(t);
        }
    }
    if (rc != HW_OK) {
        transport_free(t);
        return rc;
    }
    t->clear_lines = o.dtr == 1 || o.rts == 1;
    *out = t;
    return HW_OK;
}

void transport_close(struct transport *t)
{
    if (!t) {
        return;
    }
    if (t->clear_lines && t->fd >= 0 && t->kind != TRANSPORT_NET) {
        /* best effort: the device may already be gone */
        (void)transport_fd_lines(t->fd, t->path, 0, 0, NULL);
    }
    backend_close(t);
    transport_free(t);
}

int transport_fd(const struct transport *t)
{
    return t ? t->fd : -1;
}

const char *transport_path(const struct transport *t)
{
    return t->path;
}

const char *transport_usb_serial(const struct transport *t)
{
    return t->usb_serial;
}

int transport_err_fd(const struct transport *t)
{
    return t->err_fd;
}

long transport_pid(const struct transport *t)
{
    return t->kind == TRANSPORT_EXEC ? t->child : -1;
}

/* ---- listing and auto-detection ---- */

/* raw-repl.md section 4.3. pid_lo..pid_hi inclusive. */
static const struct {
    uint16_t vid, pid_lo, pid_hi;
    int likely;
} known_ids[] = {
    {0xF055, 0x9800, 0x98FF, 2}, /* pyboard/stm32, samd, mimxrt, nrf, renesas-ra */
    {0x2E8A, 0x0005, 0x0005, 2}, /* rp2 default */
    {0x2E8A, 0x1002, 0x1002, 2}, /* rp2 boards with their own PIDs */
    {0x2E8A, 0x101F, 0x1021, 2}, {0x2E8A, 0x10EC, 0x10EC, 2}, {0x2E8A, 0x110A, 0x110A, 2},
    {0x303A, 0x4001, 0x40FF, 2}, /* esp32 TinyUSB: 0x4000 + interface bitmap */
    {0x303A, 0x1001, 0x1001, 2}, /* ESP32-C3/S3/C6 USB-Serial/JTAG */
    {0x303A, 0x8000, 0x82FF, 2}, /* Unexpected Maker */
    {0x2341, 0x0000, 0xFFFF, 2}, /* Arduino */
    {0x239A, 0x0000, 0xFFFF, 2}, /* Adafruit */
    {0x1B4F, 0x0000, 0xFFFF, 2}, /* SparkFun */
    {0x37C5, 0x0000, 0xFFFF, 2}, /* OpenMV */
    {0x10C4, 0xEA60, 0xEA60, 1}, /* CP210x */
    {0x1A86, 0x7523, 0x7523, 1}, /* CH340 */
    {0x1A86, 0x5523, 0x5523, 1}, /* CH341 */
    {0x1A86, 0x55D4, 0x55D4, 1}, /* CH9102 */
    {0x0403, 0x6001, 0x6001, 1}, /* FTDI */
    {0x0403, 0x6010, 0x6011, 1}, {0x0403, 0x6014, 0x6015, 1}, {0x0403, 0x601C, 0x601C, 1},
};

int transport_likely(int vid, int pid)
{
    for (size_t i = 0; i < ARRAY_LEN(known_ids); i++) {
        if (vid == known_ids[i].vid && pid >= known_ids[i].pid_lo && pid <= known_ids[i].pid_hi) {
            return known_ids[i].likely;
        }
    }
    return 0;
}

/* strcmp, except digit runs compare as numbers: ttyACM2 < ttyACM10. */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *ea, *eb;
            while (*a == '0' && isdigit((unsigned char)a[1])) {
                a++;
            }
            while (*b == '0' && isdigit((unsigned char)b[1])) {
                b++;
            }
            for (ea = a; isdigit((unsigned char)*ea); ea++) {
            }
            for (eb = b; isdigit((unsigned char)*eb); eb++) {
            }
            if (ea - a != eb - b) {
                return ea - a < eb - b ? -1 : 1;
            }
            int c = memcmp(a, b, (size_t)(ea - a));
            if (c != 0) {
                return c;
            }
            a = ea;
            b = eb;
        } else if (*a != *b) {
            return (unsigned char)*a - (unsigned char)*b;
        } else {
            a++;
            b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int port_cmp(const void *pa, const void *pb)
{
    const struct port_info *a = pa, *b = pb;

    if (a->likely != b->likely) {
        return b->likely - a->likely;
    }
    return natural_cmp(a->path, b->path);
}

void transport_list_sort(struct port_info *list, size_t n)
{
    if (n > 1) {
        qsort(list, n, sizeof *list, port_cmp);
    }
}

int transport_list(struct port_info **out, size_t *n, struct hw_err *err)
{
    int rc = transport_serial_list(out, n, err);

    if (rc != HW_OK) {
        return rc;
    }
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].likely = transport_likely((*out)[i].vid, (*out)[i].pid);
    }
    transport_list_sort(*out, *n);
    return HW_OK;
}

void transport_list_free(struct port_info *list, size_t n)
{
    if (!list) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(list[i].path);
        free(list[i].serial);
        free(list[i].description);
        free(list[i].manufacturer);
        free(list[i].product);
    }
    free(list);
}

/* Copy src into path[cap]; HW_EARG if it does not fit. */
static int copy_path(char *path, size_t cap, const char *src, struct hw_err *err)
{
    if (strlen(src) >= cap) {
        if (cap > 0) {
            path[0] = '\0';
        }
        return hw_err_set(err, HW_EARG, "cannot use %s: path longer than %zu bytes", src, cap);
    }
    memcpy(path, src, strlen(src) + 1);
    return HW_OK;
}

/* "several boards: /dev/ttyACM0, /dev/ttyACM1" for every port of tier best. */
static int several(const struct port_info *list, size_t n, int best, size_t first,
                   struct hw_err *err)
{
    char names[sizeof err->msg];
    size_t used = 0;

    names[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (list[i].likely != best) {
            continue;
        }
        int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", list[i].path);
        if (w < 0 || (size_t)w >= sizeof names - used) {
            break; /* hw_err_set truncates the message; the hint still names one */
        }
        used += (size_t)w;
    }
    hw_err_set(err, HW_EARG, "several boards: %s", names);
    hw_err_hint(err, "name one: heapwatch %s", list[first].path);
    return HW_EARG;
}

int transport_pick(const struct port_info *list, size_t n, char *path, size_t cap,
                   struct hw_err *err)
{
    int best = 0;
    size_t count = 0, first = 0;

    if (cap > 0) {
        path[0] = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i].likely > best) {
            best = list[i].likely;
            count = 1;
            first = i;
        } else if (best > 0 && list[i].likely == best) {
            count++;
        }
    }
    if (count == 0) {
        hw_err_set(err, HW_ENOENT, "no MicroPython board found");
        hw_err_hint(err, "plug one in or name its port, e.g. heapwatch /dev/ttyACM0 "
                         "(heapwatch list shows the ports)");
        return HW_ENOENT;
    }
    if (count > 1) {
        return several(list, n, best, first, err);
    }
    return copy_path(path, cap, list[first].path, err);
}

int transport_find_serial(const char *usb_serial, char *path, size_t cap, struct hw_err *err)
{
    struct port_info *list;
    size_t n;
    int rc;

    if (cap > 0) {
        path[0] = '\0';
    }
    if (!usb_serial || !usb_serial[0]) {
        return hw_err_set(err, HW_EARG, "cannot find a board: empty USB serial number");
    }
    rc = transport_list(&list, &n, err);
    if (rc != HW_OK) {
        return rc;
    }
    size_t i = 0;
    while (i < n && !(list[i].serial && strcmp(list[i].serial, usb_serial) == 0)) {
        i++;
    }
    if (i < n) {
        rc = copy_path(path, cap, list[i].path, err);
    } else {
        rc = hw_err_set(err, HW_ENOENT, "cannot find board %s: not connected", usb_serial);
    }
    transport_list_free(list, n);
    return rc;
}
