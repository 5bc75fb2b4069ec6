// SPDX-License-Identifier: GPL-2.0
/*
 * Cycle collection: mailboxes that only keep each other alive.
 *
 * A mailbox keeps its queue while it has a receiver: a handle with the
 * receive right, not revoked, or a name (mailbox.c counts them). Such a
 * handle may travel in a message, so a mailbox whose every receiver is in a
 * message queued in another mailbox whose every receiver is in a message
 * queued in the first (or in itself, or around a longer ring) can never be
 * received from again, yet keeps everything it holds. The collector finds
 * such groups and drops their queues as if their last receiver had gone;
 * releasing the handles the queues held then ends each mailbox of the group
 * the usual way (its watchers told, its quota returned, freed with its last
 * reference).
 *
 * Only receive rights matter: a mailbox with no receiver drops its queue by
 * itself, whatever holds its send rights. The other objects own no queue
 * (a reply handle's call holds its reply only until the waiting caller takes
 * it; a service owns no handle; a binding's hidden handle is a service's),
 * so their handles in a collected queue go with it but never close a cycle.
 *
 * What is counted, under xipc_gc_lock:
 *  - a receive right that is in a queued message and not revoked has
 *    @inflight set, and is counted in its mailbox's struct xipc_gc @inflight;
 *  - each mailbox lists in @msgs its queued messages that carry such a
 *    right (those that carry other handles only can close no cycle).
 * A mailbox's receivers (R) are then its in-flight rights (I) plus those
 * any process can use: in a space, a name, a message on its way (being sent,
 * being copied out by a receiver, a withdrawn RPC request, an RPC reply).
 * R >= I always: a right is counted in I after it was counted in R, and
 * taken out of I (unqueued, revoked) before it is taken out of R.
 *
 * The collector (xipc_gc_scan()), under xipc_gc_lock: candidates are the
 * mailboxes with R == I, whose receivers are all in queues. From each
 * candidate's R it subtracts the rights to it found in candidates' queues;
 * a candidate with some left is reachable from outside the candidates (a
 * space, a name, a queue of a mailbox that is not a candidate), and so is
 * every candidate whose rights are in the queue of a reachable one. The
 * candidates left are garbage: marked doomed under the same lock, then
 * their queues dropped, one mailbox lock at a time, with the lock dropped.
 *
 * Why what it found stays garbage until it is dropped: every right to a
 * doomed mailbox is in a doomed queue, and a right leaves a queue only by a
 * receive (which needs a receive right to that queue's mailbox, and no space
 * holds one), by a revoke withdrawing an RPC request, or by a receive that
 * had looked up its handle before that handle was closed. The last two
 * take the message out under xipc_gc_lock (xipc_gc_take()), which refuses a
 * doomed queue: the request stays to be dropped, the receive fails. New
 * messages may still be queued in a doomed mailbox through send rights;
 * they hold no right to a doomed mailbox (those are all in doomed queues)
 * and are dropped with the queue, or when the mailbox's last receiver, in a
 * dropped message, is released.
 *
 * When it runs: garbage appears only when R or I changes so that R == I for
 * some mailbox: I grows (a message with receive rights is queued or put
 * back) or R shrinks (a receive right is closed, revoked or dropped, a name
 * unlinked). Both sides check (xipc_gc_queued(), xipc_gc_receivers_dropped())
 * and set xipc_gc_needed; each writes its own counter, then a full barrier,
 * then reads the other's, so of two changes that race at least one sees
 * both. The collector runs at the end of the ioctl or file release that
 * set it (main.c), with no lock held, and before an RPC sleeps on a request
 * it just queued (rpc.c); so a group is gone when the call that made it
 * garbage returns. A send without handles does nothing of this.
 *
 * What it costs: a scan walks, under xipc_gc_lock, the messages with receive
 * rights queued in the candidates. Every handle in a message is charged to
 * its sender's user until it is received (user_max_handles, counted apart
 * from the slots: xipc_user_charge_transit()), so no user can make that
 * walk longer than its quota; and a command that waits for another's scan
 * can be killed meanwhile: it leaves the scan to a worker, as the one under
 * way may have looked at the flag for the last time already.
 */
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "xipc.h"

/* What the collector knows of a mailbox, during a scan. */
enum xipc_gc_state {
	XIPC_GC_UNKNOWN,
	XIPC_GC_CANDIDATE,	/* every receiver in a queue */
	XIPC_GC_REACHABLE,	/* a candidate some process can reach */
};

static DEFINE_SPINLOCK(xipc_gc_lock);
/* Mailboxes with receive rights in queues: the only possible candidates. */
static LIST_HEAD(xipc_gc_inflight);
/* One collector at a time; it sleeps, dropping queues. */
static DEFINE_MUTEX(xipc_gc_mutex);
atomic_t xipc_gc_needed = ATOMIC_INIT(0);

void xipc_gc_init(struct xipc_gc *gc, struct xipc_object *obj)
{
	gc->obj = obj;
	INIT_LIST_HEAD(&gc->link);
	INIT_LIST_HEAD(&gc->msgs);
	INIT_LIST_HEAD(&gc->work);
}

