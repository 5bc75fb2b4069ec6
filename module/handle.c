// SPDX-License-Identifier: GPL-2.0
/*
 * Handles and the objects they name.
 *
 * A handle is rights plus a badge on an object, owned by a slot of a space or
 * by a message in transit. Handles derived from one another (dup, transfer)
 * form a tree per object, so that revoke can reach every descendant in every
 * space. The tree is protected by the object's tree_lock; handles and objects
 * are freed after an RCU grace period, so lookups take no lock.
 */
#include <linux/atomic.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

static atomic64_t xipc_next_object_id = ATOMIC64_INIT(0);

/* Revokes that marked a handle, so far: see xipc_handle_may_have_changed(). */
atomic_long_t xipc_revokes = ATOMIC_LONG_INIT(0);

DEFINE_PER_CPU(struct xipc_counts, xipc_counts);

static long xipc_counted(enum xipc_counter counter)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(xipc_counts, cpu).n[counter];
	return sum;
}

/*
 * /proc/xipc/objects: how many of each thing are alive in the whole system,
 * one "name count" line each, as /proc/sys/fs/file-nr counts files. A
 * leak shows here whoever it is charged to.
 */
int xipc_objects_show(struct seq_file *m, void *v)
{
	static const char *const names[XIPC_NR_COUNTS] = {
		[XIPC_COUNT_HANDLES] = "handles",
		[XIPC_COUNT_MESSAGES] = "messages",
		[XIPC_COUNT_OBJECTS + XIPC_OBJECT_MAILBOX] = "mailboxes",
		[XIPC_COUNT_OBJECTS + XIPC_OBJECT_REPLY] = "replies",
		[XIPC_COUNT_OBJECTS + XIPC_OBJECT_SERVICE] = "services",
		[XIPC_COUNT_OBJECTS + XIPC_OBJECT_BINDING] = "bindings",
	};
	unsigned int i;

	for (i = 0; i < XIPC_NR_COUNTS; i++)
		if (names[i])
			seq_printf(m, "%s %ld\n", names[i], xipc_counted(i));
	return 0;
}

/*
 * @obj, in memory that may have held an object of the same kind (a cache
 * with SLAB_TYPESAFE_BY_RCU), becomes a new one. Its tree_lock, which a
 * lockless reader of a stale slot may still take, was initialized once, by
 * the cache's constructor; @ops is the same as before, so such a reader
 * never sees anything but what an object of this kind holds.
 */
void xipc_object_reinit(struct xipc_object *obj,
			const struct xipc_object_ops *ops)
{
	xipc_count(XIPC_COUNT_OBJECTS + ops->type, 1);
	obj->ops = ops;
	obj->id = atomic64_inc_return(&xipc_next_object_id);
	obj->died = false;
	INIT_LIST_HEAD(&obj->watches);
	obj->nr_watches = 0;
	/*
	 * Last, after the rest is visible: a reader's kref_get_unless_zero()
	 * fails until now. (A reader of a stale slot then checks the slot,
	 * whose store publishes the object with release semantics.)
	 */
	smp_wmb();
	kref_init(&obj->ref);
}

/* @obj, in zeroed memory, becomes a new object. */
void xipc_object_init(struct xipc_object *obj, const struct xipc_object_ops *ops)
{
	spin_lock_init(&obj->tree_lock);
	xipc_object_reinit(obj, ops);
}

static void xipc_object_release(struct kref *ref)
{
	struct xipc_object *obj = container_of(ref, struct xipc_object, ref);

	/* A watch ends with its handle, which held a reference (nameserver.c). */
	WARN_ON_ONCE(!list_empty(&obj->watches));
	xipc_count(XIPC_COUNT_OBJECTS + obj->ops->type, -1);
	obj->ops->release(obj);
}

void xipc_object_put(struct xipc_object *obj)
{
	kref_put(&obj->ref, xipc_object_release);
}

static int xipc_rights_send(u32 rights)
{
	return !!(rights & XIPC_RIGHT_SEND);
}

static int xipc_rights_recv(u32 rights)
{
	return !!(rights & XIPC_RIGHT_RECV);
}

/* @h, zeroed memory, becomes a handle of nothing yet. */
static void xipc_handle_init(struct xipc_handle *h)
{
	INIT_LIST_HEAD(&h->children);
	INIT_LIST_HEAD(&h->sibling);
	INIT_LIST_HEAD(&h->calls);
	INIT_LIST_HEAD(&h->watches);
	xipc_count(XIPC_COUNT_HANDLES, 1);
}

