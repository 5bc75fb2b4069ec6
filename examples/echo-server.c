// SPDX-License-Identifier: MIT
/*
 * echo-server: RPC and Reply on a mailbox.
 *
 * The server creates the named mailbox "demo.echo", receives requests and
 * answers each through the one-shot reply handle that came with it. The
 * client, a separate process with its own capability space, opens the name
 * with the send right only and makes three calls. The kernel stamps every
 * request with the caller's pid and uid, which the server prints.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libipc.h>

#define NAME "demo.echo"
#define SECOND (1000ULL * 1000 * 1000)

static int fail(const char *who, const char *what, int err)
{
	fprintf(stderr, "echo-server: %s: %s: %s\n", who, what, strerror(-err));
	return 1;
}

/* Answers requests until the mailbox is destroyed. */
static int serve(int space, int mailbox)
{
	char text[128];
	int ret;

	for (;;) {
		struct xipc_recv req = {
			.handle = mailbox,
			.data = ipc_ptr(text),
			.size = sizeof(text),
			.timeout_ns = 10 * SECOND,
		};
		struct xipc_reply reply = { .data = ipc_ptr(text) };
		int i;

		ret = ipc_recv(space, &req);
		if (ret == -EIDRM)
			return 0;
		if (ret < 0)
			return fail("server", "ipc_recv", ret);
		printf("  server: request from pid %d uid %u: \"%.*s\"\n",
		       req.pid, req.uid, ret, text);
		for (i = 0; i < ret; i++)
			text[i] = toupper((unsigned char)text[i]);
		reply.reply = req.reply;
		reply.size = ret;
		ret = ipc_reply(space, &reply);
		if (ret < 0)
			return fail("server", "ipc_reply", ret);
	}
}

static int client(void)
{
	static const char *const words[] = { "hello", "capability", "mailbox" };
	int space = ipc_open(0), mailbox, ret;
	unsigned int i;
	char answer[128];

	if (space < 0)
		return fail("client", "ipc_open", space);
	mailbox = ipc_mailbox_open(space, NAME, 0, 0, XIPC_RIGHT_SEND);
	if (mailbox < 0)
		return fail("client", "ipc_mailbox_open", mailbox);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct xipc_rpc call = {
			.handle = mailbox,
			.type = 1,
			.data = ipc_ptr(words[i]),
			.size = strlen(words[i]),
			.reply_data = ipc_ptr(answer),
			.reply_size = sizeof(answer),
			.timeout_ns = 10 * SECOND,
		};

		ret = ipc_rpc(space, &call);
		if (ret < 0)
			return fail("client", "ipc_rpc", ret);
		printf("client (pid %d): \"%s\" -> \"%.*s\"\n", (int)getpid(),
		       words[i], ret, answer);
	}
	ipc_close(space);
	return 0;
}

int main(void)
{
	int space, mailbox, status, ret;
	pid_t pid;

	space = ipc_open(0);
	if (space < 0)
		return fail("server", "ipc_open", space);
	/* The owner serves; others (and the owner's other processes) may send. */
	mailbox = ipc_mailbox_open(space, NAME, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				   0622, 0);
	if (mailbox < 0)
		return fail("server", "ipc_mailbox_open", mailbox);
	pid = fork();
	if (pid == 0) {
		ret = serve(space, mailbox);
		_exit(ret);
	}
	ret = client();
	ipc_mailbox_unlink(space, NAME);
	/* Stop the server: everyone blocked on the mailbox wakes with EIDRM. */
	ipc_mailbox_destroy(space, mailbox);
	waitpid(pid, &status, 0);
	ret |= !WIFEXITED(status) || WEXITSTATUS(status);
	printf("echo-server: %s\n", ret ? "failed" : "done");
	return ret;
}
