// SPDX-License-Identifier: GPL-2.0
/*
 * Mailboxes: bounded queues of typed messages, reached through handles.
 *
 * Senders wait on @writers for room, pollers on @writers and @readers;
 * they are woken whenever the queue changes, the mailbox is destroyed, or
 * the last sender or receiver goes. Receives select by type as System V
 * msgrcv does, optionally by sender. A receive that finds nothing sleeps on
 * @sleepers, and a message that it selects is taken for it by whoever
 * queues the message, as System V's pipelined receive does: the receiver
 * wakes to a message taken, with no lock to take and no search to make.
 *
 * One sender cannot fill a mailbox that others need (the fair share): a
 * user other than the mailbox's creator that already has messages queued
 * there may send only while, after the send, it would hold no more than the
 * room still left, in messages and in bytes. So one user takes at most about
 * half of what the others leave free, and the next user always finds room.
 * Users are quota users (xipc_quota_uid()), which a user namespace cannot
 * multiply; the creator's own messages, and notices, are not counted.
 *
 * Every mailbox is on xipc_mailboxes, for the operator view in
 * /proc/xipc/mailboxes. Mailboxes that only keep each other alive (each
 * one's receive rights queued in another's queue) are found and dropped by
 * the cycle collector (gc.c), which counts what queues hold of receive
 * rights: a message that carries handles tells it when it is queued and
 * before it leaves its queue.
 *
 * Locking: xipc_mailbox.lock (a mutex) protects everything below it; nothing
 * is copied to or from user space under it (see xipc_mailbox_recv()).
 * Fields that poll() and handle info read without the lock are written with
 * WRITE_ONCE. Messages dropped under the lock are freed after it is released
 * (see xipc_msgs_drain()). xipc_mailboxes_lock, which protects the list, is
 * taken before a mailbox's lock.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

/* xipc_mailbox_queue(): the payload is to be copied in first. */
#define XIPC_QUEUE_COPY_IN	1

/**
 * struct xipc_mailbox - a typed message queue
 * @obj:	what handles name
 * @lock:	protects all that follows
 * @messages:	queued messages, oldest first
 * @spare:	the memory of a message received, for the next one sent; taken
 *		and given back with xchg(), without the lock
 * @next_seq:	the sequence number of the next message queued: the messages
 *		queued since it was created (the view's sent)
 * @nr_msgs:	how many
 * @nr_bytes:	their payload bytes
 * @max_msg_size: largest payload, fixed at creation
 * @max_msgs:	most messages queued, fixed at creation
 * @max_bytes:	most payload bytes queued, fixed at creation
 * @senders:	handles with XIPC_RIGHT_SEND that are not revoked
 * @receivers:	handles with XIPC_RIGHT_RECV that are not revoked; once 0,
 *		queued messages are dropped and sends fail with EPIPE
 * @destroyed:	XIPC_IOC_MAILBOX_DESTROY happened; everything fails with EIDRM
 * @readers:	pollers waiting for a message
 * @writers:	senders waiting for room, and pollers
 * @sleepers:	receives asleep waiting for a message, oldest first
 *		(struct xipc_receiver)
 * @waiting_senders: senders asleep on @writers
 * @waiting_receivers: receives on @sleepers
 * @name:	its name, while it has one (set and cleared by name.c)
 * @all:	on xipc_mailboxes (under xipc_mailboxes_lock)
 * @ns:		the creator's IPC namespace, referenced: the operator view
 *		shows a mailbox only in its namespace
 * @uid:	the creator's effective uid
 * @gid:	the creator's effective gid
 * @user:	the creator's quota, charged for the mailbox
 * @shares:	struct xipc_share of every other user that has sent here, by
 *		uid; kept until the mailbox goes, so that a message's @share
 *		stays valid while it is out of the queue for a copy
 * @gc:		its part in cycle collection (gc.c)
 * @unreceived:	messages that left the queue other than by a receive
 *		(dropped, withdrawn), less those put back after a receive
 *		took them: the view's received, the messages taken by
 *		receives, is @next_seq - @nr_msgs - @unreceived, so that no
 *		send or receive counts anything (a take whose copy-out faults,
 *		and that is put back, counts when taken again too)
 */
struct xipc_mailbox {
	struct xipc_object obj;
	struct mutex lock;		/* protects all that follows */
	struct list_head messages;
	struct xipc_msg *spare;
	u64 next_seq;
	unsigned int nr_msgs;
	size_t nr_bytes;
	u32 max_msg_size;
	u32 max_msgs;
	size_t max_bytes;
	unsigned int senders;
	unsigned int receivers;
	bool destroyed;
	wait_queue_head_t readers;
	wait_queue_head_t writers;
	struct list_head sleepers;
	unsigned int waiting_senders;
	unsigned int waiting_receivers;
	struct xipc_name __rcu *name;
	struct list_head all;
	struct ipc_namespace *ns;
	kuid_t uid;
	kgid_t gid;
	struct xipc_user *user;
	struct xarray shares;
	struct xipc_gc gc;
	u64 unreceived;
};

/**
 * struct xipc_share - what one user other than the creator has queued
 * @msgs:	its messages in the queue
 * @bytes:	their payload bytes
 */
struct xipc_share {
	unsigned int msgs;
	size_t bytes;
};

/*
 * A message without handles of XIPC_DIRECT_MIN bytes or more may go from
 * the sender's memory straight into the buffer of a receive asleep, which
 * pins up to XIPC_DIRECT_MAX bytes of it for that: one copy, not two.
 */
#define XIPC_DIRECT_MIN		(16 * 1024)
#define XIPC_DIRECT_MAX		(64 * 1024)
#define XIPC_DIRECT_PAGES	(DIV_ROUND_UP(XIPC_DIRECT_MAX, PAGE_SIZE) + 1)

enum xipc_receiver_state {
	XIPC_RECEIVER_AWAKE,
	XIPC_RECEIVER_ASLEEP,
	XIPC_RECEIVER_TAKEN,
};

/**
 * struct xipc_receiver - a receive, on the receiving thread's stack
 * @req:	its command: what it selects, then what it got
 * @got:	what it took out of the mailbox
 * @space:	the space it receives into
 * @ref:	what its handle was looked up as
 * @pid_ns:	the receiver's pid namespace, which senders' pids are in
 * @user_ns:	the receiver's user namespace, which senders' ids are in
 * @task:	the receiving thread
 * @link:	in the mailbox's @sleepers while ASLEEP
 * @state:	enum xipc_receiver_state: AWAKE off @sleepers, ASLEEP on
 *		them, TAKEN once a sender took a message for it (or tried:
 *		@ret says how it went). The receiver reads TAKEN without the
 *		lock, after which the record may be gone.
 * @ret:	for TAKEN, what xipc_recv_take() returned for it
 * @nr_pages:	pages of its buffer pinned, for a message sent straight
 *		into it (0: none)
 * @pinned:	how many bytes from the buffer's start they hold
 * @written:	a sender wrote into them (so they are unpinned dirty)
 * @pages:	the pages
 */
struct xipc_receiver {
	struct xipc_recv *req;
	struct xipc_received *got;
	struct xipc_space *space;
	const struct xipc_ref *ref;
	struct pid_namespace *pid_ns;
	struct user_namespace *user_ns;
	struct task_struct *task;
	struct list_head link;
	enum xipc_receiver_state state;
	int ret;
	unsigned int nr_pages;
	size_t pinned;
	bool written;
	struct page *pages[XIPC_DIRECT_PAGES];
};

/*
 * With the lock held: takes @r, asleep, off @sleepers into @state and wakes
 * it. Once @state is TAKEN the receiver may return without the lock and its
 * record go; its task, read before, stays for the RCU read section.
 */
static void xipc_receiver_wake(struct xipc_mailbox *mb, struct xipc_receiver *r,
			       enum xipc_receiver_state state, int ret)
{
	struct task_struct *task = r->task;

