// SPDX-License-Identifier: MIT
/*
 * Cycle collection (docs/design.md, "Cycles"): mailboxes whose receive
 * rights are all queued in mailboxes of the same group (their own queue, a
 * ring, RPC requests; reply and LRPC service handles riding along) are freed
 * when the call that left no process able to reach them returns: messages
 * dropped, quotas returned, watchers told. What a process can still reach
 * stays, messages and all. Checked through /proc/xipc/objects (what is alive
 * in the module), this user's line of /proc/xipc/users and the mailbox view,
 * before and after; under load; and over 100,000 rounds.
 */
#include <stdatomic.h>

#include "fixture.h"

#define MAX_HANDLES 8
/* Message types: a notice, a box (a mailbox full of numbered messages). */
#define NOTICE 7
#define BOX 1
#define CYCLE 2
#define NUMBERED 3

/* What is alive: the module's objects, and what this user is charged. */
enum {
	HANDLES, MESSAGES, MAILBOXES, REPLIES, SERVICES, BINDINGS,
	USER_HANDLES, USER_MSGS, USER_BYTES, USER_MAILBOXES, NR_COUNTS
};
static const char *const count_names[NR_COUNTS] = {
	"handles", "messages", "mailboxes", "replies", "services", "bindings",
	"user handles", "user msgs", "user bytes", "user mailboxes",
};

struct counts {
	long n[NR_COUNTS];
};

static struct counts read_counts(void)
{
	struct xipc_test_charges ch;
	struct counts c = { { 0 } };
	char name[32];
	long value;
	FILE *f = fopen("/proc/xipc/objects", "re");
	unsigned int i;

	ck_assert_msg(f != NULL, "/proc/xipc/objects: %s", strerror(errno));
	while (fscanf(f, "%31s %ld", name, &value) == 2)
		for (i = 0; i < USER_HANDLES; i++)
			if (!strcmp(name, count_names[i]))
				c.n[i] = value;
	fclose(f);
	ck_assert_int_eq(xipc_test_charges(geteuid(), &ch), 0);
	c.n[USER_HANDLES] = ch.handles;
	c.n[USER_MSGS] = ch.msgs;
	c.n[USER_BYTES] = ch.bytes;
	c.n[USER_MAILBOXES] = ch.mailboxes;
	return c;
}

/* The test's space, and what was alive when it began. */
static int space;
static struct counts before;

/* What is alive now is @then (NULL: what was alive before). */
static void assert_counts(const struct counts *then)
{
	struct counts now = read_counts();
	unsigned int i;

	then = then ? then : &before;
	for (i = 0; i < NR_COUNTS; i++)
		ck_assert_msg(now.n[i] == then->n[i], "%s: %ld, expected %ld",
			      count_names[i], now.n[i], then->n[i]);
}

static __u32 mailbox(void)
{
	return xipc_test_mailbox(space, 0, 0, 0);
}

/*
 * A new space, with a mailbox for death notices if @notices; then what is
 * alive, into before: that mailbox, or else a new first one.
 */
static __u32 begin(bool notices)
{
	__u32 first;

	space = xipc_test_open();
	first = notices ? mailbox() : 0;
	before = read_counts();
	return first ? first : mailbox();
}

/* Whether /proc/xipc/mailboxes lists the mailbox with this object id. */
static bool in_view(__u64 id)
{
	FILE *f = fopen("/proc/xipc/mailboxes", "re");
	unsigned long long got;
	bool found = false;
	char line[512];

	ck_assert_msg(f != NULL, "/proc/xipc/mailboxes: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu", &got) == 1 && got == id)
			found = true;
	fclose(f);
	return found;
}

static bool exists(__u32 handle)
{
	struct xipc_handle_info info;

	return !ipc_handle_info(space, handle, &info);
}

static __u32 dup_of(__u32 handle, __u32 rights)
{
	return fx_dup(space, handle, rights, 0, 0);
}

static void close_handle(__u32 handle)
{
	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
}

static struct xipc_transfer moved(__u32 handle)
{
	return (struct xipc_transfer){ .handle = handle,
				       .flags = XIPC_TRANSFER_MOVE };
}

