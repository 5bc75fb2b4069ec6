// SPDX-License-Identifier: MIT
/*
 * Programs: which fields each call has, how a field's word is made and
 * mutated, the templates that seed the corpus, and the text form of a
 * program that a reproducer is written in.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <linux/xipc.h>

#include "fuzz.h"

/* How a field's word is made (see exec.c for how it is used). */
enum fuzz_field {
	F_NONE,
	F_SPACE,	/* which space: the handle's own (mostly) or a slot */
	F_H_ANY,	/* a handle, any object */
	F_H_MB,		/* a handle, a mailbox preferred */
	F_H_SVC,	/* a service preferred */
	F_H_BIND,	/* a binding preferred */
	F_H_REPLY,	/* a reply handle preferred */
	F_H_LRPC,	/* a service or a binding (mmap) */
	F_FLAGS,	/* the command's flags, now and then a wrong bit */
	F_RSVD,		/* a reserved field: 0, now and then not */
	F_RIGHTS,
	F_TYPE,		/* a message type */
	F_BUF,		/* a payload: pointer kind and size */
	F_HBUF,		/* an array of handle numbers: pointer kind and count */
	F_XFER_N,	/* the transfers: pointer kind and count */
	F_XFER,		/* one transfer: handle, rights, flags */
	F_TIMEOUT,
	F_LIMIT,	/* a mailbox limit */
	F_U64,
	F_NAME,		/* a mailbox name: which, and how it is broken */
	F_MODE,
	F_ASTACK,	/* an A-stack size */
	F_COUNT,	/* a small count, now and then not */
	F_TOKEN,	/* an LRPC call token or A-stack index */
	F_ARGP,		/* how the ioctl's own struct is passed */
	F_INDEX,	/* an index into a table of the run (fds, mappings) */
	F_BADGE,
	F_PID,
	F_CMD,		/* a raw ioctl command number */
	F_OFF,		/* where in a mapping to write */
	F_BATCH,	/* a message command alone, or in an XIPC_IOC_BATCH */
	F_NR
};

struct fuzz_call_desc {
	const char *name;
	uint32_t flags;			/* the command's valid flags */
	unsigned int weight;		/* how often generation picks it */
	bool blocks;			/* may sleep: async now and then */
	uint8_t fields[FUZZ_WORDS];
};

#define ARGS(...) { __VA_ARGS__ }

/* A word of a kind (bits 0-7) with an index (8-15) or a size (32-63). */
#define IDX(kind, k)		((uint64_t)(kind) + ((uint64_t)(k) << 8))
#define SIZED(kind, size)	((uint64_t)(kind) + ((uint64_t)(size) << 32))

