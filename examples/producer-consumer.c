// SPDX-License-Identifier: MIT
/*
 * producer-consumer: typed messages through a named mailbox.
 *
 * A producer and two consumers run as separate processes, each with its own
 * capability space; they meet through the name "demo.orders". The producer
 * sends orders (type 1) and invoices (type 2) interleaved; each consumer
 * takes only its own type, as System V msgrcv would select it. A message of
 * size 0 tells a consumer to stop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libipc.h>

#define NAME		"demo.orders"
#define TYPE_ORDER	1
#define TYPE_INVOICE	2
#define ROUNDS		3

static int fail(const char *what, int err)
{
	fprintf(stderr, "producer-consumer: %s: %s\n", what, strerror(-err));
	return 1;
}

static int consume(__s64 type, const char *label)
{
	int space = ipc_open(0), mailbox, ret;
	char text[64];

	if (space < 0)
		return fail("ipc_open", space);
	/* Receive only: the mode lets the owner (same user) receive. */
	mailbox = ipc_mailbox_open(space, NAME, 0, 0, XIPC_RIGHT_RECV);
	if (mailbox < 0)
		return fail("ipc_mailbox_open", mailbox);
	for (;;) {
		struct xipc_recv msg = {
			.handle = mailbox,
			.type = type,
			.data = ipc_ptr(text),
			.size = sizeof(text) - 1,
			.timeout_ns = 10ULL * 1000 * 1000 * 1000,
		};

		ret = ipc_recv(space, &msg);
		if (ret < 0)
			return fail("ipc_recv", ret);
		if (ret == 0)
			break;
		text[ret] = '\0';
		printf("  %s consumer (pid %d) got type %lld from pid %d: %s\n",
		       label, (int)getpid(), (long long)msg.type, msg.pid, text);
	}
	ipc_close(space);
	return 0;
}

static int produce(int space, int mailbox, __s64 type, const char *text)
{
	struct xipc_send msg = {
		.handle = mailbox,
		.type = type,
		.data = ipc_ptr(text),
		.size = strlen(text),
		.timeout_ns = XIPC_TIMEOUT_INFINITE,
	};

	return ipc_send(space, &msg);
}

int main(void)
{
	int space, mailbox, i, ret, status, failed = 0;
	pid_t consumers[2];
	char text[64];

	space = ipc_open(0);
	if (space < 0)
		return fail("ipc_open", space);
	/* Owner may send and receive; nobody else may do anything. */
	mailbox = ipc_mailbox_open(space, NAME, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				   0600, 0);
	if (mailbox < 0)
		return fail("ipc_mailbox_open", mailbox);
	printf("created mailbox \"%s\" (mode 0600)\n", NAME);

	consumers[0] = fork();
	if (consumers[0] == 0)
		_exit(consume(TYPE_ORDER, "order"));
	consumers[1] = fork();
	if (consumers[1] == 0)
		_exit(consume(TYPE_INVOICE, "invoice"));

	for (i = 1; i <= ROUNDS; i++) {
		snprintf(text, sizeof(text), "order #%d", i);
		ret = produce(space, mailbox, TYPE_ORDER, text);
		if (!ret) {
			snprintf(text, sizeof(text), "invoice #%d", i);
			ret = produce(space, mailbox, TYPE_INVOICE, text);
		}
		if (ret < 0)
			return fail("ipc_send", ret);
	}
	produce(space, mailbox, TYPE_ORDER, "");
	produce(space, mailbox, TYPE_INVOICE, "");

	for (i = 0; i < 2; i++) {
		waitpid(consumers[i], &status, 0);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	ipc_mailbox_unlink(space, NAME);
	ipc_close(space);
	printf("producer-consumer: %s\n", failed ? "a consumer failed" : "done");
	return failed;
}
