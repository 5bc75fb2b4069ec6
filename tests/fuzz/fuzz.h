/* SPDX-License-Identifier: MIT */
/*
 * xipc-fuzz: a structure-aware, coverage-guided fuzzer of /dev/xipc's ioctls.
 * See docs/fuzzing.md for what it does and how to run it (make fuzz).
 *
 * A program is a short list of calls. Each call is one ioctl of the ABI
 * (every command) or a pseudo-call (open or close a space, mmap, munmap or
 * write an A-stack, poll a mailbox descriptor, fork, switch the thread's
 * effective uid), with FUZZ_WORDS words of arguments. A word is not a raw
 * field: it says how to make the field (a handle made by an earlier call, a
 * stale or forged number, a buffer that faults, a timeout...), so that
 * mutating a word keeps the program meaningful.
 *
 * prog.c   the table of commands and fields; generation, mutation, the
 *          text form of programs (reproducers)
 * exec.c   runs a program in this process, its threads and its children
 * main.c   the supervisor: workers, KCOV coverage, corpus, /dev/kmsg
 */
#ifndef XIPC_FUZZ_H
#define XIPC_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FUZZ_WORDS	14
#define FUZZ_MAX_CALLS	120

enum fuzz_call_id {
	/* One per ioctl command, in the order of <linux/xipc.h>. */
	C_GET_INFO,
	C_CLOSE,
	C_DUP,
	C_REVOKE,
	C_INFO,
	C_MB_CREATE,
	C_MB_DESTROY,
	C_MB_FD,
	C_MB_OPEN,
	C_MB_UNLINK,
	C_SEND,
	C_RECV,
	C_RPC,
	C_REPLY,
	C_SVC_CREATE,
	C_SVC_DESTROY,
	C_BIND,
	C_LRPC_CALL,
	C_LRPC_SERVE,
	C_NS_CLAIM,
	C_BOOTSTRAP,
	C_WATCH,
	C_RAW_IOCTL,	/* a command number that may not exist */
	/* Pseudo-calls: everything around the ioctls. */
	C_OPEN_SPACE,
	C_CLOSE_SPACE,
	C_DUP_SPACE,
	C_MMAP,
	C_MUNMAP,
	C_TOUCH,
	C_POLL,
	C_CLOSE_FD,
	C_FORK,
	C_SETEUID,
	C_NR
};

/* The first pseudo-call: calls before it are ioctls. */
#define C_FIRST_PSEUDO	C_OPEN_SPACE

struct fuzz_call {
	uint8_t id;
	uint8_t async;		/* run by a helper thread, not waited for */
	uint16_t pad[3];
	uint64_t w[FUZZ_WORDS];
};

struct fuzz_prog {
	uint32_t nr;
	uint32_t pad;
	struct fuzz_call calls[FUZZ_MAX_CALLS];
};

/* A small, fast random generator (xorshift64*), one per thread. */
struct fuzz_rng {
	uint64_t s;
};

static inline uint64_t fuzz_rand(struct fuzz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static inline uint32_t fuzz_below(struct fuzz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(fuzz_rand(r) % n) : 0;
}

/* True with probability @pct percent. */
static inline bool fuzz_chance(struct fuzz_rng *r, unsigned int pct)
{
	return fuzz_below(r, 100) < pct;
}

/* prog.c */
const char *fuzz_call_name(unsigned int id);
void fuzz_prog_generate(struct fuzz_rng *r, struct fuzz_prog *p);
void fuzz_prog_mutate(struct fuzz_rng *r, struct fuzz_prog *p,
		      const struct fuzz_prog *other);
unsigned int fuzz_templates(struct fuzz_rng *r, struct fuzz_prog *out,
			    unsigned int max);
void fuzz_prog_print(FILE *f, const struct fuzz_prog *p, const int64_t *results,
		     unsigned int done);
/* Reads programs in the text form from @f: how many, at most @max. */
unsigned int fuzz_prog_parse(FILE *f, struct fuzz_prog *out, unsigned int max);

/*
 * How a message command (SEND, RECV, RPC, REPLY) goes, its F_BATCH word:
 * the low byte 0, alone; else in an XIPC_IOC_BATCH of one op, as it is
 * (modes 1 to 4) or with one thing broken: the op's reserved field, its
 * command, the batch's @nr or its @done (5 to 8), from the word's other bits;
 * or of two ops: the command twice on the one struct, which the first op's
 * answer has changed when the second reads it, from @done 0 or 1 (9), or the
 * command then an op refused, so that neither runs (10).
 */
#define BATCH_MODES	10

/* Field encodings shared by prog.c (which makes them) and exec.c. */
enum fuzz_handle_kind { H_MADE, H_SMALL, H_ZERO, H_RANDOM };
enum fuzz_ptr_kind { P_VALID, P_RDONLY, P_NULL, P_UNMAPPED, P_PARTIAL, P_KERNEL };
enum fuzz_timeout_kind { T_ZERO, T_TINY, T_SHORT, T_INFINITE, T_HUGE, T_PAST,
			 T_RANDOM, T_LONG };
enum fuzz_token_kind { K_MADE, K_INDEX, K_RANDOM, K_STALE };
/* Which handles a handle field prefers among those made so far. */
enum fuzz_object { O_ANY, O_MAILBOX, O_SERVICE, O_BINDING, O_REPLY, O_LRPC };

#define FIELD_PTR(w)	((unsigned int)((w) & 7))
#define FIELD_HI(w)	((uint32_t)((w) >> 32))
#define FIELD_MID(w)	((uint32_t)(((w) >> 8) & 0xff))

/*
 * What a worker counts: the ioctls it issued, and where its main thread's
 * time went (per call kind, run by that thread; then the phases around the
 * calls), for the profile the supervisor prints at the end.
 */
enum fuzz_phase {
	PH_SETUP = C_NR,	/* a program's spaces opened */
	PH_ASYNC,		/* calls handed to a helper thread */
	PH_HELPERS,		/* the end: helper threads' calls waited for */
	PH_CHILDREN,		/* the end: children killed and reaped */
	PH_TEARDOWN,		/* the end: mappings, descriptors, spaces closed */
	PH_MAKE,		/* a program generated or mutated */
	PH_COVER,		/* KCOV traces merged into the bitmap */
	PH_NR
};

struct fuzz_stats {
	uint64_t ioctls;
	uint64_t nr[PH_NR];
	uint64_t ticks[PH_NR];
};

uint64_t fuzz_now_ns(void);

/*
 * The profile's clock: the TSC where there is one, since the debug kernel
 * in the VM reads the time from the HPET (a trap per read); else ns.
 */
static inline uint64_t fuzz_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return fuzz_now_ns();
#endif
}

/* exec.c */
struct fuzz_exec;
struct fuzz_coverage {
	/* Called after each call of any thread with its KCOV trace. */
	void (*trace)(void *arg, const uint64_t *pcs, uint64_t nr);
	void *arg;
	bool kcov;	/* open /sys/kernel/debug/kcov in every thread */
};
struct fuzz_exec *fuzz_exec_new(unsigned int worker, uint64_t seed,
				const struct fuzz_coverage *cov,
				struct fuzz_stats *stats);
/*
 * Runs @p from a clean state (two fresh spaces) to a clean state (every
 * space, descriptor, mapping, thread's call and child ended). Results of
 * each call (-errno or the ioctl's value) go to @results as they come.
 */
void fuzz_exec_run(struct fuzz_exec *e, const struct fuzz_prog *p,
		   int64_t *results, volatile uint32_t *current);

#endif /* XIPC_FUZZ_H */
