// SPDX-License-Identifier: MIT
/*
 * Hostile load: one user, as itself and as the many uids of user
 * namespaces it creates, floods the name server (names, waiting lookups,
 * a full request queue) and another user's server (RPCs at the limit of its
 * quota), while that other user's server registers its name, is looked up
 * and answers calls. Every call of the victim's succeeds within its
 * timeout: none gets ENOBUFS, EDQUOT or ETIMEDOUT, and the victim's quota
 * holds nothing once it is done.
 *
 * Runs in an IPC namespace of its own with an xipc-named of its own
 * ($XIPC_NAMED, else beside the tests), -u 4 -w 2.
 */
#include <limits.h>

#include "fixture.h"

#define ATTACKER_UID	1000
#define VICTIM_UID	2000
#define CLIENT_UID	2001

#define NAMES_PER_USER	4
#define WAITS_PER_USER	2
/* Namespaces the attacker makes, each one uid of which registers. */
#define ATTACKER_NAMESPACES 6
/* The attacker's callers, and the calls each makes. */
#define ATTACKER_THREADS 4
#define ATTACKER_CALLS	200
#define CLIENT_CALLS	50
/* The request type that stops the victim's server. */
#define STOP_TYPE	99

#define LONG_NS		XIPC_TEST_LONG_NS

/* What the children saw, in memory shared with the test. */
struct outcome {
	int names;			/* the attacker's registrations that went */
	int edquot;			/* ...and those refused with EDQUOT */
	int floods;			/* requests queued on the name server */
	int probe_ret;			/* the victim's send to the full queue */
	int register_ret;		/* the victim's registration */
	int lookup_ret;			/* the victim's client's lookup */
	int client_failures;		/* its calls that did not come back */
	int client_last_error;
	int reply_failures;		/* the victim's replies that failed */
	int reply_last_error;		/* (ECANCELED does not count) */
	int served;
	int attacker_calls;
	int attacker_enobufs;
};

static struct outcome *out;

static pid_t named_start(int space)
{
	static const char *const argv[] = {
		"xipc-named", "-u", "4", "-w", "2", "-l", "0", NULL,
	};
	char path[PATH_MAX];
	const char *env = getenv("XIPC_NAMED");
	int boot, null;
	pid_t pid;

	if (env && *env)
		snprintf(path, sizeof(path), "%s", env);
	else
		xipc_test_tool_path("xipc-named", path, sizeof(path));
	pid = xipc_test_fork();
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		CHILD_EXPECT(null >= 0 && dup2(null, STDERR_FILENO) >= 0, 10);
		execv(path, (char *const *)argv);
		_exit(126);
	}
	boot = ipc_bootstrap(space, LONG_NS);
	ck_assert_msg(boot > 0, "%s never served: %d", path, boot);
	ck_assert_int_eq(ipc_handle_close(space, boot), 0);
	return pid;
}

/*
 * One uid of one namespace registers names until refused, for a mailbox in
 * the test's @space, which keeps it (and so the names) alive.
 */
static void register_names(int space, int inner)
{
	int mailbox, ret;
	char name[32];

	xipc_test_become_in_userns(ATTACKER_UID, inner);
	mailbox = ipc_mailbox_create(space, 0, 0, 0);
	CHILD_EXPECT(mailbox > 0, 21);
	for (int i = 0; i < 2 * NAMES_PER_USER; i++) {
		snprintf(name, sizeof(name), "flood-%d-%d", inner, i);
		ret = ipc_ns_register(space, name, mailbox, NULL, 0, LONG_NS);
		if (ret == -EDQUOT) {
			__atomic_add_fetch(&out->edquot, 1, __ATOMIC_SEQ_CST);
			break;
		}
		CHILD_EXPECT(ret == 0, 22);
		__atomic_add_fetch(&out->names, 1, __ATOMIC_SEQ_CST);
	}
	/* Exits: the names stay while the name server holds the mailbox. */
	_exit(0);
}

/* A lookup that waits for a name nobody registers; killed at the end. */
static void wait_for_nothing(int inner)
{
	int space, ret;

	xipc_test_become_in_userns(ATTACKER_UID, inner);
	space = ipc_open(0);
	CHILD_EXPECT(space >= 0, 20);
	ret = ipc_ns_lookup(space, "never", 0, IPC_NS_WAIT, LONG_NS);
	_exit(ret == -EDQUOT ? 0 : 23);
}

/* Fills the name server's queue while it is stopped, as far as it may. */
static void flood_queue(void)
{
	int space = fx_child_space(ATTACKER_UID, ATTACKER_UID, NULL, 0), boot;
	char junk[64] = { 0 };

	boot = ipc_bootstrap(space, LONG_NS);
	CHILD_EXPECT(boot > 0, 31);
	while (xipc_test_send(space, boot, 1, junk, sizeof(junk), 0) == 0)
		out->floods++;
	_exit(0);
}

