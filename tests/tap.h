/* tests/tap.h: a tiny TAP producer for stemd's C tests (run by prove). */
#ifndef STEMD_TAP_H
#define STEMD_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n;
static int tap_failed;

/* ok(cond, fmt, ...): one TAP test point; prints the description either way. */
static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!cond) tap_failed++;
    return cond;
}
#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

/* diag(fmt, ...): a comment line prove shows with -v. */
static inline void diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* done_testing(): prints the plan and returns the exit status for main(). */
static inline int done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

/* bail(msg): setup failure; the whole file fails. */
static inline void bail(const char *msg)
{
    printf("Bail out! %s\n", msg);
    exit(255);
}

#endif
