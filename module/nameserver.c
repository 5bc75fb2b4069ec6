// SPDX-License-Identifier: GPL-2.0
/*
 * The name-server role of an IPC namespace, the bootstrap handle, and the
 * death watches a name server uses to forget dead servers.
 *
 * The naming service itself is a daemon; the kernel only says who it is.
 * Each IPC namespace has at most one role: the mailbox a privileged process
 * claimed. Any space may ask for a send-only handle to it (the bootstrap
 * handle), and wait for a name server to appear. The role lasts while its
 * mailbox has a receiver and is not destroyed: the role ends when its
 * mailbox dies (xipc_object_died()).
 *
 * An object dies once: when its last handle with the receive right goes, or
 * it is destroyed (xipc_object_died(), called by its kind with no lock
 * held). Each watch holds its notice, allocated and charged when the watch
 * was made, so that telling cannot fail. A watch ends with the handle it was
 * made through (xipc_handle_release() calls xipc_watches_end()): a name
 * server that forgets a server, or dies, leaves nothing behind. A watch
 * whose handle is revoked is told at once (xipc_watches_tell()). It also
 * ends, untold, with the receive handle it was made with, closed or revoked:
 * after that, nothing of its maker reaches the mailbox.
 *
 * Locking: xipc_nameservers_lock (a mutex, outermost, beside
 * xipc_names_lock) protects the list of roles. Handles are created and
 * released with it dropped. An object's tree_lock protects its watches and
 * the watch lists of its handles; a watch is on the lists of two handles,
 * which may be of two objects, and their locks are taken one at a time.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xipc.h>

#include "xipc.h"
#include "trace.h"

/**
 * struct xipc_nameserver - the name-server role of one IPC namespace
 * @link:	in xipc_nameservers
 * @ns:		the namespace, referenced
 * @mailbox:	the name server's mailbox, referenced
 */
struct xipc_nameserver {
	struct list_head link;
	struct ipc_namespace *ns;
	struct xipc_object *mailbox;
};

static LIST_HEAD(xipc_nameservers);
static DEFINE_MUTEX(xipc_nameservers_lock);
/* Bootstraps waiting for a name server; woken by every claim. */
static DECLARE_WAIT_QUEUE_HEAD(xipc_bootstrap_wait);
/* Counts the claims, so that a waiter sees one it raced with. */
static atomic_t xipc_nameserver_claims = ATOMIC_INIT(0);

static bool xipc_nameserver_alive(const struct xipc_nameserver *srv)
{
	return !(srv->mailbox->ops->state(srv->mailbox) &
		 (XIPC_STATE_DESTROYED | XIPC_STATE_NO_RECEIVER));
}

static void xipc_nameserver_free(struct xipc_nameserver *srv)
{
	xipc_object_put(srv->mailbox);
	xipc_put_ipc_ns(srv->ns);
	kfree(srv);
}

/*
 * With xipc_nameservers_lock held: the role of @ns, if any. A role is taken
 * off the list when its mailbox dies (xipc_object_died()).
 */
static struct xipc_nameserver *xipc_nameserver_find(struct ipc_namespace *ns)
{
	struct xipc_nameserver *srv;

	list_for_each_entry(srv, &xipc_nameservers, link)
		if (srv->ns == ns)
			return srv;
	return NULL;
}

static void xipc_nameservers_free(struct list_head *dead)
{
	struct xipc_nameserver *srv, *next;

	list_for_each_entry_safe(srv, next, dead, link)
		xipc_nameserver_free(srv);
}

long xipc_nameserver_claim(struct xipc_space *space, void __user *uarg)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct xipc_nameserver *srv, *old;
	struct xipc_handle_op op;
	struct xipc_ref ref;
	LIST_HEAD(dead);
	int err;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.flags)
		return -EINVAL;
	if (!ns_capable(ns->user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	err = xipc_handle_lookup(space, op.handle, XIPC_RIGHT_RECV,
				 XIPC_OBJECT_MAILBOX, &ref);
	if (err)
		return err;
	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv) {
		xipc_object_put(ref.obj);
		return -ENOMEM;
	}
	srv->ns = get_ipc_ns(ns);
	srv->mailbox = ref.obj;		/* the lookup's reference */

	mutex_lock(&xipc_nameservers_lock);
	old = xipc_nameserver_find(ns);
	/* A role whose mailbox is dying ends now rather than when it is dead. */
	if (old && !xipc_nameserver_alive(old)) {
		list_move(&old->link, &dead);
		old = NULL;
	}
	err = old ? -EBUSY : 0;
	/*
	 * Destroyed, or its receivers went, meanwhile. Checked under the lock
	 * its death takes to end a role: either it is dead now, or it will
	 * find the role and end it.
	 */
	if (!err && !xipc_nameserver_alive(srv))
		err = -EIDRM;
	if (!err)
		list_add(&srv->link, &xipc_nameservers);
	mutex_unlock(&xipc_nameservers_lock);

	xipc_nameservers_free(&dead);
	if (err) {
		xipc_nameserver_free(srv);
		return err;
	}
	atomic_inc(&xipc_nameserver_claims);
	wake_up_interruptible_all(&xipc_bootstrap_wait);
	return 0;
}