/* The mailbox's last reference went: nothing can be counted any more. */
void xipc_gc_release(struct xipc_gc *gc)
{
	WARN_ON_ONCE(gc->inflight || !list_empty(&gc->msgs) ||
		     !list_empty(&gc->work));
}

/* The mailbox whose receiver @h is, if it is one (a non-NULL @h). */
static struct xipc_gc *xipc_gc_of(const struct xipc_handle *h)
{
	if (!h || !(h->rights & XIPC_RIGHT_RECV))
		return NULL;
	return xipc_mailbox_gc(h->obj);
}

static void xipc_gc_trigger(void)
{
	/* After the reads that found garbage: the collector reads after it. */
	atomic_set_release(&xipc_gc_needed, 1);
}

/* With xipc_gc_lock held: @h no longer counts as in flight. */
static void xipc_gc_uncount(struct xipc_handle *h)
{
	struct xipc_gc *gc = xipc_gc_of(h);

	if (!gc || !h->inflight)
		return;
	h->inflight = false;
	WRITE_ONCE(gc->inflight, gc->inflight - 1);
	if (!gc->inflight)
		list_del_init(&gc->link);
}

/* With xipc_gc_lock held: @msg leaves the queue of its mailbox. */
static void xipc_gc_unlink(struct xipc_msg *msg)
{
	unsigned int i;

	list_del_init(&msg->gc_link);
	for (i = 0; i < msg->nr_handles; i++)
		xipc_gc_uncount(msg->handles[i]);
}

/*
 * With the lock of the mailbox @gc is part of held: @msg, which carries
 * handles, was just queued there (sent, or put back).
 */
void xipc_gc_queued(struct xipc_gc *gc, struct xipc_msg *msg)
{
	struct xipc_handle *h;
	struct xipc_gc *target;
	bool garbage = false;
	unsigned int i;

	spin_lock(&xipc_gc_lock);
	for (i = 0; i < msg->nr_handles; i++) {
		h = msg->handles[i];
		target = xipc_gc_of(h);
		/* A revoke counts the right out under this lock (see below). */
		if (!target || READ_ONCE(h->revoked))
			continue;
		h->inflight = true;
		if (!target->inflight)
			list_add_tail(&target->link, &xipc_gc_inflight);
		WRITE_ONCE(target->inflight, target->inflight + 1);
		/* Only these are what a scan walks. */
		if (list_empty(&msg->gc_link))
			list_add_tail(&msg->gc_link, &gc->msgs);
	}
	/* Pairs with the barrier in xipc_gc_receivers_dropped(). */
	smp_mb();
	for (i = 0; i < msg->nr_handles; i++) {
		h = msg->handles[i];
		target = xipc_gc_of(h);
		if (target && h->inflight &&
		    xipc_mailbox_receivers(target->obj) == target->inflight)
			garbage = true;
	}
	if (garbage)
		xipc_gc_trigger();
	spin_unlock(&xipc_gc_lock);
}

/*
 * With the lock of the mailbox @gc is part of held: @msg, which carries
 * handles, is about to leave its queue for a receiver, or for the RPC
 * caller a revoke gives it back to. Returns false, and leaves it queued, if
 * the mailbox was collected: the message is garbage, bound to be dropped,
 * and the rights in it must not reach anyone.
 */
bool xipc_gc_take(struct xipc_gc *gc, struct xipc_msg *msg)
{
	bool taken;

	spin_lock(&xipc_gc_lock);
	taken = !gc->doomed;
	if (taken)
		xipc_gc_unlink(msg);
	spin_unlock(&xipc_gc_lock);
	return taken;
}

/* With the lock of @gc's mailbox held: its whole queue is being dropped. */
void xipc_gc_drop_all(struct xipc_gc *gc)
{
	struct xipc_msg *msg, *next;

	spin_lock(&xipc_gc_lock);
	list_for_each_entry_safe(msg, next, &gc->msgs, gc_link)
		xipc_gc_unlink(msg);
	spin_unlock(&xipc_gc_lock);
}

/*
 * With @h's object's tree_lock held: a revoke just marked @h. A receive
 * right in a queue stops counting as in flight now, before the revoke counts
 * it out of the mailbox's receivers, so that R >= I holds throughout.
 */
void xipc_gc_revoked(struct xipc_handle *h)
{
	if (!xipc_gc_of(h))
		return;
	spin_lock(&xipc_gc_lock);
	xipc_gc_uncount(h);
	spin_unlock(&xipc_gc_lock);
}

/*
 * With the lock of @gc's mailbox held, just after its receivers went down
 * to @receivers: if every one left is in a queue, the mailbox may be
 * garbage now.
 */
void xipc_gc_receivers_dropped(struct xipc_gc *gc, unsigned int receivers)
{
	/* Pairs with the barrier in xipc_gc_queued(). */
	smp_mb();
	if (receivers && READ_ONCE(gc->inflight) == receivers)
		xipc_gc_trigger();
}

