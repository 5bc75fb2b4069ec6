// SPDX-License-Identifier: MIT
/*
 * The naming service end to end, xipc-named with libipc's ipc_ns_* calls:
 * a lookup by another uid gets what the policy grants (by uid, by gid,
 * never more than the registrant held); a name goes when its object dies,
 * is revoked, unregistered or replaced; a lookup may wait for its name,
 * even across a restart of the name server, which registered servers learn
 * of; names are unique per uid, listed by policy in byte order and page by
 * page, limited per uid and in all; a second name server is refused;
 * hostile requests and each bad argument of the library are refused alone;
 * LRPC services are named like mailboxes; the log never blocks.
 *
 * Each test has an IPC namespace and an xipc-named of its own ($XIPC_NAMED,
 * else beside this program), whose SIGTERM must end it with status 0.
 */
#include <limits.h>

#include "fixture.h"
#include "ns-protocol.h"

#define LONG_NS		XIPC_TEST_LONG_NS
#define SHORT_NS	XIPC_TEST_SHORT_NS
#define NOTICE_TYPE	9
/* xipc-named's request mailbox takes messages of at most this many bytes. */
#define NAMED_MAX_MSG	1024

#define SEND		XIPC_RIGHT_SEND
#define RECV		XIPC_RIGHT_RECV
#define GRANT		XIPC_RIGHT_GRANT
#define MANAGE		XIPC_RIGHT_MANAGE

/* Options of xipc-named, NULL-terminated. */
typedef const char *const named_opts[];

/* Rules the tests register names with. */
static const struct ipc_ns_rule everyone_recv = {
	.who = IPC_NS_EVERYONE, .rights = RECV,
};
static const struct ipc_ns_rule uid_1000 = {
	.who = IPC_NS_UID, .id = 1000, .rights = SEND,
};

/*
 * The test's space and its name server: each test runs in a process of its
 * own, and a forked child that needs a space of its own sets @space to it.
 */
static int space;
static pid_t named;

/*
 * Starts xipc-named with @opts (NULL: none) in this IPC namespace, in the
 * foreground, its log (standard error) going to @log: -1 the test's own,
 * NULL_LOG /dev/null. Does not wait for it.
 */
#define NULL_LOG	(-2)
static pid_t named_spawn(const char *const *opts, int log)
{
	static char path[PATH_MAX];
	char *argv[16] = { path };
	size_t n = 1;
	pid_t pid;

	/* $XIPC_NAMED, else beside the other programs. */
	if (getenv("XIPC_NAMED") && *getenv("XIPC_NAMED"))
		snprintf(path, sizeof(path), "%s", getenv("XIPC_NAMED"));
	else
		xipc_test_tool_path("xipc-named", path, sizeof(path));
	ck_assert_msg(access(path, X_OK) == 0, "%s: %s (set XIPC_NAMED)", path, strerror(errno));
	for (; opts && *opts; opts++) {
		ck_assert(n < FX_NR(argv) - 1);
		argv[n++] = (char *)*opts;
	}
	pid = xipc_test_fork();
	if (pid == 0) {
		if (log == NULL_LOG) {
			log = open("/dev/null", O_WRONLY);
			CHILD_EXPECT(log >= 0, 124);
		}
		CHILD_EXPECT(log == -1 || dup2(log, STDERR_FILENO) >= 0, 125);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(126);
	}
	return pid;
}

/* Starts xipc-named (see named_spawn()) and returns once it serves. */
static void named_start(const char *const *opts, int log)
{
	int boot;

	named = named_spawn(opts, log);
	boot = ipc_bootstrap(space, LONG_NS);
	ck_assert_msg(boot > 0, "xipc-named never served: %d", boot);
	ck_assert_int_eq(ipc_handle_close(space, boot), 0);
}