/* The mailbox of @ns's name server, referenced, or NULL. */
static struct xipc_object *xipc_nameserver_get(struct ipc_namespace *ns)
{
	struct xipc_object *mailbox = NULL;
	struct xipc_nameserver *srv;

	mutex_lock(&xipc_nameservers_lock);
	srv = xipc_nameserver_find(ns);
	/* Dying (destroyed, or its last receiver going): as good as gone. */
	if (srv && xipc_nameserver_alive(srv)) {
		mailbox = srv->mailbox;
		xipc_object_get(mailbox);
	}
	mutex_unlock(&xipc_nameservers_lock);
	return mailbox;
}

long xipc_bootstrap(struct xipc_space *space, void __user *uarg)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct xipc_object *mailbox;
	struct xipc_bootstrap req;
	struct xipc_deadline dl;
	struct xipc_handle *h;
	DEFINE_WAIT(wait);
	int err = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~XIPC_ABSTIME)
		return -EINVAL;
	xipc_deadline_init(&dl, req.timeout_ns, req.flags & XIPC_ABSTIME);
	for (;;) {
		int claims = atomic_read(&xipc_nameserver_claims);

		/* Looked up while running: the lookup takes a mutex. */
		mailbox = xipc_nameserver_get(ns);
		if (mailbox)
			break;
		prepare_to_wait(&xipc_bootstrap_wait, &wait, TASK_INTERRUPTIBLE);
		if (atomic_read(&xipc_nameserver_claims) == claims)
			err = xipc_sleep(&dl);
		finish_wait(&xipc_bootstrap_wait, &wait);
		if (err)
			break;
	}
	if (err == -EAGAIN)
		err = -ENOENT;
	if (err)
		return err;

	h = xipc_handle_new_root(mailbox, XIPC_RIGHT_SEND);
	xipc_object_put(mailbox);
	if (!h)
		return -ENOMEM;
	return xipc_space_install_out(space, h, &req.handle, uarg, &req,
				      sizeof(req));
}

/**
 * struct xipc_watch_link - a watch on the list of one of its handles
 * @node:	in that handle's @watches, under its object's tree_lock; empty
 *		once taken off
 * @handle:	that handle, valid while @node is on its list
 * @watch:	the watch
 */
struct xipc_watch_link {
	struct list_head node;
	struct xipc_handle *handle;
	struct xipc_watcher *watch;
};

/**
 * struct xipc_watcher - one watch of an object's death
 * @link:	in the watched object's watches
 * @through:	on the handle the watch was made through: it ends with it
 * @to:		on the receive handle of @mailbox it was made with: a watch
 *		taken off it (that handle went or was revoked) sends nothing,
 *		and no longer counts as a sender to @mailbox
 * @mailbox:	where the notice goes, referenced
 * @notice:	the message, ready to queue; NULL once queued
 */
struct xipc_watcher {
	struct list_head link;
	struct xipc_watch_link through;
	struct xipc_watch_link to;
	struct xipc_object *mailbox;
	struct xipc_msg *notice;
};

static void xipc_watch_link_init(struct xipc_watch_link *l,
				 struct xipc_watcher *w)
{
	INIT_LIST_HEAD(&l->node);
	l->watch = w;
}

/* With @h's object's tree_lock held: puts @l on @h's watches. */
static void xipc_watch_add(struct xipc_watch_link *l, struct xipc_handle *h)
{
	l->handle = h;
	list_add_tail(&l->node, &h->watches);
	if (l == &l->watch->through)
		h->nr_watches++;
	else
		WRITE_ONCE(h->nr_notices, h->nr_notices + 1);
}

/*
 * With the tree_lock of @l's handle's object held: takes @l off that handle,
 * and says whether it was on.
 */
