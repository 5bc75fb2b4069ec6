// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of a sleeping handoff, for the benchmark: an ioctl that lets the
 * other of two processes run and sleeps until it is let run again, with
 * wake_up_process() and schedule() and nothing else (no handle, no object,
 * no check of who calls). Built only into a module made with
 * XIPC_BENCH_HANDOFF=y, as make bench makes it; never in the default build.
 *
 * The argument: bit 0 the caller's side (0 or 1), XIPC_HANDOFF_GIVE to let
 * the other side run, XIPC_HANDOFF_WAIT then to sleep until it is this
 * side's turn; neither resets the turn to side 0.
 *
 * Locking: xipc_handoff_lock protects the turn and the sleepers; a sleeper's
 * task is referenced while a waker uses it.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>

#include "xipc.h"

#define XIPC_HANDOFF_SIDE	1UL
#define XIPC_HANDOFF_GIVE	2UL
#define XIPC_HANDOFF_WAIT	4UL

static DEFINE_SPINLOCK(xipc_handoff_lock);
static unsigned long xipc_handoff_turn;
static struct task_struct *xipc_handoff_sleeper[2];

static void xipc_handoff_give(unsigned long side)
{
	struct task_struct *peer;

	spin_lock(&xipc_handoff_lock);
	xipc_handoff_turn = !side;
	peer = xipc_handoff_sleeper[!side];
	if (peer)
		get_task_struct(peer);
	spin_unlock(&xipc_handoff_lock);
	if (peer) {
		wake_up_process(peer);
		put_task_struct(peer);
	}
}

static long xipc_handoff_wait(unsigned long side)
{
	long err = 0;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		spin_lock(&xipc_handoff_lock);
		if (xipc_handoff_turn == side || signal_pending(current)) {
			if (xipc_handoff_turn != side)
				err = -EINTR;
			xipc_handoff_sleeper[side] = NULL;
			spin_unlock(&xipc_handoff_lock);
			break;
		}
		xipc_handoff_sleeper[side] = current;
		spin_unlock(&xipc_handoff_lock);
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return err;
}

long xipc_bench_handoff(unsigned long arg)
{
	unsigned long side = arg & XIPC_HANDOFF_SIDE;

	if (arg & ~(XIPC_HANDOFF_SIDE | XIPC_HANDOFF_GIVE | XIPC_HANDOFF_WAIT))
		return -EINVAL;
	if (!(arg & (XIPC_HANDOFF_GIVE | XIPC_HANDOFF_WAIT))) {
		spin_lock(&xipc_handoff_lock);
		xipc_handoff_turn = 0;
		spin_unlock(&xipc_handoff_lock);
		return 0;
	}
	if (arg & XIPC_HANDOFF_GIVE)
		xipc_handoff_give(side);
	return arg & XIPC_HANDOFF_WAIT ? xipc_handoff_wait(side) : 0;
}
