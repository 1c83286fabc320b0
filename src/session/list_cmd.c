/* SPDX-License-Identifier: MIT */
/* list_cmd.c - heapwatch list; see list_cmd.h. */
#include "list_cmd.h"
#include "json_text.h"
#include "transport.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static const char *const likely_words[] = {NULL, "usb-serial", "micropython"};

static void table(const struct port_info *ports, size_t n, FILE *out)
{
    fprintf(out, "%-22s %-9s %-20s %s\n", "PORT", "VID:PID", "SERIAL", "DESCRIPTION");
    for (size_t i = 0; i < n; i++) {
        const struct port_info *p = &ports[i];
        char id[16] = "-";
        if (p->vid >= 0)
            snprintf(id, sizeof(id), "%04x:%04x", p->vid, p->pid);
        fprintf(out, "%-22s %-9s %-20s %s%s\n", p->path, id, p->serial ? p->serial : "-",
                p->description ? p->description : "-",
                p->likely == 2   ? "  (MicroPython)"
                : p->likely == 1 ? "  (USB serial bridge)"
                                 : "");
    }
    if (n == 0)
        fprintf(stderr, "heapwatch: no serial ports found\n");
}

static void key_string(struct json_text *b, const char *key, const char *v)
{
    json_text_append(b, ",\"", 2);
    json_text_append(b, key, strlen(key));
    json_text_append(b, "\":", 2);
    if (v)
        json_text_string(b, v);
    else
        json_text_append(b, "null", 4);
}

static void key_hex(struct json_text *b, const char *key, int v)
{
    char buf[32];
    int n = v < 0 ? snprintf(buf, sizeof(buf), ",\"%s\":null", key)
                  : snprintf(buf, sizeof(buf), ",\"%s\":\"%04x\"", key, v);
    json_text_append(b, buf, (size_t)n);
}

/* {"heapwatch":{...},"ports":[{"path":...,"vid":"2e8a","pid":"0005",...}]}:
 * ids as the four hex digits lsusb and udev print. */
static void document(struct json_text *b, const struct port_info *ports, size_t n)
{
    static const char head[] = "{\"heapwatch\":{\"version\":\"" HW_VERSION "\",\"schema\":1},"
                               "\n\"ports\":[";
    json_text_append(b, head, sizeof(head) - 1);
    for (size_t i = 0; i < n; i++) {
        const struct port_info *p = &ports[i];
        json_text_append(b, i ? ",\n{\"path\":" : "\n{\"path\":", i ? 10 : 9);
        json_text_string(b, p->path);
        key_hex(b, "vid", p->vid);
        key_hex(b, "pid", p->pid);
        key_string(b, "serial", p->serial);
        key_string(b, "description", p->description);
        key_string(b, "manufacturer", p->manufacturer);
        key_string(b, "product", p->product);
        key_string(b, "likely", p->likely >= 0 && p->likely <= 2 ? likely_words[p->likely] : NULL);
        json_text_append(b, "}", 1);
    }
    json_text_append(b, n ? "\n]}\n" : "]}\n", n ? 4 : 3);
}

static int write_json(const char *path, const struct port_info *ports, size_t n, FILE *out,
                      struct hw_err *err)
{
    bool to_out = !strcmp(path, "-");
    FILE *f = to_out ? out : fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    struct json_text b = {0};
    document(&b, ports, n);
    bool failed = fwrite(b.p, 1, b.n, f) != b.n;
    json_text_fini(&b);
    failed = (to_out ? fflush(f) != 0 : fclose(f) != 0) || failed;
    return failed ? hw_err_set(err, HW_EIO, "cannot write %s: %s",
                               to_out ? "standard output" : path, strerror(errno))
                  : HW_OK;
}

int list_run(const char *json_path, FILE *out, struct hw_err *err)
{
    struct port_info *ports;
    size_t n;
    int rc = transport_list(&ports, &n, err);
    if (rc != HW_OK)
        return rc;
    if (json_path)
        rc = write_json(json_path, ports, n, out, err);
    else if (table(ports, n, out), fflush(out) != 0 || ferror(out))
        rc = hw_err_set(err, HW_EIO, "cannot write standard output: %s", strerror(errno));
    transport_list_free(ports, n);
    return rc;
}
