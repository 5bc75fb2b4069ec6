// SPDX-License-Identifier: MIT
/*
 * xipc-bench: xipc against pipes and the other native IPC mechanisms of
 * Linux, measured side by side in one run.
 *
 * Every round trip is timed on CLOCK_MONOTONIC in the client. Run in a QEMU
 * guest with -icount shift=0 the guest's clock counts the instructions it
 * executes, user and kernel together, so the figures are instructions and
 * repeat to the instruction; elsewhere they are nanoseconds of wall time.
 * docs/benchmarks.md says how to read them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define BENCH_SINGLE_THREADED __libc_single_threaded
#else
#define BENCH_SINGLE_THREADED 1
#endif

#include "bench.h"

#define USAGE \
"usage: xipc-bench [-c] [-q] [-m MODE] [-o NAME] [-r RUNS] [-s]\n" \
"\n" \
"Round trips, one-way streams and Bershad's LRPC table for xipc and the\n" \
"native Linux mechanisms, with each one's ratio to a pipe. Needs the xipc\n" \
"module loaded; run it as root to let it raise the System V and POSIX\n" \
"queue limits for large messages.\n" \
"\n" \
"  -c       print the results as CSV lines too (see below)\n" \
"  -q       quick: a few sizes and mechanisms, a few seconds (make demo)\n" \
"  -m MODE  the label of this run in the CSV lines (icount, wall, ...)\n" \
"  -o NAME  only mechanism NAME's round trips, 0 B (to trace one path)\n" \
"  -r RUNS  repeat each measurement RUNS times; report the median run's\n" \
"           figures and the min and max of the runs' medians (wall clock)\n" \
"  -s       only what needs two CPUs: LRPC spinning against the kernel\n" \
"           path and the pipe\n" \
"  -h       this text\n" \
"\n" \
"Round trips run in two arrangements: the client a child of the server\n" \
"(C) and the client the parent of the server (P), since whether a woken\n" \
"process preempts its waker depends on who forked whom. Their costs fall\n" \
"on two values; the tables give the share of the lower one (fast%) and\n" \
"the median of each, and the targets compare the fast medians.\n" \
"\n" \
"With -c, lines starting with \"csv,\" give the results to tools: mode, test,\n" \
"mechanism, request and reply bytes, iterations, mean, p50, p99, p99.9,\n" \
"min and max (ns; instructions under QEMU -icount shift=0), for\n" \
"repeated runs the min and max of the runs' medians, then the\n" \
"arrangement (C or P), the fast share (0 to 1) and the fast and slow\n" \
"medians (the slow one 0 when every round trip was fast).\n"

unsigned char *bench_out, *bench_in;

static const struct mechanism *const mechanisms[] = {
	&pipe_mechanism, &unix_mechanism, &eventfd_mechanism, &futex_mechanism,
	&sysv_mechanism, &mq_mechanism, &handoff_mechanism, &mailbox_mechanism,
	&mailbox_batch_mechanism, &rpc_mechanism, &rpc_batch_mechanism,
	&lrpc_mechanism, &lrpc_regs_mechanism,
	&lrpc_copy_mechanism, &lrpc_copy_in_mechanism, &lrpc_spin_mechanism,
	&spin_mechanism,
};
#define NR_MECHANISMS (sizeof(mechanisms) / sizeof(mechanisms[0]))

static const size_t sizes[] = { 0, 64, 512, 4096, 65536, 1U << 20 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static struct {
	bool quick;
	bool csv;
	bool smp_only;
	const char *mode;
	const char *only;
	unsigned int runs;
	long cpus;
	unsigned long clock_cost;	/* of one timestamp, subtracted */
} opt = { .mode = "run", .runs = 1 };

/* What one measurement found, in ns (instructions under icount). */
struct result {
	bool done;
	unsigned long iters;
	double mean, p50, p99, p999, min, max;
	double runs_min, runs_max;	/* the runs' medians, with -r */
	double fast_share;		/* of the round trips at the lower value */
	double fast_p50, slow_p50;	/* the median of each (slow: 0, none) */
};

