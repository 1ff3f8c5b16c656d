/* tests/server/rtsan_hooks.c: stemd's RT hooks for clang's RealtimeSanitizer (LLVM 19 runtime
 * linked by hand, since -fsanitize=realtime needs LLVM 20): the process callback's extent becomes
 * an RTSan real-time context, and any allocation, lock or blocking call in it aborts with a report.
 */
void __rtsan_realtime_enter(void);
void __rtsan_realtime_exit(void);
void __rtsan_init(void);
void stemd_rt_enter(void);
void stemd_rt_leave(void);

__attribute__((constructor)) static void rtsan_hooks_init(void)
{
    __rtsan_init();
}

void stemd_rt_enter(void)
{
    __rtsan_realtime_enter();
}

void stemd_rt_leave(void)
{
    __rtsan_realtime_exit();
}
