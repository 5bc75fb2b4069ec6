// SPDX-License-Identifier: MIT
/*
 * xipcs: list the live xipc mailboxes of this IPC namespace, as ipcs -q lists
 * System V queues. It reads the module's operator view, /proc/xipc/mailboxes
 * (whose watches column is bounded by the max_watches parameter). With -n it
 * lists the names the name server (xipc-named) keeps instead; with -u, what
 * each user holds against its quotas (/proc/xipc/users), as ipcs -u sums up.
 *
 * usage: xipcs [-t | -n | -u]
 *   -t  print only the totals line
 *   -n  the name server's names that this user may see, with their policies
 *   -u  each user's handles, messages, bytes and mailboxes, and their limits
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libipc.h"

#define VIEW "/proc/xipc/mailboxes"
#define USERS "/proc/xipc/users"
#define USAGE \
"usage: xipcs [-t | -n | -u]\n" \
"List the xipc mailboxes of this IPC namespace (from " VIEW ").\n" \
"  -t  only the totals\n" \
"  -n  the names the name server keeps, as far as this user may see them\n" \
"  -u  what each user holds against its quotas (from " USERS ")\n"

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

int main(int argc, char **argv)
{
	unsigned long long mailboxes = 0, msgs = 0, bytes = 0, waiting = 0;
	int totals_only = 0, opt;
	char line[1024];
	FILE *view;

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
