// SPDX-License-Identifier: MIT
/*
 * The naming service end to end, the daemon xipc-named with libipc's
 * ipc_ns_* calls: a name registered by one process is looked up by another
 * of another uid, with the rights its policy grants (by uid, by gid, never
 * more than the registrant held), and goes when its object dies, is
 * revoked, unregistered or replaced; a lookup may wait for its name, even
 * across a restart of the name server, which registered servers learn of;
 * names are unique per uid, listed by policy in byte order and page by
 * page, and limited per uid and in all; a second name server is refused;
 * hostile requests get their error and leave the name server serving; each
 * bad argument of the library is refused alone; LRPC services are named
 * like mailboxes.
 *
 * Each test runs in an IPC namespace of its own with a name server of its
 * own: xipc-named ($XIPC_NAMED, else ../bin or ../tools beside this
 * program) in the foreground, stopped with SIGTERM, which must end it with
 * status 0. Other users are forked children that switch uid and gid.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libipc.h"
#include "fixture.h"
#include "ns-protocol.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define LONG_NS		XIPC_TEST_LONG_NS
#define NOTICE_TYPE	9
/* xipc-named's request mailbox takes messages of at most this many bytes. */
#define NAMED_MAX_MSG	1024

#define SEND		XIPC_RIGHT_SEND
#define RECV		XIPC_RIGHT_RECV
#define GRANT		XIPC_RIGHT_GRANT
#define MANAGE		XIPC_RIGHT_MANAGE

/* Options of xipc-named, NULL-terminated. */
typedef const char *const named_opts[];

/*
 * Helpers: the name server's life
 */

/* Where xipc-named is: $XIPC_NAMED, else beside the other programs. */
static const char *named_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("XIPC_NAMED");

	if (env && *env)
		return env;
	xipc_test_tool_path("xipc-named", path, sizeof(path));
	return path;
}

/*
 * Starts xipc-named with @opts (NULL: none) in this IPC namespace, in the
 * foreground, its log (standard error) going to @log (-1: the test's own).
 * Does not wait for it.
 */
static pid_t named_spawn_logging(const char *const *opts, int log)
{
	const char *path = named_path();
	char *argv[16];
	size_t n = 0;
	pid_t pid;

	ck_assert_msg(access(path, X_OK) == 0, "%s: %s (set XIPC_NAMED)", path,
		      strerror(errno));
	argv[n++] = (char *)path;
	for (; opts && *opts; opts++) {
		ck_assert(n < ARRAY_SIZE(argv) - 1);
		argv[n++] = (char *)*opts;
	}
	argv[n] = NULL;
	pid = xipc_test_fork();
	if (pid == 0) {
		if (log >= 0)
			dup2(log, STDERR_FILENO);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(126);
	}
	return pid;
}

/* The same, with its log in /dev/null if @quiet. */
static pid_t named_spawn(const char *const *opts, bool quiet)
{
	int null = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
	pid_t pid;

	ck_assert(!quiet || null >= 0);
	pid = named_spawn_logging(opts, null);
	if (null >= 0)
		close(null);
	return pid;
}

/* Starts xipc-named and returns once it serves. */
static pid_t named_start(int space, const char *const *opts, bool quiet)
{
	pid_t pid = named_spawn(opts, quiet);
	int boot = ipc_bootstrap(space, LONG_NS);

	ck_assert_msg(boot > 0, "xipc-named never served: %d", boot);
	ck_assert_int_eq(ipc_handle_close(space, boot), 0);
	return pid;
}

/* Stops it the clean way: SIGTERM, and exit status 0. */
static void named_stop(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
}

/* Kills it the hard way, as a crash would. */
static void named_kill(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	status = xipc_test_wait_status(pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "xipc-named: status %#x", status);
}

/* Stops it (SIGSTOP): it takes no request until named_resume(). */
static void named_pause(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(status));
}

static void named_resume(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
}

/*
 * Every test's start: an IPC namespace of its own (so a name-server role of
 * its own), a space, and its xipc-named with @opts.
 */
static pid_t setup(int *space, const char *const *opts, bool quiet)
{
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	*space = xipc_test_open();
	return named_start(*space, opts, quiet);
}

/* @mailbox of @space registered as @name, with no rules: it must succeed. */
static void assert_registers(int space, const char *name, __u32 mailbox)
{
	ck_assert_int_eq(ipc_ns_register(space, name, mailbox, NULL, 0, LONG_NS),
			 0);
}

/* setup(), and a mailbox of @space (default limits) into @mailbox. */
static pid_t setup_mailbox(int *space, const char *const *opts, bool quiet,
			   __u32 *mailbox)
{
	pid_t named = setup(space, opts, quiet);

	*mailbox = xipc_test_mailbox(*space, 0, 0, 0);
	return named;
}

/*
 * Returns once the name server has taken every request queued before this
 * call: it takes them in order, one at a time.
 */
static void named_sync(int space)
{
	static struct ipc_ns_entry entry;

	ck_assert_int_ge(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 0);
}

/*
 * Helpers: handles and names
 */

static int lookup(int space, const char *name)
{
	return ipc_ns_lookup(space, name, 0, 0, LONG_NS);
}

/* @name names @handle's object: a lookup brings a handle to it. */
static void assert_names(int space, const char *name, __u32 handle)
{
	int found = lookup(space, name);

	ck_assert_msg(found > 0, "lookup \"%s\": %d", name, found);
	ck_assert_uint_eq(fx_object_id(space, found), fx_object_id(space, handle));
	ck_assert_int_eq(ipc_handle_close(space, found), 0);
}

/* A valid register and lookup still work: the name server serves. */
static void assert_serving(int space)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	assert_registers(space, "alive", mailbox);
	assert_names(space, "alive", mailbox);
	ck_assert_int_eq(ipc_ns_unregister(space, "alive", LONG_NS), 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
}

static void make_pipe(int fds[2])
{
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
}

/*
 * Helpers: other users, in forked children
 */