	list_del(&r->link);
	WRITE_ONCE(mb->waiting_receivers, mb->waiting_receivers - 1);
	r->ret = ret;
	rcu_read_lock();
	/* Pairs with xipc_recv_sleep()'s acquire: the take, then the state. */
	smp_store_release(&r->state, state);
	wake_up_process(task);
	rcu_read_unlock();
}

/* With the lock held: every receive asleep looks at the mailbox again. */
static void xipc_mailbox_wake_sleepers(struct xipc_mailbox *mb)
{
	struct xipc_receiver *r, *next;

	list_for_each_entry_safe(r, next, &mb->sleepers, link)
		xipc_receiver_wake(mb, r, XIPC_RECEIVER_AWAKE, 0);
}

static void xipc_mailbox_arrived(struct xipc_mailbox *mb, struct xipc_msg *msg);
static struct xipc_receiver *xipc_mailbox_direct(struct xipc_mailbox *mb,
						 struct xipc_msg *msg);
static void xipc_mailbox_hand_direct(struct xipc_mailbox *mb,
				     struct xipc_receiver *r,
				     struct xipc_msg *msg);

static LIST_HEAD(xipc_mailboxes);
static DEFINE_MUTEX(xipc_mailboxes_lock);

static struct xipc_mailbox *to_mailbox(struct xipc_object *obj)
{
	return container_of(obj, struct xipc_mailbox, obj);
}

/* With the lock held: @msg, just linked into the queue, is counted. */
static void xipc_mailbox_count(struct xipc_mailbox *mb, struct xipc_msg *msg)
{
	WRITE_ONCE(mb->nr_msgs, mb->nr_msgs + 1);
	WRITE_ONCE(mb->nr_bytes, mb->nr_bytes + msg->size);
	if (msg->share) {
		msg->share->msgs++;
		msg->share->bytes += msg->size;
	}
}

/* With the lock held: @msg, just unlinked from the queue, is not counted. */
static void xipc_mailbox_uncount(struct xipc_mailbox *mb, struct xipc_msg *msg)
{
	WRITE_ONCE(mb->nr_msgs, mb->nr_msgs - 1);
	WRITE_ONCE(mb->nr_bytes, mb->nr_bytes - msg->size);
	if (msg->share) {
		msg->share->msgs--;
		msg->share->bytes -= msg->size;
	}
}

/*
 * With the lock held: the share of @msg's sender, created on its first
 * message here; NULL for the creator. ERR_PTR(-ENOMEM) if it cannot be.
 */
static struct xipc_share *xipc_mailbox_share(struct xipc_mailbox *mb,
					     const struct xipc_msg *msg)
{
	struct xipc_share *share;
	unsigned long uid;
	void *old;

	/* One struct xipc_user per uid at a time: both are referenced. */
	if (msg->user == mb->user)
		return NULL;
	uid = __kuid_val(xipc_user_uid(msg->user));
	share = xa_load(&mb->shares, uid);
	if (share)
		return share;
	share = kzalloc(sizeof(*share), GFP_KERNEL_ACCOUNT);
	if (!share)
		return ERR_PTR(-ENOMEM);
	old = xa_store(&mb->shares, uid, share, GFP_KERNEL_ACCOUNT);
	if (xa_is_err(old)) {
		kfree(share);
		return ERR_PTR(xa_err(old));
	}
	return share;
}

/* Whether a message may be queued now, and if not, why. */
enum xipc_room {
	XIPC_ROOM,
	XIPC_ROOM_FULL,
	XIPC_ROOM_FAIR_SHARE,
};

/* With the lock held: whether @msg, from @share's user, may be queued now. */
static enum xipc_room xipc_mailbox_has_room(const struct xipc_mailbox *mb,
					    const struct xipc_msg *msg,
					    const struct xipc_share *share)
{
	/* (A death notice may have gone beyond the limits.) */
	if (mb->nr_msgs >= mb->max_msgs || mb->nr_bytes > mb->max_bytes ||
	    msg->size > mb->max_bytes - mb->nr_bytes)
		return XIPC_ROOM_FULL;
	if (!share || !share->msgs)
		return XIPC_ROOM;
	/* The fair share: no more than the room it leaves. */
	if (share->msgs + 1 <= mb->max_msgs - mb->nr_msgs - 1 &&
	    share->bytes + msg->size <= mb->max_bytes - mb->nr_bytes - msg->size)
		return XIPC_ROOM;
	return XIPC_ROOM_FAIR_SHARE;
}

/*
 * Wakes the first waiter on @wq after a change made under the mailbox lock
 * and dropped with it. Sleepers queue themselves before they drop the lock
 * (xipc_wait_unlocked()), pollers before a barrier (xipc_mailbox_poll()):
 * with nobody queued, the wait queue's own lock is not taken.
 */
static void xipc_mailbox_wake(struct wait_queue_head *wq)
{
	if (wq_has_sleeper(wq))
		wake_up(wq);
}

/*
 * Empties the queue onto @dropped; RPC requests in it fail with @error.
 * Called with the lock held.
 */
static void xipc_mailbox_drop_all(struct xipc_mailbox *mb, int error,
				  struct list_head *dropped)
{
	struct xipc_msg *msg;

	mb->unreceived += mb->nr_msgs;
	list_for_each_entry(msg, &mb->messages, link) {
		xipc_mailbox_uncount(mb, msg);
		if (msg->call)
			xipc_rpc_request_dropped(msg->call, error);
	}
	if (!list_empty(&mb->gc.msgs))
		xipc_gc_drop_all(&mb->gc);
	list_splice_tail_init(&mb->messages, dropped);
	xipc_mailbox_wake_sleepers(mb);
	wake_up_all(&mb->readers);
	wake_up_all(&mb->writers);
}

static void xipc_mailbox_handles_changed(struct xipc_object *obj, int send,
					 int recv, struct list_head *dropped)
{
	struct xipc_mailbox *mb = to_mailbox(obj);
	bool died;

	mutex_lock(&mb->lock);
	WRITE_ONCE(mb->senders, mb->senders + send);
	WRITE_ONCE(mb->receivers, mb->receivers + recv);
	/* Nobody can ever take these messages: drop them now. */
	died = recv < 0 && !mb->receivers;
	if (died)
		xipc_mailbox_drop_all(mb, -EPIPE, dropped);
	else if (recv < 0)
		xipc_gc_receivers_dropped(&mb->gc, mb->receivers);
	/*
	 * A handle went: whoever sleeps on one that was revoked or closed must
	 * stop, and receivers whose last possible sender went with it too.
	 */
	if (send < 0 || recv < 0) {
		xipc_mailbox_wake_sleepers(mb);
		wake_up_all(&mb->readers);
		wake_up_all(&mb->writers);
	}
	mutex_unlock(&mb->lock);
	if (died)
		xipc_object_died(obj);
}

static u32 xipc_mailbox_state(struct xipc_object *obj)
{
	struct xipc_mailbox *mb = to_mailbox(obj);
	u32 state = 0;

	if (READ_ONCE(mb->destroyed))
		state |= XIPC_STATE_DESTROYED;
	if (!READ_ONCE(mb->receivers))
		state |= XIPC_STATE_NO_RECEIVER;
	return state;
}

static void xipc_mailbox_release(struct xipc_object *obj)
{
	struct xipc_mailbox *mb = to_mailbox(obj);
	struct xipc_share *share;
	unsigned long uid;

	trace_xipc_mailbox_free(mb->obj.id);
	mutex_lock(&xipc_mailboxes_lock);
	list_del(&mb->all);
	mutex_unlock(&xipc_mailboxes_lock);
	/* Its last handle went, and with the last receiver the queue. */
	WARN_ON(!list_empty(&mb->messages));
	xipc_gc_release(&mb->gc);
	xa_for_each(&mb->shares, uid, share)
		kfree(share);
	xa_destroy(&mb->shares);
	kvfree(mb->spare);
	xipc_put_ipc_ns(mb->ns);
	xipc_user_uncharge_mailbox(mb->user);
	mutex_destroy(&mb->lock);
	kfree_rcu(mb, obj.rcu);
}

