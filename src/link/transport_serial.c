/* SPDX-License-Identifier: MIT */
/* transport_serial.c - the libserialport backend: open real serial ports
 * (and learn their USB serial number), and enumerate ports. The only file
 * that includes <libserialport.h>. I/O itself is plain read()/write() on
 * sp_get_port_handle()'s fd in transport.c, because sp_nonblocking_read()
 * cannot tell EOF from "no data" (house style rule 17). */
#include "transport_impl.h"
#include "util.h"

#include <fcntl.h>
#include <libserialport.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* sp_get_port_by_name() wants a /dev/ name with a /sys/class/tty entry, so
 * resolve symlinks (/dev/serial/by-id/...) first, as upstream 95bad38 does.
 * Ptys and socat links still fail here, which is what sends them to the
 * termios fallback. */
static struct sp_port *lookup(const char *path)
{
    struct sp_port *port = NULL;
    char *real = realpath(path, NULL);

    if (sp_get_port_by_name(real ? real : path, &port) != SP_OK) {
        port = NULL;
    }
    free(real);
    return port;
}

/* 8N1 without flow control. -1 (the sp_new_config default) leaves DTR and
 * RTS alone; transport.c applies the user's overrides afterwards. */
static int configure(struct sp_port *port, int baud)
{
    struct sp_port_config *c;
    int ok;

    if (sp_new_config(&c) != SP_OK) {
        return 0;
    }
    ok = sp_set_config_baudrate(c, baud) == SP_OK && sp_set_config_bits(c, 8) == SP_OK &&
         sp_set_config_parity(c, SP_PARITY_NONE) == SP_OK &&
         sp_set_config_stopbits(c, 1) == SP_OK &&
         sp_set_config_flowcontrol(c, SP_FLOWCONTROL_NONE) == SP_OK &&
         sp_set_config(port, c) == SP_OK;
    sp_free_config(c);
    return ok;
}

static void drop_port(struct sp_port *port)
{
    sp_close(port);
    sp_free_port(port);
}

int transport_serial_open(struct transport *t, const char *path, const struct transport_opts *o,
                          struct hw_err *err)
{
    struct sp_port *port = lookup(path);
    int fd = -1, rc;

    if (!port) {
        return TRANSPORT_DECLINED;
    }
    /* Any failure up to here leaves nothing behind, so the termios fallback
     * can retry and report the errno itself (sp_open also fails on ttys
     * without modem lines: TIOCMGET is fatal in 0.1.1). */
    if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
        sp_free_port(port);
        return TRANSPORT_DECLINED;
    }
    if (!configure(port, o->baud) || sp_get_port_handle(port, &fd) != SP_OK || fd < 0) {
        drop_port(port);
        return TRANSPORT_DECLINED;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC); /* keep it out of exec: children */
    rc = transport_fd_lock(fd, path, err);
    if (rc == HW_OK) {
        rc = transport_fd_setup(fd, path, 0, err); /* VMIN=1, HUPCL off; keep sp's baud */
    }
    if (rc != HW_OK) {
        drop_port(port);
        return rc;
    }
    t->kind = TRANSPORT_SERIAL;
    t->fd = fd;
    t->port = port;
    if (sp_get_port_transport(port) == SP_TRANSPORT_USB) {
        const char *s = sp_get_port_usb_serial(port); /* owned by port */
        t->usb_serial = s && s[0] ? xstrdup(s) : NULL;
    }
    return HW_OK;
}

void transport_serial_close(struct transport *t)
{
    if (t->fd >= 0) {
        ioctl(t->fd, TIOCNXCL); /* in case another holder keeps the tty alive */
    }
    drop_port(t->port); /* closes t->fd */
    t->port = NULL;
    t->fd = -1;
}

static char *dup_or_null(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

static void fill_info(struct port_info *pi, const struct sp_port *port)
{
    pi->path = xstrdup(sp_get_port_name(port));
    pi->vid = pi->pid = -1;
    pi->description = dup_or_null(sp_get_port_description(port));
    if (sp_get_port_transport(port) != SP_TRANSPORT_USB ||
        sp_get_port_usb_vid_pid(port, &pi->vid, &pi->pid) != SP_OK) {
        pi->vid = pi->pid = -1;
        return;
    }
    pi->serial = dup_or_null(sp_get_port_usb_serial(port));
    pi->manufacturer = dup_or_null(sp_get_port_usb_manufacturer(port));
    pi->product = dup_or_null(sp_get_port_usb_product(port));
}

int transport_serial_list(struct port_info **out, size_t *n, struct hw_err *err)
{
    struct sp_port **ports;
    size_t count = 0;

    *out = NULL;
    *n = 0;
    if (sp_list_ports(&ports) != SP_OK) {
        char *m = sp_last_error_message();
        hw_err_set(err, HW_EIO, "cannot list serial ports: %s", m ? m : "unknown error");
        sp_free_error_message(m);
        return HW_EIO;
    }
    while (ports[count]) {
        count++;
    }
    if (count > 0) {
        *out = xcalloc(count, sizeof **out);
        for (size_t i = 0; i < count; i++) {
            fill_info(&(*out)[i], ports[i]);
        }
    }
    *n = count;
    sp_free_port_list(ports);
    return HW_OK;
}
