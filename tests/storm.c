// SPDX-License-Identifier: MIT
/*
 * A kill -9 storm: processes exchange numbered, checksummed messages over
 * mailboxes, mailbox RPC and LRPC, finding each other through a name server
 * of the test's own, while a killer SIGKILLs one of them at random every few
 * milliseconds and starts a new one in its place. After each round every
 * worker is stopped (senders first, then receivers drain) and checked:
 *
 *   - every send, RPC or LRPC call that returned success was received,
 *     served or run exactly once (a send may also have died with its
 *     mailbox's killed receiver), with the right answer; none twice, none
 *     corrupt, none unsent;
 *   - every worker stopped when told (a generous watchdog, not a timing);
 *   - the workers' user (STORM_UID) holds nothing and owns no mailbox.
 *
 * The storm lasts XIPC_STORM_SECONDS (environment, or a kernel argument in
 * the VM), by default 20 s, or 120 s on a debug kernel (with kmemleak). A
 * MAP_SHARED ledger, which outlives the killed, records what was done.
 */
#include <stdatomic.h>

#include "fixture.h"

#define STORM_UID	4243
#define NR_BOXES	2	/* mailbox receivers */
#define NR_RPC		2	/* mailbox RPC servers */
#define NR_SENDERS	4	/* send, call RPCs and LRPCs */
#define NR_LRPC		1	/* LRPC server processes (two threads each): one */
#define NR_WORKERS	(NR_BOXES + NR_RPC + NR_SENDERS + NR_LRPC)
#define MAX_SEQ		(1 << 16)
#define MAX_MAILBOXES	4096
#define ROUND_SECONDS	10
#define MAX_DATA	96
#define NS_WAIT_NS	(2ULL * 1000 * 1000 * 1000)
#define OP_NS		(1ULL * 1000 * 1000 * 1000)
#define POLL_NS		(20ULL * 1000 * 1000)
/* Seconds for killed workers to end, and for what they held to be freed. */
#define WATCHDOG_S	120

enum kind { KIND_NONE, KIND_SEND, KIND_RPC, KIND_LRPC };
enum state { ST_NONE, ST_TRIED, ST_OK, ST_FAILED };

/* One numbered message, RPC or LRPC call of a sender slot. */
struct entry {
	_Atomic __u32 received;	/* times a receiver, server or handler saw it */
	__u8 kind;
	_Atomic __u8 state;
	__u16 pad;
	__u64 target;		/* a send's mailbox object id */
};

struct mailbox_rec {
	__u64 object_id;
	_Atomic int clean;	/* its receiver drained it and exited */
};

struct ledger {
	_Atomic int stop_senders, stop_all;
	_Atomic int corrupt;	/* a payload or an answer that did not check */
	_Atomic int bad;	/* a worker saw what cannot be */
	_Atomic __u32 next_seq[NR_SENDERS];
	_Atomic __u32 nr_mailboxes;
	struct mailbox_rec mailboxes[MAX_MAILBOXES];
	struct entry entries[NR_SENDERS][MAX_SEQ];
};

static struct ledger *ledger;

struct payload {
	__u32 slot, seq, len, kind;
	__u64 target, sum;
	unsigned char data[MAX_DATA];
};

#define HEADER offsetof(struct payload, data)

static __u64 checksum(const struct payload *p)
{
	return fx_fnv1a(p->data, p->len, fx_fnv1a(p, offsetof(struct payload, sum),
						   FX_FNV_BASIS));
}

/* A payload of @size bytes that is whole, and names a tried entry. */
static struct entry *payload_check(const struct payload *p, size_t size,
				   __u32 kind)
{
	struct entry *e;

	if (size < HEADER || p->slot >= NR_SENDERS || p->seq >= MAX_SEQ ||
	    p->len > MAX_DATA || size != HEADER + p->len ||
	    p->kind != kind || p->sum != checksum(p)) {
		atomic_fetch_add(&ledger->corrupt, 1);
		return NULL;
	}
	e = &ledger->entries[p->slot][p->seq];
	if (atomic_load(&e->state) == ST_NONE || e->kind != kind)
		atomic_fetch_add(&ledger->bad, 1);
	return e;
}