/* All @size bytes at @buf written to @fd (@out) or read from it: 0 or -1. */
static int io_all(int fd, void *buf, size_t size, bool out)
{
	char *p = buf;

	while (size) {
		ssize_t n = out ? write(fd, p, size) : read(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

/*
 * What run_as() runs: @space is the test's space, shared with the child
 * (handles it registers stay alive after the child); @arg, in and out.
 */
typedef int (*as_user_fn)(int space, void *arg);

/*
 * Runs @fn in a child as @uid/@gid; returns what @fn returned, and the
 * @size bytes of @arg as @fn left them.
 */
static int run_as(int space, uid_t uid, gid_t gid, as_user_fn fn, void *arg,
		  size_t size)
{
	int fds[2], result = 0, got;
	pid_t child;

	make_pipe(fds);
	child = xipc_test_fork();
	if (child == 0) {
		close(fds[0]);
		xipc_test_become(uid, gid, NULL, 0);
		result = fn(space, arg);
		CHILD_EXPECT(io_all(fds[1], &result, sizeof(result), true) == 0,
			     85);
		CHILD_EXPECT(io_all(fds[1], arg, size, true) == 0, 86);
		_exit(0);
	}
	close(fds[1]);
	got = io_all(fds[0], &result, sizeof(result), false);
	if (!got)
		got = io_all(fds[0], arg, size, false);
	close(fds[0]);
	ck_assert_int_eq(xipc_test_wait(child), 0);
	ck_assert_int_eq(got, 0);
	return result;
}

struct lookup_args {
	const char *name;
	__u32 rights;
	__u32 flags;
	__u64 timeout_ns;
	struct xipc_handle_info info;	/* out: of the handle found */
};

/* A lookup from a space of the child's own. */
static int lookup_fn(int shared, void *arg)
{
	struct lookup_args *a = arg;
	int space = ipc_open(0), ret;

	(void)shared;
	CHILD_EXPECT(space >= 0, 87);
	ret = ipc_ns_lookup(space, a->name, a->rights, a->flags, a->timeout_ns);
	if (ret > 0)
		CHILD_EXPECT(ipc_handle_info(space, ret, &a->info) == 0, 88);
	return ret;
}

/* ipc_ns_lookup() by @uid/@gid: its result; @info of the handle found. */
static int lookup_as(int space, uid_t uid, gid_t gid, const char *name,
		     __u32 rights, __u32 flags, __u64 timeout_ns,
		     struct xipc_handle_info *info)
{
	struct lookup_args a = {
		.name = name, .rights = rights, .flags = flags,
		.timeout_ns = timeout_ns,
	};
	int ret = run_as(space, uid, gid, lookup_fn, &a, sizeof(a));

	if (info)
		*info = a.info;
	return ret;
}

struct register_args {
	const char *name;
	__u32 handle;			/* in the test's space */
	const struct ipc_ns_rule *rules;
	unsigned int nr_rules;
};

static int register_fn(int space, void *arg)
{
	const struct register_args *a = arg;

	return ipc_ns_register(space, a->name, a->handle, a->rules,
			       a->nr_rules, LONG_NS);
}

/* ipc_ns_register() by @uid/@gid of @handle, from the test's space. */
static int register_as(int space, uid_t uid, gid_t gid, const char *name,
		       __u32 handle, const struct ipc_ns_rule *rules,
		       unsigned int nr_rules)
{
	struct register_args a = {
		.name = name, .handle = handle, .rules = rules,
		.nr_rules = nr_rules,
	};

	return run_as(space, uid, gid, register_fn, &a, sizeof(a));
}

static int unregister_fn(int space, void *arg)
{
	return ipc_ns_unregister(space, arg, LONG_NS);
}

static int unregister_as(int space, uid_t uid, gid_t gid, const char *name)
{
	char copy[IPC_NS_NAME_MAX + 1];

	snprintf(copy, sizeof(copy), "%s", name);
	return run_as(space, uid, gid, unregister_fn, copy, sizeof(copy));
}

#define LIST_AS_MAX 16

struct list_args {
	const char *after;
	unsigned int max;
	struct ipc_ns_entry entries[LIST_AS_MAX];	/* out */
};

static int list_fn(int space, void *arg)
{
	struct list_args *a = arg;

	return ipc_ns_list(space, a->after, a->entries, a->max, LONG_NS);
}

/*
 * A child, as @uid/@gid with a space of its own, whose lookup of @name with
 * IPC_NS_WAIT must bring a send-only handle, through which it sends its pid
 * (type 1). Returns once the child sleeps in its RPC: the request is queued.
 */
static pid_t fork_waiter(uid_t uid, gid_t gid, const char *name)
{
	pid_t child = fx_fork_waiter();

	if (child == 0) {
		struct xipc_handle_info info;
		pid_t me = getpid();
		int own, found;

		xipc_test_become(uid, gid, NULL, 0);
		own = ipc_open(0);
		CHILD_EXPECT(own >= 0, 1);
		fx_waiter_ready();
		found = ipc_ns_lookup(own, name, 0, IPC_NS_WAIT, LONG_NS);
		CHILD_EXPECT(found > 0, 3);
		CHILD_EXPECT(ipc_handle_info(own, found, &info) == 0, 4);
		CHILD_EXPECT(info.rights == SEND, 5);
		CHILD_EXPECT(xipc_test_send(own, found, 1, &me, sizeof(me), 0) == 0,
			     6);
		_exit(0);
	}
	fx_await_asleep(child);
	return child;
}

/* fork_waiter(), returning once the name server holds the lookup. */
static pid_t spawn_waiter(int space, uid_t uid, gid_t gid, const char *name)
{
	pid_t child = fork_waiter(uid, gid, name);

	named_sync(space);
	return child;
}

/*
 * Takes the messages of fork_waiter() children off @mailbox: one from each
 * of the @n uids of @uids, in any order (the children race), and no other.
 */
static void assert_waiter_messages(int space, __u32 mailbox, const uid_t *uids,
				   size_t n)
{
	bool taken[8] = { false };
	struct xipc_recv msg;
	pid_t sender;
	size_t i, j;

	ck_assert_uint_le(n, ARRAY_SIZE(taken));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(xipc_test_recv(space, mailbox, 1, &sender,
						sizeof(sender), 0, &msg),
				 sizeof(sender));
		ck_assert_int_eq(msg.pid, sender);
		for (j = 0; j < n && (taken[j] || uids[j] != msg.uid); j++)
			;
		ck_assert_msg(j < n, "a message from uid %u", msg.uid);
		taken[j] = true;
	}
	xipc_test_assert_empty(space, mailbox);
}

/*
 * The tests
 */

/* Registers "echo" as uid 2000, then takes one message: from uid 1000. */
/*
 * In a server child: a space of its own with a mailbox registered as @name
 * (into @mailbox), said through @ready (exit codes 1 to 4): the space.
 */
static int register_and_tell(const char *name, int ready, int *mailbox)
{
	int space = ipc_open(0);

	CHILD_EXPECT(space >= 0, 1);
	*mailbox = ipc_mailbox_create(space, 0, 0, 0);
	CHILD_EXPECT(*mailbox > 0, 2);
	CHILD_EXPECT(ipc_ns_register(space, name, *mailbox, NULL, 0,
				     LONG_NS) == 0, 3);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, 4);
	return space;
}

/* Forks @server(ready) and returns once it said it is ready: its pid. */
static pid_t fork_ready(void (*server)(int ready))
{
	pid_t pid;
	int ready[2];

	make_pipe(ready);
	pid = xipc_test_fork();
	if (pid == 0)
		server(ready[1]);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	return pid;
}

static void __attribute__((noreturn)) echo_server(int ready)
{
	struct xipc_recv msg;
	int space, mailbox;
	pid_t sender;

	xipc_test_become(2000, 2000, NULL, 0);
	space = register_and_tell("echo", ready, &mailbox);
	CHILD_EXPECT(xipc_test_recv(space, mailbox, 1, &sender, sizeof(sender),
				    LONG_NS, &msg) == (int)sizeof(sender), 5);
	CHILD_EXPECT(msg.pid == sender, 6);
	CHILD_EXPECT(msg.uid == 1000 && msg.gid == 1000, 7);
	_exit(0);
}

/* As uid 1000: looks "echo" up, and sends its pid through what it got. */
static void __attribute__((noreturn)) echo_client(void)
{
	struct xipc_handle_info info;
	pid_t me = getpid();
	int space, found;

	xipc_test_become(1000, 1000, NULL, 0);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 1);
	found = ipc_ns_lookup(space, "echo", 0, 0, LONG_NS);
	CHILD_EXPECT(found > 0, 2);
	CHILD_EXPECT(ipc_handle_info(space, found, &info) == 0, 3);
	CHILD_EXPECT(info.type == XIPC_OBJECT_MAILBOX, 4);
	CHILD_EXPECT(info.rights == SEND, 5);
	CHILD_EXPECT(info.badge == 0 && info.state == 0, 6);
	CHILD_EXPECT(xipc_test_send(space, found, 1, &me, sizeof(me),
				    LONG_NS) == 0, 7);
	_exit(0);
}

FX_TEST("naming", test_register_then_lookup_across_processes)
{
	pid_t named, server, client;
	int space;

	named = setup(&space, NULL, false);
	server = fork_ready(echo_server);
	client = xipc_test_fork();
	if (client == 0)
		echo_client();
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_policy_by_uid_and_gid)
{
	static const struct ipc_ns_rule rules[] = {
		{ .who = IPC_NS_UID, .id = 1000, .rights = SEND },
		{ .who = IPC_NS_GID, .id = 2000, .rights = SEND | GRANT },
	};
	static const struct {
		uid_t uid;
		gid_t gid;
		__u32 want;	/* 0: all the policy grants */
		int error;
		__u32 rights;	/* got, without error */
	} cases[] = {
		{ 1000, 1000, 0, 0, SEND },
		{ 3000, 2000, 0, 0, SEND | GRANT },
		{ 1000, 2000, 0, 0, SEND | GRANT },	/* both rules: the union */
		{ 3000, 3000, 0, -EACCES, 0 },
		{ 0, 0, 0, -EACCES, 0 },		/* root is nobody special */
		{ 1000, 1000, MANAGE, -EACCES, 0 },
		{ 1000, 1000, SEND | GRANT, -EACCES, 0 },
		{ 3000, 2000, SEND | RECV, -EACCES, 0 },
		{ 3000, 2000, SEND, 0, SEND },
		{ 3000, 2000, GRANT, 0, GRANT },
		{ 1000, 1000, SEND, 0, SEND },
	};
	struct xipc_handle_info info;
	__u32 mailbox;
	pid_t named;
	size_t i;
	int space;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	ck_assert_int_eq(ipc_ns_register(space, "policy", mailbox, rules,
					 ARRAY_SIZE(rules), LONG_NS), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = lookup_as(space, cases[i].uid, cases[i].gid, "policy",
				    cases[i].want, 0, LONG_NS, &info);

		if (cases[i].error) {
			ck_assert_msg(ret == cases[i].error,
				      "case %zu: uid %u gid %u rights %#x: %d, expected %d",
				      i, cases[i].uid, cases[i].gid,
				      cases[i].want, ret, cases[i].error);
			continue;
		}
		ck_assert_msg(ret > 0, "case %zu: uid %u gid %u rights %#x: %d",
			      i, cases[i].uid, cases[i].gid, cases[i].want, ret);
		ck_assert_msg(info.rights == cases[i].rights,
			      "case %zu: rights %#x, expected %#x", i,
			      info.rights, cases[i].rights);
		ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
		ck_assert_uint_eq(info.object_id, fx_object_id(space, mailbox));
	}
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_rights_never_exceed_the_registrants)
{
	static const struct ipc_ns_rule recv_rule = {
		.who = IPC_NS_EVERYONE, .rights = RECV,
	};
	static const struct ipc_ns_rule send_grant = {
		.who = IPC_NS_EVERYONE, .rights = SEND | GRANT,
	};
	static const struct ipc_ns_rule uid_send = {
		.who = IPC_NS_UID, .id = 1000, .rights = SEND,
	};
	struct xipc_handle_info info;
	struct ipc_ns_entry entry;
	__u32 mailbox, held, send_only;
	int found, space;
	pid_t named;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	held = fx_dup(space, mailbox, SEND | GRANT, 0, 0);
	send_only = fx_dup(space, mailbox, SEND, 0, 0);
	ck_assert_int_eq(ipc_ns_register(space, "r", held, &recv_rule, 1,
					 LONG_NS), -EPERM);
	ck_assert_int_eq(ipc_ns_register(space, "r", send_only, NULL, 0,
					 LONG_NS), -EPERM);
	ck_assert_int_eq(lookup(space, "r"), -ENOENT);

	ck_assert_int_eq(ipc_ns_register(space, "r", held, &send_grant, 1,
					 LONG_NS), 0);
	ck_assert_int_gt(lookup_as(space, 1000, 1000, "r", 0, 0, LONG_NS,
				   &info), 0);
	ck_assert_uint_eq(info.rights, SEND | GRANT);
	ck_assert_int_eq(lookup_as(space, 1000, 1000, "r", MANAGE, 0, LONG_NS,
				   NULL), -EACCES);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, "r");
	ck_assert_uint_eq(entry.rights, SEND | GRANT);

	/* With every right, the name server still keeps only what it gives. */
	ck_assert_int_eq(ipc_ns_register(space, "full", mailbox, &uid_send, 1,
					 LONG_NS), 0);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, "full");
	ck_assert_uint_eq(entry.rights, SEND | GRANT);

	/* Revoking the registrant's parent reaches the name server's copy. */
	found = lookup(space, "r");
	ck_assert_int_gt(found, 0);
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, found).state, XIPC_STATE_REVOKED);
	ck_assert_int_eq(lookup(space, "r"), -ENOENT);
	ck_assert_int_eq(lookup_as(space, 1000, 1000, "full", 0, 0, LONG_NS,
				   NULL), -ENOENT);
	ck_assert_int_eq(ipc_ns_register(space, "r", held, &send_grant, 1,
					 LONG_NS), -EKEYREVOKED);
	named_stop(named);
}
END_TEST