static const struct fuzz_call_desc descs[C_NR] = {
	[C_GET_INFO] = { "get_info", 0, 1, false,
		ARGS(F_SPACE, F_FLAGS, F_RSVD, F_ARGP) },
	[C_CLOSE] = { "close", 0, 6, false,
		ARGS(F_SPACE, F_H_ANY, F_FLAGS, F_ARGP) },
	[C_DUP] = { "dup", XIPC_DUP_BADGE, 7, false,
		ARGS(F_SPACE, F_H_ANY, F_FLAGS, F_RIGHTS, F_BADGE, F_ARGP) },
	[C_REVOKE] = { "revoke", 0, 4, false,
		ARGS(F_SPACE, F_H_ANY, F_FLAGS, F_ARGP) },
	[C_INFO] = { "info", 0, 3, false,
		ARGS(F_SPACE, F_H_ANY, F_FLAGS, F_RSVD, F_ARGP) },
	[C_MB_CREATE] = { "mailbox_create", 0, 8, false,
		ARGS(F_SPACE, F_FLAGS, F_LIMIT, F_LIMIT, F_LIMIT, F_RSVD, F_ARGP) },
	[C_MB_DESTROY] = { "mailbox_destroy", 0, 2, false,
		ARGS(F_SPACE, F_H_MB, F_FLAGS, F_ARGP) },
	[C_MB_FD] = { "mailbox_fd", 0, 2, false,
		ARGS(F_SPACE, F_H_MB, F_FLAGS, F_RSVD, F_ARGP) },
	[C_MB_OPEN] = { "mailbox_open", XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 4,
		false, ARGS(F_SPACE, F_FLAGS, F_NAME, F_MODE, F_RIGHTS, F_LIMIT,
			    F_LIMIT, F_LIMIT, F_RSVD, F_ARGP) },
	[C_MB_UNLINK] = { "mailbox_unlink", 0, 2, false,
		ARGS(F_SPACE, F_FLAGS, F_NAME, F_ARGP) },
	[C_SEND] = { "send", XIPC_ABSTIME, 10, true,
		ARGS(F_SPACE, F_H_MB, F_FLAGS, F_TYPE, F_BUF, F_XFER_N, F_XFER,
		     F_XFER, F_XFER, F_XFER, F_TIMEOUT, F_RSVD, F_ARGP, F_BATCH) },
	[C_RECV] = { "recv", XIPC_RECV_EXCEPT | XIPC_RECV_PEEK |
		XIPC_RECV_TRUNCATE | XIPC_RECV_FROM_BADGE | XIPC_RECV_FROM_PID |
		XIPC_ABSTIME, 10, true,
		ARGS(F_SPACE, F_H_MB, F_FLAGS, F_TYPE, F_BUF, F_HBUF, F_TIMEOUT,
		     F_COUNT, F_BADGE, F_PID, F_ARGP, F_BATCH) },
	[C_RPC] = { "rpc", XIPC_ABSTIME, 6, true,
		ARGS(F_SPACE, F_H_MB, F_FLAGS, F_TYPE, F_BUF, F_XFER_N, F_XFER,
		     F_XFER, F_BUF, F_HBUF, F_TIMEOUT, F_RSVD, F_ARGP, F_BATCH) },
	[C_REPLY] = { "reply", 0, 5, false,
		ARGS(F_SPACE, F_H_REPLY, F_FLAGS, F_BUF, F_XFER_N, F_XFER, F_XFER,
		     F_RSVD, F_ARGP, F_BATCH) },
	[C_SVC_CREATE] = { "service_create", XIPC_SERVICE_COPY_IN, 4, false,
		ARGS(F_SPACE, F_FLAGS, F_ASTACK, F_COUNT, F_COUNT, F_RSVD, F_ARGP) },
	[C_SVC_DESTROY] = { "service_destroy", 0, 1, false,
		ARGS(F_SPACE, F_H_SVC, F_FLAGS, F_ARGP) },
	[C_BIND] = { "bind", 0, 4, false,
		ARGS(F_SPACE, F_H_SVC, F_FLAGS, F_ARGP) },
	[C_LRPC_CALL] = { "lrpc_call", XIPC_CALL_SPIN_WAIT | XIPC_ABSTIME, 6,
		true, ARGS(F_SPACE, F_H_BIND, F_FLAGS, F_COUNT, F_H_SVC, F_TOKEN,
			   F_TIMEOUT, F_U64, F_RSVD, F_ARGP) },
	[C_LRPC_SERVE] = { "lrpc_serve", XIPC_SERVE_REPLY | XIPC_SERVE_WAIT |
		XIPC_SERVE_WAKE | XIPC_ABSTIME, 6, true,
		ARGS(F_SPACE, F_H_SVC, F_FLAGS, F_TOKEN, F_TIMEOUT, F_BUF, F_RSVD,
		     F_ARGP) },
	[C_NS_CLAIM] = { "nameserver_claim", 0, 1, false,
		ARGS(F_SPACE, F_H_MB, F_FLAGS, F_ARGP) },
	[C_BOOTSTRAP] = { "bootstrap", XIPC_ABSTIME, 1, true,
		ARGS(F_SPACE, F_FLAGS, F_TIMEOUT, F_ARGP) },
	[C_WATCH] = { "watch", 0, 3, false,
		ARGS(F_SPACE, F_H_ANY, F_H_MB, F_FLAGS, F_RSVD, F_TYPE, F_U64,
		     F_ARGP) },
	[C_RAW_IOCTL] = { "raw_ioctl", 0, 1, false,
		ARGS(F_SPACE, F_CMD, F_ARGP) },
	[C_OPEN_SPACE] = { "open_space", 0, 2, false, ARGS(F_INDEX) },
	[C_CLOSE_SPACE] = { "close_space", 0, 1, false, ARGS(F_INDEX) },
	[C_DUP_SPACE] = { "dup_space", 0, 1, false, ARGS(F_INDEX, F_INDEX) },
	[C_MMAP] = { "mmap", 0, 4, false,
		ARGS(F_SPACE, F_H_LRPC, F_COUNT, F_U64) },
	[C_MUNMAP] = { "munmap", 0, 2, false, ARGS(F_INDEX, F_COUNT) },
	[C_TOUCH] = { "touch", 0, 3, false, ARGS(F_INDEX, F_OFF, F_U64) },
	[C_POLL] = { "poll", 0, 2, false, ARGS(F_INDEX) },
	[C_CLOSE_FD] = { "close_fd", 0, 1, false, ARGS(F_INDEX) },
	[C_FORK] = { "fork", 0, 1, false, ARGS(F_COUNT) },
	[C_SETEUID] = { "seteuid", 0, 1, false, ARGS(F_COUNT) },
};

