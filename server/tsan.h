/* server/tsan.h: happens-before annotations for ThreadSanitizer builds; nothing otherwise.
 *
 * jack_ringbuffer (libjack, not instrumented) hands bytes from the process thread to the control
 * and disk threads through its own read and write pointers, which TSan cannot see: it would
 * report the copies in and out as races. Each side marks its hand-over on the ring itself:
 * TSAN_ACQUIRE(rb) before it uses what the other side published (data, or space freed),
 * TSAN_RELEASE(rb) after it published (advanced a pointer). The calls exist only in a TSan
 * build, which has no RT check. */
#ifndef STEMD_SERVER_TSAN_H
#define STEMD_SERVER_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define STEMD_HAVE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STEMD_HAVE_TSAN 1
#endif
#endif

#ifdef STEMD_HAVE_TSAN
void __tsan_acquire(void *addr); /* the TSan runtime's interface (sanitizer/tsan_interface.h) */
void __tsan_release(void *addr);
#define TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#define TSAN_ACQUIRE(p) ((void)(p))
#define TSAN_RELEASE(p) ((void)(p))
#endif

#endif