/*
 * A registration whose handle a revoke reaches is forgotten at once, not at
 * the next lookup: the kernel tells the name server's watch through the
 * revoked handle, and the name server takes notices before each request,
 * so a list sent after the revoke returned no longer shows the name.
 */
FX_TEST("naming", test_revoked_registration_is_forgotten_at_once)
{
	struct ipc_ns_entry entry;
	__u32 mailbox, parent, held;
	pid_t named;
	int space;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	parent = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	held = fx_dup(space, parent, SEND | GRANT, 0, 0);
	assert_registers(space, "revoked", held);
	assert_registers(space, "kept", mailbox);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, "kept");
	ck_assert_int_eq(ipc_ns_list(space, "kept", &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, "revoked");

	ck_assert_int_eq(ipc_handle_revoke(space, parent), 0);
	ck_assert_int_eq(ipc_ns_list(space, "kept", &entry, 1, LONG_NS), 0);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, "kept");
	named_stop(named);
}
END_TEST

/* Registers "doomed", says so, and waits to be killed. */
static void __attribute__((noreturn)) doomed_server(int ready)
{
	int mailbox;

	register_and_tell("doomed", ready, &mailbox);
	for (;;)
		pause();
}

FX_TEST("naming", test_dead_servers_name_disappears)
{
	__u32 mailbox, kept, receiver, dead;
	int space, found, status;
	pid_t named, server;

	named = setup(&space, NULL, false);
	server = fork_ready(doomed_server);
	found = lookup(space, "doomed");
	ck_assert_int_gt(found, 0);
	ck_assert_int_eq(kill(server, SIGKILL), 0);
	status = xipc_test_wait_status(server);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Its space went with it: the name server heard before this lookup. */
	ck_assert_int_eq(lookup(space, "doomed"), -ENOENT);
	ck_assert_uint_eq(xipc_test_handle_info(space, found).state,
			  XIPC_STATE_NO_RECEIVER);

	/* The last receive handle closed: the same. */
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	assert_registers(space, "closed", mailbox);
	assert_names(space, "closed", mailbox);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(lookup(space, "closed"), -ENOENT);

	/* Not while another receive handle remains. */
	kept = xipc_test_mailbox(space, 0, 0, 0);
	receiver = fx_dup(space, kept, RECV, 0, 0);
	assert_registers(space, "kept", kept);
	ck_assert_int_eq(ipc_handle_close(space, kept), 0);
	assert_names(space, "kept", receiver);
	ck_assert_int_eq(ipc_handle_close(space, receiver), 0);
	ck_assert_int_eq(lookup(space, "kept"), -ENOENT);

	/* Destroyed: the same. */
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	assert_registers(space, "destroyed", mailbox);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	ck_assert_int_eq(lookup(space, "destroyed"), -ENOENT);

	/* Dead before it was registered: gone at once. */
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	dead = fx_dup(space, mailbox, SEND | GRANT, 0, 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	assert_registers(space, "dead", dead);
	ck_assert_int_eq(lookup(space, "dead"), -ENOENT);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_second_name_server_is_refused)
{
	static named_opts bad_usage = { "-n", "0", NULL };
	pid_t named, second;
	int space;

	named = setup(&space, NULL, false);
	second = named_spawn(NULL, false);
	ck_assert_int_eq(xipc_test_wait(second), 1);
	second = named_spawn(bad_usage, true);
	ck_assert_int_eq(xipc_test_wait(second), 2);
	/* The first serves on. */
	assert_serving(space);
	named_stop(named);
}
END_TEST

/*
 * Registers "svc" and watches the name server; when it dies, registers
 * "svc" again and "late" with the next one, and watches that. Then, told to
 * go on, takes the message of the client that waited for "late" all along.
 */
static void __attribute__((noreturn)) restart_server(int ready, int go)
{
	struct xipc_handle_info first, second;
	struct xipc_death_notice notice;
	int space, mailbox, notices, watch;
	struct xipc_recv msg;
	pid_t sender;

	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 1);
	mailbox = ipc_mailbox_create(space, 0, 0, 0);
	notices = ipc_mailbox_create(space, 0, 0, 0);
	CHILD_EXPECT(mailbox > 0 && notices > 0, 2);
	CHILD_EXPECT(ipc_ns_register(space, "svc", mailbox, NULL, 0,
				     LONG_NS) == 0, 3);
	watch = ipc_ns_watch(space, notices, NOTICE_TYPE, 42, LONG_NS);
	CHILD_EXPECT(watch > 0, 4);
	CHILD_EXPECT(ipc_handle_info(space, watch, &first) == 0, 5);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, 6);

	CHILD_EXPECT(xipc_test_recv(space, notices, NOTICE_TYPE, &notice,
				    sizeof(notice), LONG_NS, &msg) ==
		     (int)sizeof(notice), 7);
	CHILD_EXPECT(notice.cookie == 42, 8);
	CHILD_EXPECT(notice.object_id == first.object_id, 9);
	CHILD_EXPECT(ipc_handle_close(space, watch) == 0, 10);
	CHILD_EXPECT(ipc_ns_register(space, "svc", mailbox, NULL, 0,
				     LONG_NS) == 0, 11);
	CHILD_EXPECT(ipc_ns_register(space, "late", mailbox, NULL, 0,
				     LONG_NS) == 0, 12);
	watch = ipc_ns_watch(space, notices, NOTICE_TYPE, 43, LONG_NS);
	CHILD_EXPECT(watch > 0, 13);
	CHILD_EXPECT(ipc_handle_info(space, watch, &second) == 0, 14);
	CHILD_EXPECT(second.object_id != first.object_id, 15);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, 16);

	/* Alive (so registered) until the test looked "svc" up. */
	CHILD_EXPECT(xipc_test_await(go) == 0, 17);
	CHILD_EXPECT(xipc_test_recv(space, mailbox, 1, &sender, sizeof(sender),
				    LONG_NS, &msg) == (int)sizeof(sender), 18);
	CHILD_EXPECT(msg.pid == sender && msg.uid == 1000, 19);
	_exit(0);
}