static const struct xipc_object_ops xipc_mailbox_ops = {
	.type		= XIPC_OBJECT_MAILBOX,
	.handles_changed = xipc_mailbox_handles_changed,
	.state		= xipc_mailbox_state,
	.release	= xipc_mailbox_release,
};

/*
 * A new mailbox with the given limits (0: the default), or ERR_PTR; the
 * caller holds its only reference.
 */
struct xipc_object *xipc_mailbox_new(u32 max_msg_size, u32 max_msgs,
				     u64 max_bytes)
{
	struct xipc_user *user;
	struct xipc_mailbox *mb;

	/* Receives return the bytes copied as an int in user space. */
	if (max_msg_size > min_t(u32, xipc_max_msg_size_limit, INT_MAX) ||
	    max_msgs > xipc_max_msgs_limit || max_bytes > xipc_max_bytes_limit)
		return ERR_PTR(-EINVAL);
	user = xipc_user_charge_mailbox();
	if (IS_ERR(user))
		return ERR_CAST(user);
	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb) {
		xipc_user_uncharge_mailbox(user);
		return ERR_PTR(-ENOMEM);
	}
	mb->user = user;
	xipc_object_init(&mb->obj, &xipc_mailbox_ops);
	xipc_gc_init(&mb->gc, &mb->obj);
	mutex_init(&mb->lock);
	INIT_LIST_HEAD(&mb->messages);
	INIT_LIST_HEAD(&mb->sleepers);
	xa_init(&mb->shares);
	init_waitqueue_head(&mb->readers);
	init_waitqueue_head(&mb->writers);
	mb->max_msg_size = max_msg_size ?: min(8192U, xipc_max_msg_size_limit);
	mb->max_msgs = max_msgs ?: min(256U, xipc_max_msgs_limit);
	mb->max_bytes = max_bytes ?: min(1UL << 20, xipc_max_bytes_limit);
	mb->ns = get_ipc_ns(current->nsproxy->ipc_ns);
	mb->uid = current_euid();
	mb->gid = current_egid();
	trace_xipc_mailbox_create(mb->obj.id, mb->max_msg_size, mb->max_msgs, mb->max_bytes);
	mutex_lock(&xipc_mailboxes_lock);
	list_add_tail(&mb->all, &xipc_mailboxes);
	mutex_unlock(&xipc_mailboxes_lock);
	return &mb->obj;
}

/* The cycle collector's part of @obj, if it is a mailbox; else NULL. */
struct xipc_gc *xipc_mailbox_gc(struct xipc_object *obj)
{
	return obj->ops == &xipc_mailbox_ops ? &to_mailbox(obj)->gc : NULL;
}

/* For the cycle collector, without the lock: R, which includes a name. */
unsigned int xipc_mailbox_receivers(struct xipc_object *obj)
{
	return READ_ONCE(to_mailbox(obj)->receivers);
}

/*
 * The cycle collector found that no process can ever receive from mailbox
 * @obj: its queue goes to @dropped, as when its last receiver goes.
 */
void xipc_mailbox_collect(struct xipc_object *obj, struct list_head *dropped)
{
	struct xipc_mailbox *mb = to_mailbox(obj);

	mutex_lock(&mb->lock);
	xipc_mailbox_drop_all(mb, -EPIPE, dropped);
	mutex_unlock(&mb->lock);
}

/* name.c gives a mailbox its name, and takes it back on unlink. */
void xipc_mailbox_set_name(struct xipc_object *obj, struct xipc_name *name)
{
	/* The view reads it under RCU; names are freed after a grace period. */
	rcu_assign_pointer(to_mailbox(obj)->name, name);
}

long xipc_mailbox_create(struct xipc_space *space, void __user *uarg)
{
	struct xipc_mailbox_create req;
	struct xipc_object *obj;
	struct xipc_handle *h;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	obj = xipc_mailbox_new(req.max_msg_size, req.max_msgs, req.max_bytes);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* The creator's handle holds the only reference from now on. */
	h = xipc_handle_new_root(obj, XIPC_RIGHTS_ALL);
	xipc_object_put(obj);
	if (!h)
		return -ENOMEM;
	return xipc_space_install_out(space, h, &req.handle, uarg, &req,
				      sizeof(req));
}

long xipc_mailbox_destroy(struct xipc_space *space, void __user *uarg)
{
	struct xipc_handle_op op;
	struct xipc_mailbox *mb;
	struct xipc_ref ref;
	LIST_HEAD(dropped);
	int err = 0;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.flags)
		return -EINVAL;
	err = xipc_handle_lookup(space, op.handle, XIPC_RIGHT_MANAGE,
				 XIPC_OBJECT_MAILBOX, &ref);
	if (err)
		return err;
	mb = to_mailbox(ref.obj);

	mutex_lock(&mb->lock);
	if (mb->destroyed) {
		err = -EIDRM;
	} else {
		WRITE_ONCE(mb->destroyed, true);
		trace_xipc_mailbox_destroy(mb->obj.id, op.handle, mb->nr_msgs);
		xipc_mailbox_drop_all(mb, -EIDRM, &dropped);
	}
	mutex_unlock(&mb->lock);

	xipc_msgs_drain(&dropped);
	if (!err)
		xipc_object_died(ref.obj);
	xipc_object_put(ref.obj);
	return err;
}

/*
 * With the lock held: @msg is being queued, sent through handle @id, and
 * msg_send or msg_recv is enabled: the event, and the stamp of its queueing
 * for msg_recv's queued_ns. Out of the send's path, which has only the
 * static key's no-op.
 */
static noinline void xipc_mailbox_trace_send(struct xipc_mailbox *mb, u32 id,
					     struct xipc_msg *msg)
{
	if (trace_xipc_msg_recv_enabled())
		msg->queued_at = ktime_get_ns();
	trace_xipc_msg_send(mb->obj.id, id, msg, mb->waiting_receivers);
}

/* With the lock held: the no_room event of a send that must wait. */
static noinline void xipc_mailbox_trace_no_room(const struct xipc_mailbox *mb,
						const struct xipc_msg *msg,
						const struct xipc_share *share,
						enum xipc_room room)
{
	trace_xipc_no_room(mb->obj.id, xipc_user_uid(msg->user), msg->size,
			   mb->nr_msgs, mb->nr_bytes, share ? share->msgs : 0,
			   share ? share->bytes : 0,
			   room == XIPC_ROOM_FAIR_SHARE);
}

/*
 * Queues @msg on the mailbox that handle @id (looked up as @ref) names,
 * waiting for room until @dl; on success the mailbox owns @msg and the
 * handles @tr carries. On failure nothing changed. A message whose payload
 * is still unsent goes straight into a receive asleep, or is not queued:
 * XIPC_QUEUE_COPY_IN then says to copy the payload in and queue it again.
 */
int xipc_mailbox_queue(struct xipc_space *space, u32 id,
		       const struct xipc_ref *ref, struct xipc_msg *msg,
		       struct xipc_transfers *tr, struct xipc_deadline *dl)
{
	struct xipc_mailbox *mb = to_mailbox(ref->obj);
	struct xipc_receiver *direct = NULL;
	struct xipc_share *share;
	enum xipc_room room;
	int err;