/*
 * With xipc_gc_lock held, for each receive right to a candidate in @gc's
 * queue: without @reachable, the candidate's @refs go down by one; with it,
 * the candidate becomes reachable, on @reachable's tail.
 */
static void xipc_gc_edges(struct xipc_gc *gc, struct list_head *reachable)
{
	struct xipc_gc *target;
	struct xipc_msg *msg;
	unsigned int i;

	list_for_each_entry(msg, &gc->msgs, gc_link) {
		for (i = 0; i < msg->nr_handles; i++) {
			target = xipc_gc_of(msg->handles[i]);
			if (!target || !msg->handles[i]->inflight ||
			    target->state != XIPC_GC_CANDIDATE)
				continue;
			if (reachable) {
				target->state = XIPC_GC_REACHABLE;
				list_move_tail(&target->work, reachable);
			} else {
				target->refs--;
			}
		}
	}
}

/*
 * Finds the mailboxes that only garbage can reach, marks them doomed and
 * moves them to @garbage, each with a reference. See the top of the file.
 */
static void xipc_gc_scan(struct list_head *garbage)
{
	LIST_HEAD(reachable);
	LIST_HEAD(candidates);
	struct xipc_gc *gc, *next;
	unsigned int receivers;

	spin_lock(&xipc_gc_lock);
	list_for_each_entry(gc, &xipc_gc_inflight, link) {
		receivers = xipc_mailbox_receivers(gc->obj);
		WARN_ON_ONCE(receivers < gc->inflight);
		/* A doomed one's rights are all on their way out. */
		if (gc->doomed || receivers != gc->inflight)
			continue;
		gc->state = XIPC_GC_CANDIDATE;
		gc->refs = receivers;
		list_add_tail(&gc->work, &candidates);
	}
	/* What candidates' queues hold of candidates... */
	list_for_each_entry(gc, &candidates, work)
		xipc_gc_edges(gc, NULL);
	/* ...leaves those with a right elsewhere: some process reaches them. */
	list_for_each_entry_safe(gc, next, &candidates, work) {
		if (gc->refs) {
			gc->state = XIPC_GC_REACHABLE;
			list_move_tail(&gc->work, &reachable);
		}
	}
	/* And what they hold; the list grows at its tail as it is walked. */
	list_for_each_entry(gc, &reachable, work)
		xipc_gc_edges(gc, &reachable);
	list_for_each_entry_safe(gc, next, &reachable, work) {
		gc->state = XIPC_GC_UNKNOWN;
		list_del_init(&gc->work);
	}
	list_for_each_entry(gc, &candidates, work) {
		gc->state = XIPC_GC_UNKNOWN;
		gc->doomed = true;
		/* Its rights in queues hold references, and cannot go yet. */
		xipc_object_get(gc->obj);
	}
	list_splice_tail(&candidates, garbage);
	spin_unlock(&xipc_gc_lock);
}

/* With xipc_gc_mutex held: scans and drops while xipc_gc_needed is set. */
static void xipc_gc_collect_locked(void)
{
	struct xipc_gc *gc, *next;
	LIST_HEAD(garbage);
	LIST_HEAD(dropped);

	/* Fully ordered: the scan reads what the trigger's setter saw. */
	while (atomic_xchg(&xipc_gc_needed, 0)) {
		xipc_gc_scan(&garbage);
		if (!list_empty(&garbage))
			xipc_test_hold(XIPC_HOLD_GC_SCANNED);
		list_for_each_entry(gc, &garbage, work)
			xipc_mailbox_collect(gc->obj, &dropped);
		/* Releasing the rights in them ends the mailboxes. */
		xipc_msgs_drain(&dropped);
		list_for_each_entry_safe(gc, next, &garbage, work) {
			list_del_init(&gc->work);
			xipc_object_put(gc->obj);
		}
	}
}

static void xipc_gc_work_fn(struct work_struct *work)
{
	mutex_lock(&xipc_gc_mutex);
	xipc_gc_collect_locked();
	mutex_unlock(&xipc_gc_mutex);
}

static DECLARE_WORK(xipc_gc_work, xipc_gc_work_fn);

/*
 * Collects the garbage found since xipc_gc_needed was last set (through
 * xipc_gc_run()). Called with no lock held; returns once a scan that began
 * after the last setting it saw has dropped what it found, or at once if
 * the caller is killed while another scans: a worker then scans after it.
 */
void xipc_gc_collect(void)
{
	if (mutex_lock_killable(&xipc_gc_mutex)) {
		schedule_work(&xipc_gc_work);
		return;
	}
	xipc_gc_collect_locked();
	xipc_test_hold(XIPC_HOLD_GC_DONE);
	mutex_unlock(&xipc_gc_mutex);
}

/* Module unload: what a worker may still have to do, and what is left. */
void xipc_gc_exit(void)
{
	flush_work(&xipc_gc_work);
	xipc_gc_run();
}
