// SPDX-License-Identifier: MIT
/*
 * xipcs: list the live xipc mailboxes of this IPC namespace, as ipcs -q lists
 * System V queues. It reads the module's operator view, /proc/xipc/mailboxes.
 * With -n it lists the names the name server (xipc-named) keeps instead; with
 * -u, what each user holds against its quotas (/proc/xipc/users), as ipcs -u
 * sums up.
 *
 * usage: xipcs [-t | -n | -u]
 *        xipcs --watch [INTERVAL [COUNT]]
 *   -t  print only the totals line
 *   -n  the name server's names that this user may see, with their policies
 *   -u  each user's handles, messages, bytes and mailboxes, and their limits
 *   --watch  live rates: every INTERVAL seconds (default 1, fractions
 *       allowed), COUNT reports (default: until interrupted), like vmstat.
 *       Each report has a line per mailbox (messages sent and received in
 *       the interval, and per second) and per LRPC service (calls, and per
 *       second), from the counters of /proc/xipc/mailboxes and
 *       /proc/xipc/services; busiest first. The first report counts from
 *       each object's creation, and has no rates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libipc.h"

#define VIEW "/proc/xipc/mailboxes"
#define USERS "/proc/xipc/users"
#define SERVICES "/proc/xipc/services"
#define USAGE \
"usage: xipcs [-t | -n | -u]\n" \
"       xipcs --watch [INTERVAL [COUNT]]\n" \
"List the xipc mailboxes of this IPC namespace (from " VIEW ").\n" \
"  -t  only the totals\n" \
"  -n  the names the name server keeps, as far as this user may see them\n" \
"  -u  what each user holds against its quotas (from " USERS ")\n" \
"  --watch  messages and calls per second, per mailbox and per service, every\n" \
"      INTERVAL seconds (default 1), COUNT times (default: until interrupted)\n"

/* XIPC_RIGHT_* as letters: s(end) r(ecv) g(rant) m(anage). */
static const char *rights_text(__u32 rights)
{
	static char text[5];
	static const char letters[] = "srgm";
	int n = 0;

	for (int i = 0; i < 4; i++)
		if (rights & (1U << i))
			text[n++] = letters[i];
	text[n] = 0;
	return text;
}

static void print_entry(const struct ipc_ns_entry *e)
{
	printf("%-24s %6u %6u %-7s %8llu %-6s", e->name, e->uid, e->gid,
	       e->type == XIPC_OBJECT_SERVICE ? "service" : "mailbox",
	       (unsigned long long)e->object_id, rights_text(e->rights));
	for (__u32 i = 0; i < e->nr_rules && i < IPC_NS_MAX_RULES; i++) {
		const struct ipc_ns_rule *r = &e->rules[i];

		if (r->who == IPC_NS_EVERYONE)
			printf(" everyone:%s", rights_text(r->rights));
		else
			printf(" %s=%u:%s", r->who == IPC_NS_UID ? "uid" : "gid",
			       r->id, rights_text(r->rights));
	}
	putchar('\n');
}

/* Lists the names, a page at a time; waits at most 5 s for each answer. */
static int list_names(void)
{
	static struct ipc_ns_entry page[IPC_NS_LIST_MAX];
	char after[IPC_NS_NAME_MAX + 1] = "";
	int space = ipc_open(0), n, total = 0;

	if (space < 0) {
		fprintf(stderr, "xipcs: %s: %s (is the xipc module loaded?)\n",
			LIBIPC_DEVICE, strerror(-space));
		return 1;
	}
	printf("%-24s %6s %6s %-7s %8s %-6s %s\n", "name", "uid", "gid", "type",
	       "object", "rights", "policy");
	do {
		n = ipc_ns_list(space, after, page, IPC_NS_LIST_MAX,
				5000000000ULL);
		for (int i = 0; i < n; i++)
			print_entry(&page[i]);
		if (n > 0) {
			memcpy(after, page[n - 1].name, sizeof(after));
			total += n;
		}
	} while (n == IPC_NS_LIST_MAX);
	ipc_close(space);
	if (n < 0) {
		fprintf(stderr, "xipcs: the name server: %s%s\n", strerror(-n),
			n == -ETIMEDOUT ? " (is xipc-named running?)" : "");
		return 1;
	}
	printf("%d names\n", total);
	return 0;
}