const char *fuzz_call_name(unsigned int id)
{
	return id < C_NR ? descs[id].name : "?";
}

static uint64_t pick(struct fuzz_rng *r, const uint64_t *values, unsigned int nr)
{
	return values[fuzz_below(r, nr)];
}

#define PICK(r, ...) ({							\
	static const uint64_t values_[] = { __VA_ARGS__ };		\
	pick((r), values_, sizeof(values_) / sizeof(values_[0]));	\
})

static uint64_t gen_handle(struct fuzz_rng *r)
{
	unsigned int p = fuzz_below(r, 100);
	uint64_t kind = p < 72 ? H_MADE : p < 87 ? H_SMALL : p < 92 ? H_ZERO : H_RANDOM;

	/* Mostly the newest handles: what a program just made it uses. */
	return kind | (uint64_t)(fuzz_chance(r, 70) ? fuzz_below(r, 3) :
				 fuzz_below(r, 256)) << 8 |
	       (fuzz_rand(r) & 0xffffffff00000000ULL);
}

static uint64_t gen_ptr(struct fuzz_rng *r)
{
	unsigned int p = fuzz_below(r, 100);

	return p < 78 ? P_VALID : p < 85 ? P_RDONLY : p < 89 ? P_NULL :
	       p < 92 ? P_UNMAPPED : p < 97 ? P_PARTIAL : P_KERNEL;
}

static uint64_t gen_size(struct fuzz_rng *r)
{
	if (fuzz_chance(r, 60))
		return PICK(r, 0, 1, 7, 8, 16, 24, 64, 100);
	if (fuzz_chance(r, 70))
		return PICK(r, 255, 4095, 4096, 4097, 8192, 8193, 65535, 65536,
			    65537, 131072);
	return fuzz_chance(r, 80) ? fuzz_below(r, 140000) :
	       (uint32_t)fuzz_rand(r);
}

static uint64_t gen_count(struct fuzz_rng *r)
{
	if (fuzz_chance(r, 75))
		return fuzz_below(r, 5);
	if (fuzz_chance(r, 50))
		return 5 + fuzz_below(r, 4);
	if (fuzz_chance(r, 80))
		return PICK(r, 63, 64, 65, 4095, 4096, 4097);
	return (uint32_t)fuzz_rand(r);
}