static struct xipc_transfer copied(__u32 handle, __u32 rights)
{
	return (struct xipc_transfer){ .handle = handle, .rights = rights };
}

/* Sends some bytes through @sender carrying the @nr @transfers. */
static int send_with(int space, __u32 sender, __s64 type,
		     const struct xipc_transfer *transfers, __u32 nr)
{
	static const char payload[] = "a message that is queued with handles";
	struct xipc_send msg = xipc_test_send_args(sender, type, payload,
						   sizeof(payload), 0);

	msg.transfers = ipc_ptr(transfers);
	msg.nr_transfers = nr;
	return ipc_send(space, &msg);
}

static void send_one(__u32 sender, struct xipc_transfer transfer)
{
	int ret = send_with(space, sender, 1, &transfer, 1);

	ck_assert_msg(ret == 0, "send on %u: %s", sender, strerror(-ret));
}

/* Receives a message of @type carrying one handle: that handle, or -errno. */
static int recv_one(int space, __u32 receiver, __s64 type)
{
	__u32 handles[MAX_HANDLES];
	struct xipc_recv msg;
	char buf[64];
	int ret;

	msg = xipc_test_recv_args(receiver, type, buf, sizeof(buf), 0);
	msg.handles = ipc_ptr(handles);
	msg.max_handles = MAX_HANDLES;
	ret = ipc_recv(space, &msg);
	if (ret < 0)
		return ret;
	return msg.nr_handles == 1 ? (int)handles[0] : -EBADMSG;
}

/* recv_one() on the test's space, which must give a handle. */
static __u32 take_one(__u32 receiver)
{
	int got = recv_one(space, receiver, 0);

	ck_assert_int_gt(got, 0);
	return got;
}

/* The death notice waiting on @mailbox: the object id it reports. */
static __u64 notice_on(__u32 mailbox)
{
	struct xipc_death_notice notice;
	struct xipc_recv msg;

	ck_assert_int_eq(xipc_test_recv(space, mailbox, NOTICE, &notice,
					sizeof(notice), 0, &msg),
			 sizeof(notice));
	return notice.object_id;
}

/*
 * A mailbox's receive right moved into its own queue, through a send right
 * kept aside: nothing can take it out, so the mailbox is gone when the send
 * returns; the send right that stays sees no receiver, and a watcher is told.
 */
FX_TEST("cycles", test_self_cycle)
{
	__u32 notices = begin(true), box = mailbox();
	__u32 sender = dup_of(box, XIPC_RIGHT_SEND);
	__u64 id = fx_object_id(space, box);

	ck_assert_int_eq(ipc_watch(space, sender, notices, NOTICE, 1), 0);
	ck_assert_int_eq(xipc_test_send(space, sender, 5, "before", 6, 0), 0);
	send_one(sender, moved(box));

	ck_assert(!exists(box));
	ck_assert_uint_eq(notice_on(notices), id);
	ck_assert_uint_eq(xipc_test_handle_info(space, sender).state,
			  XIPC_STATE_NO_RECEIVER);
	ck_assert_int_eq(xipc_test_send(space, sender, 5, "after", 5, 0),
			 -EPIPE);
	/* The send right holds the mailbox itself, and only that. */
	ck_assert(in_view(id));
	close_handle(sender);
	ck_assert(!in_view(id));
	assert_counts(NULL);
}
END_TEST

/*
 * A copy of the receive right queued in the mailbox itself, with the
 * original still held: reachable, and taken out again; queued once more,
 * the mailbox goes when the original is closed.
 */
FX_TEST("cycles", test_self_cycle_closed_last)
{
	__u32 box = begin(false), got;
	__u64 id = fx_object_id(space, box);

	send_one(box, copied(box, XIPC_RIGHT_RECV));
	got = take_one(box);
	ck_assert_uint_eq(fx_object_id(space, got), id);
	close_handle(got);

	send_one(box, copied(box, XIPC_RIGHT_RECV));
	send_one(box, copied(box, XIPC_RIGHT_RECV));
	ck_assert(in_view(id));
	close_handle(box);
	ck_assert(!in_view(id));
	assert_counts(NULL);
}
END_TEST

/*
 * A ring of 2, 3 or 100 mailboxes, each queueing a copy of the next one's
 * receive right: it stays while any of them is held, and goes with the last.
 */
