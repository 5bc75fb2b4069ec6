// SPDX-License-Identifier: MIT
/*
 * Per-user quotas (module parameters user_max_msgs, user_max_bytes,
 * user_max_mailboxes and user_max_handles): ENOBUFS past them, for that user
 * only, for sends, RPC requests and replies, creation and every handle a
 * space gets, and their return on every teardown.
 */
#include <sys/prctl.h>

#include "fixture.h"

/* The flooding user, and another one who must not notice; one group. */
#define FLOODER		65534
#define BYSTANDER	65533
#define GID		65534
/* The type of the requests the RPC tests make. */
#define RPC_TYPE	77

/* A wait status no child can have: the child never ran or was not reaped. */
#define NOT_RUN		(-1)

/*
 * The quotas under test. A test changes them for everyone, so it restores
 * them before it asserts anything; the tcase's unchecked fixture restores
 * them once more after the last test, should a test die on the way.
 */
enum { MSGS, BYTES, MAILBOXES, HANDLES, NR_QUOTAS };
static const char *const quota_params[NR_QUOTAS] = {
	"user_max_msgs", "user_max_bytes", "user_max_mailboxes",
	"user_max_handles",
};

/* Reads, or writes, the four quotas: the first error, or 0. All four go. */
static int quotas_io(unsigned long long q[NR_QUOTAS], bool write)
{
	int i, ret, err = 0;

	for (i = 0; i < NR_QUOTAS; i++) {
		ret = write ? xipc_test_param_write(quota_params[i], q[i]) :
			      xipc_test_param_read(quota_params[i], &q[i]);
		if (!err)
			err = ret;
	}
	return err;
}

static unsigned long long quotas_at_start[NR_QUOTAS];
static bool quotas_saved;

static void save_quotas(void)
{
	quotas_saved = quotas_io(quotas_at_start, false) == 0;
}

static void restore_quotas(void)
{
	if (quotas_saved)
		quotas_io(quotas_at_start, true);
}

/*
 * xipc_test_fork() that does not assert (the quotas must be restored before
 * anything fails): the pid, 0 in the child, or -1.
 */
static pid_t start_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0 &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
		_exit(127);
	return pid;
}

/* The child's raw wait status, or NOT_RUN. Works in children. */
static int wait_child(pid_t pid)
{
	int status;
	pid_t ret;

	if (pid <= 0)
		return NOT_RUN;
	do
		ret = waitpid(pid, &status, 0);
	while (ret < 0 && errno == EINTR);
	return ret == pid ? status : NOT_RUN;
}

/* Runs @child (which must _exit()) in a child: its wait status. */
static int run_child(void (*child)(void))
{
	pid_t pid = start_child();

	if (pid == 0)
		child();
	return wait_child(pid);
}

/*
 * Sets the quotas @set (0: as they are), runs @test in a child (which checks
 * with CHILD_EXPECT), restores the quotas and calls @cleanup (if any); only
 * then asserts that the setting, the test and the restoring went.
 */
static void with_quotas(const unsigned long long set[NR_QUOTAS],
			void (*test)(void), void (*cleanup)(void))
{
	unsigned long long saved[NR_QUOTAS], q[NR_QUOTAS];
	int i, ret, restored, status = NOT_RUN;

	ck_assert_int_eq(quotas_io(saved, false), 0);
	for (i = 0; i < NR_QUOTAS; i++)
		q[i] = set[i] ? set[i] : saved[i];
	ret = quotas_io(q, true);
	if (ret == 0)
		status = run_child(test);
	restored = quotas_io(saved, true);
	if (cleanup)
		cleanup();
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(restored, 0);
	ck_assert_msg(status != NOT_RUN, "the test's child did not run");
	ck_assert_msg(!WIFSIGNALED(status), "killed by signal %d",
		      WTERMSIG(status));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "check %d failed (see its message)", WEXITSTATUS(status));
}

/* In a forked child: become @uid, in a space of its own. */
static int become(uid_t uid)
{
	return fx_child_space(uid, GID, NULL, 0);
}

