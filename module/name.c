// SPDX-License-Identifier: GPL-2.0
/*
 * Named mailboxes: the way into a capability space for unrelated processes.
 *
 * A name lives in an IPC namespace and names one mailbox, with an owner, a
 * group and mode bits. Opening a name checks the caller's credentials once
 * and hands out a handle with the rights they allow; from then on only the
 * handle counts. A name counts as one sender and one receiver of its mailbox,
 * so that messages wait in it while no process has it open.
 *
 * Locking: xipc_names_lock protects the table; it is taken before any
 * mailbox lock. Each name holds a reference on its namespace, so a namespace
 * pointer in the table always names a live namespace.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"

/**
 * struct xipc_name - a mailbox's name
 * @node:	in xipc_names
 * @rcu:	freed after a grace period: the operator view reads it under RCU
 * @ns:		the IPC namespace it lives in, referenced
 * @mailbox:	the mailbox, referenced
 * @uid:	owner
 * @gid:	group
 * @mode:	permission bits, 0777 at most
 * @len:	length of @name
 * @name:	not NUL-terminated
 */
struct xipc_name {
	struct hlist_node node;
	struct rcu_head rcu;
	struct ipc_namespace *ns;
	struct xipc_object *mailbox;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u32 len;
	char name[];
};

static DEFINE_HASHTABLE(xipc_names, 8);
static DEFINE_MUTEX(xipc_names_lock);

void xipc_put_ipc_ns(struct ipc_namespace *ns)
{
#ifdef CONFIG_IPC_NS
	/* put_ipc_ns() is not exported; the namespace's own put is the same. */
	ns->ns.ops->put(&ns->ns);
#endif
}

static u32 xipc_name_hash(const struct ipc_namespace *ns, const char *name,
			  u32 len)
{
	return full_name_hash(ns, name, len);
}

static struct xipc_name *xipc_name_find(const struct ipc_namespace *ns,
					const char *name, u32 len)
{
	struct xipc_name *n;

	hash_for_each_possible(xipc_names, n, node, xipc_name_hash(ns, name, len))
		if (n->ns == ns && n->len == len && !memcmp(n->name, name, len))
			return n;
	return NULL;
}

