// SPDX-License-Identifier: GPL-2.0
/*
 * The capability space: what one open of /dev/xipc owns, a table of handles.
 *
 * Locking: the table's own (table.c). Handle numbers start at 1; a command
 * that installs handles only when it succeeds reserves their numbers first
 * (lookups see a reserved number as empty), so that nothing else can take
 * them, and commits or unreserves them at the end. Every number, reserved
 * or filled, is charged to the opener's handle quota (user.c).
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

static atomic64_t xipc_next_space_id = ATOMIC64_INIT(0);

struct xipc_space *xipc_space_create(void)
{
	struct xipc_space *space;

	/* Charged to the opener's memory cgroup: opens are unbounded. */
	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	space->user = xipc_user_get();
	if (!space->user) {
		kfree(space);
		return NULL;
	}
	space->id = atomic64_inc_return(&xipc_next_space_id);
	xipc_table_init(&space->handles);
	return space;
}

/* Called from release: no command can be running on the space any more. */
void xipc_space_destroy(struct xipc_space *space)
{
	struct xipc_handle *h;
	unsigned int nr = 0;
	u32 id;

	for (id = 1; (h = xipc_table_find(&space->handles, &id)); id++) {
		xipc_handle_destroy(h);
		nr++;
	}
	xipc_table_destroy(&space->handles);
	kvfree(space->reply_spare);
	xipc_user_uncharge_handles(space->user, nr);
	xipc_user_put(space->user);
	kfree(space);
}

/*
 * Installs the new handle @h, whose number goes to *@id inside the request
 * struct @req of @size bytes, then copies @req back to @uarg. The number is
 * only reserved until the copy succeeded, so that no other thread can use
 * (or close) the handle before the command is sure to succeed. On failure
 * the handle is destroyed and the space is as it was.
 */
int xipc_space_install_out(struct xipc_space *space, struct xipc_handle *h,
			   u32 *id, void __user *uarg, const void *req,
			   size_t size)
{
	int err = xipc_space_reserve(space, id);

	if (err) {
		xipc_handle_destroy(h);
		return err;
	}
	return xipc_space_commit_out(space, h, *id, uarg, req, size);
}

/*
 * The second half of xipc_space_install_out(), for a command that needs the
 * number it reserved (@id) to fill in @req.
 */
int xipc_space_commit_out(struct xipc_space *space, struct xipc_handle *h,
			  u32 id, void __user *uarg, const void *req,
			  size_t size)
{
	if (copy_to_user(uarg, req, size)) {
		xipc_space_unreserve(space, id);
		xipc_handle_destroy(h);
		return -EFAULT;
	}
	xipc_space_commit(space, id, h);
	return 0;
}

int xipc_space_reserve(struct xipc_space *space, u32 *id)
{
	return xipc_space_reserve_many(space, id, 1, true);
}

void xipc_space_commit(struct xipc_space *space, u32 id, struct xipc_handle *h)
{
	xipc_table_fill(&space->handles, id, h);
}

void xipc_space_unreserve(struct xipc_space *space, u32 id)
{
	xipc_space_unreserve_many(space, &id, 1);
}

/*
 * The limit event of a full space. Out of line: the reservation, on every
 * receive's path, stays as small as it was without it.
 */
static noinline void xipc_space_trace_full(const struct xipc_space *space)
{
	trace_xipc_limit(XIPC_LIMIT_HANDLES, space->id, xipc_max_handles);
}

/*
 * Reserves @nr handle numbers in @space, the lowest free ones, all or none,
 * charged to its user at once: -ENOBUFS over the user's handle quota,
 * -EMFILE with the space full (max_handles: the space's descriptor limit,
 * as with fds), -ENOMEM if its table could not grow. Growing it is charged
 * to the caller's memory cgroup: a caller that acts for another process
 * passes !@grow, and gets -ENOMEM where the table would have to grow.
 */
int xipc_space_reserve_many(struct xipc_space *space, u32 *ids, unsigned int nr,
			    bool grow)
{
	int err;

	if (!nr)
		return 0;
	err = xipc_user_charge_handles(space->user, nr);
	if (err)
		return err;
	err = xipc_table_reserve(&space->handles, ids, nr,
				 READ_ONCE(xipc_max_handles), grow);
	if (err) {
		xipc_user_uncharge_handles(space->user, nr);
		if (err == -EMFILE)
			xipc_space_trace_full(space);
	}
	return err;
}

void xipc_space_unreserve_many(struct xipc_space *space, u32 *ids,
			       unsigned int nr)
{
	if (!nr)
		return;
	xipc_table_unreserve(&space->handles, ids, nr);
	xipc_user_uncharge_handles(space->user, nr);
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
	info.features = XIPC_FEATURE_MAILBOX | XIPC_FEATURE_LRPC |
			XIPC_FEATURE_NAMING;
	if (xipc_lrpc_regs_usable())
		info.features |= XIPC_FEATURE_LRPC_REGS;
	info.space_id = space->id;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}