/*
 * The victim's server: when told (@go), sends to the name server's queue,
 * which the attacker filled as far as it could, without waiting, and says
 * so (@probed); then registers, says so again, and answers until stopped.
 */
static void victim_server(int go, int probed)
{
	struct xipc_reply reply = { .data = ipc_ptr("answer"), .size = 6 };
	char request[64] = { 0 };
	struct xipc_recv msg;
	int space = fx_child_space(VICTIM_UID, VICTIM_UID, NULL, 0);
	int mailbox, boot, ret;

	mailbox = ipc_mailbox_create(space, 0, 0, 0);
	CHILD_EXPECT(mailbox > 0, 41);
	boot = ipc_bootstrap(space, LONG_NS);
	CHILD_EXPECT(boot > 0, 45);
	CHILD_EXPECT(xipc_test_await(go) == 0, 42);
	out->probe_ret = xipc_test_send(space, boot, 1, request, 1, 0);
	CHILD_EXPECT(xipc_test_notify(probed) == 0, 46);
	out->register_ret = ipc_ns_register(space, "victim", mailbox, NULL, 0,
					    LONG_NS);
	CHILD_EXPECT(out->register_ret == 0, 43);
	CHILD_EXPECT(xipc_test_notify(probed) == 0, 47);
	for (;;) {
		ret = xipc_test_recv(space, mailbox, 0, request,
				     sizeof(request), LONG_NS, &msg);
		CHILD_EXPECT(ret >= 0 && msg.reply, 44);
		reply.reply = msg.reply;
		ret = ipc_reply(space, &reply);
		if (ret && ret != -ECANCELED) {
			out->reply_failures++;
			out->reply_last_error = ret;
		}
		if (msg.type == STOP_TYPE)
			break;
		out->served++;
	}
	_exit(0);
}

static int call(int space, __u32 handle, __s64 type, size_t reply_size)
{
	static char answer[8192];

	return ipc_rpc(space, &(struct xipc_rpc){ .handle = handle,
		.type = type, .data = ipc_ptr("question"), .size = 8,
		.reply_data = ipc_ptr(answer), .reply_size = reply_size,
		.timeout_ns = LONG_NS });
}

static int attacker_handle;
static int attacker_space_shared;

