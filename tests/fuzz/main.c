// SPDX-License-Identifier: MIT
/*
 * xipc-fuzz: the supervisor. Forks the workers, which run programs and
 * feed the KCOV trace of every call into one coverage map of the module's
 * text; a program that reached a module block never reached before joins
 * the corpus, which every worker mutates. The supervisor watches
 * /dev/kmsg and stops at the first kernel report, printing the last
 * programs of every worker as a reproducer.
 *
 *   xipc-fuzz [-n IOCTLS] [-t SECONDS] [-w WORKERS] [-s SEED] [-b BLOCKS]
 *             [-i INTERVAL] [-p PATTERN]
 *   xipc-fuzz -r FILE [-R ROUNDS]    replay a reproducer
 *
 * -p adds a string that counts as a kernel report when a kernel log line
 * holds it (to stop on a message of one's own, or to try the reporting).
 * At the end, a profile says where the workers spent their time.
 *
 * Exit status: 0 when the run ended as asked with nothing reported, 1 on a
 * kernel report, a worker stuck or dead, 2 on a usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_WORKERS	16
#define RING		4
#define CORPUS_MAX	2048
#define STUCK_S		180

struct worker_state {
	struct fuzz_stats stats;
	uint64_t progs;
	uint32_t current;	/* the call of ring[head - 1] running now */
	uint32_t head;		/* programs started */
	struct fuzz_prog ring[RING];
	int64_t results[RING][FUZZ_MAX_CALLS];
};

struct shared {
	uint64_t text_start;
	uint64_t text_size;
	uint64_t blocks;
	int stop;
	uint32_t corpus_lock;
	uint32_t corpus_nr;
	struct worker_state w[MAX_WORKERS];
	struct fuzz_prog corpus[CORPUS_MAX];
	uint64_t bitmap[];
};

static struct shared *sh;
static uint64_t seed;
static pid_t pids[MAX_WORKERS];
static unsigned int nr_workers = 4;
/* In a worker: a call of the program now running reached new blocks. */
static bool new_blocks;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_trace(void *arg, const uint64_t *pcs, uint64_t nr)
{
	uint64_t i, off, bit, *word;

	(void)arg;
	for (i = 0; i < nr; i++) {
		off = pcs[i] - sh->text_start;
		/* Only the module's blocks count (the kernel's may be traced). */
		if (off >= sh->text_size)
			continue;
		word = &sh->bitmap[off / 64];
		bit = 1ULL << (off % 64);
		if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
			continue;
		if (!(__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit)) {
			__atomic_fetch_add(&sh->blocks, 1, __ATOMIC_RELAXED);
			new_blocks = true;
		}
	}
}

static void corpus_lock(void)
{
	while (__atomic_exchange_n(&sh->corpus_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void corpus_unlock(void)
{
	__atomic_store_n(&sh->corpus_lock, 0, __ATOMIC_RELEASE);
}

static void corpus_add(struct fuzz_rng *r, const struct fuzz_prog *p)
{
	corpus_lock();
	if (sh->corpus_nr < CORPUS_MAX)
		sh->corpus[sh->corpus_nr++] = *p;
	else
		sh->corpus[fuzz_below(r, CORPUS_MAX)] = *p;
	corpus_unlock();
}

static bool corpus_pick(struct fuzz_rng *r, struct fuzz_prog *p)
{
	bool found = false;

	corpus_lock();
	if (sh->corpus_nr) {
		*p = sh->corpus[fuzz_below(r, sh->corpus_nr)];
		found = true;
	}
	corpus_unlock();
	return found;
}

static void worker_main(unsigned int index)
{
	struct worker_state *ws = &sh->w[index];
	struct fuzz_coverage cov = { on_trace, NULL, true };
	struct fuzz_rng r = { seed ^ (0x9E3779B97F4A7C15ULL * (index + 1)) };
	struct fuzz_prog p, other;
	struct fuzz_exec *e;
	uint64_t start;
	uint32_t slot;

	e = fuzz_exec_new(index, r.s, &cov, &ws->stats);
	/*
	 * The last worker runs as nobody: what an unprivileged user reaches.
	 * Its threads opened their traces as root (debugfs is root's only).
	 */
	if (index && index == nr_workers - 1 && nr_workers > 2 &&
	    (setgid(65534) || setuid(65534)))
		_exit(2);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		start = fuzz_ticks();
		if (fuzz_chance(&r, 10) || !corpus_pick(&r, &p)) {
			fuzz_prog_generate(&r, &p);
		} else {
			if (!corpus_pick(&r, &other))
				other.nr = 0;
			fuzz_prog_mutate(&r, &p, &other);
		}
		slot = ws->head % RING;
		ws->ring[slot] = p;
		memset(ws->results[slot], 0, sizeof(ws->results[slot]));
		__atomic_store_n(&ws->head, ws->head + 1, __ATOMIC_RELEASE);
		new_blocks = false;
		ws->stats.nr[PH_MAKE]++;
		ws->stats.ticks[PH_MAKE] += fuzz_ticks() - start;
		fuzz_exec_run(e, &p, ws->results[slot], &ws->current);
		__atomic_fetch_add(&ws->progs, 1, __ATOMIC_RELAXED);
		if (new_blocks)
			corpus_add(&r, &p);
	}
	_exit(0);
}

static pid_t start_worker(unsigned int index)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fuzz: fork");
		exit(2);
	}
	if (!pid)
		worker_main(index);
	return pid;
}

