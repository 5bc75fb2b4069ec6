// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user quotas: what one user may have queued and created at once, across
 * every mailbox, so that a flooding process fills only its own quota.
 *
 * Every charge goes to the caller's quota user (xipc_quota_uid()), which a
 * user namespace cannot multiply. Messages are charged to their sender from
 * allocation to free; an RPC's reply to the caller, whose call reserves it
 * (see rpc.c), so that a server's quota never holds replies its callers have
 * not collected. Mailboxes are charged to their creator, and so are
 * services, whose regions count against the same byte quota as payloads.
 * Handles are charged to the user who opened the space that holds them,
 * from the reservation of their slot to its release, so that opening many
 * spaces does not multiply what one user may hold; handles in transit are
 * inside messages, which are charged already.
 * Memory itself is charged to memory cgroups (GFP_KERNEL_ACCOUNT) as well.
 *
 * Locking: xipc_users_lock (a spinlock) protects the table; the counters are
 * atomic.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/refcount.h>
#include <linux/seq_file.h>
#include <linux/user_namespace.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "xipc.h"
#include "trace.h"

/**
 * struct xipc_user - what one user has charged
 * @node:	in xipc_users
 * @uid:	the user
 * @ref:	held by every charge, and by lookups
 * @bytes:	payload bytes of the user's messages, and its services' regions
 * @msgs:	the user's messages
 * @mailboxes:	mailboxes the user created
 * @handles:	slots of the user's spaces, filled or reserved
 * @transit:	handles its spaces sent, in messages not yet received
 */
struct xipc_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t bytes;
	atomic_t msgs;
	atomic_t mailboxes;
	atomic_t handles;
	atomic_t transit;
};

static DEFINE_HASHTABLE(xipc_users, 6);
static DEFINE_SPINLOCK(xipc_users_lock);

void xipc_user_put(struct xipc_user *user)
{
	/* The common case, not the last reference, takes no lock. */
	if (refcount_dec_not_one(&user->ref))
		return;
	spin_lock(&xipc_users_lock);
	if (!refcount_dec_and_test(&user->ref))
		user = NULL;
	else
		hash_del(&user->node);
	spin_unlock(&xipc_users_lock);
	kfree(user);
}

static struct xipc_user *xipc_user_find(kuid_t uid)
{
	struct xipc_user *user;

	hash_for_each_possible(xipc_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid) && refcount_inc_not_zero(&user->ref))
			return user;
	return NULL;
}

/*
 * Who the caller's operations are charged to: its effective uid, or, inside
 * a user namespace, the user who created the outermost namespace of its
 * chain, as the kernel's own ucounts charge a namespace's activity to its
 * creator. Mapping a range of subordinate uids then gives no more quota.
 */
kuid_t xipc_quota_uid(void)
{
	const struct user_namespace *ns = current_user_ns();

	if (likely(ns == &init_user_ns))
		return current_euid();
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}

kuid_t xipc_user_uid(const struct xipc_user *user)
{
	return user->uid;
}

/* The caller's quota user, referenced; NULL when out of memory. */
struct xipc_user *xipc_user_get(void)
{
	kuid_t uid = xipc_quota_uid();
	struct xipc_user *user, *fresh;

	spin_lock(&xipc_users_lock);
	user = xipc_user_find(uid);
	spin_unlock(&xipc_users_lock);
	if (user)
		return user;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);
	spin_lock(&xipc_users_lock);
	user = xipc_user_find(uid);
	if (!user) {
		hash_add(xipc_users, &fresh->node, __kuid_val(uid));
		user = fresh;
		fresh = NULL;
	}
	spin_unlock(&xipc_users_lock);
	kfree(fresh);
	return user;
}

/*
 * The quota event of a refusal of @amount more of @what to @user, who held
 * @held. Out of line, called once the event is enabled: a charge's path
 * has only its static key.
 */
static noinline void xipc_user_trace_quota(const struct xipc_user *user,
					   int what, u64 amount, u64 held)
{
	trace_xipc_quota(user->uid, what, amount, held);
}

/*
 * Charges a message of @size bytes to the caller. Returns the user to
 * uncharge it from later, or ERR_PTR(-ENOBUFS) over quota. The space keeps
 * its opener's user at hand, so that the common case takes no global lock.
 */
struct xipc_user *xipc_user_charge_msg(struct xipc_space *space, size_t size)
{
	struct xipc_user *user = space->user;

	if (uid_eq(user->uid, xipc_quota_uid()))
		refcount_inc(&user->ref);
	else
		user = xipc_user_get();
	if (!user)
		return ERR_PTR(-ENOMEM);
	if (size > xipc_user_max_bytes)
		goto over;
	if (atomic_inc_return(&user->msgs) > xipc_user_max_msgs) {
		atomic_dec(&user->msgs);
		goto over;
	}
	if (atomic_long_add_return(size, &user->bytes) > xipc_user_max_bytes) {
		atomic_long_sub(size, &user->bytes);
		atomic_dec(&user->msgs);
		goto over;
	}
	return user;
over:
	if (trace_xipc_quota_enabled())
		xipc_user_trace_quota(user, XIPC_QUOTA_MSGS, size,
				      atomic_read(&user->msgs));
	xipc_user_put(user);
	return ERR_PTR(-ENOBUFS);
}

void xipc_user_uncharge_msg(struct xipc_user *user, size_t size)
{
	atomic_dec(&user->msgs);
	atomic_long_sub(size, &user->bytes);
	xipc_user_put(user);
}