static uint64_t gen_field(struct fuzz_rng *r, unsigned int id, unsigned int f)
{
	uint32_t mask = descs[id].flags;
	uint64_t w;

	switch (f) {
	case F_SPACE:
		/* Low byte 0: the space of the call's first handle. */
		return fuzz_chance(r, 75) ? 0 : 1 + fuzz_below(r, 4);
	case F_H_ANY:
	case F_H_MB:
	case F_H_SVC:
	case F_H_BIND:
	case F_H_REPLY:
	case F_H_LRPC:
		/* A nested call's parent service is mostly none. */
		if (id == C_LRPC_CALL && fuzz_chance(r, 60))
			return H_ZERO;
		return gen_handle(r);
	case F_FLAGS:
		w = fuzz_chance(r, 12) ? 0 : fuzz_rand(r) & mask;
		if (fuzz_chance(r, 4))
			w |= 1ULL << fuzz_below(r, 32);
		return w;
	case F_RSVD:
		return fuzz_chance(r, 95) ? 0 : 1ULL << fuzz_below(r, 64);
	case F_RIGHTS:
		if (fuzz_chance(r, 10))
			return 0;
		w = fuzz_below(r, 16);
		return fuzz_chance(r, 4) ? w | 0x10 : w;
	case F_TYPE:
		if (fuzz_chance(r, 60))
			return 1 + fuzz_below(r, 4);
		if (fuzz_chance(r, 40))
			return (uint64_t)-(int64_t)(1 + fuzz_below(r, 4));
		return PICK(r, 0, INT64_MIN, INT64_MAX, 1000, (uint64_t)-1000);
	case F_BUF:
		return gen_ptr(r) | gen_size(r) << 32;
	case F_HBUF:
	case F_XFER_N:
		w = fuzz_chance(r, 85) ? fuzz_below(r, 5) :
		    PICK(r, 8, 63, 64, 65, 1000);
		if (f == F_XFER_N && fuzz_chance(r, 40))
			w = 0;
		return gen_ptr(r) | w << 8;
	case F_XFER:
		/* Handle in bits 0-39, rights 40-43, flags 44-47, reserved 48. */
		w = gen_handle(r) & 0xffffffffffULL;
		w |= (uint64_t)(fuzz_chance(r, 50) ? 0 : fuzz_below(r, 16)) << 40;
		if (fuzz_chance(r, 30))
			w |= 1ULL << 44;			/* MOVE */
		if (fuzz_chance(r, 3))
			w |= 1ULL << (45 + fuzz_below(r, 3));	/* unknown flag */
		if (fuzz_chance(r, 3))
			w |= 1ULL << 48;
		return w;
	case F_TIMEOUT: {
		unsigned int p = fuzz_below(r, 100);

		w = p < 78 ? T_ZERO : p < 86 ? T_TINY : p < 88 ? T_SHORT :
		    p < 91 ? T_INFINITE : p < 92 ? T_HUGE : p < 97 ? T_PAST :
		    p < 98 ? T_RANDOM : T_LONG;
		return w | (fuzz_rand(r) & 0xffffffff00000000ULL);
	}
	case F_LIMIT:
		if (fuzz_chance(r, 45))
			return 0;
		if (fuzz_chance(r, 50))
			return 1 + fuzz_below(r, 16);
		if (fuzz_chance(r, 70))
			return PICK(r, 4096, 8192, 65536, 65537, 4U << 20,
				    (4U << 20) + 1, 64ULL << 20, (64ULL << 20) + 1,
				    0x7fffffff, 0x80000000);
		return fuzz_chance(r, 70) ? (uint32_t)fuzz_rand(r) : fuzz_rand(r);
	case F_U64:
		if (fuzz_chance(r, 50))
			return fuzz_below(r, 8);
		return fuzz_rand(r);
	case F_NAME: {
		/* Index in bits 0-7 (0-5 shared by every worker), kind 8-10. */
		unsigned int p = fuzz_below(r, 100);
		uint64_t kind = p < 84 ? 0 : 1 + fuzz_below(r, 5);

		return fuzz_below(r, 8) | kind << 8;
	}
	case F_MODE:
		if (fuzz_chance(r, 50))
			return PICK(r, 0600, 0700, 0666, 0777, 0622, 0644, 0);
		return fuzz_chance(r, 95) ? fuzz_below(r, 01000) :
		       01000 | fuzz_below(r, 01000);
	case F_ASTACK:
		if (fuzz_chance(r, 75))
			return 4096;
		return PICK(r, 8192, 16384, 0, 100, 4097, 1U << 20, 0x80000000,
			    0xfffff000);
	case F_COUNT:
		return gen_count(r);
	case F_TOKEN: {
		unsigned int p = fuzz_below(r, 100);

		w = p < 65 ? K_MADE : p < 85 ? K_INDEX : p < 92 ? K_RANDOM : K_STALE;
		return w | (uint64_t)fuzz_below(r, 16) << 8 |
		       (fuzz_rand(r) & 0xffffffff00000000ULL);
	}
	case F_ARGP: {
		unsigned int p = fuzz_below(r, 100);

		return p < 90 ? P_VALID : p < 94 ? P_RDONLY : p < 95 ? P_NULL :
		       p < 98 ? P_PARTIAL : p < 99 ? P_UNMAPPED : P_KERNEL;
	}
	case F_INDEX:
		return fuzz_below(r, 8);
	case F_BATCH:
		/* Mostly alone; else a mode (exec.c) and bits for its fault. */
		return fuzz_chance(r, 70) ? 0 :
		       (fuzz_rand(r) << 8) | (1 + fuzz_below(r, BATCH_MODES));
	case F_BADGE:
		if (fuzz_chance(r, 40))
			return 0;
		return fuzz_chance(r, 70) ? 1 + fuzz_below(r, 4) : fuzz_rand(r);
	case F_PID:
		/* 0: none; 1: the caller's own pid (exec.c fills it in). */
		return PICK(r, 0, 1, 1, 1, 2, 3, 4);
	case F_CMD:
		return fuzz_rand(r);
	case F_OFF:
		return fuzz_rand(r);
	default:
		return 0;
	}
}

