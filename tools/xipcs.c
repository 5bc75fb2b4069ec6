// SPDX-License-Identifier: MIT
/*
 * xipcs: list the live xipc mailboxes of this IPC namespace, as ipcs -q lists
 * System V queues. It reads the module's operator view, /proc/xipc/mailboxes.
 *
 * usage: xipcs [-t]
 *   -t  print only the totals line
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VIEW "/proc/xipc/mailboxes"

int main(int argc, char **argv)
{
	unsigned long long mailboxes = 0, msgs = 0, bytes = 0, waiting = 0;
	int totals_only = 0, opt;
	char line[1024];
	FILE *view;

	while ((opt = getopt(argc, argv, "th")) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: xipcs [-t]\n"
				"List the xipc mailboxes of this IPC namespace "
				"(from " VIEW ").\n  -t  only the totals\n");
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