static __u64 answer(__u64 sum)
{
	return sum * 3 + 17;
}

/* ---- the workers ---- */

static __u64 object_of(int space, __u32 h)
{
	struct xipc_handle_info info;

	return ipc_handle_info(space, h, &info) ? 0 : info.object_id;
}

static void name_of(char *buf, size_t size, const char *role, int i)
{
	snprintf(buf, size, "storm-%s-%d", role, i);
}

/* A mailbox registered as @role @k, recorded in the ledger (with @rec). */
static __u32 serve_mailbox(int space, const char *role, int k,
			   struct mailbox_rec **rec)
{
	int mb = ipc_mailbox_create(space, MAX_DATA + 64, 16, 0);
	char name[64];
	__u32 i;

	if (mb <= 0)
		_exit(61);
	if (rec) {
		i = atomic_fetch_add(&ledger->nr_mailboxes, 1);
		if (i >= MAX_MAILBOXES)
			_exit(62);
		ledger->mailboxes[i].object_id = object_of(space, mb);
		*rec = &ledger->mailboxes[i];
	}
	name_of(name, sizeof(name), role, k);
	if (ipc_ns_register(space, name, mb, NULL, 0, XIPC_TEST_LONG_NS))
		_exit(63);
	return mb;
}

/*
 * A mailbox's worker: a receiver of a box's messages (KIND_SEND), which
 * drains its mailbox when told to stop, or an RPC server (KIND_RPC).
 */
static void mailbox_worker(int k, __u32 kind)
{
	struct mailbox_rec *rec = NULL;
	int space = fx_child_space(STORM_UID, STORM_UID, NULL, 0);
	__u32 mb = serve_mailbox(space, kind == KIND_SEND ? "box" : "rpc", k,
				 kind == KIND_SEND ? &rec : NULL);
	for (;;) {
		struct payload p, rep;
		struct xipc_recv r = xipc_test_recv_args(mb, 0, &p, sizeof(p),
							 POLL_NS);
		bool draining = atomic_load(&ledger->stop_all);
		struct entry *e;
		int ret;

		if (draining && !rec)
			break;
		if (draining)
			r.timeout_ns = 0;
		ret = ipc_recv(space, &r);
		if (ret == -EAGAIN && draining)
			break;
		if (ret == -ETIMEDOUT)
			continue;
		if (ret < 0)
			_exit(rec ? 64 : 65);
		e = payload_check(&p, ret, kind);
		if (e && rec && p.target != rec->object_id)
			atomic_fetch_add(&ledger->bad, 1);
		if (e)
			atomic_fetch_add(&e->received, 1);
		if (rec)
			continue;
		rep = p;
		rep.sum = answer(p.sum);
		/* The caller may have given up or died: ECANCELED is fine. */
		ipc_reply(space, &(struct xipc_reply){ .reply = r.reply,
			  .data = ipc_ptr(&rep), .size = HEADER });
	}
	if (rec)
		atomic_store(&rec->clean, 1);
	_exit(0);
}

static int lrpc_proc(struct ipc_request *req, void *cookie)
{
	const struct payload *p = (const void *)req->args->data;
	struct entry *e;

	(void)cookie;
	if (req->args->size > sizeof(*p) || req->args->size > req->room) {
		atomic_fetch_add(&ledger->corrupt, 1);
		return -EINVAL;
	}
	e = payload_check(p, req->args->size, KIND_LRPC);
	if (!e)
		return -EINVAL;
	atomic_fetch_add(&e->received, 1);
	req->astack->regs[0] = answer(p->sum);
	return 0;
}

static void *lrpc_thread(void *arg)
{
	ipc_service_run(arg);
	return NULL;
}

