// SPDX-License-Identifier: MIT
/*
 * libipc: opening a capability space and asking the module what it offers.
 * See <libipc.h> for the API and its error convention.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libipc.h"
#include "internal.h"

IPC_EXPORT int ipc_open(unsigned int flags)
{
	int saved_errno = errno;
	int fd;

	if (flags)
		return -EINVAL;
	fd = open(LIBIPC_DEVICE, O_RDWR | O_CLOEXEC);
	return ipc_result(fd, saved_errno);
}

IPC_EXPORT int ipc_close(int space)
{
	int saved_errno = errno;

	return ipc_result(close(space), saved_errno);
}

IPC_EXPORT int ipc_info(int space, struct xipc_info *info)
{
	*info = (struct xipc_info){ 0 };
	return ipc_ioctl(space, XIPC_IOC_GET_INFO, info);
}