/* Stops it (SIGSTOP): it takes no request until a SIGCONT. */
static void named_pause(void)
{
	int status;

	ck_assert_int_eq(kill(named, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(named, &status, WUNTRACED), named);
	ck_assert(WIFSTOPPED(status));
}

/*
 * Every test's start: an IPC namespace of its own (so a name-server role of
 * its own), @space, and its xipc-named (see named_spawn()): a new mailbox.
 */
static __u32 setup(const char *const *opts, int log)
{
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	space = xipc_test_open();
	named_start(opts, log);
	return xipc_test_mailbox(space, 0, 0, 0);
}

static int reg_rules(const char *name, __u32 handle,
		     const struct ipc_ns_rule *rules, unsigned int nr_rules)
{
	return ipc_ns_register(space, name, handle, rules, nr_rules, LONG_NS);
}

static int reg(const char *name, __u32 handle)
{
	return reg_rules(name, handle, NULL, 0);
}

static int unreg(const char *name)
{
	return ipc_ns_unregister(space, name, LONG_NS);
}

static int lookup(const char *name)
{
	return ipc_ns_lookup(space, name, 0, 0, LONG_NS);
}

static int list(const char *after, struct ipc_ns_entry *entries, unsigned int max)
{
	return ipc_ns_list(space, after, entries, max, LONG_NS);
}

/* @name names @handle's object: a lookup brings a handle to it. */
static void assert_names(const char *name, __u32 handle)
{
	int found = lookup(name);

	ck_assert_msg(found > 0, "lookup \"%s\": %d", name, found);
	ck_assert_uint_eq(fx_object_id(space, found), fx_object_id(space, handle));
	ck_assert_int_eq(ipc_handle_close(space, found), 0);
}

/* A valid register and lookup still work: the name server serves. */
static void assert_serving(void)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	ck_assert_int_eq(reg("alive", mailbox), 0);
	assert_names("alive", mailbox);
	ck_assert_int_eq(unreg("alive"), 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
}

/* The first name after @after (NULL: all) is @name, with @rights (0: any). */
static void assert_first(const char *after, const char *name, __u32 rights)
{
	struct ipc_ns_entry entry;

	ck_assert_int_eq(list(after, &entry, 1), 1);
	ck_assert_str_eq(entry.name, name);
	if (rights)
		ck_assert_uint_eq(entry.rights, rights);
}

/* @n entries are exactly the names @expected, in this order. */
static void assert_entries(const struct ipc_ns_entry *entries, int n,
			   const char *const *expected, int nr_expected)
{
	ck_assert_int_eq(n, nr_expected);
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(entries[i].name, expected[i]);
}

/* A call another user makes (see as()), and what it got. */
#define LIST_AS_MAX 16
struct as_call {
	enum { LOOKUP, REGISTER, UNREGISTER, LIST } op;
	const char *name;		/* a list's: where it starts */
	__u32 handle;			/* to register, of the test's space */
	const struct ipc_ns_rule *rules;
	unsigned int nr;		/* of @rules; a list's most entries */
	__u32 rights, flags;		/* a lookup's */
	__u64 timeout_ns;		/* a lookup's; 0: LONG_NS */
	int result;			/* out: what the call returned */
	struct xipc_handle_info info;	/* out: of the handle a lookup found */
	struct ipc_ns_entry entries[LIST_AS_MAX];	/* out: a list's */
};

/*
 * Makes @c in a child as @uid/@gid: a lookup from a space of the child's
 * own, the rest from the test's (the handles it registers outlive the
 * child). Returns what the call returned, and fills @c's outputs.
 */
static int as(uid_t uid, gid_t gid, struct as_call *c)
{
	struct as_call *shared = fx_shared(sizeof(*c));
	pid_t child;
	int own;

	*shared = *c;
	child = xipc_test_fork();
	if (child == 0) {
		c = shared;
		own = fx_child_space(uid, gid, NULL, 0);
		if (c->op == REGISTER)
			c->result = reg_rules(c->name, c->handle, c->rules, c->nr);
		else if (c->op == UNREGISTER)
			c->result = unreg(c->name);
		else if (c->op == LIST)
			c->result = list(c->name, c->entries, c->nr);
		else
			c->result = ipc_ns_lookup(own, c->name, c->rights,
						  c->flags, c->timeout_ns ?
						  c->timeout_ns : LONG_NS);
		CHILD_EXPECT(c->op != LOOKUP || c->result <= 0 ||
			     ipc_handle_info(own, c->result, &c->info) == 0, 88);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(child), 0);
	*c = *shared;
	ck_assert_int_eq(munmap(shared, sizeof(*c)), 0);
	return c->result;
}

/*
 * A lookup of @name by @uid/@gid asking for @rights: -errno @got, or a
 * handle with the rights @got to @handle's object (of the test's space).
 */
static void expect_lookup_as(uid_t uid, gid_t gid, const char *name,
			     __u32 rights, int got, __u32 handle)
{
	struct as_call c = { .op = LOOKUP, .name = name, .rights = rights };
	int ret = as(uid, gid, &c);

	ck_assert_msg(got < 0 ? ret == got : ret > 0 && c.info.rights == (__u32)got,
		      "lookup \"%s\" by uid %u gid %u, rights %#x: %d, rights %#x, expected %d",
		      name, uid, gid, rights, ret, c.info.rights, got);
	if (got > 0) {
		ck_assert_uint_eq(c.info.type, XIPC_OBJECT_MAILBOX);
		ck_assert_uint_eq(c.info.object_id, fx_object_id(space, handle));
	}
}

/* ipc_ns_register() by @uid of @handle, with @rule (or none). */
static int register_as(uid_t uid, const char *name, __u32 handle, const struct ipc_ns_rule *rule)
{
	struct as_call c = {
		.op = REGISTER, .name = name, .handle = handle, .rules = rule, .nr = rule ? 1 : 0,
	};

	return as(uid, uid, &c);
}

/* What @uid/@gid lists after @after, at most @max: exactly @expected. */
static void assert_list_as(uid_t uid, gid_t gid, const char *after,
			   unsigned int max, const char *const *expected, int nr_expected)
{
	struct as_call c = { .op = LIST, .name = after, .nr = max };
	int n = as(uid, gid, &c);

	assert_entries(c.entries, n, expected, nr_expected);
}

/*
 * In a child: looks @name up from @own with @flags, and sends its pid (type
 * 1) through the handle it got, which must be a mailbox's, send-only.
 */
static void __attribute__((noreturn)) send_pid_to(int own, const char *name, __u32 flags)
{
	struct xipc_handle_info info;
	pid_t me = getpid();
	int found = ipc_ns_lookup(own, name, 0, flags, LONG_NS);

	CHILD_EXPECT(found > 0 && ipc_handle_info(own, found, &info) == 0, 3);
	CHILD_EXPECT(info.type == XIPC_OBJECT_MAILBOX && info.rights == SEND, 4);
	CHILD_EXPECT(info.badge == 0 && info.state == 0, 5);
	CHILD_EXPECT(xipc_test_send(own, found, 1, &me, sizeof(me), 0) == 0, 6);
	_exit(0);
}

/* Takes a message of send_pid_to(): whether it came, from that pid. */
static bool take_pid(__u32 mailbox, __u64 timeout_ns, struct xipc_recv *msg)
{
	pid_t sender;

	return xipc_test_recv(space, mailbox, 1, &sender, sizeof(sender),
			      timeout_ns, msg) == (int)sizeof(sender) && msg->pid == sender;
}

/*
 * A child, as @uid with a space of its own, whose lookup of @name with
 * IPC_NS_WAIT must bring a send-only handle, through which it sends its pid
 * (type 1). Returns once the child sleeps in its RPC: the request is queued.
 */
static pid_t fork_waiter(uid_t uid, const char *name)
{
	pid_t child = fx_fork_waiter();

	if (child == 0) {
		int own = fx_child_space(uid, uid, NULL, 0);

		fx_waiter_ready();
		send_pid_to(own, name, IPC_NS_WAIT);
	}
	fx_await_asleep(child);
	return child;
}

/*
 * fork_waiter(), returning once the name server holds the lookup: it takes
 * requests in order, one at a time, so it took the lookup before a list.
 */
static pid_t spawn_waiter(uid_t uid, const char *name)
{
	static struct ipc_ns_entry entry;
	pid_t child = fork_waiter(uid, name);

	ck_assert_int_ge(list(NULL, &entry, 1), 0);
	return child;
}

/*
 * Waits for the @n fork_waiter() children @pids, and takes their messages
 * off @mailbox: one from each of the uids @uids, in any order (the children
 * race), and no other.
 */
static void assert_waiters(const pid_t *pids, __u32 mailbox, const uid_t *uids, size_t n)
{
	bool taken[8] = { false };
	struct xipc_recv msg;
	size_t i, j;

	ck_assert_uint_le(n, FX_NR(taken));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(xipc_test_wait(pids[i]), 0);
	for (i = 0; i < n; i++) {
		ck_assert(take_pid(mailbox, 0, &msg));
		for (j = 0; j < n && (taken[j] || uids[j] != msg.uid); j++)
			;
		ck_assert_msg(j < n, "a message from uid %u", msg.uid);
		taken[j] = true;
	}
	xipc_test_assert_empty(space, mailbox);
}

/*
 * In a server child: a space of its own (the child's @space) with a mailbox
 * registered as @name, said through @ready (exit codes 1 to 4): the mailbox.
 */
static int register_and_tell(const char *name, int ready)
{
	int mailbox;

	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 1);
	mailbox = ipc_mailbox_create(space, 0, 0, 0);
	CHILD_EXPECT(mailbox > 0, 2);
	CHILD_EXPECT(reg(name, mailbox) == 0, 3);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, 4);
	return mailbox;
}

/* Forks @server(ready) and returns once it said it is ready: its pid. */
static pid_t fork_ready(void (*server)(int ready))
{
	pid_t pid;
	int ready[2];

	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	pid = xipc_test_fork();
	if (pid == 0)
		server(ready[1]);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	return pid;
}

/* Registers "echo" as uid 2000, then takes one message: from uid 1000. */
static void __attribute__((noreturn)) echo_server(int ready)
{
	struct xipc_recv msg;
	int mailbox;

	xipc_test_become(2000, 2000, NULL, 0);
	mailbox = register_and_tell("echo", ready);
	CHILD_EXPECT(take_pid(mailbox, LONG_NS, &msg), 5);
	CHILD_EXPECT(msg.uid == 1000 && msg.gid == 1000, 7);
	_exit(0);
}