static const unsigned int ring_sizes[] = { 2, 3, 100 };

FX_LOOP_TEST("cycles", test_ring, 0, FX_NR(ring_sizes))
{
	__u32 notices = begin(true), boxes[100];
	unsigned int i, n = ring_sizes[_i];
	__u64 ids[100];

	for (i = 0; i < n; i++) {
		boxes[i] = mailbox();
		ids[i] = fx_object_id(space, boxes[i]);
		ck_assert_int_eq(ipc_watch(space, boxes[i], notices, NOTICE, i),
				 0);
	}
	for (i = 0; i < n; i++)
		send_one(boxes[i], copied(boxes[(i + 1) % n], XIPC_RIGHT_RECV));
	/* Closed from the first: the ones left hold the rest. */
	for (i = 0; i + 1 < n; i++) {
		close_handle(boxes[i]);
		ck_assert(in_view(ids[0]) && in_view(ids[n - 1]));
	}
	close_handle(boxes[n - 1]);
	for (i = 0; i < n; i++)
		ck_assert(!in_view(ids[i]));
	/* Closing a watched handle ends its watch: those were not told. */
	xipc_test_assert_empty(space, notices);
	assert_counts(NULL);
}
END_TEST

/*
 * Two mailboxes each moved into the other, watched through send rights
 * kept aside: the second send makes them garbage, and both watchers are
 * told before it returns.
 */
FX_TEST("cycles", test_two_mailbox_cycle_watched)
{
	__u32 notices = begin(true), a = mailbox(), b = mailbox();
	__u32 send_a = dup_of(a, XIPC_RIGHT_SEND);
	__u32 send_b = dup_of(b, XIPC_RIGHT_SEND);
	__u64 id_a = fx_object_id(space, a), id_b = fx_object_id(space, b);
	__u64 first, second;

	ck_assert_int_eq(ipc_watch(space, send_a, notices, NOTICE, 1), 0);
	ck_assert_int_eq(ipc_watch(space, send_b, notices, NOTICE, 2), 0);
	send_one(send_a, moved(b));
	xipc_test_assert_empty(space, notices);
	send_one(send_b, moved(a));
	first = notice_on(notices);
	second = notice_on(notices);
	ck_assert((first == id_a && second == id_b) ||
		  (first == id_b && second == id_a));
	ck_assert_int_eq(xipc_test_send(space, send_a, 1, "x", 1, 0), -EPIPE);
	close_handle(send_a);
	close_handle(send_b);
	ck_assert(!in_view(id_a) && !in_view(id_b));
	assert_counts(NULL);
}
END_TEST

/* Receives the numbered message @seq from @box. */
static void assert_numbered(__u32 box, unsigned int seq)
{
	struct xipc_recv msg;
	unsigned int got = ~0U;

	ck_assert_int_eq(xipc_test_recv(space, box, NUMBERED, &got,
					sizeof(got), 0, &msg), sizeof(got));
	ck_assert_uint_eq(got, seq);
}

static void send_numbered(__u32 box, unsigned int seq)
{
	ck_assert_int_eq(xipc_test_send(space, box, NUMBERED, &seq,
					sizeof(seq), 0), 0);
}

/* Two mailboxes, each with a copy of the other's receive right queued. */
static void pair_up(__u32 a, __u32 b)
{
	send_one(a, copied(b, XIPC_RIGHT_RECV));
	send_one(b, copied(a, XIPC_RIGHT_RECV));
}

/*
 * What a process can still reach is never collected: a mailbox whose only
 * receive right is queued in a mailbox the process holds; a cycle one of
 * whose members has a receive right in the process's space; a cycle held
 * by a name, until the name is unlinked.
 */