static bool xipc_watch_remove(struct xipc_watch_link *l)
{
	if (list_empty(&l->node))
		return false;
	list_del_init(&l->node);
	if (l == &l->watch->through)
		l->handle->nr_watches--;
	else
		WRITE_ONCE(l->handle->nr_notices, l->handle->nr_notices - 1);
	return true;
}

/*
 * Takes @w off the receive handle it was made with, and says whether it was
 * still on it. If it was and @notice is not NULL, @w's notice may go: it
 * moves to *@notice. xipc_mailbox_deliver() asks under the mailbox's lock,
 * which a close or revoke of a receive handle takes before it returns.
 */
bool xipc_watcher_claim(struct xipc_watcher *w, struct xipc_msg **notice)
{
	bool claimed;

	spin_lock(&w->mailbox->tree_lock);
	claimed = xipc_watch_remove(&w->to);
	spin_unlock(&w->mailbox->tree_lock);
	if (claimed && notice) {
		*notice = w->notice;
		w->notice = NULL;
	}
	return claimed;
}

/*
 * Ends @w, which is on no object's list: its notice is queued if @deliver
 * and its receive handle is still there (xipc_mailbox_deliver()), else
 * freed. A watch counts as a sender to its mailbox while it is on that
 * receive handle: a receive there waits for the notice rather than fail
 * with EPIPE for want of senders. Called with no lock held.
 */
static void xipc_watcher_free(struct xipc_watcher *w, bool deliver)
{
	struct xipc_object *mailbox = w->mailbox;
	bool sender;

	if (deliver)
		sender = xipc_mailbox_deliver(mailbox, w);
	else
		sender = xipc_watcher_claim(w, NULL);
	if (w->notice)
		xipc_msg_free(w->notice);
	if (sender)
		mailbox->ops->handles_changed(mailbox, -1, 0, NULL);
	xipc_object_put(mailbox);
	kfree(w);
}

long xipc_object_watch(struct xipc_space *space, void __user *uarg)
{
	struct xipc_death_notice notice;
	struct xipc_ref obj, mailbox;
	struct xipc_watcher *w;
	struct xipc_watch req;
	struct xipc_handle *h;
	u32 type;
	bool dead;
	int err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved || req.type <= 0)
		return -EINVAL;
	err = xipc_handle_lookup(space, req.handle, 0, 0, &obj);
	if (err)
		return err;
	type = obj.obj->ops->type;
	if (type != XIPC_OBJECT_MAILBOX && type != XIPC_OBJECT_SERVICE) {
		err = -EBADF;
		goto put_obj;
	}
	/* Only to a mailbox the watcher receives from: nobody else's. */
	err = xipc_handle_lookup(space, req.mailbox, XIPC_RIGHT_RECV,
				 XIPC_OBJECT_MAILBOX, &mailbox);
	if (err)
		goto put_obj;
	err = -ENOMEM;
	w = kmalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		goto put_mailbox;
	notice.object_id = obj.obj->id;
	notice.cookie = req.cookie;
	w->notice = xipc_msg_alloc_notice(space, &notice, sizeof(notice));
	if (IS_ERR(w->notice)) {
		err = PTR_ERR(w->notice);
		kfree(w);
		goto put_mailbox;
	}
	w->notice->type = req.type;
	xipc_watch_link_init(&w->through, w);
	xipc_watch_link_init(&w->to, w);
	w->mailbox = mailbox.obj;	/* the lookup's reference */
	w->mailbox->ops->handles_changed(w->mailbox, 1, 0, NULL);

	/*
	 * Each handle is checked under its object's tree_lock, where its
	 * close or revoke would take the watch off it: one closed or revoked
	 * since its look-up fails the command here, one still in its slot
	 * ends the watch when it goes.
	 */
	spin_lock(&mailbox.obj->tree_lock);
	err = xipc_handle_recheck(space, req.mailbox, &mailbox);
	if (!err)
		xipc_watch_add(&w->to, mailbox.handle);
	spin_unlock(&mailbox.obj->tree_lock);
	if (err) {
		/* Never on the receive handle: not a sender either. */
		w->mailbox->ops->handles_changed(w->mailbox, -1, 0, NULL);
		xipc_watcher_free(w, false);
		goto put_obj;
	}

	spin_lock(&obj.obj->tree_lock);
	err = xipc_handle_recheck(space, req.handle, &obj);
	h = obj.handle;
	dead = obj.obj->died;
	/* Bounded: the handle's release walks them under this lock. */
	if (!err && !dead && h->nr_watches >= READ_ONCE(xipc_max_watches)) {
		trace_xipc_limit(XIPC_LIMIT_WATCHES, obj.obj->id,
				 READ_ONCE(xipc_max_watches));
		err = -EMLINK;
	}
	if (!err && !dead) {
		xipc_watch_add(&w->through, h);
		list_add_tail(&w->link, &obj.obj->watches);
		WRITE_ONCE(obj.obj->nr_watches, obj.obj->nr_watches + 1);
	}
	spin_unlock(&obj.obj->tree_lock);
	if (err || dead)
		xipc_watcher_free(w, !err);
	xipc_object_put(obj.obj);
	return err;