/* Copies a name in: 1 to XIPC_NAME_MAX bytes, none of them NUL. */
static char *xipc_name_copy(u64 uptr, u32 len)
{
	char *name;

	if (!len)
		return ERR_PTR(-EINVAL);
	if (len > XIPC_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	name = memdup_user(u64_to_user_ptr(uptr), len);
	if (!IS_ERR(name) && memchr(name, 0, len)) {
		kfree(name);
		return ERR_PTR(-EINVAL);
	}
	return name;
}

/* The rights the caller's credentials earn on @n, as System V IPC decides. */
static u32 xipc_name_rights(const struct xipc_name *n)
{
	struct user_namespace *user_ns = n->ns->user_ns;
	bool owner = uid_eq(current_euid(), n->uid);
	u32 rights = 0;
	umode_t bits;

	if (owner)
		bits = n->mode >> 6;
	else if (in_group_p(n->gid))
		bits = n->mode >> 3;
	else
		bits = n->mode;
	if (bits & 4)
		rights |= XIPC_RIGHT_RECV;
	if (bits & 2)
		rights |= XIPC_RIGHT_SEND;
	if (bits & 1)
		rights |= XIPC_RIGHT_GRANT;
	if (ns_capable(user_ns, CAP_IPC_OWNER))
		rights |= XIPC_RIGHT_RECV | XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT;
	if (owner || ns_capable(user_ns, CAP_SYS_ADMIN))
		rights |= XIPC_RIGHT_MANAGE;
	return rights;
}

/* A new name for a new mailbox, not yet in the table. */
static struct xipc_name *xipc_name_new(struct ipc_namespace *ns,
				       const char *name,
				       const struct xipc_mailbox_open *req)
{
	struct xipc_object *obj;
	struct xipc_name *n;

	obj = xipc_mailbox_new(req->max_msg_size, req->max_msgs, req->max_bytes);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	n = kmalloc(struct_size(n, name, req->name_len), GFP_KERNEL_ACCOUNT);
	if (!n) {
		xipc_object_put(obj);
		return ERR_PTR(-ENOMEM);
	}
	n->ns = get_ipc_ns(ns);
	n->mailbox = obj;
	n->uid = current_euid();
	n->gid = current_egid();
	n->mode = req->mode;
	n->len = req->name_len;
	memcpy(n->name, name, n->len);
	/* The name is a sender and a receiver while it exists. */
	obj->ops->handles_changed(obj, 1, 1, NULL);
	xipc_mailbox_set_name(obj, n);
	return n;
}

/* Frees a name no longer in the table. */
static void xipc_name_free(struct xipc_name *n)
{
	LIST_HEAD(dropped);

	xipc_mailbox_set_name(n->mailbox, NULL);
	n->mailbox->ops->handles_changed(n->mailbox, -1, -1, &dropped);
	xipc_msgs_drain(&dropped);
	xipc_object_put(n->mailbox);
	xipc_put_ipc_ns(n->ns);
	kfree_rcu(n, rcu);
}

long xipc_name_open(struct xipc_space *space, void __user *uarg)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct xipc_name *n, *created = NULL;
	struct xipc_mailbox_open req;
	struct xipc_handle *h = NULL;
	u32 granted;
	char *name;
	int err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(XIPC_OPEN_CREATE | XIPC_OPEN_EXCL) || req.reserved ||
	    (req.flags & XIPC_OPEN_EXCL && !(req.flags & XIPC_OPEN_CREATE)) ||
	    req.mode & ~0777 || req.rights & ~XIPC_RIGHTS_ALL ||
	    (!(req.flags & XIPC_OPEN_CREATE) &&
	     (req.mode || req.max_msg_size || req.max_msgs || req.max_bytes)))
		return -EINVAL;
	name = xipc_name_copy(req.name, req.name_len);
	if (IS_ERR(name))
		return PTR_ERR(name);
	/*
	 * The answer is copied out under the lock, where a fault must not be
	 * taken: fault the page in now, by writing the request back as it
	 * was read, so that a call that fails leaves it as the caller wrote
	 * it (fault_in_writeable() would write zeros into it).
	 */
	err = -EFAULT;
	if (copy_to_user(uarg, &req, sizeof(req)))
		goto free_name;
	/* Its number first: once the name is created, nothing may fail. */
	err = xipc_space_reserve(space, &req.handle);
	if (err)
		goto free_name;

	mutex_lock(&xipc_names_lock);
	n = xipc_name_find(ns, name, req.name_len);
	if (n && req.flags & XIPC_OPEN_EXCL) {
		err = -EEXIST;
		goto unlock;
	}
	if (!n && !(req.flags & XIPC_OPEN_CREATE)) {
		err = -ENOENT;
		goto unlock;
	}
	if (!n) {
		n = xipc_name_new(ns, name, &req);
		if (IS_ERR(n)) {
			err = PTR_ERR(n);
			goto unlock;
		}
		created = n;
	}
	granted = xipc_name_rights(n);
	if (!req.rights)
		req.rights = granted;
	err = -EACCES;
	if (!req.rights || req.rights & ~granted)
		goto unlock;
	err = -ENOMEM;
	h = xipc_handle_new_root(n->mailbox, req.rights);
	if (!h)
		goto unlock;
	/*
	 * The answer goes out before the name is published, so that a failure
	 * undoes nothing anyone saw; the page was faulted in before the lock,
	 * since a fault must not be taken under it.
	 */
	err = -EFAULT;
	if (copy_to_user_nofault(uarg, &req, sizeof(req)))
		goto unlock;
	if (created)
		hash_add(xipc_names, &n->node, xipc_name_hash(ns, name, n->len));
	err = 0;
unlock:
	mutex_unlock(&xipc_names_lock);
	if (err) {
		if (h)
			xipc_handle_destroy(h);
		if (created)
			xipc_name_free(created);
		xipc_space_unreserve(space, req.handle);
	} else {
		xipc_space_commit(space, req.handle, h);
	}
free_name:
	kfree(name);
	return err;
}

long xipc_name_unlink(struct xipc_space *space, void __user *uarg)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct xipc_mailbox_unlink req;
	struct xipc_name *n;
	char *name;
	int err = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	name = xipc_name_copy(req.name, req.name_len);
	if (IS_ERR(name))
		return PTR_ERR(name);

	mutex_lock(&xipc_names_lock);
	n = xipc_name_find(ns, name, req.name_len);
	if (!n)
		err = -ENOENT;
	else if (!(xipc_name_rights(n) & XIPC_RIGHT_MANAGE))
		err = -EACCES;
	else
		hash_del(&n->node);
	mutex_unlock(&xipc_names_lock);
	if (!err)
		xipc_name_free(n);
	kfree(name);
	return err;
}

/* For the operator view: the name, escaped, and its owner, group and mode. */
void xipc_name_show(struct seq_file *m, const struct xipc_name *n)
{
	seq_escape_mem(m, n->name, n->len, ESCAPE_ANY_NP, " \\");
}

kuid_t xipc_name_uid(const struct xipc_name *n)
{
	return n->uid;
}

kgid_t xipc_name_gid(const struct xipc_name *n)
{
	return n->gid;
}

umode_t xipc_name_mode(const struct xipc_name *n)
{
	return n->mode;
}

/* Module unload: no space is open, so only names keep mailboxes alive. */
void xipc_names_exit(void)
{
	struct hlist_node *tmp;
	struct xipc_name *n;
	int bkt;

	hash_for_each_safe(xipc_names, bkt, tmp, n, node) {
		hash_del(&n->node);
		xipc_name_free(n);
	}
}