static void lrpc_server(int k)
{
	struct ipc_service *svc;
	pthread_t threads[2];
	char name[64];
	int space = fx_child_space(STORM_UID, STORM_UID, NULL, 0);
	unsigned int i;

	name_of(name, sizeof(name), "lrpc", k);
	if (ipc_service_create(space, &(struct ipc_service_attr){
		.flags = XIPC_SERVICE_COPY_IN, .max_bindings = 16 }, &svc))
		_exit(66);
	ipc_service_register(svc, 1, lrpc_proc, NULL);
	for (i = 0; i < 2; i++)
		if (pthread_create(&threads[i], NULL, lrpc_thread, svc))
			_exit(67);
	if (ipc_ns_register(space, name, ipc_service_handle(svc), NULL, 0,
			    XIPC_TEST_LONG_NS))
		_exit(68);
	while (!atomic_load(&ledger->stop_all))
		usleep(10000);
	ipc_service_destroy(svc);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	_exit(0);
}

/* What a sender keeps between operations: handles looked up by name. */
struct sender {
	int space, slot;
	__u32 box[NR_BOXES], rpc[NR_RPC];
	struct ipc_binding *lrpc;	/* to the LRPC server (one) */
	unsigned int rnd;
};

static unsigned int next_rand(unsigned int *r)
{
	*r = *r * 1103515245 + 12345;
	return *r >> 8;
}

/* The handle to @role @i, looked up into *@h if not yet there (0: none). */
static __u32 lookup(struct sender *s, __u32 *h, const char *role, int i)
{
	char name[64];
	int ret;

	if (!*h) {
		name_of(name, sizeof(name), role, i);
		ret = ipc_ns_lookup(s->space, name, XIPC_RIGHT_SEND, IPC_NS_WAIT,
				    NS_WAIT_NS);
		*h = ret > 0 ? (__u32)ret : 0;
	}
	return *h;
}

/* After a failed call on *@h: lets go of the handle, unless it timed out. */
static void forget(struct sender *s, __u32 *h, int ret)
{
	if (ret == -ETIMEDOUT)
		return;
	ipc_handle_close(s->space, *h);
	*h = 0;
}

/*
 * A new numbered entry of this sender's, tried from now on, its payload
 * (of a size and content its number sets) in @p; NULL when the round is full.
 */
static struct entry *entry_new(struct sender *s, __u32 kind, __u64 target,
			       struct payload *p)
{
	__u32 i, seq = atomic_fetch_add(&ledger->next_seq[s->slot], 1);
	struct entry *e = &ledger->entries[s->slot][seq % MAX_SEQ];

	if (seq >= MAX_SEQ)
		return NULL;
	*p = (struct payload){ .slot = s->slot, .seq = seq, .kind = kind,
			       .target = target,
			       .len = (seq * 7 + s->slot) % MAX_DATA };
	for (i = 0; i < p->len; i++)
		p->data[i] = (unsigned char)(seq * 13 + i * 5 + s->slot);
	p->sum = checksum(p);
	e->kind = kind;
	e->target = target;
	atomic_store(&e->state, ST_TRIED);
	return e;
}

/* A send to a random box, or an RPC to a random server (@kind). */
static void do_mailbox(struct sender *s, __u32 kind)
{
	bool rpc = kind == KIND_RPC, ok;
	int k = next_rand(&s->rnd) % (rpc ? NR_RPC : NR_BOXES);
	__u32 *h = rpc ? &s->rpc[k] : &s->box[k];
	struct payload p, rep = { 0 };
	struct entry *e;
	int ret;

	if (!lookup(s, h, rpc ? "rpc" : "box", k))
		return;
	e = entry_new(s, kind, rpc ? 0 : object_of(s->space, *h), &p);
	if (!e)
		return;
	if (!rpc)
		ret = xipc_test_send(s->space, *h, 1, &p, HEADER + p.len,
				     OP_NS);
	else
		ret = ipc_rpc(s->space, &(struct xipc_rpc){ .handle = *h,
			.type = 1, .data = ipc_ptr(&p), .size = HEADER + p.len,
			.reply_data = ipc_ptr(&rep), .reply_size = sizeof(rep),
			.timeout_ns = OP_NS });
	ok = rpc ? ret >= 0 : ret == 0;
	/* An RPC's reply is the server's answer to this very request. */
	if (rpc && ok && (ret != (int)HEADER || rep.slot != p.slot ||
			  rep.seq != p.seq || rep.sum != answer(p.sum)))
		atomic_fetch_add(&ledger->corrupt, 1);
	atomic_store(&e->state, ok ? ST_OK : ST_FAILED);
	if (!ok)
		forget(s, h, ret);
}