static struct xipc_handle *xipc_handle_alloc(void)
{
	struct xipc_handle *h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);

	if (h)
		xipc_handle_init(h);
	return h;
}

/*
 * Its memory goes after a grace period, lookups being lockless: an embedded
 * handle's with its object's, which it held a reference on until now.
 */
static void xipc_handle_free(struct xipc_handle *h)
{
	xipc_count(XIPC_COUNT_HANDLES, -1);
	if (!h->embedded)
		kfree_rcu(h, rcu);
}

/* @h becomes a handle with no parent; it takes a new reference on @obj. */
static void xipc_handle_make_root(struct xipc_handle *h,
				  struct xipc_object *obj, u32 rights)
{
	xipc_object_get(obj);
	h->obj = obj;
	h->rights = rights;
	obj->ops->handles_changed(obj, xipc_rights_send(rights),
				  xipc_rights_recv(rights), NULL);
}

/* A new handle with no parent, with a new reference on @obj. */
struct xipc_handle *xipc_handle_new_root(struct xipc_object *obj, u32 rights)
{
	struct xipc_handle *h = xipc_handle_alloc();

	if (h)
		xipc_handle_make_root(h, obj, rights);
	return h;
}

/*
 * The same, in @h, zeroed memory inside @obj itself: one allocation for an
 * object that has one handle, ever (an RPC and its reply handle).
 */
void xipc_handle_init_embedded(struct xipc_handle *h, struct xipc_object *obj,
			       u32 rights)
{
	/* Its object's memory is type-stable, not zeroed (rpc.c). */
	h->badge = 0;
	h->revoked = false;
	h->nr_watches = 0;
	h->nr_notices = 0;
	h->inflight = false;
	h->parent = NULL;
	xipc_handle_init(h);
	h->embedded = true;
	xipc_handle_make_root(h, obj, rights);
}

/*
 * Frees a handle its owner gave up. Its children and the RPCs in flight made
 * through it move up to its parent, so that a revoke from further up still
 * reaches them (a root's calls can be revoked no more), and the death
 * watches made through it end. Messages the object drops as a result go on
 * @dropped.
 */
void xipc_handle_release(struct xipc_handle *h, struct list_head *dropped)
{
	struct xipc_object *obj = h->obj;
	struct xipc_handle *child, *next;
	LIST_HEAD(watches);
	int senders, receivers = 0;

	spin_lock(&obj->tree_lock);
	list_for_each_entry_safe(child, next, &h->children, sibling) {
		child->parent = h->parent;
		if (h->parent)
			list_move_tail(&child->sibling, &h->parent->children);
		else
			list_del_init(&child->sibling);
	}
	list_del(&h->sibling);
	if (h->parent)
		list_splice_tail_init(&h->calls, &h->parent->calls);
	while (!list_empty(&h->calls))
		list_del_init(h->calls.next);
	/* A revoked handle stopped counting, and lost its watches, then. */
	senders = xipc_watches_end(obj, h, &watches);
	if (!h->revoked) {
		senders += xipc_rights_send(h->rights);
		receivers = xipc_rights_recv(h->rights);
	}
	spin_unlock(&obj->tree_lock);
	xipc_watches_free(&watches);

	/* Its message left its queue first (gc.c). */
	WARN_ON_ONCE(READ_ONCE(h->inflight));
	if (senders || receivers)
		obj->ops->handles_changed(obj, -senders, -receivers, dropped);
	xipc_handle_free(h);
	xipc_object_put(obj);
}

void xipc_handle_destroy(struct xipc_handle *h)
{
	LIST_HEAD(dropped);

	xipc_handle_release(h, &dropped);
	xipc_msgs_drain(&dropped);
}

/*
 * The checks every use of a handle makes, in the order their errors take
 * precedence: it names an object of @type if @type is not 0 (EBADF), is not
 * revoked (EKEYREVOKED) and holds the rights in @need (EPERM).
 */
static int xipc_handle_allows(const struct xipc_handle *h, u32 need, u32 type)
{
	if (type && h->obj->ops->type != type)
		return -EBADF;
	if (READ_ONCE(h->revoked))
		return -EKEYREVOKED;
	if ((h->rights & need) != need)
		return -EPERM;
	return 0;
}