static int read_ull(const char *path, int base, uint64_t *v)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*v = strtoull(buf, NULL, base);
	return 0;
}

/* What tests/scan-kernel-log looks for, as plain strings. */
static const char *const reports[] = {
	"BUG:", "kernel BUG at", "WARNING:", "Oops", "general protection fault",
	"Kernel panic", "UBSAN:", "KASAN:", "possible circular locking",
	"possible recursive locking", "inconsistent lock state",
	"lock held when returning to user space", "bad unlock balance",
	"held lock freed", "DEBUG_LOCKS_WARN_ON", "INFO: lockdep is turned off",
	"suspicious RCU usage", "detected stall", "unreferenced object 0x",
	"new suspected memory leaks", "blocked for more than",
	"scheduling while atomic", "sleeping function called from invalid context",
	"list_add corruption", "list_del corruption", "refcount_t: ",
	"slab-out-of-bounds",
};

static const char *extra_report;

/* Reads what /dev/kmsg has; returns true if a line is a kernel report. */
static bool kmsg_check(int fd, bool print_all)
{
	char rec[2048], *msg;
	bool bad = false;
	unsigned int i;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: read on */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
			if (strstr(msg, reports[i]))
				break;
		if (extra_report && strstr(msg, extra_report))
			i = 0;
		if (i < sizeof(reports) / sizeof(reports[0]) || print_all) {
			printf("fuzz: kmsg: %s", msg);
			if (i < sizeof(reports) / sizeof(reports[0]))
				bad = true;
		}
	}
	fflush(stdout);
	return bad;
}

static void print_worker(unsigned int index)
{
	struct worker_state *ws = &sh->w[index];
	uint32_t head = __atomic_load_n(&ws->head, __ATOMIC_ACQUIRE), k;
	char *text = NULL, *line, *save;
	size_t size = 0;
	FILE *f;

	printf("repro: worker %u\n", index);
	for (k = head > RING ? head - RING : 0; k < head; k++) {
		f = open_memstream(&text, &size);
		if (!f)
			return;
		fuzz_prog_print(f, &ws->ring[k % RING], ws->results[k % RING],
				k + 1 == head ? ws->current : FUZZ_MAX_CALLS);
		fclose(f);
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("repro: %s\n", line);
		free(text);
		text = NULL;
	}
}

static void print_repro(const char *why)
{
	unsigned int i;

	printf("fuzz: %s\n", why);
	printf("fuzz: reproducer: seed %#" PRIx64 "; the last %u programs of each"
	       " worker, the last one running (replay: the repro: lines into a"
	       " file, then make fuzz FUZZ_REPLAY=FILE)\n", seed, RING);
	for (i = 0; i < nr_workers; i++)
		print_worker(i);
	fflush(stdout);
}

static void stop_workers(int sig)
{
	unsigned int i;
	int status;

	for (i = 0; i < nr_workers; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
	if (sig != SIGKILL)
		return;
	for (i = 0; i < nr_workers; i++)
		if (pids[i] > 0)
			waitpid(pids[i], &status, 0);
}

static uint64_t total(size_t field)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < nr_workers; i++)
		sum += __atomic_load_n((uint64_t *)((char *)&sh->w[i] + field),
				       __ATOMIC_RELAXED);
	return sum;
}