FX_TEST("cycles", test_reachable_is_kept)
{
	__u32 holder = begin(false), a = mailbox(), b = mailbox(), extra;
	__u64 id_a = fx_object_id(space, a), id_b = fx_object_id(space, b);

	/* A chain: a's right in b's queue, b's in the holder's. */
	send_numbered(a, 1);
	send_numbered(b, 2);
	send_one(b, moved(a));
	send_one(holder, moved(b));
	ck_assert(in_view(id_a) && in_view(id_b));
	b = take_one(holder);
	assert_numbered(b, 2);
	a = take_one(b);
	assert_numbered(a, 1);

	/* A cycle with a receive right outside it, until that goes. */
	extra = dup_of(a, XIPC_RIGHT_RECV);
	pair_up(a, b);
	send_numbered(a, 3);
	close_handle(a);
	close_handle(b);
	ck_assert(in_view(id_a) && in_view(id_b));
	assert_numbered(extra, 3);
	close_handle(extra);
	ck_assert(!in_view(id_a) && !in_view(id_b));
	close_handle(holder);
	assert_counts(NULL);
}
END_TEST

FX_TEST("cycles", test_named_cycle_kept_until_unlinked)
{
	char name[XIPC_TEST_NAME_SIZE];
	__u32 b = begin(false), a = fx_named(space, name, "cycle");
	__u64 id_a = fx_object_id(space, a), id_b = fx_object_id(space, b);

	pair_up(a, b);
	close_handle(a);
	close_handle(b);
	ck_assert(in_view(id_a) && in_view(id_b));
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	ck_assert(!in_view(id_a) && !in_view(id_b));
	assert_counts(NULL);
}
END_TEST

/* An RPC on @box carrying the @nr @t, with no room for a reply: its result. */
static int rpc_with(int space, __u32 box, const struct xipc_transfer *t,
		    __u32 nr, __u64 timeout_ns)
{
	return ipc_rpc(space, &(struct xipc_rpc){ .handle = box, .type = 1,
		.transfers = ipc_ptr(t), .nr_transfers = nr,
		.timeout_ns = timeout_ns });
}

/*
 * An RPC whose request carries the last receive right outside the group
 * that its mailbox is in: collected before the caller would sleep, so the
 * call fails with EPIPE at once, as with a mailbox that lost its receiver;
 * what it moved is gone, and so is its call.
 */
FX_TEST("cycles", test_rpc_request_closes_the_cycle)
{
	__u32 a = begin(false), b = mailbox(), send_a = dup_of(a, XIPC_RIGHT_SEND);
	struct xipc_transfer t = moved(b);

	send_one(b, moved(a));
	ck_assert_int_eq(rpc_with(space, send_a, &t, 1, XIPC_TEST_LONG_NS),
			 -EPIPE);
	ck_assert(!exists(b));
	close_handle(send_a);
	assert_counts(NULL);
}
END_TEST

/* An RPC made by a thread, carrying one transfer, waiting at most long. */
struct rpc_thread {
	pthread_t thread;
	__u32 mailbox;
	struct xipc_transfer transfer;
	int ret;
};

static void *rpc_in_thread(void *arg)
{
	struct rpc_thread *c = arg;

	c->ret = rpc_with(space, c->mailbox, &c->transfer, 1, XIPC_TEST_LONG_NS);
	return NULL;
}

static void start_call(struct rpc_thread *c, __u32 mailbox,
		       struct xipc_transfer transfer)
{
	*c = (struct rpc_thread){ .mailbox = mailbox, .transfer = transfer,
				  .ret = 1 };
	ck_assert_int_eq(pthread_create(&c->thread, NULL, rpc_in_thread, c), 0);
}

/* Waits for the call to end: what it returned. */
static int end_call(struct rpc_thread *c)
{
	ck_assert_int_eq(pthread_join(c->thread, NULL), 0);
	return c->ret;
}

/* Waits until @handle is gone (a call moved it). */
static void wait_moved(__u32 handle)
{
	unsigned int tries;

	for (tries = 0; exists(handle); tries++) {
		ck_assert_uint_lt(tries, 60000);
		usleep(1000);
	}
}

/*
 * Callers blocked in RPCs whose requests hold a cycle's receive rights
 * (each request in one mailbox holds the other's): when the process closes
 * its own rights, both calls fail with EPIPE and the reply handles go.
 */
