/* server/log.c: stderr logging with journald "<N>" prefixes when stderr is not a terminal. */
#include "server/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* The level is process-wide configuration, like stderr itself: one atomic, set from the main
 * thread (options, SIGHUP), read by every thread that logs. */
static atomic_int log_level = LOG_INFO_;

void log_set_level(int level)
{
    atomic_store(&log_level, level);
}

int log_get_level(void)
{
    return atomic_load(&log_level);
}

int log_parse_level(const char *s)
{
    static const char *const names[] = {"error", "warning", "notice", "info", "debug"};
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, names[i]) == 0) return i + 3;
    if (strcasecmp(s, "warn") == 0) return LOG_WARN_;
    if (s[0] >= '3' && s[0] <= '7' && s[1] == 0) return s[0] - '0';
    return -1;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *const tag[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
    char line[1024];
    va_list ap;

    if (level > atomic_load(&log_level)) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (isatty(STDERR_FILENO)) {
        /* A person is watching: time and level words instead of journald's prefix. */
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        fprintf(stderr, "%02d:%02d:%02d.%03ld stemd %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
                ts.tv_nsec / 1000000, tag[level], line);
    } else {
        fprintf(stderr, "<%d>%s\n", level, line);
    }
}
