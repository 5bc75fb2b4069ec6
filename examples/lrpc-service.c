// SPDX-License-Identifier: MIT
/*
 * lrpc-service: a service with three procedures, called through LRPC.
 *
 * The server creates the service, registers its procedures (add numbers,
 * checksum a buffer, look up a key) and serves them from two threads. It
 * hands a send-only handle to the service to the client through the named
 * mailbox "demo.lrpc". The client, a separate process with its own
 * capability space, binds, writes its arguments straight into an A-stack
 * (memory the server sees too) and calls; the results come back in the same
 * A-stack, with no copy by the kernel either way.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libipc.h>

#define NAME "demo.lrpc"
#define SECOND (1000ULL * 1000 * 1000)

enum { PROC_ADD = 1, PROC_CHECKSUM, PROC_LOOKUP };

static int fail(const char *who, const char *what, int err)
{
	fprintf(stderr, "lrpc-service: %s: %s: %s\n", who, what, strerror(-err));
	return 1;
}

/* regs[0..n-1] hold n = regs[5] numbers; their sum goes to regs[0]. */
static int add(struct ipc_request *req, void *cookie)
{
	__u64 n = req->args->regs[5], sum = 0, i;

	(void)cookie;
	if (n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++)
		sum += req->args->regs[i];
	req->astack->regs[0] = sum;
	return 0;
}

/* The Fletcher-16 checksum of data[0..size-1], into regs[0]. */
static int checksum(struct ipc_request *req, void *cookie)
{
	__u32 size = req->args->size, a = 0, b = 0, i;

	(void)cookie;
	if (size > req->room)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		a = (a + req->args->data[i]) % 255;
		b = (b + a) % 255;
	}
	req->astack->regs[0] = b << 8 | a;
	return 0;
}

/* Looks the NUL-terminated key in data up; its value goes to data. */
static int lookup(struct ipc_request *req, void *cookie)
{
	static const char *const table[][2] = {
		{ "pipe", "a byte stream between two processes" },
		{ "mailbox", "a typed message queue behind a capability" },
		{ "lrpc", "a call that runs on argument stacks both sides map" },
	};
	__u32 size = req->args->size;
	unsigned int i;

	(void)cookie;
	if (!size || size > req->room || req->args->data[size - 1])
		return -EINVAL;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp((const char *)req->args->data, table[i][0]))
			continue;
		req->astack->size = strlen(table[i][1]) + 1;
		memcpy(req->astack->data, table[i][1], req->astack->size);
		return 0;
	}
	return -ENOENT;
}

static void *serve(void *arg)
{
	int ret = ipc_service_run(arg);

	/* Destroying the service is how this demo stops its server. */
	return (void *)(long)(ret == -EIDRM ? 0 : ret);
}

static int client(void)
{
	static const char *const keys[] = { "lrpc", "futex" };
	struct xipc_recv msg = { .type = 1, .timeout_ns = 10 * SECOND };
	struct xipc_astack *a;
	struct ipc_binding *b;
	int space, mailbox, ret;
	__u32 service;
	unsigned int i;

	space = ipc_open(0);
	if (space < 0)
		return fail("client", "ipc_open", space);
	mailbox = ipc_mailbox_open(space, NAME, 0, 0, XIPC_RIGHT_RECV);
	if (mailbox < 0)
		return fail("client", "ipc_mailbox_open", mailbox);
	msg.handle = mailbox;
	msg.handles = ipc_ptr(&service);
	msg.max_handles = 1;
	ret = ipc_recv(space, &msg);
	if (ret < 0 || msg.nr_handles != 1)
		return fail("client", "ipc_recv", ret < 0 ? ret : -EPROTO);

	ret = ipc_bind(space, service, &b);
	if (ret < 0)
		return fail("client", "ipc_bind", ret);
	ipc_astack_get(b, &a);

	a->regs[0] = 20;
	a->regs[1] = 21;
	a->regs[2] = 1;
	a->regs[5] = 3;
	ret = ipc_call(b, a, PROC_ADD, 10 * SECOND);
	if (ret < 0)
		return fail("client", "ipc_call(add)", ret);
	printf("client: add(20, 21, 1) = %llu (status %d)\n",
	       (unsigned long long)a->regs[0], a->status);

	a->size = snprintf((char *)a->data, ipc_astack_room(b), "abcde");
	ret = ipc_call(b, a, PROC_CHECKSUM, 10 * SECOND);
	if (ret < 0)
		return fail("client", "ipc_call(checksum)", ret);
	printf("client: checksum(\"abcde\") = 0x%04llx (status %d)\n",
	       (unsigned long long)a->regs[0], a->status);

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		a->size = strlen(keys[i]) + 1;
		memcpy(a->data, keys[i], a->size);
		ret = ipc_call(b, a, PROC_LOOKUP, 10 * SECOND);
		if (ret < 0)
			return fail("client", "ipc_call(lookup)", ret);
		printf("client: lookup(\"%s\") = %s (status %d)\n", keys[i],
		       a->status ? "-" : (const char *)a->data, a->status);
	}

	ret = ipc_call(b, a, 99, 10 * SECOND);
	if (ret < 0)
		return fail("client", "ipc_call(99)", ret);
	printf("client: procedure 99 -> status %d (%s)\n", a->status,
	       strerror(-a->status));
	ipc_astack_put(b, a);
	ret = ipc_unbind(b);
	ipc_close(space);
	return ret < 0 ? fail("client", "ipc_unbind", ret) : 0;
}

int main(void)
{
	struct ipc_service_attr attr = { .max_bindings = 4 };
	struct ipc_service *svc;
	int space, mailbox, send_only, status, ret, i;
	struct xipc_transfer grant;
	pthread_t threads[2];
	void *result;
	pid_t pid;

	space = ipc_open(0);
	if (space < 0)
		return fail("server", "ipc_open", space);
	ret = ipc_service_create(space, &attr, &svc);
	if (ret < 0)
		return fail("server", "ipc_service_create", ret);
	ipc_service_register(svc, PROC_ADD, add, NULL);
	ipc_service_register(svc, PROC_CHECKSUM, checksum, NULL);
	ipc_service_register(svc, PROC_LOOKUP, lookup, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, serve, svc);

	/* Clients may bind (SEND) and nothing else; the badge tells them apart. */
	send_only = ipc_handle_dup(space, ipc_service_handle(svc),
				   XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT,
				   XIPC_DUP_BADGE, 42);
	mailbox = ipc_mailbox_open(space, NAME, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				   0644, 0);
	if (send_only < 0 || mailbox < 0)
		return fail("server", "handles", send_only < 0 ? send_only : mailbox);
	grant = (struct xipc_transfer){ .handle = send_only,
					.rights = XIPC_RIGHT_SEND };
	ret = ipc_send(space, &(struct xipc_send){
		.handle = mailbox, .type = 1, .transfers = ipc_ptr(&grant),
		.nr_transfers = 1, .timeout_ns = 10 * SECOND });
	if (ret < 0)
		return fail("server", "ipc_send", ret);

	pid = fork();
	if (pid == 0)
		_exit(client());
	waitpid(pid, &status, 0);
	ret = !WIFEXITED(status) || WEXITSTATUS(status);

	ipc_mailbox_unlink(space, NAME);
	ipc_service_destroy(svc);
	for (i = 0; i < 2; i++) {
		pthread_join(threads[i], &result);
		ret |= result != NULL;
	}
	ipc_service_free(svc);
	printf("lrpc-service: %s\n", ret ? "failed" : "done");
	return ret;
}