/* In a forked child: a new mailbox of the default limits (else exit @code). */
static int child_mailbox(int space, int code)
{
	int mailbox = ipc_mailbox_create(space, 0, 0, 0);

	CHILD_EXPECT(mailbox > 0, code);
	return mailbox;
}

/* What the tests send, and where they receive it. */
static char payload[4096], buf[sizeof(payload)];

/* Sends @size bytes of type 1, without waiting for room. */
static int send_bytes(int space, __u32 mailbox, size_t size)
{
	return xipc_test_send(space, mailbox, 1, payload, size, 0);
}

/* Takes one message off @mailbox: its size, or -errno. */
static int take_one(int space, __u32 mailbox, __s64 type)
{
	struct xipc_recv msg;

	return xipc_test_recv(space, mailbox, type, buf, sizeof(buf), 0, &msg);
}

/* How many messages @mailbox holds (peeking at each), or -errno. */
static int count_queued(int space, __u32 mailbox)
{
	struct xipc_recv msg;
	int count, ret;

	for (count = 0; count < 100000; count++) {
		msg = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf), 0);
		msg.flags = XIPC_RECV_PEEK;
		msg.skip = count;
		ret = ipc_recv(space, &msg);
		if (ret < 0)
			return ret == -EAGAIN ? count : ret;
	}
	return -E2BIG;
}

/*
 * The flooding tests: this child forks a bystander of another user, then
 * becomes the flooder, which fills its quota and calls bystander_go(); the
 * bystander then runs while the flooder stays at its limit (by default, it
 * queues bystander.count messages of bystander.size and is not stopped),
 * and bystander_done() waits for it to exit 0.
 */
static struct {
	void (*run)(void);
	unsigned int count;
	size_t size;
	pid_t pid;
	int go;
} bystander;

static void queue_some(void)
{
	int space = become(BYSTANDER);
	int mailbox = child_mailbox(space, 90);
	unsigned int i;

	for (i = 0; i < bystander.count; i++)
		CHILD_EXPECT_RET(send_bytes(space, mailbox, bystander.size), 0, 91);
	CHILD_EXPECT_RET(count_queued(space, mailbox), bystander.count, 92);
	_exit(0);
}

/* In the test's child: the bystander forked, this the flooder: its space. */
static int start_flood(void)
{
	int go[2];

	CHILD_EXPECT(pipe(go) == 0, 2);
	bystander.pid = start_child();
	if (bystander.pid == 0) {
		close(go[1]);
		CHILD_EXPECT_RET(xipc_test_await(go[0]), 0, 3);
		(bystander.run ? bystander.run : queue_some)();
	}
	CHILD_EXPECT(bystander.pid > 0, 4);
	close(go[0]);
	bystander.go = go[1];
	return become(FLOODER);
}

static void bystander_go(void)
{
	CHILD_EXPECT_RET(xipc_test_notify(bystander.go), 0, 5);
}

static void bystander_done(void)
{
	CHILD_EXPECT_RET(wait_child(bystander.pid), 0, 6);
}

/* The bystander runs now, while the flooder is at its quota. */
static void at_quota(void)
{
	bystander_go();
	bystander_done();
}

/*
 * With the quota @which at @value alone, @flooder, whose bystander queues
 * @count messages of @size; then @cleanup (if any).
 */
static void flood(int which, unsigned long long value, void (*flooder)(void),
		  unsigned int count, size_t size, void (*cleanup)(void))
{
	unsigned long long set[NR_QUOTAS] = { 0 };

	set[which] = value;
	bystander.count = count;
	bystander.size = size;
	with_quotas(set, flooder, cleanup);
}

/*
 * In a flooder at its quota: taking a message of @size from @from makes room
 * for one of @size through @to, and no more (exits @code to @code + 2).
 */
static void take_makes_room(int space, __u32 from, __u32 to, size_t size,
			    int code)
{
	CHILD_EXPECT_RET(take_one(space, from, 0), size, code);
	CHILD_EXPECT_RET(send_bytes(space, to, size), 0, code + 1);
	CHILD_EXPECT_RET(send_bytes(space, from, 1), -ENOBUFS, code + 2);
}