/* Prints the per-user view as it is: one line per user, and the limits. */
static int list_users(void)
{
	char line[1024];
	FILE *view = fopen(USERS, "r");

	if (!view) {
		fprintf(stderr, "xipcs: %s: %s (is the xipc module loaded?)\n",
			USERS, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), view))
		fputs(line, stdout);
	fclose(view);
	return 0;
}

/* One mailbox or service in a sample of the counters. */
struct counted {
	unsigned long long id;
	unsigned long long in, out;	/* sent and received, or calls */
	unsigned long long msgs;	/* queued messages, or calls */
	char name[256];			/* a mailbox's, escaped; "-": none */
	unsigned long long d_in, d_out;	/* since the last sample */
};

struct sample {
	struct counted *rows;
	size_t nr, room;
};

static struct counted *sample_add(struct sample *s)
{
	if (s->nr == s->room) {
		size_t room = s->room ? 2 * s->room : 64;
		struct counted *rows = realloc(s->rows, room * sizeof(*rows));

		if (!rows)
			return NULL;
		s->rows = rows;
		s->room = room;
	}
	memset(&s->rows[s->nr], 0, sizeof(s->rows[0]));
	return &s->rows[s->nr++];
}

/* Reads the counters of every mailbox (@services 0) or service: 0, or -1. */
static int sample_read(struct sample *s, int services)
{
	const char *path = services ? SERVICES : VIEW;
	FILE *view = fopen(path, "r");
	char line[1024];

	s->nr = 0;
	if (!view) {
		fprintf(stderr, "xipcs: %s: %s (is the xipc module loaded?)\n",
			path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), view)) {
		struct counted c = { 0 };
		struct counted *row;
		int n;

		if (services)
			n = sscanf(line, "%llu %*u %*u %*u %*u %*u %*u %llu %llu",
				   &c.id, &c.msgs, &c.in) == 3;
		else
			n = sscanf(line, "%llu %*u %*u %*s %llu %*u %*u %*u %*u %*u %*u %*u %*u %*u %llu %llu %255s",
				   &c.id, &c.msgs, &c.in, &c.out, c.name) == 5;
		if (!n)
			continue;	/* the header */
		row = sample_add(s);
		if (!row) {
			fclose(view);
			fputs("xipcs: out of memory\n", stderr);
			return -1;
		}
		*row = c;
	}
	fclose(view);
	return 0;
}

/* The row of @id in @s, or NULL. */
static const struct counted *sample_find(const struct sample *s,
					 unsigned long long id)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->rows[i].id == id)
			return &s->rows[i];
	return NULL;
}

/* What happened since @old: an object not in it counts from its creation. */
static void sample_diff(struct sample *now, const struct sample *old)
{
	for (size_t i = 0; i < now->nr; i++) {
		struct counted *c = &now->rows[i];
		const struct counted *o = old ? sample_find(old, c->id) : NULL;

		c->d_in = c->in - (o ? o->in : 0);
		c->d_out = c->out - (o ? o->out : 0);
	}
}