FX_TEST("cycles", test_rpc_callers_of_a_cycle)
{
	__u32 first = begin(false), boxes[2] = { first, mailbox() };
	struct rpc_thread calls[2];
	unsigned int i;

	for (i = 0; i < 2; i++)
		start_call(&calls[i], dup_of(boxes[i], XIPC_RIGHT_SEND),
			   copied(boxes[!i], XIPC_RIGHT_RECV));
	/* Both requests are queued once a peek finds them. */
	for (i = 0; i < 2; i++) {
		char buf[8];
		struct xipc_recv msg = xipc_test_recv_args(boxes[i], 0, buf,
				sizeof(buf), XIPC_TEST_LONG_NS);

		msg.flags = XIPC_RECV_PEEK;
		ck_assert_int_ge(ipc_recv(space, &msg), 0);
	}
	close_handle(boxes[0]);
	ck_assert_int_eq(read_counts().n[REPLIES], before.n[REPLIES] + 2);
	close_handle(boxes[1]);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(end_call(&calls[i]), -EPIPE);
		close_handle(calls[i].mailbox);
	}
	assert_counts(NULL);
}
END_TEST

/*
 * Requests whose callers gave up stay queued with their canceled reply
 * handles; a cycle of them goes as any other.
 */
FX_TEST("cycles", test_abandoned_requests_in_a_cycle)
{
	__u32 a = begin(false), b = mailbox();
	struct xipc_transfer to_a = copied(b, XIPC_RIGHT_RECV);
	struct xipc_transfer to_b = copied(a, XIPC_RIGHT_RECV);

	ck_assert_int_eq(rpc_with(space, a, &to_a, 1, XIPC_TEST_SHORT_NS),
			 -ETIMEDOUT);
	ck_assert_int_eq(rpc_with(space, b, &to_b, 1, XIPC_TEST_SHORT_NS),
			 -ETIMEDOUT);
	ck_assert_int_eq(read_counts().n[REPLIES], before.n[REPLIES] + 2);
	close_handle(a);
	close_handle(b);
	assert_counts(NULL);
}
END_TEST

/*
 * A revoke that withdraws a request gives back the rights it moved, and
 * with them the group they reach; once the group was collected, a revoke
 * has nothing to give back. In each round: a's only receiver is in b's
 * queue, and b's is moved into a request on a, by a call through a send
 * right derived from @manage; the test keeps another receive right to b.
 * With @revoke, @manage is revoked while the call waits; else that other
 * right goes. The call's result.
 */
static int revoke_or_close(__u32 b, bool revoke)
{
	const __u32 rights = XIPC_RIGHT_MANAGE | XIPC_RIGHT_SEND |
			     XIPC_RIGHT_GRANT;
	__u32 a = mailbox(), manage = dup_of(a, rights);
	__u32 b_too = dup_of(b, XIPC_RIGHT_RECV);
	struct rpc_thread call;
	int ret;

	send_one(b, moved(a));
	start_call(&call, dup_of(manage, XIPC_RIGHT_SEND), moved(b));
	wait_moved(b);
	if (revoke)
		ck_assert_int_eq(ipc_handle_revoke(space, manage), 0);
	else
		close_handle(b_too);
	ret = end_call(&call);
	if (revoke) {
		/* b is back in its slot: the group stays without the other right. */
		ck_assert(exists(b));
		close_handle(b_too);
		close_handle(take_one(b));
	} else {
		ck_assert_int_eq(ipc_handle_revoke(space, manage), 0);
		ck_assert(!exists(b));
	}
	close_handle(call.mailbox);
	close_handle(manage);
	return ret;
}

FX_TEST("cycles", test_revoke_and_collection)
{
	__u32 b = begin(false);

	ck_assert_int_eq(revoke_or_close(b, true), -EKEYREVOKED);
	/* Again, but the last right outside goes while the call waits. */
	ck_assert_int_eq(revoke_or_close(b, false), -EPIPE);
	assert_counts(NULL);
}
END_TEST

/* A cycle of two mailboxes (@a, @b) whose messages carry @service too. */
static void cycle_with(__u32 service, __u32 *a, __u32 *b)
{
	struct xipc_transfer to_a[2], to_b[2];

	*a = mailbox();
	*b = mailbox();
	to_a[0] = copied(service, XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT);
	to_a[1] = copied(*b, XIPC_RIGHT_RECV);
	to_b[0] = copied(service, XIPC_RIGHT_SEND);
	to_b[1] = copied(*a, XIPC_RIGHT_RECV);
	ck_assert_int_eq(send_with(space, *a, 1, to_a, 2), 0);
	ck_assert_int_eq(send_with(space, *b, 1, to_b, 2), 0);
}