/* With user_max_msgs = 8: eight messages over two mailboxes, then ENOBUFS. */
static void flood_msgs(void)
{
	int space = start_flood();
	int a = child_mailbox(space, 10), b = child_mailbox(space, 10);
	unsigned int i;

	for (i = 0; i < 4; i++) {
		CHILD_EXPECT_RET(send_bytes(space, a, 1), 0, 11);
		CHILD_EXPECT_RET(send_bytes(space, b, 1), 0, 12);
	}
	/* The quota is the user's, whichever mailbox the ninth goes to. */
	CHILD_EXPECT_RET(send_bytes(space, a, 1), -ENOBUFS, 13);
	CHILD_EXPECT_RET(send_bytes(space, b, 1), -ENOBUFS, 14);
	CHILD_EXPECT_RET(send_bytes(space, b, 0), -ENOBUFS, 15);
	CHILD_EXPECT_RET(count_queued(space, a), 4, 16);
	CHILD_EXPECT_RET(count_queued(space, b), 4, 17);
	at_quota();

	/* A message received is a message uncharged. */
	take_makes_room(space, a, b, 1, 20);
	/* So is every message of a destroyed mailbox: b held five. */
	CHILD_EXPECT_RET(ipc_mailbox_destroy(space, b), 0, 23);
	for (i = 0; i < 5; i++)
		CHILD_EXPECT_RET(send_bytes(space, a, 1), 0, 24);
	CHILD_EXPECT_RET(send_bytes(space, a, 1), -ENOBUFS, 25);
	CHILD_EXPECT_RET(count_queued(space, a), 8, 26);
	_exit(0);
}

FX_TEST("quota", test_user_max_msgs)
{
	flood(MSGS, 8, flood_msgs, 8, 1, NULL);
}
END_TEST

/* With user_max_bytes = 1000. */
static void flood_bytes(void)
{
	/* Sizes, and what their sends get: exactly up to the quota is fine. */
	static const struct { size_t size; int ret; } sends[] = {
		{ 1001, -ENOBUFS }, { 400, 0 }, { 400, 0 }, { 400, -ENOBUFS },
		{ 200, 0 }, { 1, -ENOBUFS },
	};
	int space = start_flood();
	int mailbox = child_mailbox(space, 10);
	unsigned int i;

	for (i = 0; i < FX_NR(sends); i++)
		CHILD_EXPECT_RET(send_bytes(space, mailbox, sends[i].size),
				 sends[i].ret, 11 + i);
	CHILD_EXPECT_RET(count_queued(space, mailbox), 3, 17);
	at_quota();

	take_makes_room(space, mailbox, mailbox, 400, 19);
	CHILD_EXPECT_RET(count_queued(space, mailbox), 3, 22);
	_exit(0);
}

FX_TEST("quota", test_user_max_bytes)
{
	flood(BYTES, 1000, flood_bytes, 2, 400, NULL);
}
END_TEST

/* A service of one binding with one A-stack of @astack_size: handle or -errno. */
static int service_of(int space, __u32 astack_size)
{
	struct xipc_service_create req = { .astack_size = astack_size,
					   .nr_astacks = 1, .max_bindings = 1 };

	return ioctl(space, XIPC_IOC_SERVICE_CREATE, &req) ? -errno :
							      (int)req.handle;
}

/*
 * With user_max_bytes = 3 pages: a service's region (its A-stacks, then a
 * page of slot records) counts as bytes, with the messages. A region larger
 * than the whole quota, or than what is left of it, is refused and charges
 * nothing; the region of a service gone is room again.
 */