FX_TEST("naming", test_register_then_lookup_across_processes)
{
	pid_t server, client;

	setup(NULL, -1);
	server = fork_ready(echo_server);
	client = xipc_test_fork();
	if (client == 0)
		send_pid_to(fx_child_space(1000, 1000, NULL, 0), "echo", 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_policy_by_uid_and_gid)
{
	static const struct ipc_ns_rule rules[] = {
		{ .who = IPC_NS_UID, .id = 1000, .rights = SEND },
		{ .who = IPC_NS_GID, .id = 2000, .rights = SEND | GRANT },
	};
	/* @want: the rights asked for, 0 all the policy grants; @got: those. */
	static const struct {
		uid_t uid;
		gid_t gid;
		__u32 want;
		int got;	/* or -errno */
	} cases[] = {
		{ 1000, 1000, 0, SEND }, { 3000, 2000, 0, SEND | GRANT },
		{ 1000, 2000, 0, SEND | GRANT },	/* both rules: the union */
		{ 3000, 3000, 0, -EACCES },
		{ 0, 0, 0, -EACCES },			/* root is nobody special */
		{ 1000, 1000, MANAGE, -EACCES }, { 1000, 1000, SEND | GRANT, -EACCES },
		{ 3000, 2000, SEND | RECV, -EACCES }, { 3000, 2000, SEND, SEND },
		{ 3000, 2000, GRANT, GRANT }, { 1000, 1000, SEND, SEND },
	};
	__u32 mailbox = setup(NULL, -1);

	ck_assert_int_eq(reg_rules("policy", mailbox, rules, FX_NR(rules)), 0);
	for (size_t i = 0; i < FX_NR(cases); i++)
		expect_lookup_as(cases[i].uid, cases[i].gid, "policy",
				 cases[i].want, cases[i].got, mailbox);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_rights_never_exceed_the_registrants)
{
	static const struct ipc_ns_rule send_grant = {
		.who = IPC_NS_EVERYONE, .rights = SEND | GRANT,
	};
	__u32 mailbox = setup(NULL, -1);
	__u32 held = fx_dup(space, mailbox, SEND | GRANT, 0, 0);
	int found;

	ck_assert_int_eq(reg_rules("r", held, &everyone_recv, 1), -EPERM);
	ck_assert_int_eq(reg("r", fx_dup(space, mailbox, SEND, 0, 0)), -EPERM);
	ck_assert_int_eq(lookup("r"), -ENOENT);

	ck_assert_int_eq(reg_rules("r", held, &send_grant, 1), 0);
	expect_lookup_as(1000, 1000, "r", 0, SEND | GRANT, mailbox);
	expect_lookup_as(1000, 1000, "r", MANAGE, -EACCES, 0);
	assert_first(NULL, "r", SEND | GRANT);

	/* With every right, the name server still keeps only what it gives. */
	ck_assert_int_eq(reg_rules("full", mailbox, &uid_1000, 1), 0);
	assert_first(NULL, "full", SEND | GRANT);

	/* Revoking the registrant's parent reaches the name server's copy. */
	found = lookup("r");
	ck_assert_int_gt(found, 0);
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, found).state, XIPC_STATE_REVOKED);
	ck_assert_int_eq(lookup("r"), -ENOENT);
	expect_lookup_as(1000, 1000, "full", 0, -ENOENT, 0);
	ck_assert_int_eq(reg_rules("r", held, &send_grant, 1), -EKEYREVOKED);
	fx_stop_named(named);
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
	__u32 mailbox = setup(NULL, -1);
	__u32 parent = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	struct ipc_ns_entry entry;

	ck_assert_int_eq(reg("revoked", fx_dup(space, parent, SEND | GRANT, 0, 0)), 0);
	ck_assert_int_eq(reg("kept", mailbox), 0);
	assert_first(NULL, "kept", 0);
	assert_first("kept", "revoked", 0);

	ck_assert_int_eq(ipc_handle_revoke(space, parent), 0);
	ck_assert_int_eq(list("kept", &entry, 1), 0);
	assert_first(NULL, "kept", 0);
	fx_stop_named(named);
}
END_TEST

/*
 * An object already dead is not registered: a mailbox nobody can receive
 * from (EPIPE), a destroyed one (EIDRM). A lookup waiting for the name
 * waits on.
 */
FX_TEST("naming", test_dead_objects_are_not_registered)
{
	__u32 mailbox = setup(NULL, -1);
	__u32 orphan = xipc_test_mailbox(space, 0, 0, 0);
	__u32 destroyed = xipc_test_mailbox(space, 0, 0, 0);
	__u32 orphan_send = fx_dup(space, orphan, SEND | GRANT, 0, 0);
	__u32 destroyed_send = fx_dup(space, destroyed, SEND | GRANT, 0, 0);
	pid_t waiter = spawn_waiter(0, "dead");

	ck_assert_int_eq(ipc_handle_close(space, orphan), 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, destroyed), 0);
	ck_assert_int_eq(reg("dead", orphan_send), -EPIPE);
	ck_assert_int_eq(reg("dead", destroyed_send), -EIDRM);
	ck_assert_int_eq(lookup("dead"), -ENOENT);
	/* The waiter still waits: a live mailbox under the name ends it. */
	ck_assert_int_eq(reg("dead", mailbox), 0);
	assert_waiters(&waiter, mailbox, (const uid_t[]){ 0 }, 1);
	fx_stop_named(named);
}
END_TEST

/* Registers "doomed", says so, and waits to be killed. */
static void __attribute__((noreturn)) doomed_server(int ready)
{
	register_and_tell("doomed", ready);
	for (;;)
		pause();
}