/*
 * LRPC service handles riding in a cycle go with it. A service its server
 * still holds lives on, and so does its client's binding; one whose server
 * closed it is dead but kept, region and all, by the handles in the cycle,
 * until the cycle is collected: then its region's bytes are returned.
 */
FX_TEST("cycles", test_service_handles_in_a_cycle)
{
	struct xipc_bind bind = { 0 };
	struct counts with_service, now;
	__u32 a, b;

	space = xipc_test_open();
	before = read_counts();
	bind.service = xipc_test_service(space);
	ck_assert_int_eq(ioctl(space, XIPC_IOC_BIND, &bind), 0);
	with_service = read_counts();
	cycle_with(bind.service, &a, &b);
	close_handle(a);
	close_handle(b);
	assert_counts(&with_service);
	ck_assert_uint_eq(xipc_test_handle_info(space, bind.handle).state, 0);

	/* This time the server goes first, with a cycle holding it. */
	cycle_with(bind.service, &a, &b);
	close_handle(bind.service);
	ck_assert_uint_eq(xipc_test_handle_info(space, bind.handle).state,
			  XIPC_STATE_NO_RECEIVER);
	close_handle(bind.handle);
	close_handle(a);
	now = read_counts();
	ck_assert_int_eq(now.n[SERVICES], before.n[SERVICES] + 1);
	ck_assert_int_eq(now.n[BINDINGS], before.n[BINDINGS]);
	ck_assert_int_gt(now.n[USER_BYTES], before.n[USER_BYTES]);
	close_handle(b);
	assert_counts(NULL);
}
END_TEST

/*
 * Under load: processes, each with its own space and threads, share a
 * named mailbox (the root) and, round after round, form cycles that are
 * garbage at once (through sends and RPCs), publish boxes (a mailbox full
 * of numbered messages, its only receive right queued in the root) and
 * cycles reachable only through the root, and take both out again while
 * the collector runs for the others. Nothing reachable may be lost: every
 * box holds all its messages and every published cycle its other half.
 */
#define PROCESSES 3
#define THREADS 3
#define ROUNDS 240
#define BOX_SIZE 4

struct worker {
	int space;
	__u32 root;
	unsigned int index;
	atomic_uint *failures;
};

#define WORKER_EXPECT(w, cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %d/%u: %s\n", __FILE__,	\
				__LINE__, (int)getpid(), (w)->index, #cond);	\
			atomic_fetch_add((w)->failures, 1);		\
			return;						\
		}							\
	} while (0)

/* Sends on the root, waiting for room: consumers may lag behind. */
static int publish(struct worker *w, __s64 type, struct xipc_transfer t)
{
	struct xipc_send msg = xipc_test_send_args(w->root, type, "p", 1,
						   XIPC_TEST_LONG_NS);

	msg.transfers = ipc_ptr(&t);
	msg.nr_transfers = 1;
	return ipc_send(w->space, &msg);
}

static void publish_box(struct worker *w)
{
	int box = ipc_mailbox_create(w->space, 0, 0, 0);
	unsigned int i;

	WORKER_EXPECT(w, box > 0);
	for (i = 0; i < BOX_SIZE; i++)
		WORKER_EXPECT(w, xipc_test_send(w->space, box, NUMBERED, &i,
						sizeof(i), 0) == 0);
	WORKER_EXPECT(w, publish(w, BOX, moved(box)) == 0);
}

static void consume_box(struct worker *w)
{
	int box = recv_one(w->space, w->root, BOX);
	struct xipc_transfer self = moved(box);
	struct xipc_recv msg;
	unsigned int i, got;

	if (box == -EAGAIN)
		return;
	WORKER_EXPECT(w, box > 0);
	for (i = 0; i < BOX_SIZE; i++) {
		WORKER_EXPECT(w, xipc_test_recv(w->space, box, NUMBERED, &got,
						sizeof(got), 0, &msg) ==
				 sizeof(got));
		WORKER_EXPECT(w, got == i);
	}
	/* Into itself: garbage, gone when the send returns. */
	WORKER_EXPECT(w, send_with(w->space, box, 1, &self, 1) == 0);
}