/* Mailboxes alive now (/proc/xipc/mailboxes has a header line), or -1. */
static int mailboxes(void)
{
	FILE *f = fopen("/proc/xipc/mailboxes", "r");
	int lines = -1, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			lines++;
	fclose(f);
	return lines;
}

static void progress(const char *what, uint64_t start, uint64_t blocks_total)
{
	uint64_t ms = now_ms() - start, ioctls = total(offsetof(struct worker_state, stats.ioctls));
	char of[32] = "";

	if (blocks_total)
		snprintf(of, sizeof(of), " of %" PRIu64, blocks_total);
	printf("fuzz: %s%" PRIu64 " ioctls in %" PRIu64 " s, %" PRIu64
	       " ioctls/s, %" PRIu64 "%s module blocks reached, %" PRIu64
	       " programs, corpus %u, %d mailboxes alive\n", what, ioctls, ms / 1000,
	       ms ? ioctls * 1000 / ms : 0,
	       __atomic_load_n(&sh->blocks, __ATOMIC_RELAXED), of,
	       total(offsetof(struct worker_state, progs)),
	       __atomic_load_n(&sh->corpus_nr, __ATOMIC_RELAXED), mailboxes());
	fflush(stdout);
}

/* The CPU time of the whole machine so far, from /proc/stat (USER_HZ). */
struct cpu_times {
	unsigned long long user, nice, system, idle, iowait, irq, softirq;
};

static void cpu_times(struct cpu_times *c)
{
	FILE *f = fopen("/proc/stat", "r");

	memset(c, 0, sizeof(*c));
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &c->user,
		   &c->nice, &c->system, &c->idle, &c->iowait, &c->irq,
		   &c->softirq) != 7)
		memset(c, 0, sizeof(*c));
	fclose(f);
}

static const char *phase_name(unsigned int i)
{
	static const char *const names[] = {
		"setup", "async", "helpers", "children", "teardown", "make",
		"cover",
	};

	return i < C_NR ? fuzz_call_name(i) : names[i - C_NR];
}

/*
 * Where the workers' main threads spent their time, summed over the
 * workers, biggest first; and how busy the machine's CPUs were. The run
 * started at @ticks0 (fuzz_ticks()) and @ms0 (now_ms()).
 */
static void profile(const struct cpu_times *before, uint64_t ticks0,
		    uint64_t ms0)
{
	uint64_t ticks[PH_NR] = { 0 }, nr[PH_NR] = { 0 }, all = 0, best;
	double per_us = (double)(fuzz_ticks() - ticks0) /
			(double)((now_ms() - ms0 + 1) * 1000);
	unsigned long long user, system, idle;
	struct cpu_times after;
	unsigned int i, k, top;
	bool done[PH_NR] = { false };

	for (i = 0; i < nr_workers; i++)
		for (k = 0; k < PH_NR; k++) {
			ticks[k] += sh->w[i].stats.ticks[k];
			nr[k] += sh->w[i].stats.nr[k];
		}
	for (k = 0; k < PH_NR; k++)
		all += ticks[k];
	if (!all)
		return;
	printf("fuzz: profile (the workers' main threads; calls: count, share of"
	       " time, mean):");
	for (i = 0; i < PH_NR; i++) {
		best = 0;
		top = PH_NR;
		for (k = 0; k < PH_NR; k++)
			if (!done[k] && ticks[k] >= best && nr[k]) {
				best = ticks[k];
				top = k;
			}
		if (top == PH_NR)
			break;
		done[top] = true;
		printf("%s %s %" PRIu64 " %.1f%% %.0fus", i ? "," : "",
		       phase_name(top), nr[top],
		       100.0 * (double)ticks[top] / (double)all,
		       (double)ticks[top] / per_us / (double)nr[top]);
	}
	printf("\n");
	cpu_times(&after);
	user = after.user - before->user + after.nice - before->nice;
	system = after.system - before->system + after.irq - before->irq +
		 after.softirq - before->softirq;
	idle = after.idle - before->idle + after.iowait - before->iowait;
	if (user + system + idle)
		printf("fuzz: CPUs: %llu%% user, %llu%% system, %llu%% idle\n",
		       user * 100 / (user + system + idle),
		       system * 100 / (user + system + idle),
		       idle * 100 / (user + system + idle));
}