static unsigned int pick_call(struct fuzz_rng *r)
{
	static unsigned int total;
	unsigned int i, n;

	if (!total)
		for (i = 0; i < C_NR; i++)
			total += descs[i].weight;
again:
	n = fuzz_below(r, total);
	for (i = 0; i < C_NR; i++) {
		if (n < descs[i].weight)
			break;
		n -= descs[i].weight;
	}
	/*
	 * A fork, with its child's exit, costs as much as a hundred ioctls on
	 * the debug kernel: a quarter of its weight.
	 */
	if (i == C_FORK && fuzz_below(r, 4))
		goto again;
	return i < C_NR ? i : C_SEND;
}

/* The bytes of the region a SERVICE_CREATE asks for, if the module takes it. */
static uint64_t region_size(const struct fuzz_call *c)
{
	uint64_t astack = (uint32_t)c->w[2], nr = (uint32_t)c->w[3];
	uint64_t bindings = (uint32_t)c->w[4];

	if (nr > XIPC_MAX_ASTACKS || bindings > XIPC_MAX_BINDINGS)
		return 0;
	return astack * nr * bindings;
}

static void gen_call(struct fuzz_rng *r, struct fuzz_call *c, unsigned int id)
{
	unsigned int i, tries;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->async = fuzz_chance(r, descs[id].blocks ? 20 : 2);
	for (i = 0; i < FUZZ_WORDS; i++)
		c->w[i] = gen_field(r, id, descs[id].fields[i]);
	/*
	 * A region over 1 MiB (up to the module's 16 MiB) is allocated, zeroed,
	 * mapped and freed page by page: tens of ms on the debug kernel, for
	 * the same code as a small one. One in ten is kept; asking for more
	 * than the limit stays as common (it fails before allocating).
	 */
	for (tries = 0; id == C_SVC_CREATE && tries < 8 &&
	     region_size(c) > (1 << 20) && region_size(c) <= (16 << 20) &&
	     !fuzz_chance(r, 10); tries++)
		for (i = 2; i <= 4; i++)
			c->w[i] = gen_field(r, id, descs[id].fields[i]);
}

void fuzz_prog_generate(struct fuzz_rng *r, struct fuzz_prog *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	/*
	 * Long: opening the two spaces and the teardown cost as much as a
	 * dozen calls on the debug kernel, and every call is an ioctl or
	 * makes what later ones use.
	 */
	p->nr = 20 + fuzz_below(r, 61);
	/* Something to work on first, mostly. */
	if (fuzz_chance(r, 70))
		gen_call(r, &p->calls[0], fuzz_chance(r, 70) ? C_MB_CREATE :
			 C_SVC_CREATE);
	else
		gen_call(r, &p->calls[0], pick_call(r));
	for (i = 1; i < p->nr; i++)
		gen_call(r, &p->calls[i], pick_call(r));
}

static void insert_call(struct fuzz_prog *p, unsigned int at,
			const struct fuzz_call *c)
{
	if (p->nr >= FUZZ_MAX_CALLS)
		return;
	memmove(&p->calls[at + 1], &p->calls[at],
		(p->nr - at) * sizeof(p->calls[0]));
	p->calls[at] = *c;
	p->nr++;
}