FX_TEST("naming", test_dead_servers_name_disappears)
{
	__u32 mailbox, kept, receiver;
	pid_t server;
	int found;

	setup(NULL, -1);
	server = fork_ready(doomed_server);
	found = lookup("doomed");
	ck_assert_int_gt(found, 0);
	fx_kill(server);
	/* Its space went with it: the name server heard before this lookup. */
	ck_assert_int_eq(lookup("doomed"), -ENOENT);
	ck_assert_uint_eq(xipc_test_handle_info(space, found).state, XIPC_STATE_NO_RECEIVER);

	/* The last receive handle closed: the same. */
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(reg("closed", mailbox), 0);
	assert_names("closed", mailbox);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(lookup("closed"), -ENOENT);

	/* Not while another receive handle remains. */
	kept = xipc_test_mailbox(space, 0, 0, 0);
	receiver = fx_dup(space, kept, RECV, 0, 0);
	ck_assert_int_eq(reg("kept", kept), 0);
	ck_assert_int_eq(ipc_handle_close(space, kept), 0);
	assert_names("kept", receiver);
	ck_assert_int_eq(ipc_handle_close(space, receiver), 0);
	ck_assert_int_eq(lookup("kept"), -ENOENT);

	/* Destroyed: the same. */
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(reg("destroyed", mailbox), 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	ck_assert_int_eq(lookup("destroyed"), -ENOENT);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_second_name_server_is_refused)
{
	setup(NULL, -1);
	ck_assert_int_eq(xipc_test_wait(named_spawn(NULL, -1)), 1);
	ck_assert_int_eq(xipc_test_wait(named_spawn((named_opts){ "-n", "0", NULL }, NULL_LOG)), 2);
	/* The first serves on. */
	assert_serving();
	fx_stop_named(named);
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
	int mailbox, notices, watch;
	struct xipc_recv msg;

	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 1);
	mailbox = ipc_mailbox_create(space, 0, 0, 0);
	notices = ipc_mailbox_create(space, 0, 0, 0);
	CHILD_EXPECT(mailbox > 0 && notices > 0, 2);
	CHILD_EXPECT(reg("svc", mailbox) == 0, 3);
	watch = ipc_ns_watch(space, notices, NOTICE_TYPE, 42, LONG_NS);
	CHILD_EXPECT(watch > 0, 4);
	CHILD_EXPECT(ipc_handle_info(space, watch, &first) == 0, 5);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, 6);

	CHILD_EXPECT(xipc_test_recv(space, notices, NOTICE_TYPE, &notice,
				    sizeof(notice), LONG_NS, &msg) == (int)sizeof(notice), 7);
	CHILD_EXPECT(notice.cookie == 42, 8);
	CHILD_EXPECT(notice.object_id == first.object_id, 9);
	CHILD_EXPECT(ipc_handle_close(space, watch) == 0, 10);
	CHILD_EXPECT(reg("svc", mailbox) == 0, 11);
	CHILD_EXPECT(reg("late", mailbox) == 0, 12);
	watch = ipc_ns_watch(space, notices, NOTICE_TYPE, 43, LONG_NS);
	CHILD_EXPECT(watch > 0, 13);
	CHILD_EXPECT(ipc_handle_info(space, watch, &second) == 0, 14);
	CHILD_EXPECT(second.object_id != first.object_id, 15);
	CHILD_EXPECT(xipc_test_notify(ready) == 0, 16);

	/* Alive (so registered) until the test looked "svc" up. */
	CHILD_EXPECT(xipc_test_await(go) == 0, 17);
	CHILD_EXPECT(take_pid(mailbox, LONG_NS, &msg), 18);
	CHILD_EXPECT(msg.uid == 1000, 19);
	_exit(0);
}