/*
 * Looks up handle @id of @space: it must exist (EBADF) and pass
 * xipc_handle_allows(). On success @ref holds a reference on the object.
 */
int xipc_handle_lookup(struct xipc_space *space, u32 id, u32 need,
		       u32 type, struct xipc_ref *ref)
{
	struct xipc_object *stale = NULL;
	struct xipc_handle *h;
	int err = 0;

	rcu_read_lock();
	/*
	 * Before the slot, for xipc_handle_may_have_changed(): a count that
	 * already has a change has it in what the look-up reads below.
	 */
	ref->cleared = smp_load_acquire(&space->handles.cleared);
	ref->revokes = atomic_long_read_acquire(&xipc_revokes);
	h = xipc_table_load(&space->handles, id);
	if (!h)
		err = -EBADF;
	else
		err = xipc_handle_allows(h, need, type);
	if (!err && h->embedded)
		xipc_test_hold_atomic(XIPC_HOLD_LOOKUP_EMBEDDED);
	if (!err && !kref_get_unless_zero(&h->obj->ref))
		err = -EBADF;	/* closed under our feet */
	/*
	 * An embedded handle's memory may be a new object's by now (rpc.c):
	 * the reference counts only if the handle is still in its slot, read
	 * again after the reference was taken (kref orders nothing itself).
	 */
	if (!err && unlikely(h->embedded)) {
		smp_acquire__after_ctrl_dep();
		if (xipc_table_load(&space->handles, id) != h) {
			stale = h->obj;
			err = -EBADF;
		}
	}
	if (!err) {
		ref->obj = h->obj;
		ref->handle = h;
		ref->rights = h->rights;
		ref->badge = h->badge;
	}
	rcu_read_unlock();
	/* Maybe the last reference: its release may sleep. */
	if (stale)
		xipc_object_put(stale);
	return err;
}

/*
 * Whether @h, just read from the slot @ref was looked up through, is still
 * that handle: the same address may be a new handle now, so what it is
 * counts too.
 */
static bool xipc_ref_is(const struct xipc_handle *h, const struct xipc_ref *ref)
{
	return h == ref->handle && h->obj == ref->obj &&
	       h->rights == ref->rights && h->badge == ref->badge;
}

/*
 * The look of xipc_handle_recheck(): is handle @id of @space still the one
 * @ref was looked up through, and not revoked? A command blocked on a handle
 * that is revoked or closed meanwhile fails rather than going on with rights
 * it lost. @moved, if not NULL, is that handle as the command itself took it
 * out of its slot (a send that moves the handle it is sent through): it is
 * looked at instead of the slot.
 */
int xipc_handle_check_again(struct xipc_space *space, u32 id,
			    const struct xipc_ref *ref,
			    const struct xipc_handle *moved)
{
	const struct xipc_handle *h = moved;
	int err = 0;

	rcu_read_lock();
	if (!moved)
		h = xipc_table_load(&space->handles, id);
	if (!xipc_ref_is(h, ref))
		err = -EBADF;
	else if (READ_ONCE(h->revoked))
		err = -EKEYREVOKED;
	rcu_read_unlock();
	return err;
}

/*
 * Puts @call, the link of an RPC in flight, on the calls of handle @id of
 * @space, which @ref was looked up through: a revoke that reaches the handle
 * (or, once it is closed, its parent) then ends the call. Fails as
 * xipc_handle_recheck() does if the handle went or was revoked meanwhile.
 */
int xipc_handle_attach_call(struct xipc_space *space, u32 id,
			    const struct xipc_ref *ref, struct list_head *call)
{
	struct xipc_handle *h;
	int err = 0;

	rcu_read_lock();
	spin_lock(&ref->obj->tree_lock);
	h = xipc_table_load(&space->handles, id);
	if (!xipc_ref_is(h, ref))
		err = -EBADF;
	else if (h->revoked)
		err = -EKEYREVOKED;
	else
		list_add_tail(call, &h->calls);
	spin_unlock(&ref->obj->tree_lock);
	rcu_read_unlock();
	return err;
}

/* Takes @call off the calls of whichever handle to @obj it is on, if any. */
void xipc_handle_detach_call(struct xipc_object *obj, struct list_head *call)
{
	spin_lock(&obj->tree_lock);
	list_del_init(call);
	spin_unlock(&obj->tree_lock);
}