static void *attacker_caller(void *arg)
{
	(void)arg;
	for (int i = 0; i < ATTACKER_CALLS; i++) {
		int ret = call(attacker_space_shared, attacker_handle, 1, 8192);

		__atomic_add_fetch(&out->attacker_calls, 1, __ATOMIC_SEQ_CST);
		if (ret == -ENOBUFS)
			__atomic_add_fetch(&out->attacker_enobufs, 1,
					   __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Calls the victim from several threads, at the limit of its own quota. */
static void flood_calls(void)
{
	pthread_t threads[ATTACKER_THREADS];

	attacker_space_shared = fx_child_space(ATTACKER_UID, ATTACKER_UID,
					       NULL, 0);
	attacker_handle = ipc_ns_lookup(attacker_space_shared, "victim", 0, 0,
					LONG_NS);
	CHILD_EXPECT(attacker_handle > 0, 51);
	for (int i = 0; i < ATTACKER_THREADS; i++)
		CHILD_EXPECT(pthread_create(&threads[i], NULL, attacker_caller,
					    NULL) == 0, 52);
	for (int i = 0; i < ATTACKER_THREADS; i++)
		CHILD_EXPECT(pthread_join(threads[i], NULL) == 0, 53);
	_exit(0);
}

/* The victim's client: looks the server up and calls it. */
static void victim_client(void)
{
	int space = fx_child_space(CLIENT_UID, CLIENT_UID, NULL, 0), server;

	out->lookup_ret = server = ipc_ns_lookup(space, "victim", 0, 0, LONG_NS);
	CHILD_EXPECT(server > 0, 61);
	for (int i = 0; i < CLIENT_CALLS; i++) {
		int ret = call(space, server, 2, 64);

		if (ret != 6) {
			out->client_failures++;
			out->client_last_error = ret;
		}
	}
	_exit(0);
}

static pid_t start(void (*fn)(void))
{
	pid_t pid = xipc_test_fork();

	if (pid == 0)
		fn();
	return pid;
}

/* The victim registers, is found and answers all the same (see above). */
FX_TEST("hostile", test_victim_is_served_under_hostile_load)
{
	pid_t named, server, waiters[WAITS_PER_USER + 2], flooder, client;
	int space, go[2], probed[2], set, restored, stop = -1, victim_charged;
	int n, refused = 0, status, flooder_status, client_status;
	struct ipc_ns_entry entry;
	unsigned long long saved_msgs;
	struct xipc_test_charges victim;

	out = fx_shared(sizeof(*out));
	ck_assert_msg(unshare(CLONE_NEWIPC) == 0, "unshare: %s", strerror(errno));
	space = xipc_test_open();
	named = named_start(space);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(probed), 0);
	server = xipc_test_fork();
	if (server == 0)
		victim_server(go[0], probed[1]);

	/* Names: the namespaces' uids all count as their creator. */
	for (n = 1; n <= ATTACKER_NAMESPACES; n++) {
		pid_t pid = xipc_test_fork();

		if (pid == 0)
			register_names(space, n);
		ck_assert_int_eq(xipc_test_wait(pid), 0);
	}
	/* Waiting lookups: two wait, the others are refused at once. */
	for (n = 0; n < WAITS_PER_USER + 2; n++) {
		waiters[n] = xipc_test_fork();
		if (waiters[n] == 0)
			wait_for_nothing(n + 1);
	}
	/* (Polls: which two of them are refused is theirs to race for.) */
	for (int polls = 0; refused < 2 && polls < 6000; polls++) {
		for (n = 0; n < WAITS_PER_USER + 2; n++) {
			if (waiters[n] <= 0 ||
			    waitpid(waiters[n], &status, WNOHANG) != waiters[n])
				continue;
			ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status),
				      "a waiting lookup was not refused: %#x",
				      status);
			waiters[n] = 0;
			refused++;
		}
		usleep(10000);
	}
	ck_assert_int_eq(refused, 2);
	/* The request queue: the attacker fills what its share allows. */
	ck_assert_int_eq(kill(named, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(named, &status, WUNTRACED), named);
	ck_assert(WIFSTOPPED(status));
	flooder = start(flood_queue);
	ck_assert_int_eq(xipc_test_wait(flooder), 0);
	/* The victim finds room in the queue all the same. */
	ck_assert_int_eq(xipc_test_notify(go[1]), 0);
	ck_assert_int_eq(xipc_test_await(probed[0]), 0);
	ck_assert_int_eq(kill(named, SIGCONT), 0);
	ck_assert_int_eq(xipc_test_await(probed[0]), 0);

	/*
	 * Calls: the attacker at its quota, the victim's client beside it,
	 * once the name server took the flood (it answers in order).
	 */
	ck_assert_int_ge(ipc_ns_list(space, NULL, &entry, 1, LONG_NS), 0);
	ck_assert_int_eq(xipc_test_param_read("user_max_msgs", &saved_msgs), 0);
	set = xipc_test_param_write("user_max_msgs", 2 * ATTACKER_THREADS - 1);
	client = start(victim_client);
	flooder = start(flood_calls);
	flooder_status = xipc_test_wait_status(flooder);
	client_status = xipc_test_wait_status(client);
	/* Restored before any assertion can end the test. */
	restored = xipc_test_param_write("user_max_msgs", saved_msgs);
	ck_assert_int_eq(flooder_status, 0);
	ck_assert_int_eq(client_status, 0);
	stop = call(space, ipc_ns_lookup(space, "victim", 0, 0, LONG_NS),
		    STOP_TYPE, 64);
	ck_assert_int_eq(xipc_test_wait(server), 0);
	victim_charged = xipc_test_charges(VICTIM_UID, &victim);

	/* Two lookups still wait: they end with their processes. */
	for (n = 0; n < WAITS_PER_USER + 2; n++)
		if (waiters[n] > 0 && kill(waiters[n], SIGKILL) == 0)
			xipc_test_wait_status(waiters[n]);
	fx_stop_named(named);

	ck_assert_int_eq(set, 0);
	ck_assert_int_eq(restored, 0);
	/* The attacker got what one user gets, and was refused the rest. */
	ck_assert_int_eq(out->names, NAMES_PER_USER);
	ck_assert_int_eq(out->edquot, ATTACKER_NAMESPACES);
	ck_assert_int_gt(out->floods, 0);
	ck_assert_int_lt(out->floods, 1024);
	ck_assert_int_eq(out->attacker_calls, ATTACKER_THREADS * ATTACKER_CALLS);
	/* The victim: room in the queue, registered, found, every call answered. */
	ck_assert_int_eq(out->probe_ret, 0);
	ck_assert_int_eq(out->register_ret, 0);
	ck_assert_int_gt(out->lookup_ret, 0);
	ck_assert_msg(out->client_failures == 0, "%d calls failed, last: %d",
		      out->client_failures, out->client_last_error);
	ck_assert_msg(out->reply_failures == 0, "%d replies failed, last: %d",
		      out->reply_failures, out->reply_last_error);
	ck_assert_int_eq(out->served, CLIENT_CALLS + ATTACKER_THREADS *
			 ATTACKER_CALLS - out->attacker_enobufs);
	ck_assert_int_eq(stop, 6);
	/* Nothing of the victim's left charged: it held no reply. */
	ck_assert(victim_charged == -ENOENT || victim.msgs == 0);
}
END_TEST

int main(void)
{
	if (geteuid() != 0) {
		printf("# SKIP hostile: other users and user namespaces need root\n");
		return KSFT_SKIP;
	}
	return fx_main("hostile");
}