static int busiest_first(const void *a, const void *b)
{
	const struct counted *x = a, *y = b;
	unsigned long long bx = x->d_in + x->d_out, by = y->d_in + y->d_out;

	if (bx != by)
		return bx < by ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* "12.5", or "-" for the first report, which has no interval. */
static const char *rate(char *buf, size_t size, unsigned long long n,
			double seconds)
{
	if (seconds <= 0)
		return "-";
	snprintf(buf, size, "%.1f", n / seconds);
	return buf;
}

/* One report: @seconds since the last, or 0 for the first. */
static void report(struct sample *mb, struct sample *svc, double seconds)
{
	char r1[32], r2[32];

	qsort(mb->rows, mb->nr, sizeof(mb->rows[0]), busiest_first);
	qsort(svc->rows, svc->nr, sizeof(svc->rows[0]), busiest_first);
	if (seconds > 0)
		printf("interval %.6f s\n", seconds);
	else
		printf("since creation\n");
	printf("%8s %10s %10s %10s %10s %6s %s\n", "mailbox", "sent", "received",
	       "sent/s", "recv/s", "msgs", "name");
	for (size_t i = 0; i < mb->nr; i++) {
		const struct counted *c = &mb->rows[i];

		printf("%8llu %10llu %10llu %10s ", c->id, c->d_in, c->d_out,
		       rate(r1, sizeof(r1), c->d_in, seconds));
		printf("%10s %6llu %s\n", rate(r2, sizeof(r2), c->d_out, seconds),
		       c->msgs, c->name);
	}
	printf("%8s %10s %10s %6s\n", "service", "calls", "calls/s", "queued");
	for (size_t i = 0; i < svc->nr; i++) {
		const struct counted *c = &svc->rows[i];

		printf("%8llu %10llu %10s %6llu\n", c->id, c->d_in,
		       rate(r1, sizeof(r1), c->d_in, seconds), c->msgs);
	}
	putchar('\n');
	fflush(stdout);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xipcs --watch [INTERVAL [COUNT]]: a report every INTERVAL seconds. */
static int watch(int argc, char **argv)
{
	struct sample mb[2] = { 0 }, svc[2] = { 0 };
	double interval = 1, last, t;
	long count = -1;
	struct timespec next;
	char *end;
	int cur = 0;

	if (argc > 0) {
		interval = strtod(argv[0], &end);
		if (*end || !(interval > 0) || interval > 86400) {
			fprintf(stderr, "xipcs: bad interval '%s'\n", argv[0]);
			return 2;
		}
	}
	if (argc > 1) {
		count = strtol(argv[1], &end, 10);
		if (*end || count <= 0) {
			fprintf(stderr, "xipcs: bad count '%s'\n", argv[1]);
			return 2;
		}
	}
	if (argc > 2) {
		fputs(USAGE, stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	last = 0;
	for (long n = 0; count < 0 || n < count; n++) {
		if (n) {
			long long ns = next.tv_nsec + (long long)(interval * 1e9);

			next.tv_sec += ns / 1000000000;
			next.tv_nsec = ns % 1000000000;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					       &next, NULL) == EINTR)
				;
		}
		t = now_seconds();
		if (sample_read(&mb[cur], 0) || sample_read(&svc[cur], 1))
			return 1;
		sample_diff(&mb[cur], n ? &mb[!cur] : NULL);
		sample_diff(&svc[cur], n ? &svc[!cur] : NULL);
		report(&mb[cur], &svc[cur], n ? t - last : 0);
		last = t;
		cur = !cur;
	}
	free(mb[0].rows);
	free(mb[1].rows);
	free(svc[0].rows);
	free(svc[1].rows);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long mailboxes = 0, msgs = 0, bytes = 0, waiting = 0;
	int totals_only = 0, opt;
	char line[1024];
	FILE *view;

	if (argc > 1 && !strcmp(argv[1], "--watch"))
		return watch(argc - 2, argv + 2);
	while ((opt = getopt(argc, argv, "tnuh")) != -1) {
		if (opt == 'n')
			return list_names();
		if (opt == 'u')
			return list_users();
		if (opt != 't') {
			fputs(USAGE, opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
		totals_only = 1;
	}
	view = fopen(VIEW, "r");
	if (!view) {
		fprintf(stderr, "xipcs: %s: %s (is the xipc module loaded?)\n",
			VIEW, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), view)) {
		unsigned long long id, m, b, max_msgs, max_bytes, max_size;
		unsigned int uid, gid, senders, receivers, wsend, wrecv;
		char mode[8];

		if (!totals_only)
			fputs(line, stdout);
		if (sscanf(line, "%llu %u %u %7s %llu %llu %llu %llu %llu %u %u %u %u",
			   &id, &uid, &gid, mode, &m, &b, &max_msgs, &max_bytes,
			   &max_size, &senders, &receivers, &wsend, &wrecv) != 13)
			continue;	/* the header */
		mailboxes++;
		msgs += m;
		bytes += b;
		waiting += wsend + wrecv;
	}
	fclose(view);
	printf("%llu mailboxes, %llu messages, %llu bytes queued, %llu waiters\n",
	       mailboxes, msgs, bytes, waiting);
	return 0;
}