static void flood_regions(void)
{
	size_t page = sysconf(_SC_PAGESIZE);
	int space = start_flood();
	int mailbox = child_mailbox(space, 10);
	int service = service_of(space, page);

	CHILD_EXPECT(service > 0, 11);
	CHILD_EXPECT_RET(service_of(space, page), -ENOBUFS, 12);
	CHILD_EXPECT_RET(service_of(space, 3 * page), -ENOBUFS, 13);
	CHILD_EXPECT_RET(send_bytes(space, mailbox, page), 0, 14);
	CHILD_EXPECT_RET(send_bytes(space, mailbox, 1), -ENOBUFS, 15);
	at_quota();

	CHILD_EXPECT_RET(ipc_handle_close(space, service), 0, 16);
	CHILD_EXPECT(service_of(space, page) > 0, 17);
	CHILD_EXPECT_RET(send_bytes(space, mailbox, 1), -ENOBUFS, 18);
	_exit(0);
}

FX_TEST("quota", test_user_max_bytes_counts_service_regions)
{
	flood(BYTES, 3 * sysconf(_SC_PAGESIZE), flood_regions, 2, 400, NULL);
}
END_TEST

/*
 * A name root made (mode 0666, in a space of its own) for the flooder and
 * the bystander to open, and one the flooder tries to create.
 */
static char shared_name[XIPC_TEST_NAME_SIZE], new_name[XIPC_TEST_NAME_SIZE];
static int shared_space;

static void make_shared_name(void)
{
	shared_space = xipc_test_open();
	xipc_test_name(shared_name, "quota-shared");
	xipc_test_name(new_name, "quota-new");
	ck_assert_int_gt(ipc_mailbox_open(shared_space, shared_name,
					  XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
					  0666, 0), 0);
}

/* Its messages left queued go with it; new_name too, should it be left. */
static void unlink_names(void)
{
	ipc_mailbox_unlink(shared_space, new_name);
	ck_assert_int_eq(ipc_mailbox_unlink(shared_space, shared_name), 0);
	ipc_close(shared_space);
}

/* With user_max_mailboxes = 3. */
static void flood_mailboxes(void)
{
	int space = start_flood();
	int mailboxes[3], named, i;

	for (i = 0; i < 3; i++)
		mailboxes[i] = child_mailbox(space, 10);
	CHILD_EXPECT_RET(ipc_mailbox_create(space, 0, 0, 0), -ENOBUFS, 11);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, new_name, XIPC_OPEN_CREATE,
					  0600, 0), -ENOBUFS, 12);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, new_name, 0, 0, 0), -ENOENT, 13);
	/* Opening what exists creates nothing: no quota needed. */
	CHILD_EXPECT(ipc_mailbox_open(space, shared_name, 0, 0,
				      XIPC_RIGHT_SEND) > 0, 14);
	at_quota();

	/* Closing the only handle frees the mailbox, and its charge. */
	CHILD_EXPECT_RET(ipc_handle_close(space, mailboxes[0]), 0, 17);
	mailboxes[0] = child_mailbox(space, 18);
	CHILD_EXPECT_RET(ipc_mailbox_create(space, 0, 0, 0), -ENOBUFS, 19);

	/* A named mailbox counts, and lives on its name. */
	CHILD_EXPECT_RET(ipc_handle_close(space, mailboxes[1]), 0, 20);
	named = ipc_mailbox_open(space, new_name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				 0600, 0);
	CHILD_EXPECT(named > 0, 21);
	CHILD_EXPECT_RET(ipc_mailbox_create(space, 0, 0, 0), -ENOBUFS, 22);
	CHILD_EXPECT_RET(ipc_handle_close(space, named), 0, 23);
	CHILD_EXPECT_RET(ipc_mailbox_create(space, 0, 0, 0), -ENOBUFS, 24);
	CHILD_EXPECT_RET(ipc_mailbox_unlink(space, new_name), 0, 25);
	child_mailbox(space, 26);
	CHILD_EXPECT_RET(ipc_mailbox_create(space, 0, 0, 0), -ENOBUFS, 27);

	/* Closing the space frees all three. */
	CHILD_EXPECT_RET(ipc_close(space), 0, 28);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 29);
	for (i = 0; i < 3; i++)
		child_mailbox(space, 30);
	CHILD_EXPECT_RET(ipc_mailbox_create(space, 0, 0, 0), -ENOBUFS, 31);
	_exit(0);
}

