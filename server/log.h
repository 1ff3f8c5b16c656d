/* server/log.h: stderr logging with journald level prefixes; never called from the process thread.
 */
#ifndef STEMD_LOG_H
#define STEMD_LOG_H

/* syslog(3) levels; journald reads a "<N>" line prefix as the level when stderr is its stream. */
enum log_level { LOG_ERR_ = 3, LOG_WARN_ = 4, LOG_NOTICE_ = 5, LOG_INFO_ = 6, LOG_DEBUG_ = 7 };

/* Messages above level are dropped. Thread-safe: one fprintf per line, which stdio locks. */
void log_set_level(int level);
int log_get_level(void);
/* "error", "warning", "notice", "info", "debug" or 3..7. Returns the level, or -1 if unknown. */
int log_parse_level(const char *s);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)    log_msg(LOG_ERR_, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_WARN_, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE_, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_INFO_, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_DEBUG_, __VA_ARGS__)

#endif
