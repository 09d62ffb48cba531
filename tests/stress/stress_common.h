/* stress_common: helpers shared by the stress programs (tests/stress).
 *
 * The programs print with write(2) only, never stdio, so that the heap
 * holds exactly what each program allocates itself; their size comes from
 * HS_STRESS_ITERATIONS (a count, or a multiplier where the comment says). */
#ifndef HS_STRESS_COMMON_H
#define HS_STRESS_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The iteration count: $HS_STRESS_ITERATIONS, else dflt. */
static inline unsigned long
stress_iterations(unsigned long dflt)
{
    const char *v = getenv("HS_STRESS_ITERATIONS");
    if (v == NULL || *v == '\0')
        return dflt;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    return (*end == '\0' && n > 0) ? n : dflt;
}

/* printf to fd 1 through a stack buffer: no stdio buffer on the heap. */
__attribute__((format(printf, 1, 2))) static inline void
say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    const char *p = line;
    while (len > 0) {
        ssize_t w = write(STDOUT_FILENO, p, len);
        if (w <= 0)
            return;
        p += w;
        len -= (size_t)w;
    }
}

/* A small deterministic generator (xorshift64*), one state per user. */
static inline uint64_t
stress_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Dies with a message when a stress program's own check fails. */
#define STRESS_CHECK(cond)                                                   \
    do {                                                                     \
        if (!(cond)) {                                                       \
            say("stress check failed: %s (%s:%d)\n", #cond, __FILE__,        \
                __LINE__);                                                   \
            _exit(97);                                                       \
        }                                                                    \
    } while (0)

#endif /* HS_STRESS_COMMON_H */