void fuzz_prog_mutate(struct fuzz_rng *r, struct fuzz_prog *p,
		      const struct fuzz_prog *other)
{
	unsigned int n = 1 + fuzz_below(r, 3), i, at, f;
	struct fuzz_call c, *call;

	for (i = 0; i < n; i++) {
		at = fuzz_below(r, p->nr);
		call = &p->calls[at];
		switch (fuzz_below(r, 10)) {
		case 0: case 1: case 2: case 3:
			/* One field made again. */
			f = fuzz_below(r, FUZZ_WORDS);
			if (descs[call->id].fields[f] != F_NONE)
				call->w[f] = gen_field(r, call->id,
						       descs[call->id].fields[f]);
			break;
		case 4:
			/* A bit flipped: near misses of a value that worked. */
			f = fuzz_below(r, FUZZ_WORDS);
			call->w[f] ^= 1ULL << fuzz_below(r, 64);
			break;
		case 5: case 6:
			gen_call(r, &c, pick_call(r));
			insert_call(p, fuzz_below(r, p->nr + 1), &c);
			break;
		case 7:
			if (p->nr > 1) {
				memmove(call, call + 1,
					(p->nr - at - 1) * sizeof(*call));
				p->nr--;
			}
			break;
		case 8:
			/* The same call again, or asynchronously. */
			if (fuzz_chance(r, 50)) {
				c = *call;
				insert_call(p, at + 1, &c);
			} else {
				call->async = !call->async;
			}
			break;
		case 9:
			/* A piece of another program of the corpus. */
			if (other && other->nr) {
				unsigned int from = fuzz_below(r, other->nr);
				unsigned int len = 1 + fuzz_below(r, other->nr - from);

				while (len-- && p->nr < FUZZ_MAX_CALLS)
					insert_call(p, fuzz_below(r, p->nr + 1),
						    &other->calls[from++]);
			}
			break;
		}
	}
}

/* Appends call @id with its fields made at random, then set by the caller. */
static struct fuzz_call *add(struct fuzz_rng *r, struct fuzz_prog *p,
			     unsigned int id)
{
	struct fuzz_call *c = &p->calls[p->nr++];
	unsigned int i;

	gen_call(r, c, id);
	c->async = false;
	for (i = 0; i < FUZZ_WORDS; i++) {
		switch (descs[id].fields[i]) {
		case F_SPACE: case F_RSVD: case F_FLAGS:
			c->w[i] = 0;
			break;
		case F_ARGP:
			c->w[i] = P_VALID;
			break;
		case F_H_ANY: case F_H_MB: case F_H_SVC: case F_H_BIND:
		case F_H_REPLY: case F_H_LRPC:
			c->w[i] = H_MADE;	/* the newest fitting handle */
			break;
		case F_XFER_N:
			c->w[i] = P_VALID;	/* no transfers */
			break;
		case F_TIMEOUT:
			c->w[i] = T_ZERO;
			break;
		case F_BUF:
			c->w[i] = SIZED(P_VALID, 16ULL);
			break;
		case F_HBUF:
			c->w[i] = IDX(P_VALID, 4);
			break;
		case F_TYPE:
			c->w[i] = 1;
			break;
		case F_LIMIT: case F_COUNT: case F_BADGE: case F_PID:
		case F_RIGHTS: case F_U64: case F_OFF: case F_NAME:
		case F_INDEX:
			c->w[i] = 0;
			break;
		case F_ASTACK:
			c->w[i] = 4096;
			break;
		}
	}
	return c;
}

/*
 * Programs that reach far on their own: the corpus starts with them, so
 * that mutation begins where the interesting states are.
 */