FX_TEST("quota", test_user_max_mailboxes)
{
	make_shared_name();
	/* The bystander creates one mailbox while the flooder is at three. */
	flood(MAILBOXES, 3, flood_mailboxes, 0, 0, unlink_names);
}
END_TEST

/*
 * In a child, as the bystander: its space (into @space) and a call of
 * "ping" through shared_name, with room for 16 bytes of reply at @reply,
 * waiting at most @timeout_ns.
 */
static struct xipc_rpc bystander_call(int *space, char *reply,
				      __u64 timeout_ns)
{
	int service;

	*space = become(BYSTANDER);
	service = ipc_mailbox_open(*space, shared_name, 0, 0, XIPC_RIGHT_SEND);
	CHILD_EXPECT(service > 0, 10);
	return (struct xipc_rpc){ .handle = service, .type = 2,
		.data = ipc_ptr("ping"), .size = 4, .reply_data = ipc_ptr(reply),
		.reply_size = 16, .timeout_ns = timeout_ns };
}

/* A client at its quota of 2: its RPC request is refused like a send. */
static void rpc_client_at_quota(void)
{
	char reply[16];
	int space;
	struct xipc_rpc call = bystander_call(&space, reply,
					      XIPC_TEST_SHORT_NS);

	CHILD_EXPECT_RET(send_bytes(space, call.handle, 1), 0, 11);
	CHILD_EXPECT_RET(send_bytes(space, call.handle, 1), 0, 12);
	CHILD_EXPECT_RET(ipc_rpc(space, &call), -ENOBUFS, 13);
	/* Exits: the two messages stay queued, charged to this user. */
	_exit(0);
}

static void rpc_client(void)
{
	char reply[16] = { 0 };
	int space;
	struct xipc_rpc call = bystander_call(&space, reply, XIPC_TEST_LONG_NS);

	CHILD_EXPECT_RET(ipc_rpc(space, &call), 4, 11);
	CHILD_EXPECT(!memcmp(reply, "pong", 4), 12);
	_exit(0);
}

/*
 * With user_max_msgs = 2: a client at its quota cannot call; a server at
 * its quota still answers, the reply charged to the caller, whose call
 * reserved it.
 */
static void rpc_test(void)
{
	int root = shared_space, space, service;
	int root_service = ipc_mailbox_open(root, shared_name, 0, 0,
					    XIPC_RIGHT_RECV | XIPC_RIGHT_SEND);
	char request[16] = { 0 };
	struct xipc_recv msg;
	struct xipc_reply reply = { .data = ipc_ptr("pong"), .size = 4 };

	CHILD_EXPECT(root_service > 0, 2);
	CHILD_EXPECT_RET(run_child(rpc_client_at_quota), 0, 3);
	/* Its two sends, and no request. */
	CHILD_EXPECT_RET(count_queued(root, root_service), 2, 4);
	CHILD_EXPECT_RET(take_one(root, root_service, 2), -EAGAIN, 5);
	CHILD_EXPECT_RET(take_one(root, root_service, 1), 1, 6);
	CHILD_EXPECT_RET(take_one(root, root_service, 1), 1, 7);
	CHILD_EXPECT_RET(take_one(root, root_service, 1), -EAGAIN, 8);

	bystander.run = rpc_client;
	space = start_flood();
	service = ipc_mailbox_open(space, shared_name, 0, 0,
				   XIPC_RIGHT_RECV | XIPC_RIGHT_SEND);
	CHILD_EXPECT(service > 0, 10);
	CHILD_EXPECT_RET(send_bytes(space, service, 1), 0, 11);
	CHILD_EXPECT_RET(send_bytes(space, service, 1), 0, 12);
	CHILD_EXPECT_RET(send_bytes(space, service, 1), -ENOBUFS, 13);
	bystander_go();
	CHILD_EXPECT_RET(xipc_test_recv(space, service, 2, request,
					sizeof(request), XIPC_TEST_LONG_NS, &msg),
			 4, 15);
	CHILD_EXPECT(!memcmp(request, "ping", 4) && msg.reply, 16);
	reply.reply = msg.reply;
	CHILD_EXPECT_RET(ipc_reply(space, &reply), 0, 17);
	/* Still at its quota: the reply took nothing from it. */
	CHILD_EXPECT_RET(send_bytes(space, service, 1), -ENOBUFS, 18);
	bystander_done();
	_exit(0);
}