/* The two arrangements of a round trip: who forked whom. */
enum arrangement {
	CLIENT_CHILD,		/* the server forks the client (C) */
	CLIENT_PARENT,		/* the client forks the server (P) */
	ARRANGEMENTS
};

static const char arrangement_tag[ARRANGEMENTS] = { 'C', 'P' };

static unsigned long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

/* The cheapest a back-to-back pair of timestamps ever costs. */
static unsigned long measure_clock_cost(void)
{
	unsigned long best = ~0UL;

	for (int i = 0; i < 1000; i++) {
		unsigned long t0 = now_ns(), t1 = now_ns();

		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

/*
 * Nanoseconds since @t0, less the cost of a timestamp: not below 0, where
 * the wall clock under TCG makes a pair cheaper than the cheapest measured.
 */
static double elapsed_ns(unsigned long t0)
{
	unsigned long t = now_ns() - t0;

	return t > opt.clock_cost ? (double)(t - opt.clock_cost) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The value below which @p of the sorted @v fall (nearest rank). */
static double percentile(const double *v, unsigned long n, double p)
{
	unsigned long rank = (unsigned long)ceil(p * (double)n);

	return v[rank ? rank - 1 : 0];
}

/*
 * Round trips that sleep cost one of two values about 2,000 instructions
 * apart: the woken process preempts its waker or it does not. The split is
 * the widest gap between neighbouring samples from p1 to p99, if it is at
 * least MODE_GAP and 2% of the cheapest (so that the spread of large
 * copies is not taken for two modes); the fast mode is what lies below it.
 */
#define MODE_GAP 500

static void split_modes(const double *v, unsigned long n, struct result *r)
{
	unsigned long lo = (unsigned long)(0.01 * (double)n);
	unsigned long hi = (unsigned long)(0.99 * (double)n);
	unsigned long split = n, i;
	double gap = fmax(MODE_GAP, 0.02 * v[0]);

	for (i = lo + 1; i < hi && i < n; i++) {
		if (v[i] - v[i - 1] >= gap) {
			gap = v[i] - v[i - 1];
			split = i;
		}
	}
	r->fast_share = (double)split / (double)n;
	r->fast_p50 = percentile(v, split, 0.50);
	r->slow_p50 = split < n ? v[split + (n - split - 1) / 2] : 0;
}

static void summarize(double *samples, unsigned long n, struct result *r)
{
	double sum = 0;

	qsort(samples, n, sizeof(*samples), cmp_double);
	for (unsigned long i = 0; i < n; i++)
		sum += samples[i];
	r->done = true;
	r->iters = n;
	r->mean = sum / (double)n;
	r->p50 = percentile(samples, n, 0.50);
	r->p99 = percentile(samples, n, 0.99);
	r->p999 = percentile(samples, n, 0.999);
	r->min = samples[0];
	r->max = samples[n - 1];
	split_modes(samples, n, r);
}

/* Samples the client writes and the server reads, shared across the fork. */
static double *samples;
#define MAX_SAMPLES 4000

static unsigned long iterations(size_t size)
{
	unsigned long n = size <= 512 ? 2000 : size <= 4096 ? 1000 :
			  size <= 65536 ? 200 : 20;

	return opt.quick ? (n + 9) / 10 : n;
}

/*
 * One round trip of @m, and the server's side of @n: for a mechanism with a
 * queue each way, a request put and taken, then a reply.
 */
static inline int round_trip(const struct mechanism *m, size_t in,
			     size_t out)
{
	int ret;

	if (!m->put)
		return m->call(in, out);
	ret = m->put(false, in);
	return ret ? ret : m->take(true, out);
}

static int serve(const struct mechanism *m, size_t in, size_t out,
		 unsigned long n)
{
	int ret = 0;

	if (!m->put)
		return m->serve ? m->serve(in, out, n) : 0;
	for (unsigned long i = 0; i < n && !ret; i++) {
		ret = m->take(false, in);
		if (!ret)
			ret = m->put(true, out);
	}
	return ret;
}

/* In the client: @warmup untimed calls, then @n timed ones. */
static int client_pingpong(const struct mechanism *m, size_t in, size_t out,
			   unsigned long warmup, unsigned long n)
{
	int ret = m->attach ? m->attach() : 0;

	for (unsigned long i = 0; i < warmup && !ret; i++)
		ret = round_trip(m, in, out);
	profile_mark();
	for (unsigned long i = 0; i < n && !ret; i++) {
		unsigned long t0 = now_ns();

		ret = round_trip(m, in, out);
		samples[i] = elapsed_ns(t0);
	}
	profile_mark();
	return ret;
}

/* In the client: sends @n messages, then waits for the server's word. */
static int client_stream(const struct mechanism *m, size_t size,
			 unsigned long n, int done_fd)
{
	unsigned long t0;
	char byte;
	int ret = m->attach ? m->attach() : 0;

	t0 = now_ns();
	for (unsigned long i = 0; i < n && !ret; i++)
		ret = m->put(false, size);
	if (!ret)
		ret = read_full(done_fd, &byte, 1);
	samples[0] = (double)(now_ns() - t0) / (double)n;
	return ret;
}

/* A mechanism that hangs is a bug: the run ends rather than waits. */
#define RUN_TIMEOUT_S 600

/*
 * The server's side in a child, for CLIENT_PARENT: serves, then waits for
 * the client (the parent) to close @done before it tears down.
 */
static void child_server(const struct mechanism *m, size_t in, size_t out,
			 unsigned long n, int done)
{
	char byte;
	int ret = serve(m, in, out, n);

	if (!ret)
		ret = read_full(done, &byte, 1) == -EPIPE ? 0 : -EPROTO;
	m->teardown();
	_exit(ret ? 1 : 0);
}

/*
 * One measurement of @m: round trips of @in and @out bytes, or with @stream
 * a one-way stream of @in-byte messages, the client forked by the server or
 * forking it (@arr). Returns 0, a positive errno value when the mechanism
 * cannot do it (not an error), or -1 when it failed.
 */
static int measure_once(const struct mechanism *m, size_t in, size_t out,
			bool stream, enum arrangement arr, struct result *r)
{
	size_t size = in > out ? in : out;
	unsigned long n = iterations(size), warmup = n / 10 + 2;
	int done[2], ret, status;
	pid_t pid;

	if (size > m->max_size || (stream && !m->put) ||
	    (m->smp && opt.cpus < 2))
		return EOPNOTSUPP;
	in = in < m->min_size ? m->min_size : in;
	out = out < m->min_size ? m->min_size : out;
	ret = m->setup(size);
	if (ret)
		return -ret;
	if (pipe(done)) {
		m->teardown();
		return -1;
	}
	alarm(RUN_TIMEOUT_S);
	pid = fork();
	if (pid == 0 && arr == CLIENT_PARENT) {
		close(done[1]);
		child_server(m, in, out, warmup + n, done[0]);
	}
	if (pid == 0) {
		close(done[1]);
		ret = stream ? client_stream(m, in, n, done[0]) :
			       client_pingpong(m, in, out, warmup, n);
		_exit(ret ? 1 : 0);
	}
	close(done[0]);
	ret = pid < 0 ? -errno : 0;
	if (arr == CLIENT_PARENT) {
		if (!ret)
			ret = client_pingpong(m, in, out, warmup, n);
	} else if (!ret && stream) {
		for (unsigned long i = 0; i < n && !ret; i++)
			ret = m->take(false, in);
	} else if (!ret) {
		ret = serve(m, in, out, warmup + n);
	}
	if (!ret && stream)
		ret = write_full(done[1], "", 1);
	close(done[1]);
	if (ret && pid > 0)
		kill(pid, SIGKILL);
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			WEXITSTATUS(status)))
		ret = ret ? ret : -EPROTO;
	alarm(0);
	m->teardown();
	/*
	 * Once a process started a thread, glibc's wrappers of the system
	 * calls that are cancellation points (read, write, msgsnd...) take a
	 * slower path for the rest of its life, and children forked from it
	 * inherit that; ioctl() is not one. A mechanism that started a thread
	 * here would tilt every later figure towards xipc's mechanisms: the
	 * run ends. (Without glibc's flag, before 2.32, this is not checked.)
	 */
	if (!BENCH_SINGLE_THREADED) {
		fprintf(stderr, "xipc-bench: %s started a thread in the benchmark's process: every later figure would be skewed\n",
			m->name);
		exit(1);
	}
	if (ret) {
		fprintf(stderr, "xipc-bench: %s, %zu/%zu bytes: %s\n", m->name,
			in, out, strerror(-ret));
		return -1;
	}
	summarize(samples, stream ? 1 : n, r);
	if (stream)
		r->iters = n;
	return 0;
}

/* With -r: the run whose median is the median, and the spread of medians. */
static int measure(const struct mechanism *m, size_t in, size_t out,
		   bool stream, enum arrangement arr, struct result *r)
{
	struct result runs[16];
	double medians[16] = { 0 };
	unsigned int nr = opt.runs;
	int ret = 0;

	for (unsigned int i = 0; i < nr && !ret; i++) {
		ret = measure_once(m, in, out, stream, arr, &runs[i]);
		medians[i] = runs[i].p50;
	}
	if (ret)
		return ret;
	qsort(medians, nr, sizeof(medians[0]), cmp_double);
	for (unsigned int i = 0; i < nr; i++) {
		if (runs[i].p50 == medians[nr / 2]) {
			*r = runs[i];
			break;
		}
	}
	r->runs_min = medians[0];
	r->runs_max = medians[nr - 1];
	return 0;
}

/* One result as a CSV line (the columns are in USAGE), with -c. */
static void print_csv(const char *test, const char *name, size_t in,
		      size_t out, enum arrangement arr, const struct result *r)
{
	if (opt.csv)
		printf("csv,%s,%s,%s,%zu,%zu,%lu,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%c,%.3f,%.0f,%.0f\n",
		       opt.mode, test, name, in, out, r->iters, r->mean, r->p50,
		       r->p99, r->p999, r->min, r->max, r->runs_min, r->runs_max,
		       arrangement_tag[arr], r->fast_share, r->fast_p50,
		       r->slow_p50);
}

static const char *size_text(size_t size)
{
	static char text[32];

	if (size >= 1U << 20)
		snprintf(text, sizeof(text), "%zu MiB", size >> 20);
	else if (size >= 1024)
		snprintf(text, sizeof(text), "%zu KiB", size >> 10);
	else
		snprintf(text, sizeof(text), "%zu B", size);
	return text;
}

/* Results by arrangement, mechanism and size, for ratios and targets. */
static struct result pingpong[ARRANGEMENTS][NR_MECHANISMS][NR_SIZES];
static struct result oneway[NR_MECHANISMS][NR_SIZES];
static struct result floor_ioctl;

static bool wanted(const struct mechanism *m)
{
	static const char *const quick[] = { "pipe", "sysv", "mailbox", "rpc",
					     "lrpc", "lrpc-copy" };

	if (opt.only)
		return !strcmp(m->name, opt.only);
	if (opt.smp_only)
		return !strcmp(m->name, "pipe") || !strncmp(m->name, "lrpc", 4) ||
		       m->smp;
	if (!opt.quick)
		return true;
	for (size_t i = 0; i < sizeof(quick) / sizeof(quick[0]); i++)
		if (!strcmp(m->name, quick[i]))
			return true;
	return false;
}

static bool size_wanted(size_t size)
{
	if (opt.only)
		return size == 0;
	if (opt.smp_only)
		return size == 0 || size == 4096;
	return !opt.quick || size == 0 || size == 4096 || size == 65536;
}

static void table_header(const char *title)
{
	printf("\n%s\n", title);
	printf("  %-13s %2s %10s %10s %10s %10s %6s %10s %10s %7s",
	       "mechanism", "by", "mean", "p50", "p99", "p99.9", "fast%",
	       "fast p50", "slow p50", "x pipe");
	if (opt.runs > 1)
		printf(" %25s", "p50 of runs: min..max");
	putchar('\n');
}

static void table_row(const struct mechanism *m, enum arrangement arr,
		      const struct result *r, const struct result *pipe)
{
	printf("  %-13s %2c %10.0f %10.0f %10.0f %10.0f %6.1f %10.0f", m->name,
	       arrangement_tag[arr], r->mean, r->p50, r->p99, r->p999,
	       100 * r->fast_share, r->fast_p50);
	if (r->slow_p50)
		printf(" %10.0f", r->slow_p50);
	else
		printf(" %10s", "-");
	if (pipe->done)
		printf(" %7.3f", r->mean / pipe->mean);
	else
		printf(" %7s", "-");
	if (opt.runs > 1)
		printf(" %12.0f..%-12.0f", r->runs_min, r->runs_max);
	putchar('\n');
}

static int run_pingpong(void)
{
	int failed = 0;

	for (size_t s = 0; s < NR_SIZES; s++) {
		char title[96];

		if (!size_wanted(sizes[s]))
			continue;
		snprintf(title, sizeof(title),
			 "Round trip, %s each way (per round trip)",
			 size_text(sizes[s]));
		table_header(title);
		for (size_t i = 0; i < NR_MECHANISMS; i++) {
			const struct mechanism *m = mechanisms[i];

			if (!wanted(m))
				continue;
			/* Two CPUs on wall clock: one arrangement is enough. */
			for (int a = 0; a < (opt.smp_only ? 1 : ARRANGEMENTS); a++) {
				struct result *r = &pingpong[a][i][s];
				int ret = measure(m, sizes[s], sizes[s], false, a, r);

				if (ret) {
					failed |= ret < 0;
					continue;
				}
				table_row(m, a, r, &pingpong[a][0][s]);
				print_csv("roundtrip", m->name, sizes[s], sizes[s],
					  a, r);
			}
		}
	}
	return failed;
}

static int run_oneway(void)
{
	int failed = 0;

	for (size_t s = 0; s < NR_SIZES; s++) {
		char title[96];

		if (!size_wanted(sizes[s]) || sizes[s] == 0)
			continue;
		snprintf(title, sizeof(title),
			 "One way, %s messages (mean per message; MB/s)",
			 size_text(sizes[s]));
		printf("\n%s\n", title);
		for (size_t i = 0; i < NR_MECHANISMS; i++) {
			const struct mechanism *m = mechanisms[i];
			struct result *r = &oneway[i][s];
			int ret;

			if (!wanted(m) || !m->put)
				continue;
			ret = measure(m, sizes[s], 0, true, CLIENT_CHILD, r);
			if (ret) {
				failed |= ret < 0;
				continue;
			}
			printf("  %-13s %12.0f %12.1f", m->name, r->mean,
			       (double)sizes[s] * 1000.0 / r->mean);
			if (oneway[0][s].done)
				printf(" %9.3f", r->mean / oneway[0][s].mean);
			putchar('\n');
			print_csv("oneway", m->name, sizes[s], 0, CLIENT_CHILD, r);
		}
	}
	return failed;
}

/* Bershad's procedures: arguments in, results out. */
static const struct {
	const char *name;
	size_t in, out;
} procedures[] = {
	{ "Null", 0, 0 },
	{ "Add", 16, 8 },
	{ "BigIn", 200, 0 },
	{ "BigInOut", 200, 200 },
};

static int run_bershad(void)
{
	static const struct mechanism *const callers[] = {
		&lrpc_copy_mechanism, &rpc_mechanism, &pipe_mechanism,
	};
	int failed = 0;

	printf("\nBershad's table (mean per call; LRPC with a stub's copies)\n");
	printf("  %-10s", "procedure");
	for (size_t c = 0; c < 3; c++)
		printf(" %12s", callers[c]->name);
	printf(" %12s\n", "lrpc x pipe");
	for (size_t p = 0; p < sizeof(procedures) / sizeof(procedures[0]); p++) {
		struct result r[3] = { 0 };

		printf("  %-10s", procedures[p].name);
		for (size_t c = 0; c < 3; c++) {
			int ret = measure(callers[c], procedures[p].in,
					  procedures[p].out, false, CLIENT_CHILD,
					  &r[c]);

			failed |= ret < 0;
			if (ret)
				printf(" %12s", "-");
			else
				printf(" %12.0f", r[c].mean);
		}
		if (r[0].done && r[2].done)
			printf(" %12.3f", r[0].mean / r[2].mean);
		putchar('\n');
		for (size_t c = 0; c < 3; c++)
			if (r[c].done)
				print_csv(procedures[p].name, callers[c]->name,
					  procedures[p].in, procedures[p].out,
					  CLIENT_CHILD, &r[c]);
	}
	return failed;
}

static int run_floor(void)
{
	unsigned long n = opt.quick ? 1000 : MAX_SAMPLES;
	int ret = xipc_null_ioctl_setup();

	for (unsigned long i = 0; i < n && !ret; i++) {
		unsigned long t0 = now_ns();

		ret = xipc_null_ioctl();
		samples[i] = elapsed_ns(t0);
	}
	xipc_null_ioctl_teardown();
	if (ret) {
		fprintf(stderr, "xipc-bench: null ioctl: %s\n", strerror(-ret));
		return 1;
	}
	summarize(samples, n, &floor_ioctl);
	floor_ioctl.runs_min = floor_ioctl.runs_max = floor_ioctl.p50;
	printf("\nThe floor: a null ioctl on /dev/xipc (XIPC_IOC_GET_INFO): mean %.0f, p50 %.0f\n",
	       floor_ioctl.mean, floor_ioctl.p50);
	print_csv("floor", "ioctl", 0, 0, CLIENT_CHILD, &floor_ioctl);
	return 0;
}

static int index_of(const struct mechanism *m)
{
	for (size_t i = 0; i < NR_MECHANISMS; i++)
		if (mechanisms[i] == m)
			return (int)i;
	return 0;
}

static int size_index(size_t size)
{
	for (size_t s = 0; s < NR_SIZES; s++)
		if (sizes[s] == size)
			return (int)s;
	return 0;
}

/*
 * The ratio of @m to @twin at size @s in arrangement @a, of the fast
 * medians (what a round trip costs when the woken process does not preempt
 * its waker, which the harness decides, not the mechanism); NAN when either
 * was not measured.
 */
static double fast_ratio(int a, const struct mechanism *m,
			 const struct mechanism *twin, size_t size)
{
	const struct result *x = &pingpong[a][index_of(m)][size_index(size)];
	const struct result *y = &pingpong[a][index_of(twin)][size_index(size)];

	return x->done && y->done ? x->fast_p50 / y->fast_p50 : NAN;
}

/*
 * One target's line: the value in each arrangement, met if both are within
 * the goal. With a floor (@floor_twin, the handoff, measured), a goal below
 * the floor plus 5% becomes that: no sleeping handoff can do better.
 */
static void target(const char *what, const struct mechanism *m,
		   const struct mechanism *twin, size_t size, double goal)
{
	const struct result *fl = &pingpong[0][index_of(&handoff_mechanism)][0];
	const struct result *tw = &pingpong[0][index_of(twin)][size_index(size)];
	double v[ARRANGEMENTS], worst = NAN;
	const char *why = "";

	for (int a = 0; a < ARRANGEMENTS; a++) {
		v[a] = fast_ratio(a, m, twin, size);
		worst = fmax(worst, v[a]);
	}
	if (isnan(worst))
		return;
	if (size == 0 && fl->done && tw->done && twin != &pipe_mechanism &&
	    goal * tw->fast_p50 < 1.05 * fl->fast_p50) {
		goal = 1.05 * fl->fast_p50 / tw->fast_p50;
		why = ", the handoff floor + 5%";
	}
	printf("  %-44s C %6.3f  P %6.3f  (goal <= %.3f%s) %s\n", what, v[0],
	       v[1], goal, why, worst <= goal ? "met" : "MISSED");
}

static void print_targets(void)
{
	const struct result *spin = &pingpong[0][index_of(&lrpc_spin_mechanism)][0];
	const struct result *raw = &pingpong[0][index_of(&spin_mechanism)][0];
	static const size_t mailbox_sizes[] = { 0, 64, 512, 4096 };
	char what[80];

	printf("\nTargets (ratios of the fast medians, client the server's child (C) and its parent (P))\n");
	if (opt.smp_only)
		goto spin;	/* the rest is for a run counting instructions */
	target("LRPC null, registers / eventfd", &lrpc_regs_mechanism,
	       &eventfd_mechanism, 0, 1.05);
	target("LRPC null, A-stack / eventfd", &lrpc_mechanism,
	       &eventfd_mechanism, 0, 1.10);
	/* xipc's best: each side's two commands in one system call. */
	for (size_t i = 0; i < sizeof(mailbox_sizes) / sizeof(mailbox_sizes[0]); i++) {
		snprintf(what, sizeof(what), "mailbox Send+Recv batch / System V, %s",
			 size_text(mailbox_sizes[i]));
		target(what, &mailbox_batch_mechanism, &sysv_mechanism,
		       mailbox_sizes[i], 1.0);
	}
	target("mailbox Send+Recv batch / pipe, 64 KiB",
	       &mailbox_batch_mechanism, &pipe_mechanism, 65536, 0.60);
	target("mailbox RPC/Reply+Recv batch / pipe, 0 B", &rpc_batch_mechanism,
	       &pipe_mechanism, 0, 1.0);
	return;
spin:
	if (spin->done && raw->done)
		printf("  %-44s %8.3f  (goal <= 2.00, %ld CPUs, wall clock) %s\n",
		       "LRPC spin / shared-memory spin, p50",
		       spin->p50 / raw->p50, opt.cpus,
		       spin->p50 <= 2 * raw->p50 ? "met" : "MISSED");
}

int main(int argc, char **argv)
{
	int c, failed = 0;

	while ((c = getopt(argc, argv, "cqm:o:r:sh")) != -1) {
		switch (c) {
		case 'c':
			opt.csv = true;
			break;
		case 'q':
			opt.quick = true;
			break;
		case 'm':
			opt.mode = optarg;
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'r':
			opt.runs = (unsigned int)atoi(optarg);
			if (opt.runs < 1 || opt.runs > 16)
				goto usage;
			break;
		case 's':
			opt.smp_only = true;
			break;
		default:	/* -h too */
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;

	samples = mmap(NULL, MAX_SAMPLES * sizeof(*samples),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	bench_out = malloc(BENCH_MAX_SIZE);
	bench_in = malloc(BENCH_MAX_SIZE);
	if (samples == MAP_FAILED || !bench_out || !bench_in) {
		perror("xipc-bench");
		return 1;
	}
	memset(bench_out, 0x5a, BENCH_MAX_SIZE);
	memset(bench_in, 0, BENCH_MAX_SIZE);
	opt.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	opt.clock_cost = measure_clock_cost();
	printf("xipc-bench: %s run, %ld CPU(s); a timestamp costs %lu ns, subtracted\n",
	       opt.mode, opt.cpus, opt.clock_cost);

	if (opt.only)
		return run_pingpong();
	failed |= run_floor();
	failed |= run_pingpong();
	if (!opt.smp_only) {
		failed |= run_oneway();
		failed |= run_bershad();
	}
	print_targets();
	return failed ? 1 : 0;

usage:
	/* Asked for (-h), or a mistake, which the exit status says. */
	fputs(USAGE, c == 'h' ? stdout : stderr);
	return c == 'h' ? 0 : 2;
}
