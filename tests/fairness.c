// SPDX-License-Identifier: MIT
/*
 * Fair under hostile load, in the module: the uids of a user namespace are
 * charged to the user who created it (struct xipc_recv.quota_uid says so,
 * /proc/xipc/users counts them there, and they share one quota); an RPC
 * reserves its reply from the caller's quota, not the server's; and one
 * user other than a mailbox's creator takes at most about half of the room
 * the others leave, so the next user always finds room.
 *
 * Other users are forked children on the test's space; those in a user
 * namespace map a subordinate range (XIPC_TEST_MAP_BASE) as newuidmap does.
 */

#include "fixture.h"

/* Creates the user namespaces; the other two only send. */
#define CREATOR_UID	1000
#define OTHER_UID	1001
#define THIRD_UID	1002
/* As the root of the user namespace of a test, see the creator's. */
#define NO_NAMESPACE	(-1)

/* Most sends one step makes, so that a refused-never bug cannot spin. */
#define MAX_SENDS	64

/* What a step run as another user saw, in memory shared with the test. */
struct seen {
	int sent;	/* sends that succeeded */
	int error;	/* what the first refused send returned */
};

/* The test's space and mailbox (fair_space()), and what children saw. */
static int space, mailbox;
static struct seen *seen;
static char payload[4096];

/* A space, a mailbox of @max_msgs and @max_bytes, and seen mapped. */
static void fair_space(__u32 max_msgs, __u64 max_bytes)
{
	space = xipc_test_open();
	mailbox = ipc_mailbox_create(space, 0, max_msgs, max_bytes);
	ck_assert_int_gt(mailbox, 0);
	seen = fx_shared(sizeof(*seen));
}

/* Sends @size-byte messages of @type without waiting, up to @max of them. */
static void send_until_refused(__s64 type, size_t size, int max)
{
	int ret = 0;

	for (seen->sent = 0; seen->sent < max && !ret; seen->sent += !ret)
		ret = xipc_test_send(space, mailbox, type, payload, size, 0);
	seen->error = ret;
}

/* In a forked child: become @uid, or uid @inner of a namespace @uid makes. */
static void become(uid_t uid, int inner)
{
	if (inner == NO_NAMESPACE)
		xipc_test_become(uid, uid, NULL, 0);
	else
		xipc_test_become_in_userns(uid, inner);
}