	mutex_lock(&mb->lock);
	share = xipc_mailbox_share(mb, msg);
	if (IS_ERR(share)) {
		err = PTR_ERR(share);
		goto unlock;
	}
	for (;;) {
		/*
		 * Under the lock a close or revoke tells the mailbox in: none
		 * that returned can be missed. The message may carry the very
		 * handle it is sent through, out of its slot.
		 */
		if (xipc_handle_may_have_changed(space, ref)) {
			err = xipc_handle_check_again(space, id, ref,
						      xipc_transfers_moved(tr, id));
			if (err)
				goto unlock;
		}
		if (mb->destroyed) {
			err = -EIDRM;
			goto unlock;
		}
		if (!mb->receivers) {
			err = -EPIPE;
			goto unlock;
		}
		/*
		 * An RPC whose handle a revoke reached: under the lock that
		 * the revoke's withdrawal takes after it marked the call, so
		 * the request is either refused here or withdrawn there.
		 */
		if (msg->call) {
			err = xipc_rpc_request_may_queue(msg);
			if (err)
				goto unlock;
		}
		room = xipc_mailbox_has_room(mb, msg, share);
		if (room == XIPC_ROOM)
			break;
		if (trace_xipc_no_room_enabled())
			xipc_mailbox_trace_no_room(mb, msg, share, room);
		WRITE_ONCE(mb->waiting_senders, mb->waiting_senders + 1);
		err = xipc_wait_unlocked(&mb->writers, &mb->lock, dl);
		WRITE_ONCE(mb->waiting_senders, mb->waiting_senders - 1);
		if (err)
			goto unlock;
	}
	if (msg->unsent) {
		direct = xipc_mailbox_direct(mb, msg);
		if (!direct) {
			err = XIPC_QUEUE_COPY_IN;
			goto unlock;
		}
	}
	xipc_transfers_commit(space, tr, msg);
	msg->seq = mb->next_seq++;
	msg->share = share;
	if (static_branch_unlikely(&xipc_trace_msgs))
		xipc_mailbox_trace_send(mb, id, msg);
	list_add_tail(&msg->link, &mb->messages);
	xipc_mailbox_count(mb, msg);
	if (msg->nr_handles)
		xipc_gc_queued(&mb->gc, msg);
	if (msg->call)
		xipc_rpc_request_queued(msg);
	if (direct)
		xipc_mailbox_hand_direct(mb, direct, msg);
	else if (!list_empty(&mb->sleepers))
		xipc_mailbox_arrived(mb, msg);
	mutex_unlock(&mb->lock);
	/* After the unlock, so that a poller we wake does not run into it. */
	xipc_mailbox_wake(&mb->readers);
	return 0;
unlock:
	mutex_unlock(&mb->lock);
	return err;
}

/*
 * Queues death watch @w's notice on mailbox @obj, even beyond its limits, if
 * the watch is still on the receive handle it was made with (asked under the
 * lock a close or revoke of that handle takes before it returns) and the
 * mailbox has a receiver; else the notice stays @w's, to be freed. Returns
 * whether @w was still on that handle. Takes no reference.
 */
bool xipc_mailbox_deliver(struct xipc_object *obj, struct xipc_watcher *w)
{
	struct xipc_mailbox *mb = to_mailbox(obj);
	struct xipc_msg *msg = NULL;
	bool claimed, queued = false;

	mutex_lock(&mb->lock);
	claimed = xipc_watcher_claim(w, &msg);
	if (msg && !mb->destroyed && mb->receivers) {
		msg->seq = mb->next_seq++;
		trace_xipc_death_notice(mb->obj.id, msg);
		list_add_tail(&msg->link, &mb->messages);
		xipc_mailbox_count(mb, msg);
		xipc_mailbox_arrived(mb, msg);
		queued = true;
	}
	mutex_unlock(&mb->lock);
	if (queued)
		xipc_mailbox_wake(&mb->readers);
	else if (msg)
		xipc_msg_free(msg);
	return claimed;
}

/*
 * Checks a send's or an RPC request's common fields and builds its message
 * for the mailbox @ref names: payload copied in, stamped, handles prepared.
 */
struct xipc_msg *xipc_mailbox_new_msg(struct xipc_space *space,
				      struct xipc_ref *ref, s64 type,
				      u64 data, u64 size, u64 transfers,
				      u32 nr_transfers, struct xipc_transfers *tr,
				      bool direct)
{
	struct xipc_mailbox *mb = to_mailbox(ref->obj);
	struct xipc_msg *msg;
	int err;

	if (size > mb->max_msg_size || size > mb->max_bytes)
		return ERR_PTR(-EMSGSIZE);
	if (direct)
		msg = xipc_msg_new(space, size, xchg(&mb->spare, NULL));
	else
		msg = xipc_msg_alloc(space, u64_to_user_ptr(data), size,
				     xchg(&mb->spare, NULL));
	if (IS_ERR(msg))
		return msg;
	if (direct)
		msg->unsent = u64_to_user_ptr(data);
	msg->type = type;
	msg->badge = ref->badge;
	err = xipc_transfers_prepare(space, tr, transfers, nr_transfers);
	if (err) {
		xipc_msg_free(msg);
		return ERR_PTR(err);
	}
	return msg;
}