/* Replays the programs of a reproducer, each worker's in its own process. */
static int replay(const char *path, unsigned int rounds, int kmsg)
{
	static struct fuzz_prog progs[256];
	struct fuzz_coverage cov = { NULL, NULL, false };
	unsigned int group[256], nr = 0, i, g = 0, groups = 0, k;
	int64_t results[FUZZ_MAX_CALLS];
	char line[1024];
	int status, bad = 0;
	FILE *f = fopen(path, "r");
	pid_t pid;

	if (!f) {
		perror(path);
		return 2;
	}
	/*
	 * A "worker N" line starts a group, a "prog" line a program, and each
	 * "call" line is one call of it; anything before the keywords (a
	 * console's prefix) is skipped.
	 */
	{
		struct fuzz_prog *cur = NULL;

		while (fgets(line, sizeof(line), f)) {
			FILE *one;

			if (strstr(line, "worker ") && !strstr(line, "call ")) {
				g = groups++;
				continue;
			}
			if (strstr(line, "prog ") && !strstr(line, "call ")) {
				if (nr == 256)
					break;
				cur = &progs[nr];
				group[nr++] = g;
				memset(cur, 0, sizeof(*cur));
				continue;
			}
			if (!cur || !strstr(line, "call "))
				continue;
			one = fmemopen(NULL, 2048, "w+");
			if (!one)
				break;
			fprintf(one, "prog 1\n%s", line);
			rewind(one);
			{
				struct fuzz_prog tmp;

				if (fuzz_prog_parse(one, &tmp, 1) && tmp.nr &&
				    cur->nr < FUZZ_MAX_CALLS)
					cur->calls[cur->nr++] = tmp.calls[0];
			}
			fclose(one);
		}
		fclose(f);
	}
	if (!groups)
		groups = 1;
	printf("fuzz: replaying %u programs in %u processes, %u rounds\n", nr,
	       groups, rounds);
	fflush(stdout);
	for (g = 0; g < groups; g++) {
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid)
			continue;
		{
			struct fuzz_stats stats = { 0 };
			struct fuzz_exec *e = fuzz_exec_new(g, seed, &cov, &stats);

			for (k = 0; k < rounds; k++)
				for (i = 0; i < nr; i++)
					if (group[i] == g)
						fuzz_exec_run(e, &progs[i], results, NULL);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (kmsg >= 0 && kmsg_check(kmsg, false))
			bad = 1;
	if (kmsg >= 0 && kmsg_check(kmsg, false))
		bad = 1;
	printf("fuzz: replay done: %s\n", bad ? "kernel report" : "nothing reported");
	return bad;
}

int main(int argc, char **argv)
{
	uint64_t max_ioctls = 0, seconds = 0, interval = 10, blocks_total = 0;
	uint64_t start, last_print, last_progs[MAX_WORKERS] = { 0 };
	uint64_t last_change[MAX_WORKERS] = { 0 }, coresize = 0, text = 0;
	const char *replay_file = NULL;
	unsigned int rounds = 1, i, n;
	struct fuzz_prog templates[8];
	struct cpu_times cpu;
	uint64_t ticks0;
	struct fuzz_rng r;
	int opt, kmsg, status, ret = 0;
	size_t size;
	pid_t pid;

	seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid();
	while ((opt = getopt(argc, argv, "n:t:w:s:b:i:r:R:p:")) != -1) {
		switch (opt) {
		case 'n': max_ioctls = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtoull(optarg, NULL, 0); break;
		case 'w': nr_workers = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'b': blocks_total = strtoull(optarg, NULL, 0); break;
		case 'i': interval = strtoull(optarg, NULL, 0); break;
		case 'r': replay_file = optarg; break;
		case 'R': rounds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'p': extra_report = optarg; break;
		default:
			fprintf(stderr, "usage: xipc-fuzz [-n IOCTLS] [-t SECONDS] [-w WORKERS]"
				" [-s SEED] [-b BLOCKS] [-i INTERVAL] [-p PATTERN]"
				" | -r FILE [-R ROUNDS]\n");
			return 2;
		}
	}
	if (!nr_workers || nr_workers > MAX_WORKERS) {
		fprintf(stderr, "fuzz: 1 to %d workers\n", MAX_WORKERS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	else
		printf("fuzz: cannot read /dev/kmsg: kernel reports go unnoticed\n");
	if (replay_file)
		return replay(replay_file, rounds, kmsg);

	/* The module's core (text first, then its data): where its blocks are. */
	size = sizeof(*sh);
	if (read_ull("/sys/module/xipc/coresize", 10, &coresize) ||
	    read_ull("/sys/module/xipc/sections/.text", 16, &text) || !text) {
		printf("fuzz: the module's text is unknown (not loaded, or not root):"
		       " no coverage\n");
		coresize = 0;
		text = 0;
	}
	size += (coresize / 64 + 1) * sizeof(uint64_t);
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("fuzz: mmap");
		return 2;
	}
	sh->text_start = text;
	sh->text_size = coresize;
	r.s = seed | 1;
	n = fuzz_templates(&r, templates, 8);
	for (i = 0; i < n; i++)
		sh->corpus[sh->corpus_nr++] = templates[i];
	printf("fuzz: seed %#" PRIx64 ", %u workers, module text at %#" PRIx64
	       " (%" PRIu64 " bytes), stop after %" PRIu64 " ioctls / %" PRIu64
	       " s (0: no limit)\n", seed, nr_workers, text, coresize, max_ioctls,
	       seconds);
	{
		/* The profile reads the clock around every call: is it cheap? */
		char clock[64] = "?";
		FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/"
				"current_clocksource", "r");

		if (f) {
			if (fgets(clock, sizeof(clock), f))
				clock[strcspn(clock, "\n")] = 0;
			fclose(f);
		}
		printf("fuzz: clocksource %s\n", clock);
	}
	{
		int probe = open("/sys/kernel/debug/kcov", O_RDWR);

		if (probe < 0)
			printf("fuzz: no /sys/kernel/debug/kcov: no coverage feedback\n");
		else
			close(probe);
	}

	cpu_times(&cpu);
	ticks0 = fuzz_ticks();
	for (i = 0; i < nr_workers; i++)
		pids[i] = start_worker(i);
	start = last_print = now_ms();
	for (;;) {
		struct pollfd pfd = { .fd = kmsg, .events = POLLIN };
		uint64_t now, ioctls;

		poll(&pfd, kmsg >= 0, 200);
		if (kmsg >= 0 && kmsg_check(kmsg, false)) {
			/* Freeze the workers where they are, then tell. */
			stop_workers(SIGSTOP);
			usleep(2000000);
			kmsg_check(kmsg, true);
			print_repro("the kernel reported a problem (above)");
			ret = 1;
			break;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < nr_workers; i++)
				if (pids[i] == pid)
					break;
			if (i == nr_workers)
				continue;
			printf("fuzz: worker %u (pid %d) ended: %s %d; restarted\n", i,
			       pid, WIFSIGNALED(status) ? "signal" : "status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			print_worker(i);
			pids[i] = start_worker(i);
		}
		now = now_ms();
		for (i = 0; i < nr_workers; i++) {
			uint64_t progs = __atomic_load_n(&sh->w[i].progs, __ATOMIC_RELAXED);

			if (progs != last_progs[i] || !last_change[i]) {
				last_progs[i] = progs;
				last_change[i] = now;
			} else if (now - last_change[i] > STUCK_S * 1000) {
				break;
			}
		}
		if (i < nr_workers) {
			char why[96];

			stop_workers(SIGSTOP);
			snprintf(why, sizeof(why), "worker %u made no progress for %d s:"
				 " a call that never returns", i, STUCK_S);
			kmsg_check(kmsg, true);
			print_repro(why);
			ret = 1;
			break;
		}
		ioctls = total(offsetof(struct worker_state, stats.ioctls));
		if ((max_ioctls && ioctls >= max_ioctls) ||
		    (seconds && now - start >= seconds * 1000))
			break;
		if (interval && now - last_print >= interval * 1000) {
			progress("", start, blocks_total);
			last_print = now;
		}
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	if (!ret) {
		/* Let the programs running end as they would. */
		for (n = 0; n < 50; n++) {
			for (i = 0; i < nr_workers; i++)
				if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i])
					pids[i] = 0;
			for (i = 0; i < nr_workers && !pids[i]; i++)
				;
			if (i == nr_workers)
				break;
			usleep(100000);
		}
	}
	stop_workers(SIGCONT);
	stop_workers(SIGKILL);
	/* What the last programs left behind, torn down: reports come late. */
	usleep(500000);
	if (!ret && kmsg >= 0 && kmsg_check(kmsg, false)) {
		print_repro("the kernel reported a problem (above) at the end of the run");
		ret = 1;
	}
	progress(ret ? "stopped: " : "done: ", start, blocks_total);
	profile(&cpu, ticks0, start);
	return ret;
}
