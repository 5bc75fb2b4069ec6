/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xipc: microkernel-style IPC for Linux, the ioctl ABI of /dev/xipc.
 *
 * Each open of /dev/xipc is a capability space. Commands are ioctls on its
 * file descriptor, each taking one struct that starts with a flags word.
 *
 * The rules this header keeps, so that it can grow without breaking anyone:
 * - fixed-width types only; pointers travel as __u64; padding is explicit
 *   and every struct's size is a multiple of 8, the same on 32 and 64 bits;
 * - the kernel rejects unknown flags and non-zero reserved fields with
 *   EINVAL, so that a later version can give them a meaning;
 * - fields are only ever added at the end, or in reserved slots, and a zero
 *   in a new field keeps the old behaviour;
 * - an unknown command is ENOTTY.
 */
#ifndef _UAPI_LINUX_XIPC_H
#define _UAPI_LINUX_XIPC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any change an old library could not understand. */
#define XIPC_ABI_VERSION	1

/*
 * The ioctl type byte; 0xB9 is unassigned in
 * Documentation/userspace-api/ioctl/ioctl-number.rst.
 */
#define XIPC_IOCTL_TYPE		0xB9

/*
 * struct xipc_info - what this module is and offers
 * @flags:	in: must be 0
 * @abi_version:	out: XIPC_ABI_VERSION of the running module
 * @features:	out: XIPC_FEATURE_* bits; a feature's commands exist only
 *		when its bit is set
 * @space_id:	out: this capability space's id, unique among the spaces
 *		created since the module was loaded; the same through every
 *		descriptor that refers to the same open of /dev/xipc
 * @reserved:	in: must be 0; out: 0 (later versions report more here)
 */
struct xipc_info {
	__u32 flags;
	__u32 abi_version;
	__u64 features;
	__u64 space_id;
	__u64 reserved[3];
};

#define XIPC_IOC_GET_INFO	_IOWR(XIPC_IOCTL_TYPE, 0x00, struct xipc_info)

#endif /* _UAPI_LINUX_XIPC_H */
