/* SPDX-License-Identifier: MIT */
/*
 * What the files of libipc share and do not export.
 */
#ifndef LIBIPC_INTERNAL_H
#define LIBIPC_INTERNAL_H

#include <errno.h>
#include <sys/ioctl.h>

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

#endif /* LIBIPC_INTERNAL_H */