/*
 * With rcu_read_lock and @h's tree_lock held: checks that @h is still in slot
 * @id, is not revoked, holds @need and names an object not destroyed. While
 * the tree_lock is held the handle then stays, and so does its reference on
 * the object, since removing the handle from the tree needs that lock.
 */
static int xipc_handle_check_locked(struct xipc_space *space, u32 id,
				    struct xipc_handle *h, u32 need)
{
	int err;

	if (xipc_table_load(&space->handles, id) != h)
		return -EBADF;
	err = xipc_handle_allows(h, need, 0);
	if (!err && h->obj->ops->state(h->obj) & XIPC_STATE_DESTROYED)
		err = -EIDRM;
	return err;
}

/*
 * Whether a handle with @parent_rights and @parent_badge may have a child
 * with @rights and, if @badge is not NULL, the badge *@badge: @rights must be
 * a subset of its rights (EINVAL), and a badge is stamped once, on a handle
 * that has none (EPERM), so that whoever holds a badged handle can pass it
 * on but never pass for somebody else.
 */
static int xipc_handle_may_derive(u32 parent_rights, u64 parent_badge,
				  u32 rights, const u64 *badge)
{
	if (rights & ~parent_rights)
		return -EINVAL;
	if (badge && parent_badge)
		return -EPERM;
	return 0;
}

/*
 * Derives a new handle, not yet owned by anyone, from handle @id of @space,
 * which must hold @need and name an object of @type (if not 0), and allow
 * the child (xipc_handle_may_derive()). @rights 0 means all of its rights.
 * The child's badge is *@badge, or the parent's if @badge is NULL.
 *
 * The child is counted in (which may sleep) before it is linked, and linked
 * under the handle slot @id holds then, which every check is made against
 * again: what was looked up before the sleep may have been revoked, closed,
 * and its slot and memory reused by a narrower handle to the same object.
 */
struct xipc_handle *xipc_handle_derive(struct xipc_space *space, u32 id,
				       u32 need, u32 type, u32 rights,
				       const u64 *badge)
{
	struct xipc_handle *parent, *child;
	struct xipc_ref ref;
	LIST_HEAD(dropped);
	int err;

	err = xipc_handle_lookup(space, id, need, type, &ref);
	if (err)
		return ERR_PTR(err);
	if (!rights)
		rights = ref.rights;
	err = xipc_handle_may_derive(ref.rights, ref.badge, rights, badge);
	if (err)
		goto put;
	err = -ENOMEM;
	child = xipc_handle_alloc();
	if (!child)
		goto put;
	child->obj = ref.obj;		/* the lookup's reference */
	child->rights = rights;
	/*
	 * Counted before it is linked: once in the tree a revoke may count it
	 * out, and must never count out a handle that was not counted in.
	 */
	ref.obj->ops->handles_changed(ref.obj, xipc_rights_send(rights),
				      xipc_rights_recv(rights), NULL);
	xipc_test_hold(XIPC_HOLD_DERIVE);

	rcu_read_lock();
	parent = xipc_table_load(&space->handles, id);
	err = -EBADF;
	/* Its object tells which tree_lock protects it; that lock, the rest. */
	if (parent && parent->obj == ref.obj) {
		spin_lock(&ref.obj->tree_lock);
		err = xipc_handle_check_locked(space, id, parent, need);
		if (!err)
			err = xipc_handle_may_derive(parent->rights, parent->badge,
						     rights, badge);
		if (!err) {
			child->badge = badge ? *badge : parent->badge;
			child->parent = parent;
			list_add_tail(&child->sibling, &parent->children);
		}
		spin_unlock(&ref.obj->tree_lock);
	}
	rcu_read_unlock();
	if (!err)
		return child;

	/* Its parent went, was revoked or narrowed meanwhile: count it out. */
	ref.obj->ops->handles_changed(ref.obj, -xipc_rights_send(rights),
				      -xipc_rights_recv(rights), &dropped);
	xipc_msgs_drain(&dropped);
	xipc_handle_free(child);
put:
	xipc_object_put(ref.obj);
	return ERR_PTR(err);
}

/*
 * Whether @h may leave its space: not if its object is destroyed (EIDRM),
 * nor a receive right that stays with its object (EPERM), nor one that death
 * notices go to, since they would reach whoever receives through it next
 * (EBUSY; nameserver.c).
 */