static void do_lrpc(struct sender *s)
{
	struct xipc_astack *a;
	struct payload *p;
	struct entry *e;
	__u32 h = 0;
	int ret;

	if (!s->lrpc) {
		if (!lookup(s, &h, "lrpc", 0))
			return;
		ret = ipc_bind(s->space, h, &s->lrpc);
		ipc_handle_close(s->space, h);
		if (ret) {
			s->lrpc = NULL;
			return;
		}
	}
	ipc_astack_get(s->lrpc, &a);
	p = (struct payload *)a->data;
	e = entry_new(s, KIND_LRPC, 0, p);
	if (!e) {
		ipc_astack_put(s->lrpc, a);
		return;
	}
	a->size = HEADER + p->len;
	ret = ipc_call(s->lrpc, a, 1, OP_NS);
	if (!ret && (a->status || a->regs[0] != answer(checksum(p))))
		atomic_fetch_add(&ledger->corrupt, 1);
	atomic_store(&e->state, ret ? ST_FAILED : ST_OK);
	ipc_astack_put(s->lrpc, a);
	if (ret) {
		/* A call the server still holds keeps its A-stack: let go. */
		ipc_unbind(s->lrpc);
		s->lrpc = NULL;
	}
}

static void sender(int slot)
{
	/* Half sends, a quarter RPCs, a quarter LRPC calls. */
	static const __u32 kinds[] = {
		KIND_SEND, KIND_SEND, KIND_RPC, KIND_LRPC,
	};
	struct sender s = { .slot = slot, .rnd = getpid() * 2654435761U };
	__u32 kind;

	s.space = fx_child_space(STORM_UID, STORM_UID, NULL, 0);
	while (!atomic_load(&ledger->stop_senders)) {
		kind = kinds[next_rand(&s.rnd) % 4];
		if (kind == KIND_LRPC)
			do_lrpc(&s);
		else
			do_mailbox(&s, kind);
	}
	_exit(0);
}

/* ---- the killer and the checks ---- */

enum role { ROLE_BOX, ROLE_RPC, ROLE_SENDER, ROLE_LRPC };

struct worker {
	pid_t pid;
	enum role role;
	int index;
};

static pid_t spawn(const struct worker *w)
{
	pid_t pid = xipc_test_fork();

	if (pid)
		return pid;
	if (w->role == ROLE_SENDER)
		sender(w->index);
	else if (w->role == ROLE_LRPC)
		lrpc_server(w->index);
	else
		mailbox_worker(w->index,
			       w->role == ROLE_RPC ? KIND_RPC : KIND_SEND);
	_exit(70);
}

/* CLOCK_MONOTONIC, in seconds: for the watchdogs and the rounds' ends. */
static double now(void)
{
	return xipc_test_deadline(0) / 1e9;
}

static pid_t named_pid;

/*
 * Reaps the killed workers that have ended (all of them with @wait, within
 * the watchdog's bound: one that a SIGKILL does not end is stuck in the
 * kernel); *@pending counts those not reaped yet. No live worker and not
 * the name server may end meanwhile.
 */
