// SPDX-License-Identifier: GPL-2.0
/*
 * The capability space: what one open of /dev/xipc owns.
 *
 * Locking: a space has no mutable state yet; its id is set once at creation.
 */
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"

static atomic64_t xipc_next_space_id = ATOMIC64_INIT(0);

struct xipc_space *xipc_space_create(void)
{
	struct xipc_space *space;

	/* Charged to the opener's memory cgroup: opens are unbounded. */
	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	space->id = atomic64_inc_return(&xipc_next_space_id);
	return space;
}

void xipc_space_destroy(struct xipc_space *space)
{
	kfree(space);
}

long xipc_space_get_info(struct xipc_space *space, void __user *uarg)
{
	struct xipc_info info;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.flags || memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = XIPC_ABI_VERSION;
	info.features = 0;
	info.space_id = space->id;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}
