// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: a payload copied into the kernel, stamped with the sender, and the
 * handles it carries from the sender's space to the receiver's.
 *
 * A message in transit owns its handles. Sending them is all or nothing:
 * xipc_transfers_prepare() creates the in-transit handles (derived ones, or
 * the sender's own, its slot reserved, for a move) without changing what the
 * sender sees, and the sender commits or aborts once the message is queued or
 * refused. Receiving reserves slots in the receiver's space first and fills
 * them only once nothing can fail any more.
 *
 * Locking: none of its own. Freeing a message releases its handles, which can
 * make a mailbox drop its queue; xipc_msgs_drain() frees such chains in a
 * loop rather than by recursion.
 */
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

/*
 * A message of @size bytes whose payload the caller fills in, charged to
 * the caller (with @space NULL, to nobody yet: a reply, which its call's
 * reservation pays for) and stamped with its pid, uid and gid. It reuses
 * the memory of @spare, a message emptied by xipc_msg_empty(), if that has
 * room, and frees it otherwise: with init_on_alloc (Debian's default) every
 * fresh allocation is zeroed first, which costs more than copying the
 * payload. Only a spare at most about twice the size is reused: the quota
 * counts @size, so small messages in large memory would hold more than it
 * says.
 */
struct xipc_msg *xipc_msg_new(struct xipc_space *space, size_t size,
			      struct xipc_msg *spare)
{
	struct xipc_user *user = NULL;
	struct xipc_msg *msg;
	size_t room = size;

	if (space) {
		user = xipc_user_charge_msg(space, size);
		if (IS_ERR(user)) {
			kvfree(spare);
			return ERR_CAST(user);
		}
	}
	if (spare && spare->room >= size && spare->room - size <= size + 256) {
		msg = spare;
		room = spare->room;
	} else {
		kvfree(spare);
		msg = kvmalloc(struct_size(msg, data, size), GFP_KERNEL_ACCOUNT);
	}
	if (!msg) {
		if (user)
			xipc_user_uncharge_msg(user, size);
		return ERR_PTR(-ENOMEM);
	}
	/* Every field: those from @seq on start at zero, the rest are set. */
	memset((char *)msg + offsetof(struct xipc_msg, seq), 0,
	       offsetof(struct xipc_msg, data) - offsetof(struct xipc_msg, seq));
	INIT_LIST_HEAD(&msg->link);
	INIT_LIST_HEAD(&msg->gc_link);
	xipc_count(XIPC_COUNT_MESSAGES, 1);
	msg->user = user;
	msg->room = room;
	msg->size = size;
	msg->pid = get_pid(task_tgid(current));
	msg->uid = current_euid();
	msg->gid = current_egid();
	return msg;
}

/*
 * A message with the @size bytes at @data (user memory) as its payload, in
 * the memory of @spare (see xipc_msg_new()) if it is not NULL.
 */
struct xipc_msg *xipc_msg_alloc(struct xipc_space *space,
				const void __user *data, size_t size,
				struct xipc_msg *spare)
{
	struct xipc_msg *msg = xipc_msg_new(space, size, spare);

	if (!IS_ERR(msg) && size && copy_from_user(msg->data, data, size)) {
		xipc_msg_free(msg);
		return ERR_PTR(-EFAULT);
	}
	return msg;
}

/*
 * A notice from the kernel with the @size bytes at @data as its payload,
 * charged to the caller, but from nobody: pid, uid and gid 0.
 */
struct xipc_msg *xipc_msg_alloc_notice(struct xipc_space *space,
				       const void *data, size_t size)
{
	struct xipc_msg *msg = xipc_msg_new(space, size, NULL);

	if (IS_ERR(msg))
		return msg;
	memcpy(msg->data, data, size);
	put_pid(msg->pid);
	msg->pid = NULL;
	msg->uid = GLOBAL_ROOT_UID;
	msg->gid = GLOBAL_ROOT_GID;
	return msg;
}

/* The handles @msg carries leave it: no longer charged as on their way. */
static void xipc_msg_uncharge_transit(struct xipc_msg *msg)
{
	if (msg->transit)
		xipc_user_uncharge_transit(msg->transit, msg->nr_handles);
	msg->transit = NULL;
}

/* Releases what @msg holds, but not its memory; dropped messages to @dropped. */
static void xipc_msg_release(struct xipc_msg *msg, struct list_head *dropped)
{
	unsigned int i;

	/*
	 * Most messages carry no handles: no array. (A withdrawn request's
	 * moved handles went back: NULL.)
	 */
	if (msg->handles) {
		for (i = 0; i < msg->nr_handles; i++)
			if (msg->handles[i])
				xipc_handle_release(msg->handles[i], dropped);
		kfree(msg->handles);
	}
	xipc_msg_uncharge_transit(msg);
	if (msg->call)
		xipc_handle_release(msg->call, dropped);
	put_pid(msg->pid);
	if (msg->user)
		xipc_user_uncharge_msg(msg->user, msg->size);
	xipc_count(XIPC_COUNT_MESSAGES, -1);
}

/*
 * Frees every message on @dropped and the handles they carry. Releasing a
 * handle can make its mailbox drop its own queue onto @dropped: the loop
 * frees that too.
 */
void xipc_msgs_drain(struct list_head *dropped)
{
	struct xipc_msg *msg;

	while (!list_empty(dropped)) {
		msg = list_first_entry(dropped, struct xipc_msg, link);
		list_del(&msg->link);
		xipc_msg_release(msg, dropped);
		kvfree(msg);
	}
}

/*
 * Empties @msg, which was taken out of its mailbox: its memory stays, for
 * xipc_msg_alloc() to reuse.
 */
void xipc_msg_empty(struct xipc_msg *msg)
{
	LIST_HEAD(dropped);

	xipc_msg_release(msg, &dropped);
	xipc_msgs_drain(&dropped);
}

/* The memory of the largest message kept for the next one. */
#define XIPC_SPARE_MAX	(64 << 10)

/*
 * @msg was received: its memory is kept in *@spare (a mailbox's, for the
 * next message sent to it; a space's, for the reply to its next RPC), so
 * that a steady exchange allocates (and, with init_on_alloc, zeroes)
 * nothing. One spare, of at most XIPC_SPARE_MAX bytes, in each place.
 */
void xipc_msg_keep(struct xipc_msg **spare, struct xipc_msg *msg)
{
	if (msg->room > XIPC_SPARE_MAX) {
		xipc_msg_free(msg);
		return;
	}
	xipc_msg_empty(msg);
	msg = xchg(spare, msg);
	if (msg)
		kvfree(msg);
}

void xipc_msg_free(struct xipc_msg *msg)
{
	LIST_HEAD(dropped);

	list_add(&msg->link, &dropped);
	xipc_msgs_drain(&dropped);
}

static int xipc_transfers_check(const struct xipc_transfer *req, u32 nr)
{
	u32 i, j;

	for (i = 0; i < nr; i++) {
		if (req[i].flags & ~XIPC_TRANSFER_MOVE || req[i].reserved ||
		    req[i].rights & ~XIPC_RIGHTS_ALL)
			return -EINVAL;
		/* A move hands over the handle as it is. */
		if (req[i].flags & XIPC_TRANSFER_MOVE && req[i].rights)
			return -EINVAL;
	}
	/* A handle can be moved once, and not also be copied in the same step. */
	for (i = 0; i < nr; i++)
		for (j = i + 1; j < nr; j++)
			if (req[i].handle == req[j].handle &&
			    (req[i].flags | req[j].flags) & XIPC_TRANSFER_MOVE)
				return -EINVAL;
	return 0;
}

/* xipc_transfers_prepare() of at least one handle. */
int xipc_transfers_create(struct xipc_space *space, struct xipc_transfers *tr,
			  u64 uptr, u32 nr)
{
	struct xipc_transfer *req;
	struct xipc_handle *h;
	int err;

	req = memdup_user(u64_to_user_ptr(uptr), array_size(nr, sizeof(*req)));
	if (IS_ERR(req))
		return PTR_ERR(req);
	err = xipc_transfers_check(req, nr);
	if (err)
		goto out;

	tr->handles = kcalloc(nr, sizeof(*tr->handles), GFP_KERNEL_ACCOUNT);
	tr->moved = kcalloc(nr, sizeof(*tr->moved), GFP_KERNEL);
	if (!tr->handles || !tr->moved) {
		err = -ENOMEM;
		goto out;
	}
	for (; tr->nr < nr; tr->nr++) {
		const struct xipc_transfer *t = &req[tr->nr];

		if (t->flags & XIPC_TRANSFER_MOVE)
			h = xipc_handle_reserve(space, t->handle,
						XIPC_RIGHT_GRANT, 0);
		else
			h = xipc_handle_derive(space, t->handle, XIPC_RIGHT_GRANT,
					       0, t->rights, NULL);
		if (IS_ERR(h)) {
			err = PTR_ERR(h);
			goto out;
		}
		tr->handles[tr->nr] = h;
		if (t->flags & XIPC_TRANSFER_MOVE)
			tr->moved[tr->nr] = t->handle;
		/*
		 * Some objects' receive rights stay where they are (a
		 * service's is tied to the region its creator mapped): a copy
		 * is refused here, a move by xipc_handle_reserve(). A
		 * mailbox's may go anywhere, even into its own queue: if no
		 * process can take it out again, the cycle collector frees
		 * the mailbox (gc.c).
		 */
		if (h->rights & XIPC_RIGHT_RECV && h->obj->ops->recv_stays) {
			tr->nr++;
			err = -EPERM;
			goto out;
		}
	}
	err = xipc_user_charge_transit(space->user, nr);
	if (!err)
		tr->transit = space->user;
out:
	kfree(req);
	if (err)
		xipc_transfers_abort(space, tr);
	return err;
}

/* The handle @tr moved out of slot @id, or NULL. */
struct xipc_handle *xipc_transfers_moved(const struct xipc_transfers *tr,
					 u32 id)
{
	unsigned int i;

	for (i = 0; i < tr->nr; i++)
		if (tr->moved[i] == id)
			return tr->handles[i];
	return NULL;
}

/* For xipc_transfers_commit(): the slots the handles were moved out of. */
void xipc_transfers_free_moved(struct xipc_space *space,
			       struct xipc_transfers *tr)
{
	unsigned int i;

	for (i = 0; i < tr->nr; i++)
		if (tr->moved[i])
			xipc_space_unreserve(space, tr->moved[i]);
	kfree(tr->moved);
	memset(tr, 0, sizeof(*tr));
}

/*
 * An RPC's request, committed with @tr->keep_moved, is done with: the slots
 * its moved handles came from become free, or, for a request a revoke
 * withdrew (@withdrawn, not NULL), get those handles back, as an abort gives
 * them: nothing the caller moved is lost with a request nobody received.
 */
void xipc_transfers_settle(struct xipc_space *space, struct xipc_transfers *tr,
			   struct xipc_msg *withdrawn)
{
	unsigned int i;

	for (i = 0; i < tr->nr; i++) {
		if (!tr->moved[i])
			continue;
		if (withdrawn) {
			xipc_handle_restore(space, tr->moved[i],
					    withdrawn->handles[i]);
			withdrawn->handles[i] = NULL;
		} else {
			xipc_space_unreserve(space, tr->moved[i]);
		}
	}
	kfree(tr->moved);
	memset(tr, 0, sizeof(*tr));
}

/* The message was refused: moved handles go back, derived ones go away. */
void xipc_transfers_abort(struct xipc_space *space, struct xipc_transfers *tr)
{
	unsigned int i;

	for (i = 0; i < tr->nr; i++) {
		if (tr->moved[i])
			xipc_handle_restore(space, tr->moved[i], tr->handles[i]);
		else
			xipc_handle_destroy(tr->handles[i]);
	}
	if (tr->transit)
		xipc_user_uncharge_transit(tr->transit, tr->nr);
	kfree(tr->handles);
	kfree(tr->moved);
	memset(tr, 0, sizeof(*tr));
}

/*
 * The handle_transfer events of the handles @msg carries, arriving at
 * @ids. Out of line, called once the event is enabled: a receive's path has
 * only its static key.
 */
static noinline void xipc_msg_trace_transfers(const struct xipc_msg *msg,
					      const u32 *ids)
{
	unsigned int i;

	for (i = 0; i < msg->nr_handles; i++)
		trace_xipc_handle_transfer(msg->handles[i], ids[i], 0);
}

/*
 * Moves the handles @msg carries into the slots reserved at @ids; the reply
 * handle of an RPC request, if any, goes into @ids[msg->nr_handles].
 */
void xipc_msg_install_handles(struct xipc_space *space, struct xipc_msg *msg,
			      const u32 *ids)
{
	unsigned int i;

	if (msg->nr_handles && trace_xipc_handle_transfer_enabled())
		xipc_msg_trace_transfers(msg, ids);
	for (i = 0; i < msg->nr_handles; i++)
		xipc_space_commit(space, ids[i], msg->handles[i]);
	if (msg->call)
		xipc_space_commit(space, ids[i], msg->call);
	xipc_msg_uncharge_transit(msg);
	msg->nr_handles = 0;
	msg->call = NULL;
}