FX_TEST("naming", test_name_server_restart)
{
	int space, ready[2], go[2], found;
	pid_t named, server, client;

	named = setup(&space, NULL, false);
	make_pipe(ready);
	make_pipe(go);
	server = xipc_test_fork();
	if (server == 0)
		restart_server(ready[1], go[0]);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	client = spawn_waiter(space, 1000, 1000, "late");

	named_kill(named);
	/* No name server: a call waits for one, and times out. */
	ck_assert_int_eq(ipc_ns_lookup(space, "svc", 0, 0, XIPC_TEST_SHORT_NS),
			 -ETIMEDOUT);
	named = named_start(space, NULL, false);
	/* The server registered again; the client's lookup was asked again. */
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	found = lookup(space, "svc");
	ck_assert_int_gt(found, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, found).type, XIPC_OBJECT_MAILBOX);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_request_queued_when_the_name_server_dies)
{
	static const uid_t uids[] = { 1000, 1000, 2000 };
	pid_t named, clients[ARRAY_SIZE(uids)];
	__u32 mailbox;
	size_t i;
	int space;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	/* Stopped, it takes no request: theirs stay queued. */
	named_pause(named);
	for (i = 0; i < ARRAY_SIZE(uids); i++)
		clients[i] = fork_waiter(uids[i], uids[i], "q");
	/* Its death drops them; the library asks the next name server. */
	named_kill(named);
	named = named_start(space, NULL, false);
	assert_registers(space, "q", mailbox);
	for (i = 0; i < ARRAY_SIZE(uids); i++)
		ck_assert_int_eq(xipc_test_wait(clients[i]), 0);
	assert_waiter_messages(space, mailbox, uids, ARRAY_SIZE(uids));
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_abandoned_request_is_not_carried_out)
{
	__u32 mailbox, other;
	pid_t named;
	int space;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	other = xipc_test_mailbox(space, 0, 0, 0);
	assert_registers(space, "kept", mailbox);
	/* Queued while it is stopped, and given up on: the callers are told. */
	named_pause(named);
	ck_assert_int_eq(ipc_ns_register(space, "gave-up", mailbox, NULL, 0,
					 XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(ipc_ns_unregister(space, "kept", XIPC_TEST_SHORT_NS),
			 -ETIMEDOUT);
	ck_assert_int_eq(ipc_ns_register(space, "kept", other, NULL, 0,
					 XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	named_resume(named);
	/* So none of it happened. */
	ck_assert_int_eq(lookup(space, "gave-up"), -ENOENT);
	assert_names(space, "kept", mailbox);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_lookup_waits_for_the_name)
{
	static named_opts two_waits = { "-w", "2", NULL };
	pid_t named, first, second, other;
	__u32 mailbox;
	int space;

	named = setup_mailbox(&space, two_waits, false, &mailbox);
	first = spawn_waiter(space, 1000, 1000, "q");
	second = spawn_waiter(space, 1000, 1000, "q");
	/* A third waiting lookup of uid 1000 is over its quota... */
	ck_assert_int_eq(lookup_as(space, 1000, 1000, "q", 0, IPC_NS_WAIT,
				   LONG_NS, NULL), -EDQUOT);
	/* ...not one that does not wait, nor one of another uid. */
	ck_assert_int_eq(lookup_as(space, 1000, 1000, "q", 0, 0, LONG_NS, NULL),
			 -ENOENT);
	other = spawn_waiter(space, 2000, 2000, "q");

	assert_registers(space, "q", mailbox);
	ck_assert_int_eq(xipc_test_wait(first), 0);
	ck_assert_int_eq(xipc_test_wait(second), 0);
	ck_assert_int_eq(xipc_test_wait(other), 0);
	/* Each got the mailbox registered: one message each. */
	assert_waiter_messages(space, mailbox, (const uid_t[]){ 1000, 1000, 2000 },
			       3);

	/* A name that never comes. */
	ck_assert_int_eq(lookup_as(space, 1000, 1000, "never", 0, IPC_NS_WAIT,
				   XIPC_TEST_SHORT_NS, NULL), -ETIMEDOUT);
	ck_assert_int_eq(ipc_ns_lookup(space, "never", 0, IPC_NS_WAIT,
				       XIPC_TEST_SHORT_NS), -ETIMEDOUT);
	/* The lookup that gave up no longer counts against the quota. */
	first = spawn_waiter(space, 1000, 1000, "q2");
	second = spawn_waiter(space, 1000, 1000, "q2");
	assert_registers(space, "q2", mailbox);
	ck_assert_int_eq(xipc_test_wait(first), 0);
	ck_assert_int_eq(xipc_test_wait(second), 0);
	assert_waiter_messages(space, mailbox, (const uid_t[]){ 1000, 1000 }, 2);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_names_are_unique)
{
	__u32 first, second;
	pid_t named;
	int space;

	named = setup_mailbox(&space, NULL, false, &first);
	second = xipc_test_mailbox(space, 0, 0, 0);
	assert_registers(space, "svc", first);
	assert_names(space, "svc", first);
	/* The same uid again: it replaces the registration. */
	assert_registers(space, "svc", second);
	assert_names(space, "svc", second);
	/* The replaced object's death no longer concerns the name. */
	ck_assert_int_eq(ipc_handle_close(space, first), 0);
	assert_names(space, "svc", second);

	/* Another uid may neither take it nor take it back. */
	ck_assert_int_eq(register_as(space, 1000, 1000, "svc", second, NULL, 0),
			 -EEXIST);
	ck_assert_int_eq(unregister_as(space, 1000, 1000, "svc"), -EPERM);
	assert_names(space, "svc", second);
	ck_assert_int_eq(ipc_ns_unregister(space, "nope", LONG_NS), -ENOENT);

	ck_assert_int_eq(ipc_ns_unregister(space, "svc", LONG_NS), 0);
	ck_assert_int_eq(lookup(space, "svc"), -ENOENT);
	ck_assert_int_eq(ipc_ns_unregister(space, "svc", LONG_NS), -ENOENT);
	/* Free again, for anyone. */
	ck_assert_int_eq(register_as(space, 1000, 1000, "svc", second, NULL, 0),
			 0);
	assert_names(space, "svc", second);
	ck_assert_int_eq(ipc_ns_unregister(space, "svc", LONG_NS), -EPERM);
	named_stop(named);
}
END_TEST

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* @n entries are exactly the names @expected, in this order. */
static void assert_entries(const struct ipc_ns_entry *entries, int n,
			   const char *const *expected, int nr_expected)
{
	int i;

	ck_assert_int_eq(n, nr_expected);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(entries[i].name, expected[i]);
}

/* What @uid/@gid lists after @after, at most @max: exactly @expected. */
static void assert_list_as(int space, uid_t uid, gid_t gid, const char *after,
			   unsigned int max, const char *const *expected,
			   int nr_expected)
{
	static struct list_args a;
	int n;

	memset(&a, 0, sizeof(a));
	a.after = after;
	a.max = max;
	n = run_as(space, uid, gid, list_fn, &a, sizeof(a));
	assert_entries(a.entries, n, expected, nr_expected);
}

FX_TEST("naming", test_list_honours_policy_in_byte_order)
{
	static const struct ipc_ns_rule uid_1000 = {
		.who = IPC_NS_UID, .id = 1000, .rights = SEND,
	};
	static const struct ipc_ns_rule gid_2000 = {
		.who = IPC_NS_GID, .id = 2000, .rights = SEND,
	};
	static const struct ipc_ns_rule uid_3000 = {
		.who = IPC_NS_UID, .id = 3000, .rights = SEND,
	};
	static const struct ipc_ns_rule uid_4000 = {
		.who = IPC_NS_UID, .id = 4000, .rights = SEND,
	};
	static const char *const by_root[] = {
		"!first", "Zeta", "alpha", "beta", "gamma", "~last",
	};
	static const char *const seen_by_1000[] = {
		"!first", "Zeta", "alpha", "mine", "~last",
	};
	static const char *const seen_by_gid_2000[] = {
		"!first", "Zeta", "beta", "gamma", "~last",
	};
	static const char *const seen_by_4000[] = {
		"!first", "Zeta", "mine", "~last",
	};
	static struct ipc_ns_entry entries[IPC_NS_LIST_MAX + 1];
	__u32 mailbox;
	pid_t named;
	int space, n;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	assert_registers(space, "~last", mailbox);
	ck_assert_int_eq(ipc_ns_register(space, "alpha", mailbox, &uid_1000, 1,
					 LONG_NS), 0);
	ck_assert_int_eq(ipc_ns_register(space, "gamma", mailbox, &uid_3000, 1,
					 LONG_NS), 0);
	ck_assert_int_eq(ipc_ns_register(space, "beta", mailbox, &gid_2000, 1,
					 LONG_NS), 0);
	assert_registers(space, "Zeta", mailbox);
	assert_registers(space, "!first", mailbox);
	ck_assert_int_eq(register_as(space, 1000, 1000, "mine", mailbox,
				     &uid_4000, 1), 0);

	/* Root registered six, and may look none of "mine" up. */
	n = ipc_ns_list(space, NULL, entries, IPC_NS_LIST_MAX, LONG_NS);
	assert_entries(entries, n, by_root, ARRAY_SIZE(by_root));
	ck_assert_uint_eq(entries[2].uid, 0);
	ck_assert_uint_eq(entries[2].gid, 0);
	ck_assert_uint_eq(entries[2].object_id, fx_object_id(space, mailbox));
	ck_assert_uint_eq(entries[2].type, XIPC_OBJECT_MAILBOX);
	ck_assert_uint_eq(entries[2].rights, SEND | GRANT);
	ck_assert_uint_eq(entries[2].nr_rules, 1);
	ck_assert_mem_eq(&entries[2].rules[0], &uid_1000, sizeof(uid_1000));
	/* The default policy, spelt out. */
	ck_assert_uint_eq(entries[1].nr_rules, 1);
	ck_assert_uint_eq(entries[1].rules[0].who, IPC_NS_EVERYONE);
	ck_assert_uint_eq(entries[1].rules[0].id, 0);
	ck_assert_uint_eq(entries[1].rules[0].rights, SEND);
	ck_assert_uint_eq(entries[1].rules[0].reserved, 0);

	/* Others see what they may look up, and what they registered. */
	assert_list_as(space, 1000, 1000, NULL, LIST_AS_MAX, seen_by_1000,
		       ARRAY_SIZE(seen_by_1000));
	assert_list_as(space, 3000, 2000, NULL, LIST_AS_MAX, seen_by_gid_2000,
		       ARRAY_SIZE(seen_by_gid_2000));
	assert_list_as(space, 4000, 4000, NULL, LIST_AS_MAX, seen_by_4000,
		       ARRAY_SIZE(seen_by_4000));
	/* Pages skip what the caller may not see. */
	assert_list_as(space, 1000, 1000, "alpha", 1, &seen_by_1000[3], 1);
	assert_list_as(space, 4000, 4000, "Zeta", 2, &seen_by_4000[2], 2);

	/* Page by page, one entry at a time, then from a name not listed. */
	for (size_t i = 0; i <= ARRAY_SIZE(by_root); i++) {
		n = ipc_ns_list(space, i ? by_root[i - 1] : "", entries, 1,
				LONG_NS);
		if (i == ARRAY_SIZE(by_root)) {
			ck_assert_int_eq(n, 0);
			break;
		}
		assert_entries(entries, n, &by_root[i], 1);
	}
	n = ipc_ns_list(space, "b", entries, IPC_NS_LIST_MAX, LONG_NS);
	assert_entries(entries, n, &by_root[3], 3);

	ck_assert_int_eq(ipc_ns_list(space, NULL, entries, 0, LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_list(space, NULL, entries, IPC_NS_LIST_MAX + 1,
				     LONG_NS), -EINVAL);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_list_pages_of_the_most_entries)
{
	enum { NR_NAMES = IPC_NS_LIST_MAX + 13 };
	static struct ipc_ns_entry entries[IPC_NS_LIST_MAX];
	static char names[NR_NAMES][8];
	const char *sorted[NR_NAMES];
	int space, n, total = 0;
	__u32 mailbox;
	pid_t named;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	/* Registered out of order: 5 * i mod NR_NAMES visits every i. */
	for (int i = 0; i < NR_NAMES; i++) {
		int k = (5 * i) % NR_NAMES;

		snprintf(names[k], sizeof(names[k]), "n%c%02d", 'z' - k % 26, k);
		ck_assert_int_eq(ipc_ns_register(space, names[k], mailbox, NULL,
						 0, LONG_NS), 0);
		sorted[k] = names[k];
	}
	qsort(sorted, NR_NAMES, sizeof(sorted[0]), name_cmp);
	do {
		n = ipc_ns_list(space, total ? sorted[total - 1] : NULL,
				entries, IPC_NS_LIST_MAX, LONG_NS);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(total + n, NR_NAMES);
		assert_entries(entries, n, &sorted[total], n);
		total += n;
	} while (n == IPC_NS_LIST_MAX);
	ck_assert_int_eq(total, NR_NAMES);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_names_per_uid_quota)
{
	static named_opts quota = { "-u", "1000", NULL };
	char name[16];
	__u32 mailbox;
	pid_t named;
	int space;

	named = setup_mailbox(&space, quota, true, &mailbox);
	/* One handle under many names. */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "q%04d", i);
		assert_registers(space, name, mailbox);
	}
	ck_assert_int_eq(ipc_ns_register(space, "q1000", mailbox, NULL, 0,
					 LONG_NS), -EDQUOT);
	/* Replacing one of its names is no new name. */
	assert_registers(space, "q0999", mailbox);
	/* The quota is the uid's alone. */
	ck_assert_int_eq(register_as(space, 1000, 1000, "other", mailbox, NULL,
				     0), 0);
	ck_assert_int_eq(ipc_ns_unregister(space, "q0500", LONG_NS), 0);
	assert_registers(space, "q1000", mailbox);
	ck_assert_int_eq(ipc_ns_register(space, "q1001", mailbox, NULL, 0,
					 LONG_NS), -EDQUOT);
	assert_names(space, "q1000", mailbox);
	assert_names(space, "other", mailbox);
	ck_assert_int_eq(lookup(space, "q1001"), -ENOENT);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_total_names_limit)
{
	static named_opts three = { "-n", "3", NULL };
	__u32 mailbox;
	pid_t named;
	int space;

	named = setup_mailbox(&space, three, false, &mailbox);
	assert_registers(space, "a", mailbox);
	assert_registers(space, "b", mailbox);
	ck_assert_int_eq(register_as(space, 1000, 1000, "c", mailbox, NULL, 0),
			 0);
	ck_assert_int_eq(register_as(space, 1000, 1000, "d", mailbox, NULL, 0),
			 -ENOSPC);
	ck_assert_int_eq(ipc_ns_register(space, "e", mailbox, NULL, 0, LONG_NS),
			 -ENOSPC);
	/* Full, a replacement still goes through. */
	assert_registers(space, "a", mailbox);
	ck_assert_int_eq(ipc_ns_unregister(space, "b", LONG_NS), 0);
	ck_assert_int_eq(register_as(space, 1000, 1000, "d", mailbox, NULL, 0),
			 0);
	assert_names(space, "d", mailbox);
	ck_assert_int_eq(lookup(space, "e"), -ENOENT);
	named_stop(named);
}
END_TEST

/*
 * Hostile requests, made by hand through a bootstrap handle
 */

/* A valid request of @name, for an op that uses nothing else. */
static struct ipc_ns_request request(const char *name)
{
	struct ipc_ns_request req;

	memset(&req, 0, sizeof(req));
	req.protocol = IPC_NS_PROTOCOL;
	ck_assert(strlen(name) < sizeof(req.name));
	memcpy(req.name, name, strlen(name));
	return req;
}

/* What a raw request got: ipc_rpc()'s result and the answer. */
struct raw_answer {
	int ret;
	struct ipc_ns_reply reply;
	__u32 nr_handles;
	__u32 handle;
};

static struct raw_answer raw_request(int space, __s64 op, const void *data,
				     size_t size,
				     const struct xipc_transfer *transfers,
				     __u32 nr_transfers)
{
	struct raw_answer a;
	struct xipc_rpc call;
	int boot = ipc_bootstrap(space, 0);

	ck_assert_int_gt(boot, 0);
	memset(&a, POISON_BYTE, sizeof(a));
	call = (struct xipc_rpc){
		.handle = boot,
		.type = op,
		.data = ipc_ptr(data),
		.size = size,
		.transfers = ipc_ptr(transfers),
		.nr_transfers = nr_transfers,
		.reply_data = ipc_ptr(&a.reply),
		.reply_size = sizeof(a.reply),
		.reply_handles = ipc_ptr(&a.handle),
		.max_reply_handles = 1,
		.timeout_ns = LONG_NS,
	};
	a.ret = ipc_rpc(space, &call);
	a.nr_handles = call.nr_reply_handles;
	ck_assert_int_eq(ipc_handle_close(space, boot), 0);
	return a;
}

/*
 * The raw request is answered with @error alone, and the name server
 * serves on. @what names the case in a failure.
 */
static void assert_refused(int space, const char *what, __s64 op,
			   const void *data, size_t size,
			   const struct xipc_transfer *transfers,
			   __u32 nr_transfers, int error)
{
	struct raw_answer a = raw_request(space, op, data, size, transfers,
					  nr_transfers);

	ck_assert_msg(a.ret == (int)sizeof(a.reply), "%s: rpc returned %d",
		      what, a.ret);
	ck_assert_msg(a.reply.error == error, "%s: error %d, expected %d", what,
		      a.reply.error, error);
	ck_assert_msg(a.reply.count == 0, "%s: count %u", what, a.reply.count);
	ck_assert_msg(a.nr_handles == 0, "%s: %u handles", what, a.nr_handles);
	assert_serving(space);
}

/* A request refused for one field: @req as @op, no handles. */
static void assert_field_refused(int space, const char *what, __s64 op,
				 const struct ipc_ns_request *req, int error)
{
	assert_refused(space, what, op, req, sizeof(*req), NULL, 0, error);
}

/* A raw lookup of @name whose caller has no room for the handle. */
static int lookup_without_room(int space, const char *name)
{
	struct ipc_ns_request req = request(name);
	struct ipc_ns_reply reply;
	int boot = ipc_bootstrap(space, 0), ret;
	struct xipc_rpc call = {
		.handle = (__u32)boot,
		.type = IPC_NS_OP_LOOKUP,
		.data = ipc_ptr(&req),
		.size = sizeof(req),
		.reply_data = ipc_ptr(&reply),
		.reply_size = sizeof(reply),
		.timeout_ns = LONG_NS,
	};

	ck_assert_int_gt(boot, 0);
	ret = ipc_rpc(space, &call);
	ck_assert_int_eq(ipc_handle_close(space, boot), 0);
	return ret;
}

/*
 * One field of a valid request("x") set to a bad value, sent as @op: the
 * name server answers with the row's errno alone.
 */
#define NS_BAD(op_, field, bad, error) \
	{ IPC_NS_OP_ ## op_, FX_BAD(struct ipc_ns_request, field, bad, error) }
static const struct {
	__s64 op;
	struct fx_row row;
} bad_fields[] = {
	NS_BAD(LOOKUP, protocol, IPC_NS_PROTOCOL + 1, EBADMSG),
	NS_BAD(LOOKUP, reserved, 1, EBADMSG),
	NS_BAD(LOOKUP, reserved2, 1, EBADMSG),
	/* Bytes after the name's NUL. */
	NS_BAD(LOOKUP, name[2], 'y', EBADMSG),
	/* Fields the op does not use. */
	NS_BAD(UNREGISTER, rights, SEND, EBADMSG),
	NS_BAD(LIST, deadline_ns, 1, EBADMSG),
	NS_BAD(LOOKUP, max_entries, 1, EBADMSG),
	{ IPC_NS_OP_LOOKUP,
	  FX_BAD_WITH(struct ipc_ns_request, rules[0].rights, RECV,
		      rules[0].who, IPC_NS_EVERYONE, EBADMSG) },
	NS_BAD(LOOKUP, rights, 1U << 4, EINVAL),
};

FX_TEST("naming", test_hostile_requests_leave_it_serving)
{
	static const struct ipc_ns_rule recv_rule = {
		.who = IPC_NS_EVERYONE, .rights = RECV,
	};
	static unsigned char garbage[NAMED_MAX_MSG];
	static char big[NAMED_MAX_MSG + 1];
	struct xipc_transfer moves[XIPC_MAX_TRANSFERS], two[2], one;
	struct ipc_ns_entry entry;
	struct ipc_ns_request req;
	struct raw_answer a;
	__u32 mailbox, held, notices, state = 12345;
	unsigned int seen[XIPC_MAX_TRANSFERS] = { 0 };
	struct xipc_send msg;
	int space, boot;
	pid_t named;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	one = (struct xipc_transfer){ .handle = mailbox };

	/* The raw path itself: a valid register and lookup. */
	req = request("raw");
	a = raw_request(space, IPC_NS_OP_REGISTER, &req, sizeof(req), &one, 1);
	ck_assert_int_eq(a.ret, sizeof(a.reply));
	ck_assert_int_eq(a.reply.error, 0);
	ck_assert_uint_eq(a.nr_handles, 0);
	/* It carried every right; the name server keeps what it gives out. */
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, "raw");
	ck_assert_uint_eq(entry.rights, SEND | GRANT);
	a = raw_request(space, IPC_NS_OP_LOOKUP, &req, sizeof(req), NULL, 0);
	ck_assert_int_eq(a.ret, sizeof(a.reply));
	ck_assert_int_eq(a.reply.error, 0);
	ck_assert_uint_eq(a.nr_handles, 1);
	ck_assert_uint_eq(fx_object_id(space, a.handle), fx_object_id(space, mailbox));

	/* Garbage of random sizes, as each op. */
	for (int i = 0; i < 24; i++) {
		size_t size;

		for (size_t j = 0; j < sizeof(garbage); j++) {
			state ^= state << 13;
			state ^= state >> 17;
			state ^= state << 5;
			garbage[j] = (unsigned char)state;
		}
		size = i < 2 ? (size_t)i * sizeof(req) : state % sizeof(garbage);
		if (size >= sizeof(__u32))
			memset(garbage, 0xff, sizeof(__u32));	/* no protocol */
		assert_refused(space, "garbage", 1 + i % 4, garbage, size, NULL,
			       0, -EBADMSG);
	}

	assert_field_refused(space, "op 5", 5, &req, -EOPNOTSUPP);
	assert_field_refused(space, "op huge", INT64_MAX, &req, -EOPNOTSUPP);
	for (size_t i = 0; i < ARRAY_SIZE(bad_fields); i++) {
		req = request("x");
		fx_break(&req, &bad_fields[i].row);
		assert_field_refused(space, bad_fields[i].row.field,
				     bad_fields[i].op, &req,
				     -bad_fields[i].row.error);
	}
	req = request("x");
	memset(req.name, 'n', sizeof(req.name));
	assert_field_refused(space, "no NUL", IPC_NS_OP_LOOKUP, &req,
			     -ENAMETOOLONG);
	req = request("a\tb");
	assert_field_refused(space, "control byte", IPC_NS_OP_LOOKUP, &req,
			     -EINVAL);
	req = request("");
	assert_field_refused(space, "empty name", IPC_NS_OP_UNREGISTER, &req,
			     -EINVAL);
	req = request("x");
	req.nr_rules = 1;
	req.rules[0] = recv_rule;
	assert_field_refused(space, "rules in a lookup", IPC_NS_OP_LOOKUP, &req,
			     -EBADMSG);
	req = request("");
	assert_field_refused(space, "list of 0", IPC_NS_OP_LIST, &req, -EINVAL);
	req.max_entries = IPC_NS_LIST_MAX + 1;
	assert_field_refused(space, "list of too many", IPC_NS_OP_LIST, &req,
			     -EINVAL);

	/* Registers: the handle, then the rules. */
	req = request("x");
	assert_refused(space, "register without a handle", IPC_NS_OP_REGISTER,
		       &req, sizeof(req), NULL, 0, -EINVAL);
	two[0] = one;
	two[1] = one;
	assert_refused(space, "register with two handles", IPC_NS_OP_REGISTER,
		       &req, sizeof(req), two, 2, -EINVAL);
	assert_refused(space, "lookup with a handle", IPC_NS_OP_LOOKUP, &req,
		       sizeof(req), &one, 1, -EBADMSG);
	held = fx_dup(space, mailbox, SEND | GRANT, 0, 0);
	req.nr_rules = 1;
	req.rules[0] = recv_rule;
	assert_refused(space, "rule beyond the handle", IPC_NS_OP_REGISTER, &req,
		       sizeof(req), &(struct xipc_transfer){ .handle = held }, 1,
		       -EPERM);
	req = request("x");
	assert_refused(space, "handle without grant", IPC_NS_OP_REGISTER, &req,
		       sizeof(req),
		       &(struct xipc_transfer){ .handle = held, .rights = SEND },
		       1, -EPERM);
	assert_refused(space, "default policy without send", IPC_NS_OP_REGISTER,
		       &req, sizeof(req),
		       &(struct xipc_transfer){ .handle = held, .rights = GRANT },
		       1, -EPERM);
	req.nr_rules = IPC_NS_MAX_RULES + 1;
	assert_refused(space, "too many rules", IPC_NS_OP_REGISTER, &req,
		       sizeof(req), &one, 1, -EINVAL);
	req = request("x");
	req.nr_rules = 1;
	req.rules[0] = (struct ipc_ns_rule){ .who = IPC_NS_EVERYONE, .rights = SEND };
	req.rules[1] = req.rules[0];
	assert_refused(space, "unused rule in a register", IPC_NS_OP_REGISTER,
		       &req, sizeof(req), &one, 1, -EBADMSG);
	ck_assert_int_eq(lookup(space, "x"), -ENOENT);

	/* Not an RPC: nobody to answer; its handles are closed. */
	notices = xipc_test_mailbox(space, 0, 0, 0);
	for (int i = 0; i < XIPC_MAX_TRANSFERS; i++) {
		__u32 carried = xipc_test_mailbox(space, 0, 0, 0);
		__u32 watched = fx_dup(space, carried, SEND, 0, 0);

		ck_assert_int_eq(ipc_watch(space, watched, notices, NOTICE_TYPE,
					   i), 0);
		moves[i] = (struct xipc_transfer){
			.handle = carried, .flags = XIPC_TRANSFER_MOVE,
		};
	}
	boot = ipc_bootstrap(space, 0);
	ck_assert_int_gt(boot, 0);
	req = request("plain");
	msg = xipc_test_send_args(boot, IPC_NS_OP_REGISTER, &req, sizeof(req), 0);
	msg.transfers = ipc_ptr(moves);
	msg.nr_transfers = XIPC_MAX_TRANSFERS;
	ck_assert_int_eq(ipc_send(space, &msg), 0);
	assert_serving(space);
	ck_assert_int_eq(lookup(space, "plain"), -ENOENT);
	for (int i = 0; i < XIPC_MAX_TRANSFERS; i++) {
		struct xipc_death_notice notice;
		struct xipc_recv got;

		ck_assert_int_eq(xipc_test_recv(space, notices, NOTICE_TYPE,
						&notice, sizeof(notice), 0,
						&got), sizeof(notice));
		ck_assert_uint_lt(notice.cookie, XIPC_MAX_TRANSFERS);
		seen[notice.cookie]++;
	}
	for (int i = 0; i < XIPC_MAX_TRANSFERS; i++)
		ck_assert_uint_eq(seen[i], 1);
	xipc_test_assert_empty(space, notices);

	/* Too big for its mailbox: the kernel refuses it. */
	a = raw_request(space, IPC_NS_OP_LOOKUP, big, sizeof(big), NULL, 0);
	ck_assert_int_eq(a.ret, -EMSGSIZE);
	assert_serving(space);

	/* An answer that does not fit is dropped, not waited on. */
	ck_assert_int_eq(lookup_without_room(space, "raw"), -EPIPE);
	assert_serving(space);
	assert_names(space, "raw", mailbox);
	/* Holding no receive right, it does not keep the mailbox alive. */
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(lookup(space, "raw"), -ENOENT);
	named_stop(named);
}
END_TEST

/* A rule that is valid; each case spoils one field of a copy. */
static const struct ipc_ns_rule good_rule = {
	.who = IPC_NS_UID, .id = 1000, .rights = SEND,
};

FX_TEST("naming", test_library_rejects_each_bad_argument)
{
	static const struct {
		size_t offset;
		__u32 value;
	} bad_rules[] = {
		{ offsetof(struct ipc_ns_rule, who), 0 },
		{ offsetof(struct ipc_ns_rule, who), IPC_NS_GID + 1 },
		{ offsetof(struct ipc_ns_rule, rights), 0 },
		{ offsetof(struct ipc_ns_rule, rights), SEND | (1U << 4) },
		{ offsetof(struct ipc_ns_rule, reserved), 1 },
	};
	static const char *const bad_names[] = {
		"", "a b", "a\x01", "a\x7f", "a\n", "caf\xc3\xa9", NULL,
	};
	struct ipc_ns_rule rules[IPC_NS_MAX_RULES + 1];
	char long_name[IPC_NS_NAME_MAX + 2];
	__u32 mailbox, notices, destroyed;
	struct ipc_ns_entry entry;
	unsigned int handles;
	pid_t named;
	int space;

	named = setup_mailbox(&space, NULL, false, &mailbox);
	notices = xipc_test_mailbox(space, 0, 0, 0);
	destroyed = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, destroyed), 0);
	handles = xipc_test_count_handles(space);

	/*
	 * Names, in every call (but an empty one, which to a list means from
	 * the start); the last, one byte too long.
	 */
	memset(long_name, 'n', sizeof(long_name));
	long_name[IPC_NS_NAME_MAX + 1] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		const char *name = bad_names[i] ? bad_names[i] : long_name;
		int error = bad_names[i] ? -EINVAL : -ENAMETOOLONG;

		ck_assert_int_eq(ipc_ns_register(space, name, mailbox, NULL, 0,
						 LONG_NS), error);
		ck_assert_int_eq(ipc_ns_unregister(space, name, LONG_NS), error);
		ck_assert_int_eq(ipc_ns_lookup(space, name, 0, 0, LONG_NS), error);
		if (*name)
			ck_assert_int_eq(ipc_ns_list(space, name, &entry, 1,
						     LONG_NS), error);
	}

	/* Timeouts of 0, in every call. */
	ck_assert_int_eq(ipc_ns_register(space, "x", mailbox, NULL, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(ipc_ns_unregister(space, "x", 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_lookup(space, "x", 0, 0, 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_watch(space, notices, NOTICE_TYPE, 0, 0),
			 -EINVAL);

	/* The policy: too many rules, and each bad field of one rule. */
	for (int i = 0; i <= IPC_NS_MAX_RULES; i++)
		rules[i] = good_rule;
	ck_assert_int_eq(ipc_ns_register(space, "x", mailbox, rules,
					 IPC_NS_MAX_RULES + 1, LONG_NS), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(bad_rules); i++) {
		rules[1] = good_rule;
		memcpy((char *)&rules[1] + bad_rules[i].offset,
		       &bad_rules[i].value, sizeof(__u32));
		ck_assert_msg(ipc_ns_register(space, "x", mailbox, rules, 2,
					      LONG_NS) == -EINVAL,
			      "bad rule %zu accepted", i);
	}
	rules[1] = (struct ipc_ns_rule){
		.who = IPC_NS_EVERYONE, .id = 1, .rights = SEND,
	};
	ck_assert_int_eq(ipc_ns_register(space, "x", mailbox, rules, 2,
					 LONG_NS), -EINVAL);

	/* Handles that do not exist, or whose object was destroyed (handles
	 * to other kinds of object: the next test). */
	ck_assert_int_eq(ipc_ns_register(space, "x", 999, NULL, 0, LONG_NS),
			 -EBADF);
	ck_assert_int_eq(ipc_ns_register(space, "x", destroyed, NULL, 0,
					 LONG_NS), -EIDRM);

	/* Lookups: unknown flags or rights. */
	ck_assert_int_eq(ipc_ns_lookup(space, "x", 0, IPC_NS_WAIT << 1, LONG_NS),
			 -EINVAL);
	ck_assert_int_eq(ipc_ns_lookup(space, "x", 1U << 4, 0, LONG_NS),
			 -EINVAL);
	ck_assert_int_eq(ipc_ns_lookup(space, "x", ~0U, 0, LONG_NS), -EINVAL);

	/* Lists: 0 or too many entries. */
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 0, LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, IPC_NS_LIST_MAX + 1,
				     LONG_NS), -EINVAL);

	/* Watches: a bad type or mailbox. */
	ck_assert_int_eq(ipc_ns_watch(space, notices, 0, 0, LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_watch(space, 999, NOTICE_TYPE, 0, LONG_NS),
			 -EBADF);

	/* None of it left a handle behind or registered a name. */
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 0);

	/* The longest name is fine. */
	long_name[IPC_NS_NAME_MAX] = '\0';
	ck_assert_int_eq(ipc_ns_register(space, long_name, mailbox, rules, 1,
					 LONG_NS), 0);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 1);
	ck_assert_str_eq(entry.name, long_name);
	ck_assert_int_eq(ipc_ns_unregister(space, long_name, LONG_NS), 0);
	named_stop(named);
}
END_TEST

FX_TEST("naming", test_register_takes_only_mailboxes_and_services)
{
	struct xipc_service_create create = {
		.astack_size = (__u32)sysconf(_SC_PAGESIZE),
		.nr_astacks = 1,
		.max_bindings = 1,
	};
	__u32 rpc_mailbox, service_send;
	struct xipc_reply reply;
	struct xipc_bind bind;
	struct xipc_recv msg;
	unsigned int handles;
	pid_t named, caller;
	int space;

	named = setup(&space, NULL, false);
	ck_assert_int_eq(ioctl(space, XIPC_IOC_SERVICE_CREATE, &create), 0);
	bind = (struct xipc_bind){ .service = create.handle };
	ck_assert_int_eq(ioctl(space, XIPC_IOC_BIND, &bind), 0);
	/* A reply handle: a child's RPC, taken and not yet answered. */
	rpc_mailbox = xipc_test_mailbox(space, 0, 0, 0);
	caller = xipc_test_fork();
	if (caller == 0) {
		char answer;
		struct xipc_rpc call = {
			.handle = rpc_mailbox, .type = 1,
			.reply_data = ipc_ptr(&answer), .reply_size = 1,
			.timeout_ns = LONG_NS,
		};

		CHILD_EXPECT(ipc_rpc(space, &call) == 1, 1);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_recv(space, rpc_mailbox, 1, NULL, 0, LONG_NS,
					&msg), 0);
	ck_assert_uint_gt(msg.reply, 0);
	handles = xipc_test_count_handles(space);

	ck_assert_int_eq(ipc_ns_register(space, "x", bind.handle, NULL, 0,
					 LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_register(space, "x", msg.reply, NULL, 0,
					 LONG_NS), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(lookup(space, "x"), -ENOENT);
	/* The service itself may be named (through a send-and-grant copy). */
	service_send = fx_dup(space, create.handle, SEND | GRANT, 0, 0);
	assert_registers(space, "x", service_send);
	assert_names(space, "x", create.handle);

	reply = (struct xipc_reply){
		.reply = msg.reply, .data = ipc_ptr("k"), .size = 1,
	};
	ck_assert_int_eq(ipc_reply(space, &reply), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	named_stop(named);
}
END_TEST

/*
 * The library against a name server that breaks the protocol: the test's
 * own, once xipc-named stopped
 */

/* How many of handles 1..256 exist in @space (in a child: no ck_assert). */
static unsigned int child_count_handles(int space)
{
	struct xipc_handle_info info;
	unsigned int n = 0;

	for (__u32 h = 1; h <= 256; h++)
		n += ipc_handle_info(space, h, &info) == 0;
	return n;
}

/* Makes the calls fake_name_server() answers badly, in its order. */
static void __attribute__((noreturn)) fake_client(void)
{
	static struct ipc_ns_entry entries[2];
	int space = ipc_open(0);
	unsigned int handles;

	CHILD_EXPECT(space >= 0, 1);
	handles = child_count_handles(space);
	CHILD_EXPECT(lookup(space, "dropped") == -EPROTO, 2);
	CHILD_EXPECT(lookup(space, "no-handle") == -EPROTO, 3);
	CHILD_EXPECT(lookup(space, "positive") == -EPROTO, 4);
	CHILD_EXPECT(lookup(space, "short") == -EPROTO, 5);
	CHILD_EXPECT(lookup(space, "error-and-handle") == -EPROTO, 6);
	CHILD_EXPECT(ipc_ns_list(space, NULL, entries, 2, LONG_NS) == -EPROTO,
		     7);
	CHILD_EXPECT(ipc_ns_list(space, NULL, entries, 2, LONG_NS) == -EPROTO,
		     8);
	/* Whatever the answers carried was closed. */
	CHILD_EXPECT(child_count_handles(space) == handles, 9);
	CHILD_EXPECT(lookup(space, "fine") == -ENOENT, 10);
	_exit(0);
}

/*
 * Takes the next request off @mailbox: @op for @name, encoded as the
 * protocol says (a list of 2, nothing else set). Returns its reply handle.
 */
static __u32 fake_take(int space, __u32 mailbox, __s64 op, const char *name)
{
	struct ipc_ns_request req, expected = request(name);
	struct xipc_recv msg;

	if (op == IPC_NS_OP_LIST)
		expected.max_entries = 2;
	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, &req, sizeof(req),
					LONG_NS, &msg), sizeof(req));
	ck_assert_int_eq(msg.type, op);
	ck_assert_uint_eq(msg.nr_handles, 0);
	ck_assert_uint_gt(msg.reply, 0);
	ck_assert_mem_eq(&req, &expected, sizeof(req));
	return msg.reply;
}

/* Answers @reply with @size bytes of @head (and zeros), and @handle if not 0. */
static void fake_answer(int space, __u32 reply, struct ipc_ns_reply head,
			size_t size, __u32 handle)
{
	static char answer[sizeof(struct ipc_ns_reply) +
			   2 * sizeof(struct ipc_ns_entry)];
	struct xipc_transfer transfer = { .handle = handle };
	struct xipc_reply req = {
		.reply = reply,
		.data = ipc_ptr(answer),
		.size = size,
		.transfers = ipc_ptr(&transfer),
		.nr_transfers = handle ? 1 : 0,
	};

	ck_assert_uint_le(size, sizeof(answer));
	memset(answer, 0, sizeof(answer));
	memcpy(answer, &head, sizeof(head) < size ? sizeof(head) : size);
	ck_assert_int_eq(ipc_reply(space, &req), 0);
}

FX_TEST("naming", test_library_checks_the_answers)
{
	const size_t head = sizeof(struct ipc_ns_reply);
	const size_t two = head + 2 * sizeof(struct ipc_ns_entry);
	__u32 mailbox, given;
	pid_t named, client;
	int space;

	/* xipc-named stops, and the role with it: a fake takes it. */
	named = setup(&space, NULL, false);
	named_stop(named);
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
	given = xipc_test_mailbox(space, 0, 0, 0);
	client = xipc_test_fork();
	if (client == 0)
		fake_client();

	/* Dropped by a name server that stays alive: asked thrice. */
	for (int i = 0; i < 3; i++) {
		__u32 reply = fake_take(space, mailbox, IPC_NS_OP_LOOKUP,
					"dropped");

		ck_assert_int_eq(ipc_handle_close(space, reply), 0);
	}
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LOOKUP,
				     "no-handle"),
		    (struct ipc_ns_reply){ 0 }, head, 0);
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LOOKUP,
				     "positive"),
		    (struct ipc_ns_reply){ .error = EACCES }, head, 0);
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LOOKUP, "short"),
		    (struct ipc_ns_reply){ 0 }, head - 1, given);
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LOOKUP,
				     "error-and-handle"),
		    (struct ipc_ns_reply){ .error = -ENOENT }, head, given);
	/* More entries than asked for; fewer than said. */
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LIST, ""),
		    (struct ipc_ns_reply){ .count = 3 }, two, 0);
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LIST, ""),
		    (struct ipc_ns_reply){ .count = 1 }, two, 0);
	fake_answer(space, fake_take(space, mailbox, IPC_NS_OP_LOOKUP, "fine"),
		    (struct ipc_ns_reply){ .error = -ENOENT }, head, 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/*
 * LRPC: a service is named like a mailbox
 */

#define PROC_ADD 1

struct adder {
	uid_t uid;	/* of the last caller */
	int calls;
};

static int add(struct ipc_request *req, void *cookie)
{
	struct adder *adder = cookie;

	adder->uid = req->uid;
	adder->calls++;
	req->astack->regs[0] = req->args->regs[0] + req->args->regs[1];
	return 7;
}

static void *serve(void *svc)
{
	return (void *)(long)ipc_service_run(svc);
}

/* As uid 1000: waits for "adder", binds to it and calls 2 + 3. */
static void __attribute__((noreturn)) adder_client(void)
{
	struct xipc_handle_info info;
	struct ipc_binding *b;
	struct xipc_astack *a;
	int space, found;

	xipc_test_become(1000, 1000, NULL, 0);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 1);
	found = ipc_ns_lookup(space, "adder", 0, IPC_NS_WAIT, LONG_NS);
	CHILD_EXPECT(found > 0, 2);
	CHILD_EXPECT(ipc_handle_info(space, found, &info) == 0, 3);
	CHILD_EXPECT(info.type == XIPC_OBJECT_SERVICE, 4);
	CHILD_EXPECT(info.rights == SEND, 5);
	CHILD_EXPECT(ipc_bind(space, found, &b) == 0, 6);
	CHILD_EXPECT(ipc_astack_get(b, &a) == 0, 7);
	a->size = 0;
	a->regs[0] = 2;
	a->regs[1] = 3;
	CHILD_EXPECT(ipc_call(b, a, PROC_ADD, LONG_NS) == 0, 8);
	CHILD_EXPECT(a->status == 7, 9);
	CHILD_EXPECT(a->regs[0] == 5, 10);
	ipc_astack_put(b, a);
	CHILD_EXPECT(ipc_unbind(b) == 0, 11);
	_exit(0);
}