/*
 * A reply of @size bytes takes over what its call reserved, @reserved bytes
 * (at least @size): the difference goes back.
 */
void xipc_user_settle_reply(struct xipc_user *user, size_t reserved,
			    size_t size)
{
	atomic_long_sub(reserved - size, &user->bytes);
}

/* Charges a new mailbox to the caller, like xipc_user_charge_msg(). */
struct xipc_user *xipc_user_charge_mailbox(void)
{
	struct xipc_user *user = xipc_user_get();

	if (!user)
		return ERR_PTR(-ENOMEM);
	if (atomic_inc_return(&user->mailboxes) > xipc_user_max_mailboxes) {
		if (trace_xipc_quota_enabled())
			xipc_user_trace_quota(user, XIPC_QUOTA_MAILBOXES, 1,
					      atomic_read(&user->mailboxes) - 1);
		xipc_user_uncharge_mailbox(user);
		return ERR_PTR(-ENOBUFS);
	}
	return user;
}

void xipc_user_uncharge_mailbox(struct xipc_user *user)
{
	atomic_dec(&user->mailboxes);
	xipc_user_put(user);
}

/* Charges a service's region of @size bytes, like xipc_user_charge_msg(). */
struct xipc_user *xipc_user_charge_region(size_t size)
{
	/* Read once: root may change it meanwhile, and the undo must match. */
	unsigned long max = READ_ONCE(xipc_user_max_bytes);
	struct xipc_user *user = xipc_user_get();

	if (!user)
		return ERR_PTR(-ENOMEM);
	if (size > max || atomic_long_add_return(size, &user->bytes) > max) {
		if (size <= max)
			atomic_long_sub(size, &user->bytes);
		if (trace_xipc_quota_enabled())
			xipc_user_trace_quota(user, XIPC_QUOTA_REGION, size,
					      atomic_long_read(&user->bytes));
		xipc_user_put(user);
		return ERR_PTR(-ENOBUFS);
	}
	return user;
}

void xipc_user_uncharge_region(struct xipc_user *user, size_t size)
{
	atomic_long_sub(size, &user->bytes);
	xipc_user_put(user);
}

/* Adds @nr to @user's @count of handles: 0, or -ENOBUFS past the quota. */
static int xipc_user_count_handles(struct xipc_user *user, atomic_t *count,
				   unsigned int nr, int what)
{
	if (atomic_add_return(nr, count) > xipc_user_max_handles) {
		atomic_sub(nr, count);
		if (trace_xipc_quota_enabled())
			xipc_user_trace_quota(user, what, nr, atomic_read(count));
		return -ENOBUFS;
	}
	return 0;
}

/*
 * Charges @nr slots of a space of @user's: 0, or -ENOBUFS over the
 * user_max_handles quota. The space holds its reference on @user.
 */
int xipc_user_charge_handles(struct xipc_user *user, unsigned int nr)
{
	return xipc_user_count_handles(user, &user->handles, nr,
				       XIPC_QUOTA_HANDLES);
}

void xipc_user_uncharge_handles(struct xipc_user *user, unsigned int nr)
{
	atomic_sub(nr, &user->handles);
}

/*
 * Charges @nr handles a space of @user's sends, for as long as they travel:
 * 0, with a reference on @user, or -ENOBUFS past user_max_handles. Counted
 * apart from the slots, so that a receive, which reserves its slots before
 * the message lets go of its handles, never counts one handle twice. What
 * this bounds is what the cycle collector walks (gc.c): without it a user
 * could park any number of handles in queues, each of them moved or copied
 * out of a slot that was then free again.
 */
int xipc_user_charge_transit(struct xipc_user *user, unsigned int nr)
{
	int err = xipc_user_count_handles(user, &user->transit, nr,
					  XIPC_QUOTA_TRANSIT);

	if (!err)
		refcount_inc(&user->ref);
	return err;
}

void xipc_user_uncharge_transit(struct xipc_user *user, unsigned int nr)
{
	atomic_sub(nr, &user->transit);
	xipc_user_put(user);
}

/*
 * /proc/xipc/users: what each user has charged and may charge, one line per
 * user the reader's user namespace can name, like /proc/sysvipc shows every
 * queue. Read under the table's lock: it only formats numbers.
 */
int xipc_users_show(struct seq_file *m, void *v)
{
	struct user_namespace *ns = seq_user_ns(m);
	struct xipc_user *user;
	unsigned int bkt;

	seq_puts(m, "       uid    handles max_handles   msgs max_msgs      bytes  max_bytes mailboxes max_mailboxes\n");
	spin_lock(&xipc_users_lock);
	hash_for_each(xipc_users, bkt, user, node) {
		if (!kuid_has_mapping(ns, user->uid))
			continue;
		seq_printf(m, "%10u %10u %11u %6u %8u %10lu %10lu %9u %13u\n",
			   from_kuid(ns, user->uid), atomic_read(&user->handles),
			   READ_ONCE(xipc_user_max_handles),
			   atomic_read(&user->msgs), READ_ONCE(xipc_user_max_msgs),
			   atomic_long_read(&user->bytes),
			   READ_ONCE(xipc_user_max_bytes),
			   atomic_read(&user->mailboxes),
			   READ_ONCE(xipc_user_max_mailboxes));
	}
	spin_unlock(&xipc_users_lock);
	return 0;
}