FX_TEST("quota", test_rpc_counts_against_quota)
{
	make_shared_name();
	flood(MSGS, 2, rpc_test, 0, 0, unlink_names);
}
END_TEST

/* /proc/xipc/users on @uid: its handles and handle quota (0 or -errno). */
static int users_handles(unsigned int uid, unsigned long long *handles,
			 unsigned long long *max)
{
	char line[256];
	int err = -ENOENT;
	unsigned int u;
	FILE *f = fopen("/proc/xipc/users", "re");

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %llu %llu", &u, handles, max) == 3 &&
		    u == uid)
			err = 0;
	fclose(f);
	return err;
}

/*
 * With user_max_handles = 6: the handles of all the user's spaces count,
 * each way a space gets one is refused past it (ENOBUFS) and makes nothing
 * (a service, a name), a message whose
 * handle cannot be taken stays queued, and closing a handle or a space
 * gives room back.
 */
static void flood_handles(void)
{
	int a = start_flood(), b = ipc_open(0);
	int box_a = child_mailbox(a, 10), box_b, dup_b, i;
	unsigned long long handles = 0, max = 0;
	char reply[8], name[XIPC_TEST_NAME_SIZE];
	struct xipc_rpc call = {
		.handle = box_a, .type = 2, .data = ipc_ptr("ping"), .size = 4,
		.reply_data = ipc_ptr(reply), .reply_size = sizeof(reply),
		.max_reply_handles = 1, .timeout_ns = XIPC_TEST_SHORT_NS,
	};

	CHILD_EXPECT(b >= 0, 10);
	box_b = child_mailbox(b, 10);
	for (i = 0; i < 2; i++)
		CHILD_EXPECT(ipc_handle_dup(a, box_a, XIPC_RIGHT_SEND, 0, 0) > 0,
			     11);
	dup_b = ipc_handle_dup(b, box_b, XIPC_RIGHT_SEND, 0, 0);
	CHILD_EXPECT(dup_b > 0, 12);
	CHILD_EXPECT(ipc_handle_dup(b, box_b, XIPC_RIGHT_SEND, 0, 0) > 0, 12);
	/* Six, over two spaces: the quota is the user's. */
	CHILD_EXPECT_RET(ipc_handle_dup(a, box_a, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 13);
	CHILD_EXPECT_RET(ipc_handle_dup(b, box_b, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 14);
	CHILD_EXPECT_RET(ipc_mailbox_create(b, 0, 0, 0), -ENOBUFS, 15);
	CHILD_EXPECT_RET(service_of(b, sysconf(_SC_PAGESIZE)), -ENOBUFS, 34);
	/* A name is not made for a mailbox the space cannot hold. */
	xipc_test_name(name, "quota-handles");
	CHILD_EXPECT_RET(ipc_mailbox_open(b, name, XIPC_OPEN_CREATE, 0600, 0),
			 -ENOBUFS, 35);
	CHILD_EXPECT_RET(ipc_mailbox_unlink(b, name), -ENOENT, 36);
	/* In transit a handle is not the space's: the send goes. */
	CHILD_EXPECT_RET(fx_send_handle(a, box_a, box_a, XIPC_RIGHT_SEND, 0, 0),
			 0, 16);
	CHILD_EXPECT_RET(fx_recv_handle(a, box_a, 0), -ENOBUFS, 17);
	CHILD_EXPECT_RET(count_queued(a, box_a), 1, 18);
	/* A call with no room for its reply's handle sends nothing. */
	CHILD_EXPECT_RET(ipc_rpc(a, &call), -ENOBUFS, 19);
	CHILD_EXPECT_RET(count_queued(a, box_a), 1, 20);
	CHILD_EXPECT_RET(users_handles(FLOODER, &handles, &max), 0, 21);
	CHILD_EXPECT_RET(handles, 6, 22);
	CHILD_EXPECT_RET(max, 6, 23);
	at_quota();

	/* A handle closed is room for the one the message carries. */
	CHILD_EXPECT_RET(ipc_handle_close(b, dup_b), 0, 26);
	CHILD_EXPECT(fx_recv_handle(a, box_a, 0) > 0, 27);
	CHILD_EXPECT_RET(ipc_handle_dup(a, box_a, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 28);
	/* A space closed gives back all it held: box_b and a dup. */
	CHILD_EXPECT_RET(ipc_close(b), 0, 29);
	for (i = 0; i < 2; i++)
		CHILD_EXPECT(ipc_handle_dup(a, box_a, XIPC_RIGHT_SEND, 0, 0) > 0,
			     30);
	CHILD_EXPECT_RET(ipc_handle_dup(a, box_a, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 31);
	CHILD_EXPECT_RET(users_handles(FLOODER, &handles, &max), 0, 32);
	CHILD_EXPECT_RET(handles, 6, 33);
	_exit(0);
}

FX_TEST("quota", test_user_max_handles)
{
	/* The bystander, another user, makes its mailbox meanwhile. */
	flood(HANDLES, 6, flood_handles, 2, 1, NULL);
}
END_TEST

/* The bystander sends a handle while the flooder has its quota on the way. */
static void send_a_handle(void)
{
	int space = become(BYSTANDER);
	int mailbox = child_mailbox(space, 90);

	CHILD_EXPECT_RET(fx_send_handle(space, mailbox, mailbox, XIPC_RIGHT_SEND,
					0, 0), 0, 91);
	_exit(0);
}

/*
 * In a flooder with all its handles on their way: an RPC carrying one more
 * through @mailbox is refused and sends nothing, and so is a reply carrying
 * one, which leaves its reply handle for a reply that carries none (exits
 * @code to @code + 4).
 */
static void transit_refused_in_rpcs(int space, __u32 mailbox, int code)
{
	struct xipc_transfer copy = { .handle = mailbox,
				      .rights = XIPC_RIGHT_SEND };
	struct xipc_rpc call = { .handle = mailbox, .type = RPC_TYPE,
				 .transfers = ipc_ptr(&copy), .nr_transfers = 1,
				 .timeout_ns = XIPC_TEST_LONG_NS };
	struct xipc_reply reply = { .transfers = ipc_ptr(&copy),
				    .nr_transfers = 1 };
	struct xipc_recv request;
	pid_t caller;

	CHILD_EXPECT_RET(ipc_rpc(space, &call), -ENOBUFS, code);
	caller = start_child();
	if (caller == 0) {
		__u32 handle;

		call.nr_transfers = 0;
		call.reply_handles = ipc_ptr(&handle);
		call.max_reply_handles = 1;
		_exit(ipc_rpc(space, &call) == 0 && !call.nr_reply_handles ?
		      0 : 1);
	}
	CHILD_EXPECT_RET(xipc_test_recv(space, mailbox, RPC_TYPE, NULL, 0,
					XIPC_TEST_LONG_NS, &request), 0, code + 1);
	reply.reply = request.reply;
	CHILD_EXPECT_RET(ipc_reply(space, &reply), -ENOBUFS, code + 2);
	reply.nr_transfers = 0;
	CHILD_EXPECT_RET(ipc_reply(space, &reply), 0, code + 3);
	CHILD_EXPECT_RET(wait_child(caller), 0, code + 4);
}

/*
 * With user_max_handles = 6, counted apart from the slots: six handles on
 * their way, then a send, an RPC or a reply carrying one is refused
 * (ENOBUFS) and sends nothing, while the space may still take handles. One
 * received, or dropped with its queue, is room again.
 */
static void flood_transit(void)
{
	int space = start_flood();
	int a = child_mailbox(space, 10), b = child_mailbox(space, 10);
	unsigned int i;

	for (i = 0; i < 3; i++) {
		CHILD_EXPECT_RET(fx_send_handle(space, a, a, XIPC_RIGHT_SEND, 0, 0),
				 0, 11);
		CHILD_EXPECT_RET(fx_send_handle(space, b, a, XIPC_RIGHT_SEND, 0, 0),
				 0, 12);
	}
	CHILD_EXPECT_RET(fx_send_handle(space, a, a, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 13);
	CHILD_EXPECT_RET(fx_send_handle(space, a, b, 0, XIPC_TRANSFER_MOVE, 0),
			 -ENOBUFS, 14);
	CHILD_EXPECT_RET(count_queued(space, a), 3, 15);
	/* Refused, the move left its handle where it was. */
	CHILD_EXPECT_RET(send_bytes(space, b, 1), 0, 16);
	CHILD_EXPECT(ipc_handle_dup(space, a, XIPC_RIGHT_SEND, 0, 0) > 0, 17);
	transit_refused_in_rpcs(space, b, 30);
	CHILD_EXPECT_RET(count_queued(space, b), 4, 18);
	at_quota();

	/* A handle received is no longer on its way. */
	CHILD_EXPECT(fx_recv_handle(space, a, 0) > 0, 20);
	CHILD_EXPECT_RET(fx_send_handle(space, a, a, XIPC_RIGHT_SEND, 0, 0),
			 0, 21);
	CHILD_EXPECT_RET(fx_send_handle(space, a, a, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 22);
	/* Nor are the three dropped with b's queue. */
	CHILD_EXPECT_RET(ipc_mailbox_destroy(space, b), 0, 23);
	for (i = 0; i < 3; i++)
		CHILD_EXPECT_RET(fx_send_handle(space, a, a, XIPC_RIGHT_SEND,
						0, 0), 0, 24);
	CHILD_EXPECT_RET(fx_send_handle(space, a, a, XIPC_RIGHT_SEND, 0, 0),
			 -ENOBUFS, 25);
	_exit(0);
}

FX_TEST("quota", test_user_max_handles_in_transit)
{
	bystander.run = send_a_handle;
	flood(HANDLES, 6, flood_transit, 0, 0, NULL);
}
END_TEST

#define TEARDOWN_MSGS	32
#define TEARDOWN_SIZE	128

/* Fills the whole quota, in one mailbox of a fresh space. */
static int fill_quota(int space)
{
	int mailbox = child_mailbox(space, 10);
	unsigned int i;

	for (i = 0; i < TEARDOWN_MSGS; i++)
		CHILD_EXPECT_RET(send_bytes(space, mailbox, TEARDOWN_SIZE), 0, 11);
	/* Over by one message, and by one byte. */
	CHILD_EXPECT_RET(send_bytes(space, mailbox, 0), -ENOBUFS, 12);
	CHILD_EXPECT_RET(send_bytes(space, mailbox, 1), -ENOBUFS, 13);
	return mailbox;
}

/* Fills the quota and exits: the process's end must uncharge it all. */
static void fill_and_exit(void)
{
	fill_quota(become(FLOODER));
	_exit(0);
}

/* Fills the quota, closes the space, fills it again. */
static void fill_close_fill(void)
{
	int space = become(FLOODER);

	fill_quota(space);
	CHILD_EXPECT_RET(ipc_close(space), 0, 20);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 21);
	fill_quota(space);
	_exit(0);
}

/* A filler that exits, then one after it that closes its space. */
static void teardown_test(void)
{
	CHILD_EXPECT_RET(run_child(fill_and_exit), 0, 2);
	CHILD_EXPECT_RET(run_child(fill_close_fill), 0, 3);
	_exit(0);
}

FX_TEST("quota", test_quota_returns_on_teardown)
{
	const unsigned long long set[NR_QUOTAS] = {
		[MSGS] = TEARDOWN_MSGS, [BYTES] = TEARDOWN_MSGS * TEARDOWN_SIZE,
	};

	with_quotas(set, teardown_test, NULL);
}
END_TEST

int main(void)
{
	memset(payload, 'q', sizeof(payload));
	fx_fixture("quota", save_quotas, restore_quotas);
	return fx_main("quota");
}