static int xipc_handle_may_leave(const struct xipc_handle *h)
{
	if (h->obj->ops->state(h->obj) & XIPC_STATE_DESTROYED)
		return -EIDRM;
	if (!(h->rights & XIPC_RIGHT_RECV))
		return 0;
	if (h->obj->ops->recv_stays)
		return -EPERM;
	return READ_ONCE(h->nr_notices) ? -EBUSY : 0;
}

/*
 * Takes handle @id, which must hold @need and name an object of @type (if
 * not 0), out of @space for a command that may give it back: its slot stays
 * reserved until xipc_space_unreserve() (the handle is gone for good) or
 * xipc_handle_restore().
 */
struct xipc_handle *xipc_handle_reserve(struct xipc_space *space, u32 id,
					u32 need, u32 type)
{
	struct xipc_handle *h;
	int err;

	rcu_read_lock();
	h = xipc_table_load(&space->handles, id);
	/*
	 * A move the handle does not allow leaves its slot alone: the other
	 * threads of the space do not see it gone for a move that cannot be.
	 */
	err = h ? xipc_handle_allows(h, need, type) ?: xipc_handle_may_leave(h) :
		  -EBADF;
	rcu_read_unlock();
	if (err)
		return ERR_PTR(err);
	if (!xipc_table_clear(&space->handles, id, h, true))
		return ERR_PTR(-EBADF);
	/*
	 * The handle is ours now: nobody else can reach it through the slot.
	 * Checked again, as a revoke may have come meanwhile.
	 */
	err = xipc_handle_allows(h, need, type) ?: xipc_handle_may_leave(h);
	/*
	 * The notices again, under the lock their watches are made under,
	 * which saw the slot still filled or now sees it empty.
	 */
	if (!err && h->rights & XIPC_RIGHT_RECV) {
		spin_lock(&h->obj->tree_lock);
		if (h->nr_notices)
			err = -EBUSY;
		spin_unlock(&h->obj->tree_lock);
	}
	if (!err)
		return h;
	xipc_handle_restore(space, id, h);
	return ERR_PTR(err);
}

/* Puts a handle taken by xipc_handle_reserve() back in its slot. */
void xipc_handle_restore(struct xipc_space *space, u32 id, struct xipc_handle *h)
{
	xipc_table_fill(&space->handles, id, h);
}

/* Empties slot @id of @space if it still holds @h, and uncharges it. */
int xipc_handle_take(struct xipc_space *space, u32 id, struct xipc_handle *h)
{
	if (!xipc_table_clear(&space->handles, id, h, false))
		return -EBADF;
	xipc_user_uncharge_handles(space->user, 1);
	return 0;
}

long xipc_handle_close(struct xipc_space *space, void __user *uarg)
{
	struct xipc_handle_op op;
	struct xipc_handle *h;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.flags)
		return -EINVAL;

	rcu_read_lock();
	h = xipc_table_load(&space->handles, op.handle);
	rcu_read_unlock();
	if (!h || xipc_handle_take(space, op.handle, h))
		return -EBADF;
	xipc_handle_destroy(h);
	return 0;
}