/* A closed cycle of two mailboxes; with @publish_it, reachable from the root. */
static void make_cycle(struct worker *w, bool publish_it)
{
	int a = ipc_mailbox_create(w->space, 0, 0, 0);
	int b = ipc_mailbox_create(w->space, 0, 0, 0);
	struct xipc_transfer to_a = copied(b, XIPC_RIGHT_RECV);
	struct xipc_transfer to_b = copied(a, XIPC_RIGHT_RECV);

	WORKER_EXPECT(w, a > 0 && b > 0);
	WORKER_EXPECT(w, send_with(w->space, a, 1, &to_a, 1) == 0);
	WORKER_EXPECT(w, send_with(w->space, b, 1, &to_b, 1) == 0);
	WORKER_EXPECT(w, !publish_it || publish(w, CYCLE, to_a) == 0);
	WORKER_EXPECT(w, ipc_handle_close(w->space, a) == 0);
	WORKER_EXPECT(w, ipc_handle_close(w->space, b) == 0);
}

static void garbage_cycle(struct worker *w)
{
	make_cycle(w, false);
}

static void publish_cycle(struct worker *w)
{
	make_cycle(w, true);
}

static void garbage_rpc(struct worker *w)
{
	int a = ipc_mailbox_create(w->space, 0, 0, 0);
	int b = ipc_mailbox_create(w->space, 0, 0, 0), send_a;
	struct xipc_transfer t = moved(a);

	WORKER_EXPECT(w, a > 0 && b > 0);
	send_a = ipc_handle_dup(w->space, a, XIPC_RIGHT_SEND, 0, 0);
	WORKER_EXPECT(w, send_a > 0);
	WORKER_EXPECT(w, send_with(w->space, b, 1, &t, 1) == 0);
	t = moved(b);
	WORKER_EXPECT(w, rpc_with(w->space, send_a, &t, 1, XIPC_TEST_LONG_NS) ==
			 -EPIPE);
	WORKER_EXPECT(w, ipc_handle_close(w->space, send_a) == 0);
}

static void consume_cycle(struct worker *w)
{
	int b = recv_one(w->space, w->root, CYCLE), a;

	if (b == -EAGAIN)
		return;
	WORKER_EXPECT(w, b > 0);
	a = recv_one(w->space, b, 0);
	WORKER_EXPECT(w, a > 0);
	WORKER_EXPECT(w, ipc_handle_close(w->space, b) == 0);
	WORKER_EXPECT(w, ipc_handle_close(w->space, a) == 0);
}

static void *work(void *arg)
{
	static void (*const steps[])(struct worker *) = {
		publish_box, garbage_cycle, consume_box, publish_cycle,
		garbage_rpc, consume_cycle,
	};
	struct worker *w = arg;
	unsigned int round;

	for (round = 0; round < ROUNDS && !atomic_load(w->failures); round++)
		steps[(round + w->index) % FX_NR(steps)](w);
	return NULL;
}

static void run_workers(const void *name)
{
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	atomic_uint failures = 0;
	int own = ipc_open(0);
	int root;
	unsigned int i;

	CHILD_EXPECT(own >= 0, 10);
	root = ipc_mailbox_open(own, name, 0, 0, 0);
	CHILD_EXPECT(root > 0, 11);
	for (i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){ own, root, getpid() * 8 + i,
					      &failures };
		CHILD_EXPECT(pthread_create(&threads[i], NULL, work,
					    &workers[i]) == 0, 12);
	}
	for (i = 0; i < THREADS; i++)
		CHILD_EXPECT(pthread_join(threads[i], NULL) == 0, 13);
	CHILD_EXPECT(atomic_load(&failures) == 0, 14);
	_exit(0);
}

/* Forks @n children running @fn(@arg) and waits for each to exit 0. */
static void in_children(unsigned int n, void (*fn)(const void *arg),
			const void *arg)
{
	pid_t pids[PROCESSES];
	unsigned int i;

	ck_assert_uint_le(n, PROCESSES);
	for (i = 0; i < n; i++) {
		pids[i] = xipc_test_fork();
		if (pids[i] == 0)
			fn(arg);
	}
	for (i = 0; i < n; i++)
		ck_assert_int_eq(xipc_test_wait(pids[i]), 0);
}