long xipc_mailbox_send(struct xipc_space *space, void __user *uarg)
{
	struct xipc_transfers tr __uninitialized;
	struct xipc_deadline dl __uninitialized;
	struct xipc_send req __uninitialized;
	struct xipc_msg *msg;
	struct xipc_ref ref __uninitialized;
	bool direct;
	int err;

	if (xipc_cmd_in(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~XIPC_ABSTIME || req.reserved || req.type <= 0 ||
	    req.nr_transfers > XIPC_MAX_TRANSFERS)
		return -EINVAL;
	err = xipc_handle_lookup(space, req.handle, XIPC_RIGHT_SEND,
				 XIPC_OBJECT_MAILBOX, &ref);
	if (err)
		return err;

	/* A large payload is copied in only if no receive asleep takes it. */
	direct = req.size >= XIPC_DIRECT_MIN && !req.nr_transfers &&
		 READ_ONCE(to_mailbox(ref.obj)->waiting_receivers) &&
		 access_ok(u64_to_user_ptr(req.data), req.size);
	msg = xipc_mailbox_new_msg(space, &ref, req.type, req.data, req.size,
				   req.transfers, req.nr_transfers, &tr, direct);
	if (IS_ERR(msg)) {
		err = PTR_ERR(msg);
		goto put;
	}
	xipc_deadline_init(&dl, req.timeout_ns, req.flags & XIPC_ABSTIME);
	err = xipc_mailbox_queue(space, req.handle, &ref, msg, &tr, &dl);
	if (err == XIPC_QUEUE_COPY_IN) {
		err = copy_from_user(msg->data, msg->unsent, msg->size) ?
		      -EFAULT : 0;
		msg->unsent = NULL;
		if (!err)
			err = xipc_mailbox_queue(space, req.handle, &ref, msg,
						 &tr, &dl);
	}
	if (err) {
		xipc_transfers_abort(space, &tr);
		xipc_msg_free(msg);
	}
put:
	xipc_object_put(ref.obj);
	return err;
}

/*
 * The pid filter compares the number the receiver would see, so a sender that
 * has exited and been reaped still matches its own messages.
 */
static bool xipc_msg_from(const struct xipc_msg *msg,
			  const struct xipc_receiver *r)
{
	const struct xipc_recv *req = r->req;

	if (req->flags & XIPC_RECV_FROM_BADGE && msg->badge != req->badge)
		return false;
	if (req->flags & XIPC_RECV_FROM_PID &&
	    xipc_pid_in(r->pid_ns, msg->pid) != req->pid)
		return false;
	return true;
}

/* Whether receive @r selects @msg, by sender and by type, @skip aside. */
static bool xipc_msg_selected(const struct xipc_msg *msg,
			      const struct xipc_receiver *r)
{
	const struct xipc_recv *req = r->req;

	if (!xipc_msg_from(msg, r))
		return false;
	/* For type < 0: msg->type <= -req->type, without overflow. */
	if (req->type < 0)
		return msg->type + req->type <= 0;
	return !req->type ||
	       (msg->type == req->type) != !!(req->flags & XIPC_RECV_EXCEPT);
}

/*
 * The message a receive selects, as System V msgrcv does: type 0 the first,
 * type > 0 the first of that type (or, with EXCEPT, not of it), type < 0 the
 * first of the lowest type <= -type. @skip matching messages are passed over.
 */
static struct xipc_msg *xipc_mailbox_find(struct xipc_mailbox *mb,
					  const struct xipc_receiver *r)
{
	struct xipc_msg *msg, *lowest = NULL;
	u64 skip = r->req->skip;

	list_for_each_entry(msg, &mb->messages, link) {
		if (!xipc_msg_selected(msg, r))
			continue;
		if (r->req->type < 0) {
			if (!lowest || msg->type < lowest->type)
				lowest = msg;
		} else if (!skip--) {
			return msg;
		}
	}
	return lowest;
}

/*
 * A receive copies to user space with the mailbox unlocked: a receiver whose
 * buffer faults slowly (a page of a FUSE file) must not stall the senders,
 * the other receivers, or whoever closes a handle to the mailbox. A take
 * unlinks its message first and puts it back in its place if the copy
 * faults; a peek copies the payload into a buffer of its own first. While a
 * message is out, other receivers do not see it: they may take a later one,
 * or find the queue empty (EAGAIN, or EPIPE once nobody can send).
 */

/*
 * With the lock held: puts @msg back among the messages in the order they
 * were sent, even beyond the limits (it was counted in them before).
 */
static void xipc_mailbox_requeue(struct xipc_mailbox *mb, struct xipc_msg *msg)
{
	struct xipc_msg *pos;

	list_for_each_entry(pos, &mb->messages, link)
		if (pos->seq > msg->seq)
			break;
	list_add_tail(&msg->link, &pos->link);
	xipc_mailbox_count(mb, msg);
	/* Taken by a receive, it counts as received again when taken again. */
	mb->unreceived--;
	if (msg->nr_handles)
		xipc_gc_queued(&mb->gc, msg);
}

/*
 * What a receive found, taken out of the mailbox under its lock: the
 * message (a take) or a copy of its payload (a peek, into a buffer
 * allocated before the lock, of @room bytes, as large as the message can
 * be), the handle numbers reserved for it, and the answer to copy out.
 */
struct xipc_received {
	struct xipc_msg *msg;
	void *peeked;
	size_t room;
	u32 ids[XIPC_MAX_TRANSFERS + 1];
	unsigned int nr_ids;
	size_t copied;
	bool direct;
};

/* All but the handle numbers, which the take fills in (not zeroed: 260 B). */
static void xipc_received_init(struct xipc_received *got)
{
	got->msg = NULL;
	got->peeked = NULL;
	got->room = 0;
	got->nr_ids = 0;
	got->copied = 0;
	got->direct = false;
}

/*
 * With the lock held, or @msg taken: the msg_recv event of @msg, received
 * through @handle. Out of line, called once the event is enabled, as
 * xipc_mailbox_trace_send().
 */
static noinline void xipc_mailbox_trace_recv(const struct xipc_mailbox *mb,
					     u32 handle,
					     const struct xipc_msg *msg,
					     bool peek)
{
	trace_xipc_msg_recv(mb->obj.id, handle, msg, peek);
}

/*
 * With the lock held: checks that @msg fits receive @r and takes it (or its
 * copy, for a peek) into @r->got, with the handle numbers it needs reserved
 * in @r->space. Returns 0, -E2BIG (@r->req then holds the sizes), or
 * another error; on an error the message stays queued and nothing is
 * reserved. The receiver's thread or a sender's may call it.
 */
static int xipc_recv_take(struct xipc_mailbox *mb, struct xipc_receiver *r,
			  struct xipc_msg *msg)
{
	struct xipc_space *space = r->space;
	struct xipc_received *got = r->got;
	struct xipc_recv *req = r->req;
	bool peek = req->flags & XIPC_RECV_PEEK;
	int err;

	if ((msg->size > req->size && !(req->flags & XIPC_RECV_TRUNCATE)) ||
	    (!peek && msg->nr_handles > req->max_handles)) {
		req->size = msg->size;
		req->nr_handles = msg->nr_handles;
		return -E2BIG;
	}
	got->copied = min_t(size_t, msg->size, req->size);
	if (peek) {
		if (WARN_ON_ONCE(got->copied > got->room))
			return -EMSGSIZE;
		memcpy(got->peeked, msg->data, got->copied);
	} else {
		got->nr_ids = msg->nr_handles + !!msg->call;
		/* A sender taking it for @r leaves any growth to @r (ENOMEM). */
		err = xipc_space_reserve_many(space, got->ids, got->nr_ids,
					      r->task == current);
		if (err)
			return err;
		/*
		 * The cycle collector found the mailbox unreachable: this
		 * receive's handle went since it was looked up (see gc.c).
		 */
		if (msg->nr_handles && !xipc_gc_take(&mb->gc, msg)) {
			xipc_space_unreserve_many(space, got->ids, got->nr_ids);
			return xipc_handle_recheck(space, req->handle, r->ref) ?:
			       -EPIPE;
		}
		got->msg = msg;
		list_del_init(&msg->link);
		xipc_mailbox_uncount(mb, msg);
		/* Received: from now on a revoke cancels the call instead. */
		if (msg->call)
			xipc_rpc_request_taken(msg);
	}

	req->type = msg->type;
	req->size = msg->size;
	req->nr_handles = msg->nr_handles;
	req->badge = msg->badge;
	req->pid = xipc_pid_in(r->pid_ns, msg->pid);
	req->uid = xipc_uid_in(r->user_ns, msg->uid);
	req->gid = xipc_gid_in(r->user_ns, msg->gid);
	req->quota_uid = xipc_uid_in(r->user_ns, xipc_user_uid(msg->user));
	req->reserved = 0;
	req->reply = !peek && msg->call ? got->ids[msg->nr_handles] : 0;
	/* A take for a receiver asleep is its event when it wakes. */
	if (trace_xipc_msg_recv_enabled() && r->task == current)
		xipc_mailbox_trace_recv(mb, req->handle, msg, peek);
	return 0;
}

/*
 * With the lock held: @msg just joined the queue. Each receive asleep that
 * selects it, oldest first, is woken: for a take, with the message taken
 * for it (or the error of trying: E2BIG, a quota, its handle gone); a peek
 * looks again itself. A take that took @msg ends the round.
 */
static void xipc_mailbox_arrived(struct xipc_mailbox *mb, struct xipc_msg *msg)
{
	struct xipc_receiver *r, *next;
	struct xipc_msg *found;
	int ret;

	list_for_each_entry_safe(r, next, &mb->sleepers, link) {
		if (!xipc_msg_selected(msg, r))
			continue;
		if (r->req->flags & XIPC_RECV_PEEK) {
			xipc_receiver_wake(mb, r, XIPC_RECEIVER_AWAKE, 0);
			continue;
		}
		/*
		 * What the receiver would do, woken: check, look, take. Asleep,
		 * it selected nothing queued (each message that joins the
		 * queue comes here), so without a skip @msg is what it finds.
		 */
		ret = xipc_handle_recheck(r->space, r->req->handle, r->ref);
		found = NULL;
		if (!ret) {
			found = r->req->skip ? xipc_mailbox_find(mb, r) : msg;
			if (!found)
				continue;
			ret = xipc_recv_take(mb, r, found);
		}
		/*
		 * The receiver's handle table would have to grow, charged to
		 * this sender's memory cgroup: the receiver takes it itself.
		 */
		if (ret == -ENOMEM) {
			xipc_receiver_wake(mb, r, XIPC_RECEIVER_AWAKE, 0);
			continue;
		}
		xipc_receiver_wake(mb, r, XIPC_RECEIVER_TAKEN, ret);
		if (!ret && found == msg)
			break;
	}
}

/*
 * Copies @size bytes from @from (user memory, or zeroes if NULL) into the
 * pages receive @r pinned, without faulting: the bytes not copied.
 */
static size_t xipc_direct_fill(const struct xipc_receiver *r,
			       const char __user *from, size_t size)
{
	size_t off = offset_in_page(r->req->data), done = 0, n;
	unsigned long left = 0;
	unsigned int i;
	void *to;

	/* Under the mailbox's lock: a fault fails the copy, never sleeps. */
	pagefault_disable();
	for (i = 0; done < size && !left; i++) {
		n = min_t(size_t, size - done, PAGE_SIZE - off);
		to = kmap_local_page(r->pages[i]);
		if (from)
			left = __copy_from_user_inatomic(to + off, from + done,
							 n);
		else
			memset(to + off, 0, n);
		kunmap_local(to);
		done += n - left;
		off = 0;
	}
	pagefault_enable();
	return size - done;
}

/*
 * Copies the payload of @msg, still in its sender's memory, into the pages
 * receive @r pinned: false if a page of the sender's is not there. The
 * receive's buffer then holds zeroes where the part copied went: the
 * message may go to another.
 */
static bool xipc_direct_copy(struct xipc_receiver *r,
			     const struct xipc_msg *msg)
{
	/* A copy that faults may have stored past what it reports. */
	bool copied = !xipc_direct_fill(r, msg->unsent, msg->size);

	if (!copied)
		xipc_direct_fill(r, NULL, msg->size);
	r->written = true;
	return copied;
}

/*
 * With the lock held: the receive asleep that @msg, its payload still at
 * its sender, would be taken for (as xipc_mailbox_arrived() finds it), if
 * that receive pinned room for it; the payload is then copied there. NULL
 * if there is none or the copy would fault: the payload is copied in.
 */
static struct xipc_receiver *xipc_mailbox_direct(struct xipc_mailbox *mb,
						 struct xipc_msg *msg)
{
	struct xipc_receiver *r;

	list_for_each_entry(r, &mb->sleepers, link) {
		if (!xipc_msg_selected(msg, r) ||
		    r->req->flags & XIPC_RECV_PEEK)
			continue;
		/* Within its pins, so within its size: the take cannot fail. */
		if (msg->size > r->pinned || r->req->skip || msg->nr_handles ||
		    msg->call ||
		    xipc_handle_recheck(r->space, r->req->handle, r->ref) ||
		    !xipc_direct_copy(r, msg))
			return NULL;
		return r;
	}
	return NULL;
}

/* With the lock held: @msg, just queued, is @r's, its payload copied. */
static void xipc_mailbox_hand_direct(struct xipc_mailbox *mb,
				     struct xipc_receiver *r,
				     struct xipc_msg *msg)
{
	int ret;

	msg->unsent = NULL;
	ret = xipc_recv_take(mb, r, msg);
	/* It cannot fail (see xipc_mailbox_direct()); if it did, no stale data. */
	if (WARN_ON_ONCE(ret))
		memset(msg->data, 0, msg->size);
	r->got->direct = !ret;
	xipc_receiver_wake(mb, r, XIPC_RECEIVER_TAKEN, ret);
}

/*
 * Pins up to XIPC_DIRECT_MAX bytes of receive @r's buffer, for a message
 * sent straight into it; nothing if that fails. The pin may last as long
 * as the receive waits (FOLL_LONGTERM: not in movable or CMA memory), and
 * only anonymous memory is written this way: a file's page written behind
 * its filesystem's back, then dirtied, is the known trouble with pins.
 */
static void xipc_recv_pin(struct xipc_receiver *r)
{
	unsigned long start = r->req->data;
	size_t len = min_t(u64, r->req->size, XIPC_DIRECT_MAX);
	int nr = DIV_ROUND_UP(offset_in_page(start) + len, PAGE_SIZE);
	int pinned, i;

	pinned = pin_user_pages_fast(start & PAGE_MASK, nr,
				     FOLL_WRITE | FOLL_LONGTERM, r->pages);
	for (i = 0; i < pinned; i++)
		if (!PageAnon(r->pages[i]))
			break;
	if (pinned == nr && i == nr) {
		r->nr_pages = nr;
		r->pinned = len;
	} else if (pinned > 0) {
		unpin_user_pages(r->pages, pinned);
	}
}

/*
 * A receive's results to @uarg: the seven words of struct xipc_recv that
 * hold an output field, not the five that only go in (flags and handle,
 * data, handles, timeout_ns, skip).
 */
static int xipc_recv_out(struct xipc_recv __user *uarg,
			 const struct xipc_recv *req)
{
	/* Each output field in those words: badge and all after it in 8-11. */
	BUILD_BUG_ON(sizeof(*req) != 12 * sizeof(u64) ||
		     offsetof(struct xipc_recv, type) != 1 * sizeof(u64) ||
		     offsetof(struct xipc_recv, size) != 3 * sizeof(u64) ||
		     offsetof(struct xipc_recv, nr_handles) / sizeof(u64) != 5 ||
		     offsetof(struct xipc_recv, badge) != 8 * sizeof(u64));
	return xipc_cmd_out_words(uarg, req, sizeof(*req),
				  BIT_ULL(1) | BIT_ULL(3) | BIT_ULL(5) |
				  GENMASK_ULL(11, 8));
}

/*
 * With the lock dropped: copies what xipc_recv_take() took out to the
 * receive at @uarg and installs the message's handles. On failure the
 * numbers are unreserved; the caller puts the message back.
 */
static long xipc_recv_copy_out(struct xipc_space *space,
			       struct xipc_received *got,
			       struct xipc_recv *req,
			       struct xipc_recv __user *uarg)
{
	const void *payload = got->msg ? got->msg->data : got->peeked;

	/* A payload sent straight into the buffer is there already. */
	if ((!got->direct && got->copied &&
	     copy_to_user(u64_to_user_ptr(req->data), payload, got->copied)) ||
	    (got->msg && got->msg->nr_handles &&
	     copy_to_user(u64_to_user_ptr(req->handles), got->ids,
			  got->msg->nr_handles * sizeof(got->ids[0]))) ||
	    xipc_recv_out(uarg, req)) {
		xipc_space_unreserve_many(space, got->ids, got->nr_ids);
		return -EFAULT;
	}
	if (got->nr_ids)
		xipc_msg_install_handles(space, got->msg, got->ids);
	return got->copied;
}

/*
 * A take that could not be copied out: the message goes back to its place,
 * or, if the mailbox lost its receivers or was destroyed meanwhile, the way
 * of the others it would have been queued with.
 */
static void xipc_recv_undo(struct xipc_mailbox *mb, struct xipc_msg *msg)
{
	int dropped = 0;

	mutex_lock(&mb->lock);
	if (mb->destroyed)
		dropped = -EIDRM;
	else if (!mb->receivers)
		dropped = -EPIPE;
	else
		xipc_mailbox_requeue(mb, msg);
	if (msg->call && dropped)
		xipc_rpc_request_dropped(msg->call, dropped);
	else if (msg->call)
		xipc_rpc_request_queued(msg);
	if (!dropped)
		xipc_mailbox_arrived(mb, msg);
	mutex_unlock(&mb->lock);
	if (dropped)
		xipc_msg_free(msg);
	else
		xipc_mailbox_wake(&mb->readers);
}

/*
 * Takes the RPC request *@request (the call's, protected by the mailbox's
 * lock) out of the queue of mailbox @obj if it is still there, for a revoke
 * that withdraws it: the request, or NULL if it was received or dropped, or
 * not queued yet, or the cycle collector found the mailbox unreachable.
 */
struct xipc_msg *xipc_mailbox_withdraw(struct xipc_object *obj,
				       struct xipc_msg **request)
{
	struct xipc_mailbox *mb = to_mailbox(obj);
	struct xipc_msg *msg;

	mutex_lock(&mb->lock);
	msg = *request;
	/* A collected mailbox's garbage stays, to be dropped (see gc.c). */
	if (msg && msg->nr_handles && !xipc_gc_take(&mb->gc, msg))
		msg = NULL;
	if (msg) {
		*request = NULL;
		list_del_init(&msg->link);
		xipc_mailbox_uncount(mb, msg);
		mb->unreceived++;
	}
	mutex_unlock(&mb->lock);
	/*
	 * Room for senders; or, with no request queued, a caller still
	 * waiting for room to queue it, which must find its call revoked.
	 */
	if (msg)
		xipc_mailbox_wake(&mb->writers);
	else
		wake_up_all(&mb->writers);
	return msg;
}

/* A withdrawn request its caller had given up on goes back to its place. */
void xipc_mailbox_put_back(struct xipc_object *obj, struct xipc_msg *msg)
{
	xipc_recv_undo(to_mailbox(obj), msg);
}

/*
 * With the lock held, for a receive that found nothing: sleeps on
 * @sleepers until a sender takes a message for it, something else changes,
 * the deadline or a signal. Returns with the lock held, but for a message
 * taken (*@taken then set): without it, the take's result. Else 0 to look
 * again, or the sleep's error.
 */
static int xipc_recv_sleep(struct xipc_mailbox *mb, struct xipc_receiver *r,
			   struct xipc_deadline *dl, bool *taken)
{
	int err;

	if (dl->nonblock)
		return -EAGAIN;
	list_add_tail(&r->link, &mb->sleepers);
	WRITE_ONCE(mb->waiting_receivers, mb->waiting_receivers + 1);
	r->state = XIPC_RECEIVER_ASLEEP;
	set_current_state(TASK_INTERRUPTIBLE);
	mutex_unlock(&mb->lock);
	err = xipc_sleep(dl);
	/* A message taken wins over a timeout or a signal. */
	*taken = smp_load_acquire(&r->state) == XIPC_RECEIVER_TAKEN;
	if (!*taken) {
		mutex_lock(&mb->lock);
		if (r->state == XIPC_RECEIVER_ASLEEP) {
			list_del(&r->link);
			WRITE_ONCE(mb->waiting_receivers,
				   mb->waiting_receivers - 1);
		} else if (r->state == XIPC_RECEIVER_AWAKE) {
			/*
			 * Woken to look again (a message to take itself, a
			 * handle gone): as a message taken for it, that wins
			 * over a timeout or a signal.
			 */
			err = 0;
		}
		*taken = r->state == XIPC_RECEIVER_TAKEN;
		if (!*taken) {
			r->state = XIPC_RECEIVER_AWAKE;
			return err;
		}
		mutex_unlock(&mb->lock);
	}
	/* The message is the receiver's: no lock needed to tell of it. */
	if (trace_xipc_msg_recv_enabled() && !r->ret)
		xipc_mailbox_trace_recv(mb, r->req->handle, r->got->msg, false);
	return r->ret;
}

/*
 * A receive about to pin its buffer: a message sent straight into it cannot
 * be put back, so a struct whose words that only go out cannot be read
 * fails now, not once it holds one. Out of line: the path of every other
 * receive stays as it is.
 */
static noinline int xipc_recv_pin_check(struct xipc_recv *req,
					struct xipc_recv __user *ureq)
{
	return xipc_cmd_in_words(req, ureq, sizeof(*req), GENMASK_ULL(11, 10)) ?
	       -EFAULT : 0;
}

long xipc_mailbox_recv(struct xipc_space *space, void __user *uarg)
{
	struct xipc_received got __uninitialized;
	struct xipc_recv __user *ureq = uarg;
	struct xipc_recv req __uninitialized;
	struct xipc_msg *msg = NULL;
	/* Not zeroed (its pages take 136 bytes): set before each read. */
	struct xipc_receiver me __uninitialized;
	struct xipc_mailbox *mb;
	struct xipc_deadline dl __uninitialized;
	struct xipc_ref ref __uninitialized;
	bool taken = false, pin = false;
	long ret;

	/*
	 * Words 10 and 11 (gid and all after it) only go out: the take that
	 * a copy out follows sets them (xipc_recv_take()).
	 */
	BUILD_BUG_ON(offsetof(struct xipc_recv, gid) != 10 * sizeof(u64));
	if (xipc_cmd_in_words(&req, uarg, sizeof(req), GENMASK_ULL(9, 0)))
		return -EFAULT;
	xipc_received_init(&got);
	if (req.flags & ~(XIPC_RECV_EXCEPT | XIPC_RECV_PEEK | XIPC_RECV_TRUNCATE |
			  XIPC_RECV_FROM_BADGE | XIPC_RECV_FROM_PID | XIPC_ABSTIME) ||
	    (req.flags & XIPC_RECV_EXCEPT && req.type <= 0) ||
	    (req.flags & XIPC_RECV_FROM_PID && req.pid <= 0) ||
	    (req.type < 0 && req.skip))
		return -EINVAL;
	ret = xipc_handle_lookup(space, req.handle, XIPC_RIGHT_RECV,
				 XIPC_OBJECT_MAILBOX, &ref);
	if (ret)
		return ret;
	mb = to_mailbox(ref.obj);
	me.req = &req;
	me.got = &got;
	me.space = space;
	me.ref = &ref;
	me.pid_ns = xipc_current_pid_ns();
	me.user_ns = current_user_ns();
	me.task = current;
	me.nr_pages = 0;
	me.pinned = 0;
	me.written = false;
	/* Large enough for a message sent straight into it: pinned to sleep. */
	pin = req.size >= XIPC_DIRECT_MIN && mb->max_msg_size >= XIPC_DIRECT_MIN &&
	      !(req.flags & XIPC_RECV_PEEK) && !req.skip && req.timeout_ns;
	xipc_deadline_init(&dl, req.timeout_ns, req.flags & XIPC_ABSTIME);
	if (req.flags & XIPC_RECV_PEEK) {
		/* As large as a message can be: a notice goes beyond limits. */
		got.room = min_t(u64, req.size,
				 max_t(size_t, mb->max_msg_size,
				       sizeof(struct xipc_death_notice)));
		got.peeked = kvmalloc(got.room ?: 1, GFP_KERNEL_ACCOUNT);
		if (!got.peeked) {
			xipc_object_put(ref.obj);
			return -ENOMEM;
		}
	}

	mutex_lock(&mb->lock);
	for (;;) {
		/* As in xipc_mailbox_queue(), also after a sleep or the pin. */
		ret = xipc_handle_recheck(space, req.handle, &ref);
		if (ret)
			goto unlock;
		if (mb->destroyed) {
			ret = -EIDRM;
			goto unlock;
		}
		msg = xipc_mailbox_find(mb, &me);
		if (msg)
			break;
		if (!mb->senders) {
			ret = -EPIPE;
			goto unlock;
		}
		if (pin) {
			/* Without the lock: pinning may fault pages in. */
			mutex_unlock(&mb->lock);
			ret = xipc_recv_pin_check(&req, ureq);
			if (ret)
				goto took;
			xipc_recv_pin(&me);
			xipc_test_hold(XIPC_HOLD_RECV_PINNED);
			pin = false;
			mutex_lock(&mb->lock);
			continue;
		}
		ret = xipc_recv_sleep(mb, &me, &dl, &taken);
		if (taken)
			goto took;
		if (ret)
			goto unlock;
	}
	ret = xipc_recv_take(mb, &me, msg);
unlock:
	mutex_unlock(&mb->lock);
took:
	if (!ret && got.msg)
		xipc_test_hold(XIPC_HOLD_RECV_COPY);

	if (ret == -E2BIG) {
		/* Only the sizes a too-small receive needs to learn. */
		if (put_user(req.size, &ureq->size) ||
		    put_user(req.nr_handles, &ureq->nr_handles))
			ret = -EFAULT;
	} else if (!ret) {
		/* Room for a sender: woken after the unlock, as in queueing. */
		if (got.msg)
			xipc_mailbox_wake(&mb->writers);
		ret = xipc_recv_copy_out(space, &got, &req, ureq);
		/*
		 * A payload sent straight into the buffer was delivered: the
		 * receiver cannot be told (EFAULT), as System V's msgrcv
		 * loses a message it cannot copy out. Put back, it would
		 * carry what the receiver's buffer holds now, not what was
		 * sent.
		 */
		if (got.msg && ret < 0 && !got.direct)
			xipc_recv_undo(mb, got.msg);
		else if (got.msg)
			xipc_msg_keep(&mb->spare, got.msg);
	}
	if (me.nr_pages)
		unpin_user_pages_dirty_lock(me.pages, me.nr_pages, me.written);
	kvfree(got.peeked);
	xipc_object_put(ref.obj);
	return ret;
}

/* What a descriptor from XIPC_IOC_MAILBOX_FD holds. */
struct xipc_mailbox_file {
	struct xipc_mailbox *mb;
	u32 rights;
};

static __poll_t xipc_mailbox_poll(struct file *file, poll_table *wait)
{
	struct xipc_mailbox_file *mf = file->private_data;
	struct xipc_mailbox *mb = mf->mb;
	__poll_t mask = 0;

	poll_wait(file, &mb->readers, wait);
	poll_wait(file, &mb->writers, wait);
	/* Pairs with xipc_mailbox_wake(): queued, then look at the state. */
	smp_mb();
	if (READ_ONCE(mb->destroyed))
		return EPOLLHUP;
	if (!READ_ONCE(mb->receivers))
		mask |= EPOLLERR;
	if (mf->rights & XIPC_RIGHT_RECV && READ_ONCE(mb->nr_msgs))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (mf->rights & XIPC_RIGHT_SEND &&
	    READ_ONCE(mb->nr_msgs) < mb->max_msgs &&
	    READ_ONCE(mb->nr_bytes) < mb->max_bytes)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int xipc_mailbox_file_release(struct inode *inode, struct file *file)
{
	struct xipc_mailbox_file *mf = file->private_data;

	xipc_object_put(&mf->mb->obj);
	kfree(mf);
	return 0;
}

static const struct file_operations xipc_mailbox_fops = {
	.owner		= THIS_MODULE,
	.poll		= xipc_mailbox_poll,
	.release	= xipc_mailbox_file_release,
	.llseek		= noop_llseek,
};

long xipc_mailbox_fd(struct xipc_space *space, void __user *uarg)
{
	struct xipc_mailbox_file *mf;
	struct xipc_mailbox_fd req;
	struct xipc_ref ref;
	struct file *file;
	int fd, err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;
	err = xipc_handle_lookup(space, req.handle, 0, XIPC_OBJECT_MAILBOX, &ref);
	if (err)
		return err;
	err = -EPERM;
	if (!(ref.rights & (XIPC_RIGHT_SEND | XIPC_RIGHT_RECV)))
		goto put;
	err = -ENOMEM;
	mf = kmalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf)
		goto put;
	mf->mb = to_mailbox(ref.obj);
	mf->rights = ref.rights;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto free;
	}
	file = anon_inode_getfile("[xipc-mailbox]", &xipc_mailbox_fops, mf, O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto put_fd;
	}
	req.fd = fd;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		/* The file's release puts the reference and frees @mf. */
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;

put_fd:
	put_unused_fd(fd);
free:
	kfree(mf);
put:
	xipc_object_put(ref.obj);
	return err;
}