/* xipcs -n, the operators' view: the names this user may see, with policy. */
FX_TEST("naming", test_xipcs_lists_names)
{
	const struct ipc_ns_rule rules[] = {
		{ .who = IPC_NS_UID, .id = 1000, .rights = SEND | GRANT },
		{ .who = IPC_NS_GID, .id = 2000, .rights = SEND },
	};
	static char out[4096];
	__u32 mailbox;
	int space, status;
	pid_t named = setup(&space, NULL, true);

	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_ns_register(space, "seen.by.root", mailbox, NULL,
					 0, LONG_NS), 0);
	ck_assert_int_eq(ipc_ns_register(space, "with.rules", mailbox, rules,
					 ARRAY_SIZE(rules), LONG_NS), 0);
	status = xipc_test_run_tool("xipcs", "-n", out, sizeof(out), false);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "xipcs -n: status %#x", status);
	ck_assert_msg(strstr(out, "seen.by.root") &&
		      strstr(out, " everyone:s\n"), "%s", out);
	ck_assert_msg(strstr(out, "with.rules") &&
		      strstr(out, " uid=1000:sg gid=2000:s\n"), "%s", out);
	ck_assert_msg(strstr(out, "\n2 names\n"), "%s", out);
	named_stop(named);
	/* No name server: it says so, and fails. */
	status = xipc_test_run_tool("xipcs", "-n", out, sizeof(out), true);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}