unsigned int fuzz_templates(struct fuzz_rng *r, struct fuzz_prog *out,
			    unsigned int max)
{
	struct fuzz_prog *p;
	struct fuzz_call *c;
	unsigned int n = 0;

	/* Create, send with a handle, receive it, dup, revoke. */
	if (n < max) {
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		add(r, p, C_MB_CREATE);
		add(r, p, C_MB_CREATE);
		c = add(r, p, C_SEND);
		c->w[1] = IDX(H_MADE, 1);
		c->w[5] = IDX(P_VALID, 1);
		c->w[6] = H_MADE;
		add(r, p, C_RECV)->w[1] = IDX(H_MADE, 1);
		c = add(r, p, C_DUP);
		c->w[3] = XIPC_RIGHTS_ALL;
		add(r, p, C_REVOKE)->w[1] = IDX(H_MADE, 1);
		add(r, p, C_INFO);
	}
	/* RPC answered: the call in a thread, the server here. */
	if (n < max) {
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		add(r, p, C_MB_CREATE);
		c = add(r, p, C_RPC);
		c->async = true;
		c->w[8] = SIZED(P_VALID, 64ULL);
		c->w[10] = T_LONG;
		c = add(r, p, C_RECV);
		c->w[1] = IDX(H_MADE, 0);
		c->w[6] = T_LONG;
		c = add(r, p, C_REPLY);
		c->w[4] = IDX(P_VALID, 1);
		c->w[5] = IDX(H_MADE, 1);
	}
	/* LRPC: service, region mapped, bind, map, call, serve, reply. */
	if (n < max) {
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		c = add(r, p, C_SVC_CREATE);
		c->w[2] = 4096;
		c->w[3] = 2;
		c->w[4] = 2;
		add(r, p, C_MMAP);
		add(r, p, C_BIND);
		add(r, p, C_MMAP);
		c = add(r, p, C_TOUCH);
		c->w[0] = 1;
		c = add(r, p, C_LRPC_CALL);
		c->async = true;
		c->w[4] = H_ZERO;
		c->w[5] = K_RANDOM;	/* with 0 in its high half: no parent */
		c->w[6] = T_LONG;
		c = add(r, p, C_LRPC_SERVE);
		c->w[2] = XIPC_SERVE_WAIT;
		c->w[4] = T_LONG;
		c->w[5] = P_NULL;
		c = add(r, p, C_LRPC_SERVE);
		c->w[2] = XIPC_SERVE_REPLY;
		c->w[3] = K_MADE;
		c->w[5] = P_NULL;
	}
	/* Names, watches, the name server. */
	if (n < max) {
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		c = add(r, p, C_MB_OPEN);
		c->w[1] = XIPC_OPEN_CREATE;
		c->w[2] = 0;
		c->w[3] = 0600;
		add(r, p, C_MB_CREATE);
		c = add(r, p, C_WATCH);
		c->w[1] = IDX(H_MADE, 1);
		c->w[5] = 7;
		add(r, p, C_NS_CLAIM);
		add(r, p, C_BOOTSTRAP);
		add(r, p, C_MB_FD);
		add(r, p, C_POLL);
		c = add(r, p, C_MB_UNLINK);
		c->w[2] = 0;
	}
	return n;
}

void fuzz_prog_print(FILE *f, const struct fuzz_prog *p, const int64_t *results,
		     unsigned int done)
{
	unsigned int i, j;

	fprintf(f, "prog %u\n", p->nr);
	for (i = 0; i < p->nr; i++) {
		const struct fuzz_call *c = &p->calls[i];

		fprintf(f, "call %s %u", fuzz_call_name(c->id), c->async);
		for (j = 0; j < FUZZ_WORDS; j++)
			fprintf(f, " %" PRIx64, c->w[j]);
		if (results && i < done)
			fprintf(f, " # %" PRId64, results[i]);
		else if (results)
			fprintf(f, " # not done");
		fputc('\n', f);
	}
	fprintf(f, "end\n");
}

unsigned int fuzz_prog_parse(FILE *f, struct fuzz_prog *out, unsigned int max)
{
	char line[1024], name[64];
	struct fuzz_prog *p = NULL;
	unsigned int n = 0, id, async, j;
	char *s, *end;

	while (fgets(line, sizeof(line), f)) {
		/* Reproducers come from a console log: skip to the keyword. */
		s = strstr(line, "prog ");
		if (s && n < max && !strstr(line, "call ")) {
			p = &out[n++];
			memset(p, 0, sizeof(*p));
			continue;
		}
		s = strstr(line, "call ");
		if (!s || !p || p->nr >= FUZZ_MAX_CALLS)
			continue;
		if (sscanf(s, "call %63s %u", name, &async) != 2)
			continue;
		for (id = 0; id < C_NR; id++)
			if (!strcmp(name, descs[id].name))
				break;
		if (id == C_NR)
			continue;
		p->calls[p->nr].id = id;
		p->calls[p->nr].async = !!async;
		s += 5 + strlen(name);
		strtoul(s, &end, 10);
		s = end;
		for (j = 0; j < FUZZ_WORDS; j++) {
			p->calls[p->nr].w[j] = strtoull(s, &end, 16);
			s = end;
		}
		p->nr++;
	}
	return n;
}