long xipc_handle_dup(struct xipc_space *space, void __user *uarg)
{
	struct xipc_handle_dup dup;
	struct xipc_handle *h;

	if (copy_from_user(&dup, uarg, sizeof(dup)))
		return -EFAULT;
	/* Badge 0 is no badge: stamping it would leave the handle unbadged. */
	if (dup.flags & ~XIPC_DUP_BADGE || !dup.rights ||
	    dup.rights & ~XIPC_RIGHTS_ALL ||
	    (dup.flags & XIPC_DUP_BADGE && !dup.badge))
		return -EINVAL;

	h = xipc_handle_derive(space, dup.handle, XIPC_RIGHT_GRANT, 0, dup.rights,
			       dup.flags & XIPC_DUP_BADGE ? &dup.badge : NULL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	trace_xipc_handle_dup(h, dup.handle, 0);
	return xipc_space_install_out(space, h, &dup.new_handle, uarg, &dup,
				      sizeof(dup));
}

/* The next handle after @pos in a pre-order walk of @root's descendants. */
static struct xipc_handle *xipc_handle_next(struct xipc_handle *pos,
					    struct xipc_handle *root)
{
	if (!list_empty(&pos->children))
		return list_first_entry(&pos->children, struct xipc_handle, sibling);
	for (; pos != root; pos = pos->parent) {
		if (!list_is_last(&pos->sibling, &pos->parent->children))
			return list_next_entry(pos, sibling);
	}
	return NULL;
}

/*
 * Revoke reaches the work in flight as well as the handles. Work started
 * through a handle counts as derived from it, so that revoking the handle
 * itself ends it too: RPCs made through it or through what it revokes end
 * (rpc.c: a queued request is withdrawn, a received one canceled), and so do
 * the calls of LRPC bindings, which hold a handle derived from the one they
 * were bound through (the service's handles_changed(), lrpc.c). The death
 * watches made through the handles it revokes are told at once: to their
 * holder, the object is dead.
 */
long xipc_handle_revoke(struct xipc_space *space, void __user *uarg)
{
	struct xipc_handle *root, *pos;
	struct xipc_object *obj;
	struct xipc_handle_op op;
	int send = 0, recv = 0;
	unsigned int nr = 0;
	LIST_HEAD(dropped);
	LIST_HEAD(calls);
	LIST_HEAD(told);
	int err;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.flags)
		return -EINVAL;

	rcu_read_lock();
	root = xipc_table_load(&space->handles, op.handle);
	if (!root) {
		rcu_read_unlock();
		return -EBADF;
	}
	obj = root->obj;
	spin_lock(&obj->tree_lock);
	err = xipc_handle_check_locked(space, op.handle, root, XIPC_RIGHT_MANAGE);
	if (!err) {
		xipc_object_get(obj);
		/* Calls count as derived from their handle, as bindings do. */
		xipc_rpc_calls_take(&root->calls, &calls);
		for (pos = xipc_handle_next(root, root); pos;
		     pos = xipc_handle_next(pos, root)) {
			if (pos->revoked)
				continue;
			WRITE_ONCE(pos->revoked, true);
			/* In a queue, it stops counting there first (gc.c). */
			xipc_gc_revoked(pos);
			nr++;
			send -= xipc_rights_send(pos->rights);
			recv -= xipc_rights_recv(pos->rights);
			xipc_rpc_calls_take(&pos->calls, &calls);
			send -= xipc_watches_end(obj, pos, &told);
		}
		if (nr) {
			/*
			 * Counted after the marks, before the object is told:
			 * pairs with the acquire in xipc_handle_lookup().
			 */
			smp_mb__before_atomic();
			atomic_long_inc(&xipc_revokes);
		}
		trace_xipc_handle_revoke(root, op.handle, nr);
	}
	spin_unlock(&obj->tree_lock);
	rcu_read_unlock();
	if (err)
		return err;

	/*
	 * The calls first: a revoke that takes the last receive right drops
	 * the queue, and a request must be withdrawn, not dropped with it.
	 */
	xipc_rpc_calls_revoked(obj, &calls);
	if (send || recv)
		obj->ops->handles_changed(obj, send, recv, &dropped);
	xipc_msgs_drain(&dropped);
	xipc_watches_tell(&told);
	xipc_object_put(obj);
	return 0;
}

long xipc_handle_info(struct xipc_space *space, void __user *uarg)
{
	struct xipc_object *held = NULL;
	struct xipc_handle_info info;
	struct xipc_handle *h;
	u32 handle;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.flags || info.reserved)
		return -EINVAL;
	handle = info.handle;
	memset(&info, 0, sizeof(info));
	info.handle = handle;

	rcu_read_lock();
	h = xipc_table_load(&space->handles, handle);
	/*
	 * An embedded handle's memory may be a new object's by now (see
	 * xipc_handle_lookup()): it is read holding its object, and only if
	 * it is still in its slot.
	 */
	if (h && h->embedded) {
		xipc_test_hold_atomic(XIPC_HOLD_LOOKUP_EMBEDDED);
		if (kref_get_unless_zero(&h->obj->ref))
			held = h->obj;
		/* The slot read again only after the reference, as there. */
		smp_acquire__after_ctrl_dep();
		if (!held || xipc_table_load(&space->handles, handle) != h)
			h = NULL;
	}
	if (h) {
		info.rights = h->rights;
		info.type = h->obj->ops->type;
		info.badge = h->badge;
		info.object_id = h->obj->id;
		info.state = h->obj->ops->state(h->obj);
		if (READ_ONCE(h->revoked))
			info.state |= XIPC_STATE_REVOKED;
	}
	rcu_read_unlock();
	if (held)
		xipc_object_put(held);
	if (!h)
		return -EBADF;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}
