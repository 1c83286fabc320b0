/* SPDX-License-Identifier: MIT */
/* cpu.h - which vector instructions the CPU running us has, for the few
 * loops over every byte that have an AVX2 version chosen at run time. The
 * build stays baseline: SSE2 on x86-64 (what Debian's amd64 promises), and
 * plain C elsewhere. Header only; no state of its own. */
#ifndef HW_CPU_H
#define HW_CPU_H

#include <stdbool.h>

#if defined(__x86_64__) && defined(__GNUC__)
/* HW_AVX2: an AVX2 version can be built here; HW_TARGET_AVX2 marks it. */
#define HW_AVX2 1
#define HW_TARGET_AVX2 __attribute__((target("avx2")))
/* Whether this CPU runs AVX2 (a load and a test: cheap enough per line). */
static inline bool cpu_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
#else
#define HW_AVX2 0
#endif

#endif