put_mailbox:
	xipc_object_put(mailbox.obj);
put_obj:
	xipc_object_put(obj.obj);
	return err;
}

/*
 * @obj lost its last receiver or was destroyed: tell its watchers, once, and
 * end the name-server role it may have had. Called with no lock held.
 */
void xipc_object_died(struct xipc_object *obj)
{
	struct xipc_nameserver *srv, *next_srv;
	struct xipc_watcher *w;
	LIST_HEAD(watches);
	LIST_HEAD(dead);

	might_sleep();
	if (obj->ops->type == XIPC_OBJECT_MAILBOX) {
		mutex_lock(&xipc_nameservers_lock);
		list_for_each_entry_safe(srv, next_srv, &xipc_nameservers, link)
			if (srv->mailbox == obj)
				list_move(&srv->link, &dead);
		mutex_unlock(&xipc_nameservers_lock);
		xipc_nameservers_free(&dead);
	}

	/*
	 * Every user may watch the object through its own handles: so many
	 * watches that the walk lets the CPU go, which is safe once @died
	 * keeps new ones out.
	 */
	spin_lock(&obj->tree_lock);
	if (!obj->died) {
		obj->died = true;
		while ((w = list_first_entry_or_null(&obj->watches,
						     struct xipc_watcher, link))) {
			xipc_watch_remove(&w->through);
			list_move_tail(&w->link, &watches);
			WRITE_ONCE(obj->nr_watches, obj->nr_watches - 1);
			cond_resched_lock(&obj->tree_lock);
		}
	}
	spin_unlock(&obj->tree_lock);
	xipc_watches_tell(&watches);
}

/*
 * With @obj's tree_lock held, @h being released or revoked: ends the watches
 * made through @h, moving them to @ended (for xipc_watches_free() or
 * xipc_watches_tell()), and takes those whose notices @h receives off it.
 * Returns how many of the latter: they no longer count as senders to @obj.
 * The walk is @h's own: at most max_watches made through it, and the
 * watches whose notices it receives, which its holders made.
 */
int xipc_watches_end(struct xipc_object *obj, struct xipc_handle *h,
		     struct list_head *ended)
{
	struct xipc_watch_link *l, *next;
	int senders = 0;

	lockdep_assert_held(&obj->tree_lock);
	list_for_each_entry_safe(l, next, &h->watches, node) {
		struct xipc_watcher *w = l->watch;

		xipc_watch_remove(l);
		if (l == &w->to) {
			senders++;
			continue;
		}
		list_move_tail(&w->link, ended);
		WRITE_ONCE(obj->nr_watches, obj->nr_watches - 1);
	}
	return senders;
}

/* Frees watches that ended untold; with no lock held. */
void xipc_watches_free(struct list_head *ended)
{
	struct xipc_watcher *w, *next;

	list_for_each_entry_safe(w, next, ended, link)
		xipc_watcher_free(w, false);
}

/*
 * Tells the watches on @ended, which were made through handles just revoked,
 * and frees them; with no lock held. To the holder of a revoked handle its
 * object is as dead as one that lost its last receiver: a name server that
 * kept a registration through it forgets the name at once.
 */
void xipc_watches_tell(struct list_head *ended)
{
	struct xipc_watcher *w, *next;

	list_for_each_entry_safe(w, next, ended, link)
		xipc_watcher_free(w, true);
}

/*
 * Module unload: no space is left, so no role can be in use; but freeing
 * the mailboxes left (names, cycles) ends their roles, so the list is
 * emptied first.
 */
void xipc_nameservers_exit(void)
{
	LIST_HEAD(dead);

	mutex_lock(&xipc_nameservers_lock);
	list_splice_init(&xipc_nameservers, &dead);
	mutex_unlock(&xipc_nameservers_lock);
	xipc_nameservers_free(&dead);
}