FX_TEST("cycles", test_concurrent_cycles)
{
	char name[XIPC_TEST_NAME_SIZE];
	struct xipc_mailbox_open req = { .flags = XIPC_OPEN_CREATE |
		XIPC_OPEN_EXCL, .mode = 0600, .max_msgs = 4096 };

	space = xipc_test_open();
	before = read_counts();
	xipc_test_name(name, "root");
	req.name = ipc_ptr(name);
	req.name_len = strlen(name);
	ck_assert_int_gt(ipc_mailbox_open_full(space, &req), 0);
	in_children(PROCESSES, run_workers, name);
	/* What is left in the root goes with it, cycles and all. */
	close_handle(req.handle);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	assert_counts(NULL);
}
END_TEST

/*
 * 100,000 rounds of cycles made and collected: most of them a mailbox moved
 * into itself (the cheapest round: two calls), the others two mailboxes
 * through an RPC, and rings of two and three through sends. Two processes
 * with a space each share every batch of 1,000 rounds (the collector runs
 * for both); after each batch, what is alive is back to where it was.
 * On a debug kernel (one with kmemleak, which then checks the memory), 10
 * batches: its emulation runs them about ten times slower.
 */
#define ROUNDS_BATCHES 100
#define ROUNDS_BATCHES_DEBUG 10
#define ROUNDS_PROCESSES 2
#define ROUNDS_EACH 500

static void rounds(const void *unused)
{
	/* Mailboxes per round: 1 into itself, 2 through an RPC (-2), rings. */
	static const int kinds[8] = { 1, 1, -2, 1, 2, 1, 3, 1 };
	int own = ipc_open(0);
	struct xipc_transfer t[2];
	unsigned int round, i, k;
	int m[3];

	(void)unused;
	CHILD_EXPECT(own >= 0, 20);
	for (round = 0; round < ROUNDS_EACH; round++) {
		k = abs(kinds[round % 8]);
		for (i = 0; i < k; i++) {
			m[i] = ipc_mailbox_create(own, 0, 0, 0);
			CHILD_EXPECT(m[i] > 0, 21);
		}
		if (kinds[round % 8] < 0) {
			t[0] = moved(m[0]);
			t[1] = moved(m[1]);
			CHILD_EXPECT(rpc_with(own, m[0], t, 2,
					      XIPC_TEST_LONG_NS) == -EPIPE, 22);
			continue;
		}
		/* m[0] -> ... -> m[k - 1] -> m[0], closed as it goes. */
		for (i = 0; i + 1 < k; i++) {
			t[0] = copied(m[i + 1], XIPC_RIGHT_RECV);
			CHILD_EXPECT(send_with(own, m[i], 1, t, 1) == 0, 23);
		}
		t[0] = moved(m[0]);
		CHILD_EXPECT(send_with(own, m[k - 1], 1, t, 1) == 0, 24);
		for (i = 1; i < k; i++)
			CHILD_EXPECT(ipc_handle_close(own, m[i]) == 0, 25);
	}
	_exit(0);
}

FX_TEST("rounds", test_100000_rounds)
{
	unsigned int batch, batches = ROUNDS_BATCHES;
	struct timespec start, end;

	before = read_counts();
	if (access("/sys/kernel/debug/kmemleak", F_OK) == 0)
		batches = ROUNDS_BATCHES_DEBUG;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (batch = 0; batch < batches; batch++) {
		in_children(ROUNDS_PROCESSES, rounds, NULL);
		assert_counts(NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	/* For the record only: under emulation times vary widely. */
	fprintf(stderr, "# %u rounds in %.1f s\n",
		batches * ROUNDS_PROCESSES * ROUNDS_EACH,
		(double)(end.tv_sec - start.tv_sec) +
		(end.tv_nsec - start.tv_nsec) / 1e9);
}
END_TEST

int main(void)
{
	/* Long under a debug kernel's emulation: a timeout of its own. */
	fx_timeout("rounds", 900);
	return fx_main("cycles");
}