static void reap_killed(const struct worker *w, unsigned int n,
			unsigned long *pending, bool wait)
{
	double deadline = now() + WATCHDOG_S;
	unsigned int i;
	int status;
	pid_t pid;

	for (;;) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			ck_assert_msg(pid != named_pid, "xipc-named ended: %#x",
				      status);
			for (i = 0; i < n; i++)
				ck_assert_msg(w[i].pid != pid,
					      "worker %d (role %d) ended: %#x",
					      (int)pid, w[i].role, status);
			/* Ended on its own just before the kill: not in error. */
			ck_assert_msg(WIFSIGNALED(status) ||
				      (WIFEXITED(status) && !WEXITSTATUS(status)),
				      "worker %d: status %#x", (int)pid, status);
			--*pending;
		}
		if (!wait || !*pending)
			return;
		ck_assert_msg(now() < deadline,
			      "%lu killed workers not ended %ds after SIGKILL: hung",
			      *pending, WATCHDOG_S);
		usleep(2000);
	}
}

/* Whether mailbox object @id was drained by its receiver at the end. */
static bool mailbox_clean(__u64 id)
{
	__u32 i, n = atomic_load(&ledger->nr_mailboxes);

	for (i = 0; i < n; i++)
		if (ledger->mailboxes[i].object_id == id)
			return atomic_load(&ledger->mailboxes[i].clean);
	return false;
}

struct totals {
	unsigned long checked, ok, lost_with_mailbox, kills, rounds;
};

static void check_ledger(struct totals *t)
{
	unsigned int s, q;

	ck_assert_int_eq(atomic_load(&ledger->corrupt), 0);
	ck_assert_int_eq(atomic_load(&ledger->bad), 0);
	for (s = 0; s < NR_SENDERS; s++) {
		__u32 n = atomic_load(&ledger->next_seq[s]);

		if (n > MAX_SEQ)
			n = MAX_SEQ;
		for (q = 0; q < n; q++) {
			struct entry *e = &ledger->entries[s][q];
			__u32 got = atomic_load(&e->received);
			__u8 st = atomic_load(&e->state);

			t->checked++;
			ck_assert_msg(got <= 1, "sender %u #%u (kind %u) seen %u times",
				      s, q, e->kind, got);
			ck_assert_msg(st != ST_NONE || !got,
				      "sender %u #%u seen but never sent", s, q);
			if (st != ST_OK)
				continue;
			t->ok++;
			if (got)
				continue;
			/* Sent, never received: only in a mailbox that died. */
			ck_assert_msg(e->kind == KIND_SEND && !mailbox_clean(e->target),
				      "sender %u #%u (kind %u) succeeded but was never %s",
				      s, q, e->kind,
				      e->kind == KIND_SEND ? "received" : "served");
			t->lost_with_mailbox++;
		}
	}
}

/* What /proc/xipc/users says @uid holds (zeros if it has no line). */
static struct xipc_test_charges usage_of(unsigned int uid)
{
	struct xipc_test_charges u;
	int err = xipc_test_charges(uid, &u);

	ck_assert_msg(!err || err == -ENOENT, "/proc/xipc/users: %d", err);
	if (err)
		memset(&u, 0, sizeof(u));
	return u;
}

static unsigned int storm_mailboxes(void)
{
	unsigned int uid, n = 0;
	unsigned long id;
	char line[512];
	FILE *f = fopen("/proc/xipc/mailboxes", "re");

	ck_assert(f);
	while (fgets(line, sizeof(line), f))
		n += sscanf(line, "%lu %u", &id, &uid) == 2 && uid == STORM_UID;
	fclose(f);
	return n;
}

/*
 * The workers' user holds nothing and owns no mailbox, and @root_uid holds
 * what it did at @root: eventually, since the name server lets go of the
 * names of dead objects when it is told of their death. The bound is the
 * watchdog's, not a measure of speed.
 */
static void check_nothing_left(struct xipc_test_charges root)
{
	double deadline = now() + WATCHDOG_S;
	struct xipc_test_charges zero = { 0 }, u, r;
	unsigned int left;

	for (;;) {
		u = usage_of(STORM_UID);
		r = usage_of(0);
		left = storm_mailboxes();
		if (!memcmp(&u, &zero, sizeof(u)) &&
		    !memcmp(&r, &root, sizeof(r)) && !left)
			return;
		ck_assert_msg(now() < deadline,
			      "left after %ds: uid %u: %llu handles, %llu msgs, %llu bytes, %llu mailboxes (%u listed); root: %llu handles, %llu msgs (%llu, %llu before)",
			      WATCHDOG_S, STORM_UID, u.handles, u.msgs, u.bytes,
			      u.mailboxes, left, r.handles, r.msgs, root.handles,
			      root.msgs);
		usleep(20000);
	}
}