/*
 * The operator view, /proc/xipc/mailboxes: one line per mailbox of the
 * reader's IPC namespace, like /proc/sysvipc/msg.
 */
static void *xipc_mailboxes_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&xipc_mailboxes_lock);
	return seq_list_start_head(&xipc_mailboxes, *pos);
}

static void *xipc_mailboxes_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &xipc_mailboxes, pos);
}

static void xipc_mailboxes_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&xipc_mailboxes_lock);
}

/*
 * Reads the mailbox without its lock, a snapshot of fields written with
 * WRITE_ONCE, but for the traffic: sent and received are worked out from
 * three numbers that must be read together, under the lock (which nobody
 * holds for long: nothing is copied to or from user space under it).
 */
static int xipc_mailboxes_show(struct seq_file *m, void *v)
{
	struct user_namespace *user_ns = seq_user_ns(m);
	struct xipc_mailbox *mb;
	struct xipc_name *name;
	u64 sent, received;
	kuid_t uid;
	kgid_t gid;

	if (v == &xipc_mailboxes) {
		seq_puts(m, "      id   uid   gid mode   msgs      bytes max_msgs  max_bytes max_msg_size senders receivers wsend wrecv watches       sent   received name\n");
		return 0;
	}
	mb = list_entry(v, struct xipc_mailbox, all);
	if (mb->ns != current->nsproxy->ipc_ns)
		return 0;
	mutex_lock(&mb->lock);
	sent = mb->next_seq;
	received = sent - mb->nr_msgs - mb->unreceived;
	mutex_unlock(&mb->lock);
	rcu_read_lock();
	name = rcu_dereference(mb->name);
	uid = name ? xipc_name_uid(name) : mb->uid;
	gid = name ? xipc_name_gid(name) : mb->gid;
	seq_printf(m, "%8llu %5u %5u ", mb->obj.id, from_kuid_munged(user_ns, uid),
		   from_kgid_munged(user_ns, gid));
	if (name)
		seq_printf(m, "%04o", xipc_name_mode(name));
	else
		seq_puts(m, "   -");
	seq_printf(m, " %6u %10zu %8u %10zu %12u %7u %9u %5u %5u %7u ",
		   READ_ONCE(mb->nr_msgs), READ_ONCE(mb->nr_bytes), mb->max_msgs,
		   mb->max_bytes, mb->max_msg_size, READ_ONCE(mb->senders),
		   READ_ONCE(mb->receivers), READ_ONCE(mb->waiting_senders),
		   READ_ONCE(mb->waiting_receivers), READ_ONCE(mb->obj.nr_watches));
	seq_printf(m, "%10llu %10llu ", sent, received);
	if (name)
		xipc_name_show(m, name);
	else
		seq_putc(m, '-');
	rcu_read_unlock();
	seq_putc(m, '\n');
	return 0;
}

