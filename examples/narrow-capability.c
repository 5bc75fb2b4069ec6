// SPDX-License-Identifier: MIT
/*
 * narrow-capability: hand another process less than you hold, then take it back.
 *
 * Process A owns the mailbox "work" (every right). Process B, with a capability
 * space of its own, reaches A through the named mailbox "demo.intro". A sends
 * B a handle to "work" that may only send, stamped with badge 42: B's messages
 * arrive marked as B's, B cannot receive from "work" or pass the handle on,
 * and when A revokes, B's handle stops working.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libipc.h>

#define INTRO "demo.intro"
#define SECOND (1000ULL * 1000 * 1000)
#define BADGE_B 42

static int send_text(int space, int mailbox, const char *text,
		     struct xipc_transfer *transfer)
{
	struct xipc_send msg = {
		.handle = mailbox,
		.type = 1,
		.data = ipc_ptr(text),
		.size = strlen(text),
		.transfers = ipc_ptr(transfer),
		.nr_transfers = transfer ? 1 : 0,
		.timeout_ns = 10 * SECOND,
	};

	return ipc_send(space, &msg);
}

static int recv_text(int space, int mailbox, char *text, size_t size,
		     struct xipc_recv *msg, __u32 *handle)
{
	int ret;

	*msg = (struct xipc_recv){
		.handle = mailbox,
		.data = ipc_ptr(text),
		.size = size - 1,
		.handles = ipc_ptr(handle),
		.max_handles = handle ? 1 : 0,
		.timeout_ns = 10 * SECOND,
	};
	ret = ipc_recv(space, msg);
	if (ret >= 0)
		text[ret] = '\0';
	return ret;
}

/* Process B: its own space; everything it holds came through "demo.intro". */
static int process_b(void)
{
	int space = ipc_open(0), intro, ret;
	struct xipc_recv msg;
	__u32 work = 0;
	char text[64];

	intro = ipc_mailbox_open(space, INTRO, 0, 0, XIPC_RIGHT_RECV);
	if (intro < 0 || recv_text(space, intro, text, sizeof(text), &msg, &work) < 0)
		return 1;
	printf("B: got \"%s\" and handle %u\n", text, work);

	ret = send_text(space, work, "hello from B", NULL);
	printf("B: send through it: %s\n", ret ? strerror(-ret) : "ok");
	ret = recv_text(space, work, text, sizeof(text), &msg, NULL);
	printf("B: receive through it: %s (it may only send)\n", strerror(-ret));
	ret = ipc_handle_dup(space, work, XIPC_RIGHT_SEND, 0, 0);
	printf("B: pass it on: %s (no grant right)\n", strerror(-ret));

	/* Wait until A says it revoked. */
	if (recv_text(space, intro, text, sizeof(text), &msg, NULL) < 0)
		return 1;
	ret = send_text(space, work, "still there?", NULL);
	printf("B: after \"%s\", send: %s\n", text, strerror(-ret));
	ipc_close(space);
	return ret == -EKEYREVOKED ? 0 : 1;
}

int main(void)
{
	int space, intro, work, status, ret;
	struct xipc_recv msg;
	char text[64];
	pid_t b;

	space = ipc_open(0);
	if (space < 0) {
		fprintf(stderr, "narrow-capability: ipc_open: %s\n", strerror(-space));
		return 1;
	}
	work = ipc_mailbox_create(space, 0, 0, 0);
	intro = ipc_mailbox_open(space, INTRO, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				 0600, 0);
	if (work < 0 || intro < 0)
		return 1;
	b = fork();
	if (b == 0)
		_exit(process_b());

	/* A send-only child of "work", badge 42, for B. */
	{
		int for_b = ipc_handle_dup(space, work,
					   XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
					   XIPC_DUP_BADGE, BADGE_B);
		struct xipc_transfer transfer = {
			.handle = for_b,
			.rights = XIPC_RIGHT_SEND,
		};

		ret = send_text(space, intro, "here is a send-only handle to work",
				&transfer);
		ipc_handle_close(space, for_b);
		if (ret < 0)
			return 1;
	}

	ret = recv_text(space, work, text, sizeof(text), &msg, NULL);
	if (ret < 0)
		return 1;
	printf("A: \"work\" got \"%s\" with badge %llu from pid %d\n", text,
	       (unsigned long long)msg.badge, msg.pid);

	ret = ipc_handle_revoke(space, work);
	printf("A: revoked every handle derived from \"work\": %s\n",
	       ret ? strerror(-ret) : "ok");
	send_text(space, intro, "revoked", NULL);

	waitpid(b, &status, 0);
	ipc_mailbox_unlink(space, INTRO);
	ipc_close(space);
	ret = !WIFEXITED(status) || WEXITSTATUS(status);
	printf("narrow-capability: %s\n", ret ? "failed" : "done");
	return ret;
}