END_TEST

FX_TEST("naming", test_lrpc_service_by_name)
{
	struct ipc_service_attr attr = { 0 };
	struct adder adder = { .uid = (uid_t)-1 };
	struct ipc_service *svc;
	pthread_t server;
	pid_t named, client;
	void *result;
	int space;

	named = setup(&space, NULL, false);
	/* Forked first: the client binds on its own, from its own space. */
	client = xipc_test_fork();
	if (client == 0)
		adder_client();
	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	ck_assert_int_eq(ipc_service_register(svc, PROC_ADD, add, &adder), 0);
	ck_assert_int_eq(pthread_create(&server, NULL, serve, svc), 0);
	ck_assert_int_eq(ipc_ns_register(space, "adder",
					 ipc_service_handle(svc), NULL, 0,
					 LONG_NS), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(adder.calls, 1);
	ck_assert_uint_eq(adder.uid, 1000);

	/* A dead service loses its name. */
	ck_assert_int_eq(ipc_service_destroy(svc), 0);
	ck_assert_int_eq(pthread_join(server, &result), 0);
	ck_assert_int_eq((long)result, -EIDRM);
	ck_assert_int_eq(lookup(space, "adder"), -ENOENT);
	ipc_service_free(svc);
	named_stop(named);
}
END_TEST

/*
 * The log
 */

/* Registers and unregisters a name @times times: two log lines each. */
static void register_in_a_loop(int space, unsigned int times)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	for (unsigned int i = 0; i < times; i++) {
		ck_assert_int_eq(ipc_ns_register(space, "loop", mailbox, NULL,
						 0, LONG_NS), 0);
		ck_assert_int_eq(ipc_ns_unregister(space, "loop", LONG_NS), 0);
	}
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
}