static void storm_round(struct totals *t, double seconds)
{
	/* The servers first, then the senders. */
	static const struct { enum role role; unsigned int count; } order[] = {
		{ ROLE_BOX, NR_BOXES }, { ROLE_RPC, NR_RPC },
		{ ROLE_LRPC, NR_LRPC }, { ROLE_SENDER, NR_SENDERS },
	};
	struct worker w[NR_WORKERS];
	unsigned int i, r, n = 0, rnd = 0x5eedU + t->rounds;
	unsigned long pending = 0;
	double end;

	memset(ledger, 0, sizeof(*ledger));
	for (r = 0; r < FX_NR(order); r++)
		for (i = 0; i < order[r].count; i++, n++) {
			w[n] = (struct worker){ .role = order[r].role,
						.index = i };
			w[n].pid = spawn(&w[n]);
		}

	end = now() + seconds;
	while (now() < end) {
		struct worker *victim = &w[next_rand(&rnd) % n];

		usleep(2000 + next_rand(&rnd) % 8000);
		kill(victim->pid, SIGKILL);
		t->kills++;
		pending++;
		/* Its successor starts at once; the dead are reaped as they go. */
		victim->pid = spawn(victim);
		reap_killed(w, n, &pending, false);
	}
	reap_killed(w, n, &pending, true);

	/*
	 * Every worker exits 0 when told to stop, the senders first: one still
	 * running after XIPC_TEST_CHILD_NS (xipc_test_wait()) is hung.
	 */
	atomic_store(&ledger->stop_senders, 1);
	for (i = 0; i < n; i++)
		if (w[i].role == ROLE_SENDER)
			ck_assert_int_eq(xipc_test_wait(w[i].pid), 0);
	atomic_store(&ledger->stop_all, 1);
	for (i = 0; i < n; i++)
		if (w[i].role != ROLE_SENDER)
			ck_assert_int_eq(xipc_test_wait(w[i].pid), 0);
	check_ledger(t);
	t->rounds++;
}

/* Rounds of kills until XIPC_STORM_SECONDS; the checks above after each. */
FX_TEST("storm", test_storm)
{
	const char *env = getenv("XIPC_STORM_SECONDS");
	double total = env ? atof(env) :
		       access("/sys/kernel/debug/kmemleak", F_OK) ? 20 : 120;
	struct totals t = { 0 };
	struct xipc_test_charges before, with_named;
	double end;
	int space;

	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	ledger = fx_shared(sizeof(*ledger));
	before = usage_of(0);
	space = xipc_test_open();
	named_pid = fx_start_named(space);
	with_named = usage_of(0);

	end = now() + total;
	do {
		double left = end - now();

		storm_round(&t, left < ROUND_SECONDS ? (left > 1 ? left : 1) :
			    ROUND_SECONDS);
		/* Every name's object died with its workers: none is left. */
		check_nothing_left(with_named);
	} while (now() < end);

	fx_stop_named(named_pid);
	ipc_close(space);
	check_nothing_left(before);
	printf("# storm: %.0f s, %lu rounds, %lu kills, %lu messages/RPCs/calls checked, %lu succeeded, %lu lost with their mailbox's killed receiver\n",
	       total, t.rounds, t.kills, t.checked, t.ok, t.lost_with_mailbox);
	fflush(stdout);
	ck_assert_uint_gt(t.ok, 0);
}
END_TEST

int main(void)
{
	/* The storm's own watchdog fails it first; this one is a backstop. */
	fx_timeout("storm", 3600);
	return fx_main("storm");
}
