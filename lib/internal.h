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

/* One ioctl, in the library's error convention. */
static inline int ipc_ioctl(int space, unsigned long cmd, void *arg)
{
	int saved_errno = errno;

	return ipc_result(ioctl(space, cmd, arg), saved_errno);
}

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