FX_TEST("naming", test_name_server_restart)
{
	int ready[2], go[2], found;
	pid_t server, client;

	setup(NULL, -1);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	server = xipc_test_fork();
	if (server == 0)
		restart_server(ready[1], go[0]);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	client = spawn_waiter(1000, "late");

	fx_kill(named);
	/* No name server: a call waits for one, and times out. */
	ck_assert_int_eq(ipc_ns_lookup(space, "svc", 0, 0, SHORT_NS), -ETIMEDOUT);
	named_start(NULL, -1);
	/* The server registered again; the client's lookup was asked again. */
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	found = lookup("svc");
	ck_assert_int_gt(found, 0);
	ck_assert_uint_eq(xipc_test_handle_info(space, found).type, XIPC_OBJECT_MAILBOX);
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_request_queued_when_the_name_server_dies)
{
	static const uid_t uids[] = { 1000, 1000, 2000 };
	__u32 mailbox = setup(NULL, -1);
	pid_t clients[FX_NR(uids)];

	/* Stopped, it takes no request: theirs stay queued. */
	named_pause();
	for (size_t i = 0; i < FX_NR(uids); i++)
		clients[i] = fork_waiter(uids[i], "q");
	/* Its death drops them; the library asks the next name server. */
	fx_kill(named);
	named_start(NULL, -1);
	ck_assert_int_eq(reg("q", mailbox), 0);
	assert_waiters(clients, mailbox, uids, FX_NR(uids));
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_abandoned_request_is_not_carried_out)
{
	__u32 mailbox = setup(NULL, -1);
	__u32 other = xipc_test_mailbox(space, 0, 0, 0);

	ck_assert_int_eq(reg("kept", mailbox), 0);
	/* Queued while it is stopped, and given up on: the callers are told. */
	named_pause();
	ck_assert_int_eq(ipc_ns_register(space, "gave-up", mailbox, NULL, 0, SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(ipc_ns_unregister(space, "kept", SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(ipc_ns_register(space, "kept", other, NULL, 0, SHORT_NS), -ETIMEDOUT);
	ck_assert_int_eq(kill(named, SIGCONT), 0);
	/* So none of it happened. */
	ck_assert_int_eq(lookup("gave-up"), -ENOENT);
	assert_names("kept", mailbox);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_lookup_waits_for_the_name)
{
	static const uid_t uids[] = { 1000, 1000, 2000 };
	__u32 mailbox = setup((named_opts){ "-w", "2", NULL }, -1);
	pid_t waiters[3];

	waiters[0] = spawn_waiter(1000, "q");
	waiters[1] = spawn_waiter(1000, "q");
	/* A third waiting lookup of uid 1000 is over its quota... */
	ck_assert_int_eq(as(1000, 1000, &(struct as_call){
		.op = LOOKUP, .name = "q", .flags = IPC_NS_WAIT }), -EDQUOT);
	/* ...not one that does not wait, nor one of another uid. */
	expect_lookup_as(1000, 1000, "q", 0, -ENOENT, 0);
	waiters[2] = spawn_waiter(2000, "q");

	ck_assert_int_eq(reg("q", mailbox), 0);
	/* Each got the mailbox registered: one message each. */
	assert_waiters(waiters, mailbox, uids, 3);

	/* A name that never comes. */
	ck_assert_int_eq(as(1000, 1000, &(struct as_call){ .op = LOOKUP, .name = "never",
		.flags = IPC_NS_WAIT, .timeout_ns = SHORT_NS }), -ETIMEDOUT);
	ck_assert_int_eq(ipc_ns_lookup(space, "never", 0, IPC_NS_WAIT, SHORT_NS), -ETIMEDOUT);
	/* The lookup that gave up no longer counts against the quota. */
	waiters[0] = spawn_waiter(1000, "q2");
	waiters[1] = spawn_waiter(1000, "q2");
	ck_assert_int_eq(reg("q2", mailbox), 0);
	assert_waiters(waiters, mailbox, uids, 2);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_names_are_unique)
{
	__u32 first = setup(NULL, -1), second = xipc_test_mailbox(space, 0, 0, 0);
	struct as_call unregister = { .op = UNREGISTER, .name = "svc" };

	ck_assert_int_eq(reg("svc", first), 0);
	assert_names("svc", first);
	/* The same uid again: it replaces the registration. */
	ck_assert_int_eq(reg("svc", second), 0);
	assert_names("svc", second);
	/* The replaced object's death no longer concerns the name. */
	ck_assert_int_eq(ipc_handle_close(space, first), 0);
	assert_names("svc", second);

	/* Another uid may neither take it nor take it back. */
	ck_assert_int_eq(register_as(1000, "svc", second, NULL), -EEXIST);
	ck_assert_int_eq(as(1000, 1000, &unregister), -EPERM);
	assert_names("svc", second);
	ck_assert_int_eq(unreg("nope"), -ENOENT);

	ck_assert_int_eq(unreg("svc"), 0);
	ck_assert_int_eq(lookup("svc"), -ENOENT);
	ck_assert_int_eq(unreg("svc"), -ENOENT);
	/* Free again, for anyone. */
	ck_assert_int_eq(register_as(1000, "svc", second, NULL), 0);
	assert_names("svc", second);
	ck_assert_int_eq(unreg("svc"), -EPERM);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_list_honours_policy_in_byte_order)
{
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
	__u32 mailbox = setup(NULL, -1);
	int n;

	ck_assert_int_eq(reg("~last", mailbox), 0);
	ck_assert_int_eq(reg_rules("alpha", mailbox, &uid_1000, 1), 0);
	ck_assert_int_eq(reg_rules("gamma", mailbox, &uid_3000, 1), 0);
	ck_assert_int_eq(reg_rules("beta", mailbox, &gid_2000, 1), 0);
	ck_assert_int_eq(reg("Zeta", mailbox), 0);
	ck_assert_int_eq(reg("!first", mailbox), 0);
	ck_assert_int_eq(register_as(1000, "mine", mailbox, &uid_4000), 0);

	/* Root registered six, and may look none of "mine" up. */
	n = list(NULL, entries, IPC_NS_LIST_MAX);
	assert_entries(entries, n, by_root, FX_NR(by_root));
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
	assert_list_as(1000, 1000, NULL, LIST_AS_MAX, FX_ARRAY(seen_by_1000));
	assert_list_as(3000, 2000, NULL, LIST_AS_MAX, FX_ARRAY(seen_by_gid_2000));
	assert_list_as(4000, 4000, NULL, LIST_AS_MAX, FX_ARRAY(seen_by_4000));
	/* Pages skip what the caller may not see. */
	assert_list_as(1000, 1000, "alpha", 1, &seen_by_1000[3], 1);
	assert_list_as(4000, 4000, "Zeta", 2, &seen_by_4000[2], 2);

	/* Page by page, one entry at a time, then from a name not listed. */
	for (size_t i = 0; i < FX_NR(by_root); i++)
		assert_first(i ? by_root[i - 1] : "", by_root[i], 0);
	ck_assert_int_eq(list(by_root[FX_NR(by_root) - 1], entries, 1), 0);
	n = list("b", entries, IPC_NS_LIST_MAX);
	assert_entries(entries, n, &by_root[3], 3);
	fx_stop_named(named);
}
END_TEST

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

FX_TEST("naming", test_list_pages_of_the_most_entries)
{
	enum { NR_NAMES = IPC_NS_LIST_MAX + 13 };
	static struct ipc_ns_entry entries[IPC_NS_LIST_MAX];
	static char names[NR_NAMES][8];
	const char *sorted[NR_NAMES];
	__u32 mailbox = setup(NULL, -1);
	int n, total = 0;

	/* Registered out of order: 5 * i mod NR_NAMES visits every i. */
	for (int i = 0; i < NR_NAMES; i++) {
		int k = (5 * i) % NR_NAMES;

		snprintf(names[k], sizeof(names[k]), "n%c%02d", 'z' - k % 26, k);
		ck_assert_int_eq(reg(names[k], mailbox), 0);
		sorted[k] = names[k];
	}
	qsort(sorted, NR_NAMES, sizeof(sorted[0]), name_cmp);
	do {
		n = list(total ? sorted[total - 1] : NULL, entries, IPC_NS_LIST_MAX);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(total + n, NR_NAMES);
		assert_entries(entries, n, &sorted[total], n);
		total += n;
	} while (n == IPC_NS_LIST_MAX);
	ck_assert_int_eq(total, NR_NAMES);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_names_per_uid_quota)
{
	__u32 mailbox = setup((named_opts){ "-u", "1000", NULL }, NULL_LOG);
	char name[16];

	/* One handle under many names. */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "q%04d", i);
		ck_assert_int_eq(reg(name, mailbox), 0);
	}
	ck_assert_int_eq(reg("q1000", mailbox), -EDQUOT);
	/* Replacing one of its names is no new name. */
	ck_assert_int_eq(reg("q0999", mailbox), 0);
	/* The quota is the uid's alone. */
	ck_assert_int_eq(register_as(1000, "other", mailbox, NULL), 0);
	ck_assert_int_eq(unreg("q0500"), 0);
	ck_assert_int_eq(reg("q1000", mailbox), 0);
	ck_assert_int_eq(reg("q1001", mailbox), -EDQUOT);
	assert_names("q1000", mailbox);
	assert_names("other", mailbox);
	ck_assert_int_eq(lookup("q1001"), -ENOENT);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_total_names_limit)
{
	__u32 mailbox = setup((named_opts){ "-n", "3", NULL }, -1);

	ck_assert_int_eq(reg("a", mailbox), 0);
	ck_assert_int_eq(reg("b", mailbox), 0);
	ck_assert_int_eq(register_as(1000, "c", mailbox, NULL), 0);
	ck_assert_int_eq(register_as(1000, "d", mailbox, NULL), -ENOSPC);
	ck_assert_int_eq(reg("e", mailbox), -ENOSPC);
	/* Full, a replacement still goes through. */
	ck_assert_int_eq(reg("a", mailbox), 0);
	ck_assert_int_eq(unreg("b"), 0);
	ck_assert_int_eq(register_as(1000, "d", mailbox, NULL), 0);
	assert_names("d", mailbox);
	ck_assert_int_eq(lookup("e"), -ENOENT);
	fx_stop_named(named);
}
END_TEST

/* Hostile requests, made by hand through a bootstrap handle. */

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

/*
 * @size bytes at @data sent as @op with @nr_transfers @transfers, as an
 * RPC with room for @room handles in the answer (0 or 1).
 */
static struct raw_answer raw_request(__s64 op, const void *data, size_t size,
				     const struct xipc_transfer *transfers,
				     __u32 nr_transfers, __u32 room)
{
	struct raw_answer a;
	int boot = ipc_bootstrap(space, 0);
	struct xipc_rpc call = {
		.handle = boot, .type = op, .data = ipc_ptr(data), .size = size,
		.transfers = ipc_ptr(transfers), .nr_transfers = nr_transfers,
		.reply_data = ipc_ptr(&a.reply), .reply_size = sizeof(a.reply),
		.reply_handles = room ? ipc_ptr(&a.handle) : 0,
		.max_reply_handles = room, .timeout_ns = LONG_NS,
	};

	ck_assert_int_gt(boot, 0);
	memset(&a, POISON_BYTE, sizeof(a));
	a.ret = ipc_rpc(space, &call);
	a.nr_handles = call.nr_reply_handles;
	ck_assert_int_eq(ipc_handle_close(space, boot), 0);
	return a;
}

/*
 * The raw request is answered with @error alone, and the name server
 * serves on. @what names the case in a failure.
 */
static void assert_refused(const char *what, __s64 op, const void *data,
			   size_t size, const struct xipc_transfer *transfers,
			   __u32 nr_transfers, int error)
{
	struct raw_answer a = raw_request(op, data, size, transfers, nr_transfers, 1);

	ck_assert_msg(a.ret == (int)sizeof(a.reply), "%s: rpc returned %d", what, a.ret);
	ck_assert_msg(a.reply.error == error, "%s: error %d, expected %d", what,
		      a.reply.error, error);
	ck_assert_msg(a.reply.count == 0, "%s: count %u", what, a.reply.count);
	ck_assert_msg(a.nr_handles == 0, "%s: %u handles", what, a.nr_handles);
	assert_serving();
}

/* struct ipc_ns_request @req as @op, carrying @nr @transfers: refused. */
#define REFUSED(what, op, req, transfers, nr, error) \
	assert_refused(what, op, &(req), sizeof(req), transfers, nr, error)

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
	/* A control byte in the name; an empty name. */
	NS_BAD(LOOKUP, name[1], '\t', EINVAL), NS_BAD(UNREGISTER, name[0], 0, EINVAL),
	/* A list of no entries, or of too many. */
	NS_BAD(LIST, max_entries, 0, EINVAL),
	NS_BAD(LIST, max_entries, IPC_NS_LIST_MAX + 1, EINVAL),
};

FX_TEST("naming", test_hostile_requests_leave_it_serving)
{
	static unsigned char garbage[NAMED_MAX_MSG];
	static char big[NAMED_MAX_MSG + 1];
	struct xipc_transfer moves[XIPC_MAX_TRANSFERS], two[2], one;
	unsigned int seen[XIPC_MAX_TRANSFERS] = { 0 };
	__u32 mailbox = setup(NULL, -1), held, notices, state = 12345;
	struct ipc_ns_request req;
	struct raw_answer a;
	struct xipc_send msg;
	int boot;

	one = (struct xipc_transfer){ .handle = mailbox };

	/* The raw path itself: a valid register and lookup. */
	req = request("raw");
	a = raw_request(IPC_NS_OP_REGISTER, &req, sizeof(req), &one, 1, 1);
	ck_assert_int_eq(a.ret, sizeof(a.reply));
	ck_assert_int_eq(a.reply.error, 0);
	ck_assert_uint_eq(a.nr_handles, 0);
	/* It carried every right; the name server keeps what it gives out. */
	assert_first(NULL, "raw", SEND | GRANT);
	a = raw_request(IPC_NS_OP_LOOKUP, &req, sizeof(req), NULL, 0, 1);
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
		assert_refused("garbage", 1 + i % 4, garbage, size, NULL, 0, -EBADMSG);
	}

	REFUSED("op 5", 5, req, NULL, 0, -EOPNOTSUPP);
	REFUSED("op huge", INT64_MAX, req, NULL, 0, -EOPNOTSUPP);
	for (size_t i = 0; i < FX_NR(bad_fields); i++) {
		req = request("x");
		fx_break(&req, &bad_fields[i].row);
		REFUSED(bad_fields[i].row.field, bad_fields[i].op, req, NULL, 0,
			-bad_fields[i].row.error);
	}
	req = request("x");
	memset(req.name, 'n', sizeof(req.name));
	REFUSED("no NUL", IPC_NS_OP_LOOKUP, req, NULL, 0, -ENAMETOOLONG);
	req = request("x");
	req.nr_rules = 1;
	req.rules[0] = everyone_recv;
	REFUSED("rules in a lookup", IPC_NS_OP_LOOKUP, req, NULL, 0, -EBADMSG);

	/* Registers: the handle, then the rules. */
	req = request("x");
	REFUSED("register without a handle", IPC_NS_OP_REGISTER, req, NULL, 0, -EINVAL);
	two[0] = one;
	two[1] = one;
	REFUSED("register with two handles", IPC_NS_OP_REGISTER, req, two, 2, -EINVAL);
	REFUSED("lookup with a handle", IPC_NS_OP_LOOKUP, req, &one, 1, -EBADMSG);
	held = fx_dup(space, mailbox, SEND | GRANT, 0, 0);
	req.nr_rules = 1;
	req.rules[0] = everyone_recv;
	REFUSED("rule beyond the handle", IPC_NS_OP_REGISTER, req,
		&(struct xipc_transfer){ .handle = held }, 1, -EPERM);
	req = request("x");
	REFUSED("handle without grant", IPC_NS_OP_REGISTER, req,
		(&(struct xipc_transfer){ .handle = held, .rights = SEND }), 1, -EPERM);
	REFUSED("default policy without send", IPC_NS_OP_REGISTER, req,
		(&(struct xipc_transfer){ .handle = held, .rights = GRANT }), 1, -EPERM);
	req.nr_rules = IPC_NS_MAX_RULES + 1;
	REFUSED("too many rules", IPC_NS_OP_REGISTER, req, &one, 1, -EINVAL);
	req = request("x");
	req.nr_rules = 1;
	req.rules[0] = (struct ipc_ns_rule){ .who = IPC_NS_EVERYONE, .rights = SEND };
	req.rules[1] = req.rules[0];
	REFUSED("unused rule in a register", IPC_NS_OP_REGISTER, req, &one, 1, -EBADMSG);
	ck_assert_int_eq(lookup("x"), -ENOENT);

	/* Not an RPC: nobody to answer; its handles are closed. */
	notices = xipc_test_mailbox(space, 0, 0, 0);
	for (int i = 0; i < XIPC_MAX_TRANSFERS; i++) {
		__u32 carried = xipc_test_mailbox(space, 0, 0, 0);
		__u32 watched = fx_dup(space, carried, SEND, 0, 0);

		ck_assert_int_eq(ipc_watch(space, watched, notices, NOTICE_TYPE, i), 0);
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
	assert_serving();
	ck_assert_int_eq(lookup("plain"), -ENOENT);
	for (int i = 0; i < XIPC_MAX_TRANSFERS; i++) {
		struct xipc_death_notice notice;
		struct xipc_recv got;

		ck_assert_int_eq(xipc_test_recv(space, notices, NOTICE_TYPE,
						&notice, sizeof(notice), 0, &got), sizeof(notice));
		ck_assert_uint_lt(notice.cookie, XIPC_MAX_TRANSFERS);
		ck_assert_uint_eq(seen[notice.cookie]++, 0);
	}
	xipc_test_assert_empty(space, notices);

	/* Too big for its mailbox: the kernel refuses it. */
	a = raw_request(IPC_NS_OP_LOOKUP, big, sizeof(big), NULL, 0, 1);
	ck_assert_int_eq(a.ret, -EMSGSIZE);
	assert_serving();

	/* An answer that does not fit is dropped, not waited on. */
	req = request("raw");
	a = raw_request(IPC_NS_OP_LOOKUP, &req, sizeof(req), NULL, 0, 0);
	ck_assert_int_eq(a.ret, -EPIPE);
	assert_serving();
	assert_names("raw", mailbox);
	/* Holding no receive right, it does not keep the mailbox alive. */
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(lookup("raw"), -ENOENT);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_library_rejects_each_bad_argument)
{
	/* uid_1000 with one field bad; everyone's rule with an id. */
	static const struct ipc_ns_rule bad_rules[] = {
		{ .who = 0, .id = 1000, .rights = SEND },
		{ .who = IPC_NS_GID + 1, .id = 1000, .rights = SEND },
		{ .who = IPC_NS_UID, .id = 1000, .rights = 0 },
		{ .who = IPC_NS_UID, .id = 1000, .rights = SEND | (1U << 4) },
		{ .who = IPC_NS_UID, .id = 1000, .rights = SEND, .reserved = 1 },
		{ .who = IPC_NS_EVERYONE, .id = 1, .rights = SEND },
	};
	static const char *const bad_names[] = {
		"", "a b", "a\x01", "a\x7f", "a\n", "caf\xc3\xa9", NULL,
	};
	struct ipc_ns_rule rules[IPC_NS_MAX_RULES + 1];
	char long_name[IPC_NS_NAME_MAX + 2];
	__u32 mailbox = setup(NULL, -1);
	__u32 notices = xipc_test_mailbox(space, 0, 0, 0);
	__u32 destroyed = xipc_test_mailbox(space, 0, 0, 0);
	struct ipc_ns_entry entry;
	unsigned int handles;

	ck_assert_int_eq(ipc_mailbox_destroy(space, destroyed), 0);
	handles = xipc_test_count_handles(space);

	/*
	 * Names, in every call (but an empty one, which to a list means from
	 * the start); the last, one byte too long.
	 */
	memset(long_name, 'n', sizeof(long_name));
	long_name[IPC_NS_NAME_MAX + 1] = '\0';
	for (size_t i = 0; i < FX_NR(bad_names); i++) {
		const char *name = bad_names[i] ? bad_names[i] : long_name;
		int error = bad_names[i] ? -EINVAL : -ENAMETOOLONG;

		ck_assert_int_eq(reg(name, mailbox), error);
		ck_assert_int_eq(unreg(name), error);
		ck_assert_int_eq(lookup(name), error);
		if (*name)
			ck_assert_int_eq(list(name, &entry, 1), error);
	}

	/* Timeouts of 0, in every call. */
	ck_assert_int_eq(ipc_ns_register(space, "x", mailbox, NULL, 0, 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_unregister(space, "x", 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_lookup(space, "x", 0, 0, 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_list(space, NULL, &entry, 1, 0), -EINVAL);
	ck_assert_int_eq(ipc_ns_watch(space, notices, NOTICE_TYPE, 0, 0), -EINVAL);

	/* The policy: too many rules, and each bad field of one rule. */
	for (int i = 0; i <= IPC_NS_MAX_RULES; i++)
		rules[i] = uid_1000;
	ck_assert_int_eq(reg_rules("x", mailbox, rules, IPC_NS_MAX_RULES + 1), -EINVAL);
	for (size_t i = 0; i < FX_NR(bad_rules); i++) {
		rules[1] = bad_rules[i];
		ck_assert_msg(reg_rules("x", mailbox, rules, 2) == -EINVAL,
			      "bad rule %zu accepted", i);
	}

	/* Handles that do not exist, or whose object was destroyed (handles
	 * to other kinds of object: the next test). */
	ck_assert_int_eq(reg("x", 999), -EBADF);
	ck_assert_int_eq(reg("x", destroyed), -EIDRM);

	/* Lookups: unknown flags or rights. */
	ck_assert_int_eq(ipc_ns_lookup(space, "x", 0, IPC_NS_WAIT << 1, LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_lookup(space, "x", 1U << 4, 0, LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_lookup(space, "x", ~0U, 0, LONG_NS), -EINVAL);

	/* Lists: 0 or too many entries. */
	ck_assert_int_eq(list(NULL, &entry, 0), -EINVAL);
	ck_assert_int_eq(list(NULL, &entry, IPC_NS_LIST_MAX + 1), -EINVAL);

	/* Watches: a bad type or mailbox. */
	ck_assert_int_eq(ipc_ns_watch(space, notices, 0, 0, LONG_NS), -EINVAL);
	ck_assert_int_eq(ipc_ns_watch(space, 999, NOTICE_TYPE, 0, LONG_NS), -EBADF);

	/* None of it left a handle behind or registered a name. */
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(list(NULL, &entry, 1), 0);

	/* The longest name is fine. */
	long_name[IPC_NS_NAME_MAX] = '\0';
	ck_assert_int_eq(reg_rules(long_name, mailbox, rules, 1), 0);
	assert_first(NULL, long_name, 0);
	ck_assert_int_eq(unreg(long_name), 0);
	fx_stop_named(named);
}
END_TEST

FX_TEST("naming", test_register_takes_only_mailboxes_and_services)
{
	struct xipc_reply reply;
	struct xipc_bind bind;
	struct xipc_recv msg;
	unsigned int handles;
	__u32 rpc_mailbox = setup(NULL, -1), service = xipc_test_service(space);
	pid_t caller;

	bind = (struct xipc_bind){ .service = service };
	ck_assert_int_eq(ioctl(space, XIPC_IOC_BIND, &bind), 0);
	/* A reply handle: a child's RPC, taken and not yet answered. */
	caller = xipc_test_fork();
	if (caller == 0) {
		char answer;
		struct xipc_rpc call = {
			.handle = rpc_mailbox, .type = 1, .timeout_ns = LONG_NS,
			.reply_data = ipc_ptr(&answer), .reply_size = 1,
		};

		CHILD_EXPECT(ipc_rpc(space, &call) == 1, 1);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_recv(space, rpc_mailbox, 1, NULL, 0, LONG_NS, &msg), 0);
	ck_assert_uint_gt(msg.reply, 0);
	handles = xipc_test_count_handles(space);

	ck_assert_int_eq(reg("x", bind.handle), -EINVAL);
	ck_assert_int_eq(reg("x", msg.reply), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(lookup("x"), -ENOENT);
	/* The service itself may be named (through a send-and-grant copy). */
	ck_assert_int_eq(reg("x", fx_dup(space, service, SEND | GRANT, 0, 0)), 0);
	assert_names("x", service);

	reply = (struct xipc_reply){
		.reply = msg.reply, .data = ipc_ptr("k"), .size = 1,
	};
	ck_assert_int_eq(ipc_reply(space, &reply), 0);
	ck_assert_int_eq(xipc_test_wait(caller), 0);
	fx_stop_named(named);
}
END_TEST

/* The library against a fake name server that breaks the protocol. */

#define HEAD	sizeof(struct ipc_ns_reply)
#define TWO	(HEAD + 2 * sizeof(struct ipc_ns_entry))

/*
 * What the fake name server answers, in order, after dropping "dropped"
 * thrice (a name server that stays alive is asked again): @size bytes of
 * @head (and zeros), with a handle if @handle. All but the last are
 * protocol errors.
 */
static const struct fake_answer {
	__s64 op;
	const char *name;
	struct ipc_ns_reply head;
	size_t size;
	bool handle;
} fake_answers[] = {
	{ IPC_NS_OP_LOOKUP, "no-handle", { 0 }, HEAD, false },
	{ IPC_NS_OP_LOOKUP, "positive", { .error = EACCES }, HEAD, false },
	{ IPC_NS_OP_LOOKUP, "short", { 0 }, HEAD - 1, true },
	{ IPC_NS_OP_LOOKUP, "error-and-handle", { .error = -ENOENT }, HEAD, true },
	/* More entries than asked for; fewer than said. */
	{ IPC_NS_OP_LIST, "", { .count = 3 }, TWO, false },
	{ IPC_NS_OP_LIST, "", { .count = 1 }, TWO, false },
	{ IPC_NS_OP_LOOKUP, "fine", { .error = -ENOENT }, HEAD, false },
};

/* How many of handles 1..256 exist in @space (in a child: no ck_assert). */
static unsigned int child_count_handles(void)
{
	struct xipc_handle_info info;
	unsigned int n = 0;

	for (__u32 h = 1; h <= 256; h++)
		n += ipc_handle_info(space, h, &info) == 0;
	return n;
}

/* Makes the calls the fake name server answers badly, in its order. */
static void __attribute__((noreturn)) fake_client(void)
{
	static struct ipc_ns_entry entries[2];
	const size_t last = FX_NR(fake_answers) - 1;
	unsigned int handles;

	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 1);
	handles = child_count_handles();
	CHILD_EXPECT(lookup("dropped") == -EPROTO, 2);
	for (size_t i = 0; i < last; i++)
		CHILD_EXPECT((fake_answers[i].op == IPC_NS_OP_LIST ? list(NULL, entries, 2) :
			      lookup(fake_answers[i].name)) == -EPROTO, (int)(3 + i));
	/* Whatever the answers carried was closed. */
	CHILD_EXPECT(child_count_handles() == handles, 20);
	CHILD_EXPECT(lookup(fake_answers[last].name) == -ENOENT, 21);
	_exit(0);
}

/*
 * Takes the next request off @mailbox: @op for @name, encoded as the
 * protocol says (a list of 2, nothing else set). Returns its reply handle.
 */
static __u32 fake_take(__u32 mailbox, __s64 op, const char *name)
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

FX_TEST("naming", test_library_checks_the_answers)
{
	static char answer[TWO];
	__u32 mailbox, given;
	pid_t client;

	/* xipc-named stops, and the role with it: a fake takes it. */
	setup(NULL, -1);
	fx_stop_named(named);
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(ipc_nameserver_claim(space, mailbox), 0);
	given = xipc_test_mailbox(space, 0, 0, 0);
	client = xipc_test_fork();
	if (client == 0)
		fake_client();

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ipc_handle_close(space, fake_take(mailbox,
				 IPC_NS_OP_LOOKUP, "dropped")), 0);
	for (size_t i = 0; i < FX_NR(fake_answers); i++) {
		const struct fake_answer *fake = &fake_answers[i];
		struct xipc_transfer transfer = { .handle = given };
		struct xipc_reply reply = {
			.data = ipc_ptr(answer), .transfers = ipc_ptr(&transfer),
		};

		reply.reply = fake_take(mailbox, fake->op, fake->name);
		reply.size = fake->size;
		reply.nr_transfers = fake->handle;
		memset(answer, 0, sizeof(answer));
		memcpy(answer, &fake->head, HEAD < fake->size ? HEAD : fake->size);
		ck_assert_int_eq(ipc_reply(space, &reply), 0);
	}
	ck_assert_int_eq(xipc_test_wait(client), 0);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/* LRPC: a service is named like a mailbox. */

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
	int own = fx_child_space(1000, 1000, NULL, 0);
	int found = ipc_ns_lookup(own, "adder", 0, IPC_NS_WAIT, LONG_NS);

	CHILD_EXPECT(found > 0, 2);
	CHILD_EXPECT(ipc_handle_info(own, found, &info) == 0, 3);
	CHILD_EXPECT(info.type == XIPC_OBJECT_SERVICE, 4);
	CHILD_EXPECT(info.rights == SEND, 5);
	CHILD_EXPECT(ipc_bind(own, found, &b) == 0, 6);
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
	__u32 mailbox = setup(NULL, NULL_LOG);
	int status;

	ck_assert_int_eq(reg("seen.by.root", mailbox), 0);
	ck_assert_int_eq(reg_rules("with.rules", mailbox, FX_ARRAY(rules)), 0);
	status = xipc_test_run_tool("xipcs", "-n", out, sizeof(out), false);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "xipcs -n: status %#x", status);
	ck_assert_msg(strstr(out, "seen.by.root") && strstr(out, " everyone:s\n"), "%s", out);
	ck_assert_msg(strstr(out, "with.rules") &&
		      strstr(out, " uid=1000:sg gid=2000:s\n"), "%s", out);
	ck_assert_msg(strstr(out, "\n2 names\n"), "%s", out);
	fx_stop_named(named);
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
	pid_t client;
	void *result;

	setup(NULL, -1);
	/* Forked first: the client binds on its own, from its own space. */
	client = xipc_test_fork();
	if (client == 0)
		adder_client();
	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	ck_assert_int_eq(ipc_service_register(svc, PROC_ADD, add, &adder), 0);
	ck_assert_int_eq(pthread_create(&server, NULL, serve, svc), 0);
	ck_assert_int_eq(reg("adder", ipc_service_handle(svc)), 0);
	ck_assert_int_eq(xipc_test_wait(client), 0);
	ck_assert_int_eq(adder.calls, 1);
	ck_assert_uint_eq(adder.uid, 1000);

	/* A dead service loses its name. */
	ck_assert_int_eq(ipc_service_destroy(svc), 0);
	ck_assert_int_eq(pthread_join(server, &result), 0);
	ck_assert_int_eq((long)result, -EIDRM);
	ck_assert_int_eq(lookup("adder"), -ENOENT);
	ipc_service_free(svc);
	fx_stop_named(named);
}
END_TEST

/* The log. */

/* Registers and unregisters a name @times times: two log lines each. */
static void register_in_a_loop(unsigned int times)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	for (unsigned int i = 0; i < times; i++) {
		ck_assert_int_eq(reg("loop", mailbox), 0);
		ck_assert_int_eq(unreg("loop"), 0);
	}
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
}

/* How many times @what is in @log; with @sum, the sum of the numbers after it. */
static unsigned long tally(const char *log, const char *what, bool sum)
{
	unsigned long n = 0;

	for (const char *p = strstr(log, what); p; p = strstr(p + 1, what))
		n += sum ? strtoul(p + strlen(what), NULL, 10) : 1;
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
	int log_fd = memfd_create("xipc-named-log", MFD_CLOEXEC);
	ssize_t len;

	ck_assert_int_ge(log_fd, 0);
	setup((named_opts){ "-l", "5", NULL }, log_fd);
	register_in_a_loop(times);
	fx_stop_named(named);

	len = pread(log_fd, log, sizeof(log) - 1, 0);
	ck_assert_int_gt(len, 0);
	log[len] = '\0';
	logged = tally(log, "\" registered by uid ", false) + tally(log, " unregistered\n", false);
	left_out = tally(log, "xipc-named: left out ", true);
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
	int pipefd[2];
	ssize_t len;

	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	/* The smallest pipe, one page: full after some 60 lines. */
	ck_assert_int_ge(fcntl(pipefd[1], F_SETPIPE_SZ, 4096), 4096);
	setup(NULL, pipefd[1]);
	ck_assert_int_eq(close(pipefd[1]), 0);

	/*
	 * 400 lines of some 60 bytes, 120 of them within the rate limit:
	 * the log is full long before the end.
	 */
	register_in_a_loop(200);
	ck_assert_int_eq(lookup("loop"), -ENOENT);
	fx_stop_named(named);

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