const struct seq_operations xipc_mailboxes_seq_ops = {
	.start	= xipc_mailboxes_start,
	.next	= xipc_mailboxes_next,
	.stop	= xipc_mailboxes_stop,
	.show	= xipc_mailboxes_show,
};

/*
 * Module unload: no space is open and the names are gone, so what could be
 * left is mailboxes queued in each other's queues; but the cycle collector
 * ran when the last space was closed, so a queue found here is one it
 * missed (a warning). Dropping a queue releases the handles in it, which
 * frees those mailboxes in turn.
 */
void xipc_mailboxes_exit(void)
{
	struct xipc_mailbox *mb;
	LIST_HEAD(dropped);

	for (;;) {
		struct xipc_mailbox *found = NULL;

		mutex_lock(&xipc_mailboxes_lock);
		list_for_each_entry(mb, &xipc_mailboxes, all) {
			if (READ_ONCE(mb->nr_msgs) && kref_get_unless_zero(&mb->obj.ref)) {
				found = mb;
				break;
			}
		}
		mutex_unlock(&xipc_mailboxes_lock);
		if (!found)
			break;
		WARN_ONCE(1, "xipc: mailbox %llu unreachable but not collected\n",
			  found->obj.id);
		mutex_lock(&found->lock);
		xipc_mailbox_drop_all(found, -EIDRM, &dropped);
		mutex_unlock(&found->lock);
		xipc_msgs_drain(&dropped);
		xipc_object_put(&found->obj);
	}
	/* With every queue empty, no handle is left to keep one alive. */
	WARN_ON(!list_empty(&xipc_mailboxes));
}