/* Adds up the number that follows @prefix on each line of @log. */
static unsigned long sum_after(const char *log, const char *prefix)
{
	unsigned long sum = 0;

	for (const char *p = strstr(log, prefix); p; p = strstr(p, prefix)) {
		p += strlen(prefix);
		sum += strtoul(p, NULL, 10);
	}
	return sum;
}

static unsigned long count_of(const char *log, const char *what)
{
	unsigned long n = 0;

	for (const char *p = strstr(log, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/*
 * What clients make it log is rate-limited (-l), and every line is either
 * logged or counted as left out: the counts go out with a later line or at
 * exit, so nothing is dropped without a word.
 */
FX_TEST("naming", test_log_is_rate_limited_and_counts_what_it_leaves_out)
{
	static char log[256 * 1024];
	const unsigned int times = 100;
	unsigned long logged, left_out;
	int space, log_fd;
	ssize_t len;
	pid_t named;

	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	space = xipc_test_open();
	log_fd = memfd_create("xipc-named-log", MFD_CLOEXEC);
	ck_assert_int_ge(log_fd, 0);
	named = named_spawn_logging((named_opts){ "-l", "5", NULL }, log_fd);
	ck_assert_int_gt(ipc_bootstrap(space, LONG_NS), 0);

	register_in_a_loop(space, times);
	named_stop(named);

	len = pread(log_fd, log, sizeof(log) - 1, 0);
	ck_assert_int_gt(len, 0);
	log[len] = '\0';
	logged = count_of(log, "\" registered by uid ") +
		 count_of(log, " unregistered\n");
	left_out = sum_after(log, "xipc-named: left out ");
	ck_assert_msg(logged + left_out == 2 * times,
		      "%lu lines logged and %lu left out of %u:\n%s", logged,
		      left_out, 2 * times, log);
	/* 5 a minute, and the loop is 200 requests: most were left out. */
	ck_assert_msg(left_out > 0, "nothing left out:\n%s", log);
	ck_assert_ptr_nonnull(strstr(log, "and 0 that the log could not take"));
}
END_TEST

/*
 * A log nobody reads (a full pipe) stops nothing: requests are served as
 * ever, and what reaches the log is whole lines.
 */
FX_TEST("naming", test_stalled_log_blocks_nobody)
{
	static char log[64 * 1024];
	int space, pipefd[2];
	ssize_t len;
	pid_t named;

	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	space = xipc_test_open();
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	/* The smallest pipe, one page: full after some 60 lines. */
	ck_assert_int_ge(fcntl(pipefd[1], F_SETPIPE_SZ, 4096), 4096);
	named = named_spawn_logging(NULL, pipefd[1]);
	ck_assert_int_eq(close(pipefd[1]), 0);
	ck_assert_int_gt(ipc_bootstrap(space, LONG_NS), 0);

	/*
	 * 400 lines of some 60 bytes, 120 of them within the rate limit:
	 * the log is full long before the end.
	 */
	register_in_a_loop(space, 200);
	ck_assert_int_eq(ipc_ns_lookup(space, "loop", 0, 0, LONG_NS), -ENOENT);
	named_stop(named);

	ck_assert_int_eq(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
	len = read(pipefd[0], log, sizeof(log) - 1);
	ck_assert_int_gt(len, 0);
	ck_assert_int_le(len, 4096);
	log[len] = '\0';
	ck_assert_int_eq(log[len - 1], '\n');
	for (char *line = log, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_msg(!strncmp(line, "xipc-named: ", 12),
			      "not a whole line: %.*s", (int)(end - line), line);
	}
}
END_TEST

int main(void)
{
	return fx_main("naming");
}
