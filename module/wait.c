// SPDX-License-Identifier: GPL-2.0
/*
 * Timeouts of blocking commands, and the one sleep they all use.
 *
 * A command turns its timeout into an absolute CLOCK_MONOTONIC deadline once,
 * at entry, so that waking up early and sleeping again never stretches it.
 */
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/xipc.h>

#include "xipc.h"

/*
 * Whether a command that found nothing to do may sleep: -EAGAIN for one that
 * must not block, -ETIMEDOUT past the deadline, else 0.
 */
static int xipc_may_sleep(const struct xipc_deadline *dl)
{
	if (dl->nonblock)
		return -EAGAIN;
	if (dl->expires != KTIME_MAX && ktime_compare(ktime_get(), dl->expires) >= 0)
		return -ETIMEDOUT;
	return 0;
}

/*
 * Sleeps, once the caller is queued on a wait queue (prepare_to_wait*()) or
 * has set its state for whoever will wake it, until a wake-up, the deadline
 * or a signal. Returns 0 when the caller should check again, else the error
 * the command fails with: -EAGAIN, -ETIMEDOUT, or -ERESTARTSYS
 * (restartable) / -EINTR on a signal. Called through xipc_sleep().
 */
int __xipc_sleep(struct xipc_deadline *dl)
{
	int err = xipc_may_sleep(dl);

	if (!err && signal_pending(current))
		err = dl->restartable ? -ERESTARTSYS : -EINTR;
	if (err) {
		__set_current_state(TASK_RUNNING);
		return err;
	}
	/* No deadline (KTIME_MAX) sleeps inline, in xipc_sleep(). */
	if (!schedule_hrtimeout_range(&dl->expires, 0, HRTIMER_MODE_ABS))
		return -ETIMEDOUT;
	return 0;
}

/*
 * Sleeps until a wake-up, the deadline or a signal, with @lock (held by the
 * caller, who found the condition false) dropped meanwhile and taken again
 * before returning; whoever changes the condition, under @lock, wakes the
 * caller directly. Returns as xipc_sleep().
 */
int xipc_sleep_unlocked(struct mutex *lock, struct xipc_deadline *dl)
{
	int err = xipc_may_sleep(dl);

	if (err)
		return err;
	/* Before the unlock: a wake-up after it cannot be missed. */
	set_current_state(TASK_INTERRUPTIBLE);
	mutex_unlock(lock);
	err = xipc_sleep(dl);
	mutex_lock(lock);
	return err;
}

/*
 * Sleeps on @wq until a wake-up, the deadline or a signal, with @lock (held
 * by the caller, who found the condition false) dropped meanwhile and taken
 * again before returning. Returns as xipc_sleep().
 */
int xipc_wait_unlocked(wait_queue_head_t *wq, struct mutex *lock,
		       struct xipc_deadline *dl)
{
	DEFINE_WAIT(wait);
	int err = xipc_may_sleep(dl);

	if (err)
		return err;
	/* Queued before the unlock: a wake-up after it cannot be missed. */
	prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
	mutex_unlock(lock);
	err = xipc_sleep(dl);
	finish_wait(wq, &wait);
	mutex_lock(lock);
	return err;
}
