// SPDX-License-Identifier: MIT
/*
 * calc: an LRPC service found through the naming service.
 *
 * The server registers its service under the name "calc" with a policy: the
 * server's own uid may call it, nobody else. A client started before the
 * server waits for the name (IPC_NS_WAIT), gets a send-only handle, binds
 * and calls. A client running as another uid (nobody) is refused by the name
 * server, which sees each requester's uid as the kernel stamped it. The name
 * server, xipc-named, must be running (make demo starts it).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libipc.h>

#define NAME "calc"
#define SECOND (1000ULL * 1000 * 1000)
#define NOBODY 65534

enum { PROC_ADD = 1, PROC_MUL };

static int fail(const char *who, const char *what, int err)
{
	fprintf(stderr, "calc: %s: %s: %s\n", who, what, strerror(-err));
	return 1;
}

static int add(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	req->astack->regs[0] = req->args->regs[0] + req->args->regs[1];
	return 0;
}

static int mul(struct ipc_request *req, void *cookie)
{
	(void)cookie;
	req->astack->regs[0] = req->args->regs[0] * req->args->regs[1];
	return 0;
}

static void *serve(void *svc)
{
	int ret = ipc_service_run(svc);

	return (void *)(long)(ret == -EIDRM ? 0 : ret);	/* destroyed: done */
}

/* Calls @proc with @x and @y through @b; the result, or ~0 on failure. */
static __u64 call(struct ipc_binding *b, __u32 proc, __u64 x, __u64 y)
{
	struct xipc_astack *a;
	__u64 result = ~0ULL;

	if (ipc_astack_get(b, &a))
		return result;
	a->regs[0] = x;
	a->regs[1] = y;
	if (ipc_call(b, a, proc, 10 * SECOND) == 0 && a->status == 0)
		result = a->regs[0];
	ipc_astack_put(b, a);
	return result;
}

/* Started before the server: waits for the name, then calls. */
static int client(void)
{
	struct ipc_binding *b;
	int space, service, ret;
	__u64 product, sum;

	space = ipc_open(0);
	if (space < 0)
		return fail("client", "ipc_open", space);
	printf("client (uid %d): waiting for \"%s\"\n", (int)getuid(), NAME);
	fflush(stdout);
	service = ipc_ns_lookup(space, NAME, 0, IPC_NS_WAIT, 10 * SECOND);
	if (service < 0)
		return fail("client", "ipc_ns_lookup", service);
	ret = ipc_bind(space, (__u32)service, &b);
	if (ret < 0)
		return fail("client", "ipc_bind", ret);
	product = call(b, PROC_MUL, 6, 7);
	sum = call(b, PROC_ADD, 20, 22);
	printf("client (uid %d): 6 * 7 = %llu, 20 + 22 = %llu\n", (int)getuid(),
	       (unsigned long long)product, (unsigned long long)sum);
	ipc_unbind(b);
	ipc_close(space);
	return product == 42 && sum == 42 ? 0 : 1;
}

/* Another uid: the policy gives it nothing. */
static int stranger(void)
{
	int space, ret;

	if (setgid(NOBODY) || setuid(NOBODY)) {
		perror("calc: stranger: setuid");
		return 1;
	}
	space = ipc_open(0);
	if (space < 0)
		return fail("stranger", "ipc_open", space);
	ret = ipc_ns_lookup(space, NAME, 0, 0, 10 * SECOND);
	printf("stranger (uid %d): lookup \"%s\": %s\n", (int)getuid(), NAME,
	       ret < 0 ? strerror(-ret) : "a handle");
	ipc_close(space);
	return ret == -EACCES ? 0 : 1;
}

static int wait_for(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
	       WEXITSTATUS(status) : 1;
}

int main(void)
{
	const struct ipc_ns_rule only_me = {
		.who = IPC_NS_UID, .id = getuid(), .rights = XIPC_RIGHT_SEND,
	};
	struct ipc_service_attr attr = { .max_bindings = 4 };
	static struct ipc_ns_entry entries[IPC_NS_LIST_MAX];
	struct ipc_service *svc;
	bool listed;
	pthread_t thread;
	int space, ret, n;
	void *result;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(client());

	space = ipc_open(0);
	if (space < 0)
		return fail("server", "ipc_open", space);
	ret = ipc_service_create(space, &attr, &svc);
	if (ret < 0)
		return fail("server", "ipc_service_create", ret);
	ipc_service_register(svc, PROC_ADD, add, NULL);
	ipc_service_register(svc, PROC_MUL, mul, NULL);
	pthread_create(&thread, NULL, serve, svc);
	ret = ipc_ns_register(space, NAME, ipc_service_handle(svc), &only_me, 1,
			      10 * SECOND);
	if (ret < 0)
		return fail("server", "ipc_ns_register", ret);
	printf("server: registered \"%s\"; uid %d may call it\n", NAME,
	       (int)getuid());

	ret = wait_for(pid);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(stranger());
	ret |= wait_for(pid);

	n = ipc_ns_list(space, NULL, entries, IPC_NS_LIST_MAX, 10 * SECOND);
	listed = false;
	for (int i = 0; i < n; i++) {
		printf("server: the name server lists \"%s\" of uid %u, %u rule(s)\n",
		       entries[i].name, entries[i].uid, entries[i].nr_rules);
		listed |= !strcmp(entries[i].name, NAME);
	}
	ret |= !listed;
	ret |= ipc_ns_unregister(space, NAME, 10 * SECOND) != 0;
	ipc_service_destroy(svc);
	pthread_join(thread, &result);
	ipc_service_free(svc);
	ret |= result != NULL;
	printf("calc: %s\n", ret ? "failed" : "done");
	return ret;
}