/* send_until_refused() in a child, as become(@uid, @inner): what it saw. */
static struct seen send_as(uid_t uid, int inner, __s64 type, size_t size,
			   int max)
{
	pid_t pid = xipc_test_fork();

	if (pid == 0) {
		become(uid, inner);
		send_until_refused(type, size, max);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	return *seen;
}

static void assert_seen(struct seen s, int sent, int error)
{
	ck_assert_int_eq(s.sent, sent);
	ck_assert_int_eq(s.error, error);
}

/* A child as become(@uid, @inner) fills: exactly @sent go, then EAGAIN. */
static void assert_fills(uid_t uid, int inner, __s64 type, size_t size,
			 int sent)
{
	assert_seen(send_as(uid, inner, type, size, MAX_SENDS), sent, -EAGAIN);
}

/* Takes @count messages of @type, each @size bytes: the last one. */
static struct xipc_recv take(__s64 type, size_t size, int count)
{
	struct xipc_recv msg = { 0 };

	while (count--)
		ck_assert_int_eq(xipc_test_recv(space, mailbox, type, payload,
						sizeof(payload), 0, &msg),
				 (int)size);
	return msg;
}

/* Takes a message of @type: it came from @uid, charged to @quota_uid. */
static void take_from(__s64 type, uid_t uid, uid_t quota_uid)
{
	struct xipc_recv msg = take(type, 10, 1);

	ck_assert_uint_eq(msg.uid, uid);
	ck_assert_uint_eq(msg.gid, uid);
	ck_assert_uint_eq(msg.quota_uid, quota_uid);
	ck_assert_uint_eq(msg.reserved, 0);
}

/* Three uids of three namespaces are charged to their creator. */
FX_TEST("fairness", test_namespace_uids_are_charged_to_its_creator)
{
	struct xipc_test_charges charges;
	int inner;

	fair_space(16, 0);
	for (inner = 1; inner <= 3; inner++)
		assert_seen(send_as(CREATOR_UID, inner, inner, 10, 1), 1, 0);
	/* Queued: three messages, all the creator's; none of the mapped uids'. */
	ck_assert_int_eq(xipc_test_charges(CREATOR_UID, &charges), 0);
	ck_assert_uint_eq(charges.msgs, 3);
	ck_assert_uint_eq(charges.bytes, 30);
	for (inner = 1; inner <= 3; inner++)
		ck_assert_int_eq(xipc_test_charges(XIPC_TEST_MAP_BASE + inner,
						   &charges), -ENOENT);
	for (inner = 1; inner <= 3; inner++)
		take_from(inner, XIPC_TEST_MAP_BASE + inner, CREATOR_UID);
	ck_assert(xipc_test_charges(CREATOR_UID, &charges) == -ENOENT ||
		  charges.msgs == 0);
	/* A user outside any namespace is charged as itself. */
	assert_seen(send_as(OTHER_UID, NO_NAMESPACE, 1, 10, 1), 1, 0);
	take_from(1, OTHER_UID, OTHER_UID);
}
END_TEST

/* Two namespaces of one creator share its user_max_msgs. */
FX_TEST("fairness", test_namespace_uids_share_one_quota)
{
	unsigned long long saved;
	struct seen first, second, other;
	int set, restored;

	fair_space(16, 0);
	ck_assert_int_eq(xipc_test_param_read("user_max_msgs", &saved), 0);
	set = xipc_test_param_write("user_max_msgs", 3);
	/* Two namespaces of one creator, two uids: three messages in all. */
	first = send_as(CREATOR_UID, 1, 1, 1, 2);
	second = send_as(CREATOR_UID, 7, 1, 1, 2);
	other = send_as(OTHER_UID, NO_NAMESPACE, 2, 1, 2);
	restored = xipc_test_param_write("user_max_msgs", saved);
	ck_assert_int_eq(set, 0);
	ck_assert_int_eq(restored, 0);
	assert_seen(first, 2, 0);
	assert_seen(second, 1, -ENOBUFS);
	assert_seen(other, 2, 0);
}
END_TEST

/*
 * In a child as OTHER_UID: an RPC of @size bytes whose reply may have
 * @reply_size, waiting at most @timeout_ns, must return @want (else exit
 * @code).
 */
static pid_t fork_call(size_t size, size_t reply_size, __u64 timeout_ns,
		       int want, int code)
{
	pid_t pid = xipc_test_fork();
	struct xipc_rpc call = { .handle = mailbox, .type = 1,
		.data = ipc_ptr(payload), .size = size,
		.reply_data = ipc_ptr(payload), .reply_size = reply_size,
		.timeout_ns = timeout_ns };

	if (pid == 0) {
		become(OTHER_UID, NO_NAMESPACE);
		CHILD_EXPECT_RET(ipc_rpc(space, &call), want, code);
	}
	return pid;
}

/* An RPC's reply room is charged to the caller while it waits. */
FX_TEST("fairness", test_reply_is_reserved_from_the_caller)
{
	struct xipc_test_charges waiting, before, after;
	struct xipc_reply reply = { .data = ipc_ptr(payload), .size = 100 };
	unsigned long long saved;
	int set, restored, refused = -1, got_request = -1, replied = -1;
	int charged = -1, root_before, root_after;
	struct xipc_recv msg;
	pid_t pid;

	fair_space(16, 0);
	ck_assert_int_eq(xipc_test_param_read("user_max_bytes", &saved), 0);
	set = xipc_test_param_write("user_max_bytes", 5000);
	/* 1000 bytes of request and 4096 of reply: over 5000, nothing sent. */
	pid = fork_call(1000, 4096, XIPC_TEST_LONG_NS, -ENOBUFS, 10);
	if (pid == 0)
		_exit(0);
	refused = xipc_test_wait(pid);
	/* 1000 and 3000 fit; the reply's 3000 stay reserved while it waits. */
	pid = fork_call(1000, 3000, XIPC_TEST_LONG_NS, 100, 11);
	if (pid == 0)
		_exit(0);
	root_before = xipc_test_charges(0, &before);
	got_request = xipc_test_recv(space, mailbox, 1, payload,
				     sizeof(payload), XIPC_TEST_LONG_NS, &msg);
	charged = xipc_test_charges(OTHER_UID, &waiting);
	reply.reply = msg.reply;
	replied = ipc_reply(space, &reply);
	root_after = xipc_test_charges(0, &after);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	restored = xipc_test_param_write("user_max_bytes", saved);
	ck_assert_int_eq(set, 0);
	ck_assert_int_eq(restored, 0);
	ck_assert_int_eq(refused, 0);
	ck_assert_int_eq(got_request, 1000);
	ck_assert_int_eq(msg.quota_uid, OTHER_UID);
	ck_assert_int_eq(charged, 0);
	ck_assert_uint_eq(waiting.msgs, 1);
	ck_assert_uint_eq(waiting.bytes, 3000);
	ck_assert_int_eq(replied, 0);
	/* The server's quota never held the reply. */
	ck_assert_int_eq(root_before, 0);
	ck_assert_int_eq(root_after, 0);
	ck_assert_uint_eq(after.msgs, before.msgs);
	ck_assert_uint_eq(after.bytes, before.bytes);
}
END_TEST

/* A caller that times out gets its reply room back; the reply is refused. */
FX_TEST("fairness", test_reservation_goes_back_when_the_caller_gives_up)
{
	struct xipc_reply reply = { .data = ipc_ptr(payload), .size = 10 };
	pid_t pid;

	fair_space(16, 0);
	pid = fork_call(1000, 3000, XIPC_TEST_SHORT_NS, -ETIMEDOUT, 10);
	if (pid == 0) {
		struct xipc_test_charges c;

		/* The request stays queued, charged; the reply's room does not. */
		CHILD_EXPECT(xipc_test_charges(OTHER_UID, &c) == 0, 11);
		CHILD_EXPECT(c.msgs == 1 && c.bytes == 1000, 12);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	reply.reply = take(1, 1000, 1).reply;
	ck_assert_int_eq(ipc_reply(space, &reply), -ECANCELED);
}
END_TEST

/* One user takes half the room, the next half the rest, the creator all. */
FX_TEST("fairness", test_one_sender_takes_half_and_the_next_finds_room)
{
	fair_space(8, 0);
	/* Alone: no more than the room it leaves, 4 of 8. */
	assert_fills(CREATOR_UID, NO_NAMESPACE, 1, 0, 4);
	/* The next: half of the 4 left. */
	assert_fills(OTHER_UID, NO_NAMESPACE, 2, 0, 2);
	/* The creator is not held to a share: it fills the queue. */
	send_until_refused(3, 0, MAX_SENDS);
	assert_seen(*seen, 2, -EAGAIN);
	take(3, 0, 2);
	/* A third user's first message always goes while there is room... */
	assert_fills(THIRD_UID, NO_NAMESPACE, 4, 0, 1);
	/* ...and the first, who has half already, waits for its share. */
	assert_fills(CREATOR_UID, NO_NAMESPACE, 1, 0, 0);
	take(1, 0, 4);
	take(2, 0, 2);
	take(4, 0, 1);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

/* The share counts bytes too; a first message may fill the mailbox. */
FX_TEST("fairness", test_share_counts_bytes)
{
	fair_space(64, 1000);
	/* 200 + 200 leave 600; a third would hold 600 and leave 400. */
	assert_fills(OTHER_UID, NO_NAMESPACE, 1, 200, 2);
	/* A message as large as the mailbox goes, when it is the first. */
	take(1, 200, 2);
	assert_fills(OTHER_UID, NO_NAMESPACE, 1, 1000, 1);
	take(1, 1000, 1);
}
END_TEST

/* The uids of one creator's namespaces have one share between them. */
FX_TEST("fairness", test_namespace_uids_share_one_share)
{
	fair_space(8, 0);
	assert_fills(CREATOR_UID, 1, 1, 0, 4);
	assert_fills(CREATOR_UID, 2, 1, 0, 0);
	assert_fills(OTHER_UID, NO_NAMESPACE, 2, 0, 2);
	take(1, 0, 4);
	take(2, 0, 2);
}
END_TEST

/* A sender over its share sleeps in a waiting send until a receive. */
FX_TEST("fairness", test_sender_over_its_share_waits_for_room)
{
	pid_t pid;

	fair_space(4, 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		become(OTHER_UID, NO_NAMESPACE);
		send_until_refused(1, 0, MAX_SENDS);
		CHILD_EXPECT(seen->sent == 2 && seen->error == -EAGAIN, 10);
		/* Its share is taken: this one waits until a receive. */
		CHILD_EXPECT(xipc_test_send(space, mailbox, 2, payload, 0,
					    XIPC_TEST_LONG_NS) == 0, 11);
		_exit(0);
	}
	xipc_test_wait_asleep(pid);
	take(1, 0, 1);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	take(1, 0, 1);
	take(2, 0, 1);
	xipc_test_assert_empty(space, mailbox);
}
END_TEST

int main(void)
{
	if (geteuid() != 0) {
		printf("# SKIP fairness: other users and user namespaces need root\n");
		return KSFT_SKIP;
	}
	return fx_main("fairness");
}
