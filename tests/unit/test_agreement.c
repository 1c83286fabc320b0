/* SPDX-License-Identifier: MIT */
/* test_agreement.c - one rule for every derived figure: for every dump of
 * every fixture (incomplete and split-heap ones included), the stats panel,
 * the trend point, the text line and the JSON say the same used, free,
 * largest free run and fragmentation, and say "unknown" together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "export_json.h"
#include "fmt.h"
#include "history.h"
#include "text.h"
#include "ui_stats.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXDIR "tests/fixtures/meminfo/"

static int checked, with_unknown, incomplete_known;

/* The first word of a stats row's value ("" if the row is not there). */
static const char *stat_word(const struct ui_stats *st, const char *label, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->r[i].label, label))
            sscanf(st->r[i].value, "%63s", out);
    (void)cap;
    return out;
}

/* Bytes as every output prints them: fmt_bytes, "-" when unknown. */
static const char *bytes(uint64_t v, char *out, size_t cap)
{
    return fmt_bytes(out, cap, v);
}

static cJSON *json_of(const struct snapshot *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(export_snapshot_file(f, s, false), HW_OK);
    fclose(f);
    cJSON *o = cJSON_Parse(text);
    free(text);
    assert_non_null(o);
    return o;
}

static uint64_t json_u64(const cJSON *figs, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(figs, k);
    assert_non_null(v);
    return cJSON_IsNull(v) ? UINT64_MAX : (uint64_t)v->valuedouble;
}

static void agree(const struct snapshot *s)
{
    char a[64], b[64], cols[320];
    uint64_t used = snapshot_used_bytes(s), fr = snapshot_free_bytes(s);
    uint64_t big = snapshot_largest_free_bytes(s);
    double frag = snapshot_fragmentation(s);

    /* the JSON's figures */
    cJSON *o = json_of(s);
    const cJSON *figs = cJSON_GetObjectItemCaseSensitive(o, "figures");
    assert_int_equal(json_u64(figs, "used_bytes"), used);
    assert_int_equal(json_u64(figs, "free_bytes"), fr);
    assert_int_equal(json_u64(figs, "largest_free_bytes"), big);
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(figs, "fragmentation");
    assert_true(frag < 0 ? cJSON_IsNull(jf) : fabs(jf->valuedouble - frag) < 0.00006);
    cJSON_Delete(o);

    /* the trend point */
    struct hist_point p = history_point(s);
    assert_int_equal(p.used, used);
    assert_int_equal(p.free, fr);
    assert_int_equal(p.largest_free, big);
    assert_true(frag < 0 ? p.frag < 0 : fabs(p.frag - frag) < 1e-12);

    /* the text line: used free largest frag% ... */
    text_columns(cols, sizeof(cols), s);
    char tu[32], tf[32], tl[32], tg[32];
    assert_int_equal(sscanf(cols, "%31s %31s %31s %31s", tu, tf, tl, tg), 4);
    assert_string_equal(tu, bytes(used, a, sizeof(a)));
    assert_string_equal(tf, bytes(fr, a, sizeof(a)));
    assert_string_equal(tl, bytes(big, a, sizeof(a)));
    assert_string_equal(tg, fmt_pct(a, sizeof(a), frag));

    /* the stats panel, wide and compact */
    static struct ui_stats st;
    struct view v = {.link = UI_LINK_REPLAY, .link_detail = "", .replay = true};
    for (int wide = 0; wide < 2; wide++) {
        ui_stats_fill(&st, &v, s, wide ? 60 : 24, wide ? 60 : 30, true);
        assert_string_equal(stat_word(&st, "used", b, sizeof(b)), bytes(used, a, sizeof(a)));
        assert_string_equal(stat_word(&st, "free", b, sizeof(b)), bytes(fr, a, sizeof(a)));
        stat_word(&st, "largest", b, sizeof(b));
        if (big == UINT64_MAX)
            assert_true(!strcmp(b, "-") || !strcmp(b, "unknown"));
        else
            assert_string_equal(b, bytes(big, a, sizeof(a)));
        stat_word(&st, "frag", b, sizeof(b));
        if (frag < 0) {
            assert_string_equal(b, ""); /* no row: unknown */
        } else {
            snprintf(a, sizeof(a), "%.3f", frag);
            assert_string_equal(b, a);
        }
    }
    checked++;
    with_unknown += big == UINT64_MAX || frag < 0;
    incomplete_known += !s->complete && big != UINT64_MAX;
}

static int agree_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    (void)sk;
    (void)err;
    if (it->kind == HW_ITEM_SNAPSHOT)
        agree(it->snap);
    return HW_OK;
}

static int agree_close(struct sink *sk, struct hw_err *err)
{
    (void)sk;
    (void)err;
    return HW_OK;
}

static void test_every_fixture_agrees(void **state)
{
    (void)state;
    static const struct sink_ops ops = {agree_item, agree_close};
    struct sink sink = {&ops};
    DIR *d = opendir(FIXDIR);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt"))
            continue;
        char path[512];
        snprintf(path, sizeof(path), FIXDIR "%s", e->d_name);
        struct stream st;
        stream_init(&st);
        stream_add(&st, &sink, false);
        assert_int_equal(capture_read(path, 0, NULL, &st, NULL), HW_OK);
        stream_close(&st, NULL);
        files++;
    }
    closedir(d);
    assert_true(files >= 12);
    assert_true(checked >= 25);
    /* the fixtures hold both kinds the rule is about */
    assert_true(with_unknown > 0);
    assert_true(incomplete_known > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
