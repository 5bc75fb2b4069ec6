// SPDX-License-Identifier: GPL-2.0
/*
 * Test hooks: hold a thread at a named point of a command, so that a test
 * can act inside a window that is otherwise too narrow to hit on purpose
 * (a revoke between a lookup and what it allows). Built only into a module
 * made with XIPC_TEST_HOOKS=y, as make test-debug makes it; elsewhere
 * xipc_test_hold() and xipc_test_hold_atomic() are empty inlines and none
 * of this exists.
 *
 * Two parameters, root only: hold_point (enum xipc_hold_point) and hold_tid.
 * A thread whose id (as the initial pid namespace sees it) is hold_tid waits
 * at hold_point, interruptibly, until either parameter changes; held says
 * which thread waits there now (0: none), so a test knows it arrived.
 *
 * A point inside an RCU read-side section (or under a spinlock) cannot
 * sleep: xipc_test_hold_atomic() spins there instead, re-reading the
 * parameters. Its CPU then runs nothing else (the tests pin the held thread
 * to a CPU of its own), and no grace period ends meanwhile, so it gives up
 * after XIPC_HOLD_SPIN_MAX, well before the soft lockup and RCU stall
 * detectors (20 s and 21 s by default) would report it, or at once when a
 * signal comes: a test that dies leaves no CPU spinning.
 *
 * Locking: none; the parameters are read with READ_ONCE, and every write
 * wakes the waiters, who look again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "xipc.h"

/* The longest a thread spins at a point where it may not sleep. */
#define XIPC_HOLD_SPIN_MAX	(10 * HZ)

static int xipc_hold_point;
static int xipc_hold_tid;
static int xipc_held;
static DECLARE_WAIT_QUEUE_HEAD(xipc_hold_wait);

static int xipc_hold_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_int(val, kp);

	wake_up_all(&xipc_hold_wait);
	return err;
}

static const struct kernel_param_ops xipc_hold_ops = {
	.set	= xipc_hold_set,
	.get	= param_get_int,
};

module_param_cb(hold_point, &xipc_hold_ops, &xipc_hold_point, 0600);
MODULE_PARM_DESC(hold_point, "Test builds: where hold_tid waits");
module_param_cb(hold_tid, &xipc_hold_ops, &xipc_hold_tid, 0600);
MODULE_PARM_DESC(hold_tid, "Test builds: the thread held at hold_point");
module_param_named(held, xipc_held, int, 0400);
MODULE_PARM_DESC(held, "Test builds: the thread held now, or 0");

static bool xipc_holds(enum xipc_hold_point point)
{
	return READ_ONCE(xipc_hold_point) == point &&
	       READ_ONCE(xipc_hold_tid) == task_pid_nr(current);
}

void xipc_test_hold(enum xipc_hold_point point)
{
	if (!xipc_holds(point))
		return;
	WRITE_ONCE(xipc_held, task_pid_nr(current));
	/* A signal lets it go as well: a killed test leaves nobody held. */
	wait_event_interruptible(xipc_hold_wait, !xipc_holds(point));
	WRITE_ONCE(xipc_held, 0);
}

/* The same, for a point where the thread may not sleep: it spins. */
void xipc_test_hold_atomic(enum xipc_hold_point point)
{
	unsigned long end = jiffies + XIPC_HOLD_SPIN_MAX;

	if (!xipc_holds(point))
		return;
	WRITE_ONCE(xipc_held, task_pid_nr(current));
	while (xipc_holds(point) && !signal_pending(current)) {
		if (time_after(jiffies, end)) {
			/* The test fails then: its window closed under it. */
			pr_warn("test hold at point %d given up after %d s\n",
				point, XIPC_HOLD_SPIN_MAX / HZ);
			break;
		}
		cpu_relax();
	}
	WRITE_ONCE(xipc_held, 0);
}
