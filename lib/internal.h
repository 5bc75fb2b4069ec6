/* SPDX-License-Identifier: MIT */
/*
 * What the files of libipc share and do not export.
 */
#ifndef LIBIPC_INTERNAL_H
#define LIBIPC_INTERNAL_H

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/xipc.h>

/* The library is built with -fvisibility=hidden; this marks its API. */
#define IPC_EXPORT __attribute__((visibility("default")))

/*
 * Turns a libc call's result into the library's convention (-errno on
 * failure) and gives the caller back the errno it had before the call.
 */
static inline int ipc_result(int ret, int saved_errno)
{
	if (ret < 0)
		ret = -errno;
	errno = saved_errno;
	return ret;
}

/* The words a register call returns, as the registers held them, into @w. */
static inline void ipc_words_back(__u64 *w, __u64 w0, __u64 w1, __u64 w2,
				  __u64 w3, __u64 w4, __u64 w5, __u64 w6,
				  __u64 w7)
{
	w[0] = w0;
	w[1] = w1;
	w[2] = w2;
	w[3] = w3;
	w[4] = w4;
	w[5] = w5;
	w[6] = w6;
	w[7] = w7;
}

/*
 * The ioctl, in the library's error convention (the result, or -errno;
 * errno is not touched). Where this library issues the system call itself
 * (x86-64, arm64) it costs a few instructions, not libc's variadic wrapper
 * and two reads of errno's address: each command of the hot paths is one.
 *
 * Register calls (XIPC_CALL_REGS in <linux/xipc.h>) need the same: the eight
 * words go in the registers the module reads them from and writes them to.
 * Elsewhere the words go in the A-stack, and ioctl() is libc's.
 */

#if defined(__x86_64__) && !defined(__ILP32__)
#define IPC_HAVE_REGS 1
#include <sys/syscall.h>

static inline int ipc_ioctl(int space, unsigned long cmd, void *arg)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_ioctl), "D"((long)space), "S"(cmd),
			   "d"(arg)
			 : "rcx", "r11", "memory");
	return (int)ret;
}

/*
 * ioctl(@space, @cmd, @arg) with w0..w7 from @w; on success (0) the words
 * the kernel left in those registers back in @w and the status register in
 * *@status. Returns 0 or -errno; errno is not touched.
 */
static inline int ipc_ioctl_words(int space, unsigned long cmd, void *arg,
				  __u64 *w, long *status)
{
	register __u64 r10 __asm__("r10") = w[0];
	register __u64 r8 __asm__("r8") = w[1];
	register __u64 r9 __asm__("r9") = w[2];
	register __u64 rbx __asm__("rbx") = w[3];
	register __u64 r12 __asm__("r12") = w[4];
	register __u64 r13 __asm__("r13") = w[5];
	register __u64 r14 __asm__("r14") = w[6];
	register __u64 r15 __asm__("r15") = w[7];
	register long rdx __asm__("rdx") = (long)arg;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret), "+r"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+r"(rbx), "+r"(r12), "+r"(r13),
			   "+r"(r14), "+r"(r15)
			 : "0"((long)SYS_ioctl), "D"((long)space), "S"(cmd)
			 : "rcx", "r11", "memory");
	if (ret)
		return (int)ret;
	ipc_words_back(w, r10, r8, r9, rbx, r12, r13, r14, r15);
	*status = rdx;
	return 0;
}
#elif defined(__aarch64__) && !defined(__ILP32__)
#define IPC_HAVE_REGS 1
#include <sys/syscall.h>

static inline int ipc_ioctl(int space, unsigned long cmd, void *arg)
{
	register long x0 __asm__("x0") = space;
	register unsigned long x1 __asm__("x1") = cmd;
	register long x2 __asm__("x2") = (long)arg;
	register long x8 __asm__("x8") = SYS_ioctl;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x1), "r"(x2), "r"(x8)
			 : "memory");
	return (int)x0;
}

/* As above, for arm64: w0..w7 in x3-x7 and x9-x11, the status in x2. */
static inline int ipc_ioctl_words(int space, unsigned long cmd, void *arg,
				  __u64 *w, long *status)
{
	register long x0 __asm__("x0") = space;
	register unsigned long x1 __asm__("x1") = cmd;
	register long x2 __asm__("x2") = (long)arg;
	register __u64 x3 __asm__("x3") = w[0];
	register __u64 x4 __asm__("x4") = w[1];
	register __u64 x5 __asm__("x5") = w[2];
	register __u64 x6 __asm__("x6") = w[3];
	register __u64 x7 __asm__("x7") = w[4];
	register long x8 __asm__("x8") = SYS_ioctl;
	register __u64 x9 __asm__("x9") = w[5];
	register __u64 x10 __asm__("x10") = w[6];
	register __u64 x11 __asm__("x11") = w[7];

	__asm__ volatile("svc #0"
			 : "+r"(x0), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5),
			   "+r"(x6), "+r"(x7), "+r"(x9), "+r"(x10), "+r"(x11)
			 : "r"(x1), "r"(x8)
			 : "memory");
	if (x0)
		return (int)x0;
	ipc_words_back(w, x3, x4, x5, x6, x7, x9, x10, x11);
	*status = x2;
	return 0;
}
#else
#define IPC_HAVE_REGS 0

static inline int ipc_ioctl(int space, unsigned long cmd, void *arg)
{
	int saved_errno = errno;

	return ipc_result(ioctl(space, cmd, arg), saved_errno);
}

static inline int ipc_ioctl_words(int space, unsigned long cmd, void *arg,
				  __u64 *w, long *status)
{
	(void)space, (void)cmd, (void)arg, (void)w, (void)status;
	return -EOPNOTSUPP;
}
#endif

/* malloc() and calloc() that leave errno as it was, as the API promises. */
static inline void *ipc_malloc(size_t size)
{
	int saved_errno = errno;
	void *p = malloc(size);

	errno = saved_errno;
	return p;
}

static inline void *ipc_calloc(size_t nmemb, size_t size)
{
	int saved_errno = errno;
	void *p = calloc(nmemb, size);

	errno = saved_errno;
	return p;
}

/* CLOCK_MONOTONIC now, in nanoseconds: the clock of kernel deadlines. */
static inline __u64 ipc_now_ns(void)
{
	struct timespec ts = { 0 };

	/*
	 * It can only fail with EFAULT, on this stack an injected fault
	 * (fail_usercopy, where the clock is read by a system call): again.
	 */
	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + (__u64)ts.tv_nsec;
}

/*
 * The CLOCK_MONOTONIC time @timeout_ns from now, for XIPC_ABSTIME;
 * XIPC_TIMEOUT_INFINITE for a timeout that never ends or would overflow.
 */
static inline __u64 ipc_deadline(__u64 timeout_ns)
{
	__u64 now;

	if (timeout_ns == XIPC_TIMEOUT_INFINITE)
		return XIPC_TIMEOUT_INFINITE;
	now = ipc_now_ns();
	if (timeout_ns >= XIPC_TIMEOUT_INFINITE - now)
		return XIPC_TIMEOUT_INFINITE;
	return now + timeout_ns;
}

#endif /* LIBIPC_INTERNAL_H */
