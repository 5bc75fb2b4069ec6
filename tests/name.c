// SPDX-License-Identifier: MIT
/*
 * Named mailboxes: open and create by name, the rights that mode bits and
 * capabilities earn, unlink, persistence without handles, validation of every
 * field of XIPC_IOC_MAILBOX_OPEN and _UNLINK, and names per IPC namespace.
 */
#include <linux/capability.h>

#include "fixture.h"

/*
 * The users of the permission tests. The creator's effective ids become the
 * mailbox's owner and group; each opener falls in exactly one class.
 */
#define CREATOR_UID	1000
#define CREATOR_GID	2000
#define GROUP_UID	1001	/* effective gid CREATOR_GID */
#define SUPP_UID	1002	/* CREATOR_GID only as a supplementary group */
#define UNRELATED_GID	3000
#define NOBODY_UID	65534
#define NOBODY_GID	65534
#define OTHER_UID	65533

#define RECV		XIPC_RIGHT_RECV
#define SEND		XIPC_RIGHT_SEND
#define GRANT		XIPC_RIGHT_GRANT
#define MANAGE		XIPC_RIGHT_MANAGE
#define ALL		XIPC_RIGHTS_ALL
#define RSG		(RECV | SEND | GRANT)
#define CREATE		XIPC_OPEN_CREATE
#define EXCL		XIPC_OPEN_EXCL
#define NAME_SIZE	96

/*
 * Every name of this run starts with this prefix and the pid of main(), so
 * that no other run's names clash with ours and leftovers can be found.
 */
#define NAME_PREFIX	"xipc-test-name-"
static pid_t runner;

/*
 * The test's name (see make_name()), and the mailbox it names: learnt at
 * the first open that gives a handle or a create, forgotten at an unlink.
 */
static char name[XIPC_NAME_MAX + 2];
static __u64 name_id;

/* A name no other test (or run of this program) uses. */
static void make_name(const char *what)
{
	snprintf(name, sizeof(name), NAME_PREFIX "%d-%s", (int)runner, what);
}

/*
 * After each tcase, in the runner: unlink the names a failed test left. A
 * test that fails stops before its own cleanup, and a name owned by nobody
 * would count against that user's mailbox quota in later tests.
 */
static void unlink_leftovers(void)
{
	char prefix[64], line[2048], leftovers[32][NAME_SIZE + 16];
	FILE *view = fopen("/proc/xipc/mailboxes", "re");
	unsigned int nr = 0, i;
	int space;

	if (!view)
		return;
	snprintf(prefix, sizeof(prefix), NAME_PREFIX "%d-", (int)runner);
	while (fgets(line, sizeof(line), view) && nr < FX_NR(leftovers)) {
		char *at = strrchr(line, ' ');

		if (!at || strncmp(++at, prefix, strlen(prefix)))
			continue;
		at[strcspn(at, "\n")] = 0;
		if (strlen(at) < sizeof(leftovers[0]))
			strcpy(leftovers[nr++], at);
	}
	fclose(view);
	space = ipc_open(0);
	if (space < 0)
		return;
	/* Unlinked after reading: the view is not walked while it changes. */
	for (i = 0; i < nr; i++)
		if (ipc_mailbox_unlink(space, leftovers[i]) == 0)
			fprintf(stderr, "# unlinked '%s', left by a failed test\n", leftovers[i]);
	ipc_close(space);
}

/* Clears @caps (CAP_TO_MASK()s of capabilities below 32) from the effective set. */
static int drop_capabilities(__u32 caps)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &header, data))
		return -errno;
	data[0].effective &= ~caps;
	return syscall(SYS_capset, &header, data) ? -errno : 0;
}

/* How many handles @space holds (asserts nothing: for children too). */
static unsigned int count_handles(int space)
{
	struct xipc_handle_info info;
	unsigned int n = 0;

	for (__u32 h = 1; h <= XIPC_TEST_HANDLE_SCAN; h++)
		n += ipc_handle_info(space, h, &info) == 0;
	return n;
}

/*
 * One call on the test's name, and what it must return. OPEN with @flags,
 * @mode and @rights must give a handle to the name's mailbox of exactly the
 * rights @want, badge 0, and write them back into the request; or fail
 * with @want < 0 and install no handle. UNLINK must return @want.
 * DROP_CAPS clears the CAP_TO_MASK()s @rights from the effective set;
 * SEND_MSG sends "from nobody" (type 9) through the handle the last OPEN
 * gave.
 */
enum { END, OPEN, UNLINK, DROP_CAPS, SEND_MSG };
struct step {
	int op;
	__u32 flags, mode, rights;
	int want;
};

/*
 * Runs @s in @space: the handle the last OPEN gave. A step that fails
 * fails the test, or in a child (@code > 0) exits with @code + its index.
 */
static int run_steps(int space, const struct step *s, int code)
{
	int i, got, handle = 0;
	char what[160];

	for (i = 0; s[i].op != END; i++) {
		struct xipc_mailbox_open req = {
			.flags = s[i].flags, .name = ipc_ptr(name),
			.name_len = strlen(name), .mode = s[i].mode, .rights = s[i].rights,
		};
		struct xipc_handle_info info = { 0 };
		unsigned int handles = count_handles(space);
		bool ok;

		if (s[i].op == OPEN) {
			got = ipc_mailbox_open_full(space, &req);
			/* An exclusive create makes a new mailbox. */
			if (got > 0 && !ipc_handle_info(space, got, &info) &&
			    (!name_id || s[i].flags & EXCL))
				name_id = info.object_id;
			ok = s[i].want < 0 ? got == s[i].want :
			     got > 0 && info.rights == (__u32)s[i].want &&
			     req.rights == info.rights && info.badge == 0 &&
			     info.type == XIPC_OBJECT_MAILBOX && info.object_id == name_id;
			handle = got > 0 ? got : handle;
		} else if (s[i].op == UNLINK) {
			got = ipc_mailbox_unlink(space, name);
			ok = got == s[i].want;
			name_id = got == 0 ? 0 : name_id;
		} else if (s[i].op == DROP_CAPS) {
			ok = (got = drop_capabilities(s[i].rights)) == 0;
		} else {
			ok = (got = xipc_test_send(space, handle, 9, "from nobody", 11, 0)) == 0;
		}
		if (s[i].want < 0)
			ok = ok && count_handles(space) == handles;
		if (ok)
			continue;
		snprintf(what, sizeof(what), "step %d (op %d flags %#x mode %#o rights %#x): %d, rights %#x, expected %d",
			 i, s[i].op, s[i].flags, s[i].mode, s[i].rights, got,
			 info.rights, s[i].want);
		ck_assert_msg(code, "%s", what);
		fprintf(stderr, "child %d: %s\n", (int)getpid(), what);
		_exit(code + i);
	}
	return handle;
}

/*
 * Runs @steps in a child of @uid and @gid (and the supplementary group
 * @group, unless 0), with a space of its own opened after the switch.
 */
static void run_as(uid_t uid, gid_t gid, gid_t group, const struct step *steps)
{
	pid_t pid = xipc_test_fork();

	if (pid == 0) {
		run_steps(fx_child_space(uid, gid, &group, group != 0), steps, 10);
		_exit(0);
	}
	ck_assert_msg(xipc_test_wait(pid) == 0,
		      "the child of uid %u gid %u failed: see its message", uid, gid);
}

/* One OPEN (see struct step) in the test itself: the handle. */
static __u32 open_ok(int space, __u32 flags, __u32 mode, __u32 rights, __u32 want)
{
	const struct step s[] = { { OPEN, flags, mode, rights, want }, { END } };

	return run_steps(space, s, 0);
}

/* Unlinks the test's name, which must exist: another mailbox may take it. */
static void unlink_name(int space)
{
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	name_id = 0;
}

/* XIPC_RIGHT_* that the r, w and x bits @bits (0 to 7) grant. */
static __u32 rights_of_bits(unsigned int bits)
{
	return (bits & 4 ? RECV : 0) | (bits & 2 ? SEND : 0) | (bits & 1 ? GRANT : 0);
}

/* CREATOR_UID creates the name with @mode and goes: only the name keeps it. */
static void create_as_creator(__u32 mode)
{
	const struct step s[] = {
		{ OPEN, CREATE | EXCL, mode, 0, rights_of_bits(mode >> 6) | MANAGE },
		{ END },
	};

	run_as(CREATOR_UID, CREATOR_GID, 0, s);
}

static void send_text(int space, __u32 mailbox, __s64 type, const char *text)
{
	int ret = xipc_test_send(space, mailbox, type, text, strlen(text), 0);

	ck_assert_msg(ret == 0, "send '%s': %d", text, ret);
}

/* Receives the next message, which must be @text of @type: the message. */
static struct xipc_recv expect_text(int space, __u32 mailbox, __s64 type,
				    const char *text)
{
	char buf[256] = { 0 };
	struct xipc_recv msg;
	int ret = xipc_test_recv(space, mailbox, 0, buf, sizeof(buf) - 1, 0, &msg);

	ck_assert_msg(ret == (int)strlen(text), "receive '%s': %d", text, ret);
	ck_assert_str_eq(buf, text);
	ck_assert_int_eq(msg.type, type);
	return msg;
}

/*
 * The request to create the name with mode 0600 and these limits (0: the
 * default), every other field zero.
 */
static struct xipc_mailbox_open create_req(__u32 max_msg_size, __u32 max_msgs,
					   __u64 max_bytes)
{
	return (struct xipc_mailbox_open){
		.flags = CREATE | EXCL, .name = ipc_ptr(name),
		.name_len = strlen(name), .mode = 0600,
		.max_msg_size = max_msg_size, .max_msgs = max_msgs,
		.max_bytes = max_bytes,
	};
}

FX_TEST("open", test_create_then_open_from_another_space)
{
	int creator = xipc_test_open(), opener = xipc_test_open();
	__u32 mine, send_only, recv_grant;

	make_name("open");
	/* Root owns it and has CAP_IPC_OWNER and CAP_SYS_ADMIN: everything. */
	mine = open_ok(creator, CREATE | EXCL, 0600, 0, ALL);
	send_only = open_ok(opener, 0, 0, SEND, SEND);
	/* Each open is a new handle to the same mailbox. */
	recv_grant = open_ok(opener, 0, 0, RECV | GRANT, RECV | GRANT);
	ck_assert_uint_ne(recv_grant, send_only);
	/* And it is one queue: what one space sends, the other receives. */
	send_text(opener, send_only, 3, "across spaces");
	expect_text(creator, mine, 3, "across spaces");
	send_text(creator, mine, 4, "and back");
	expect_text(opener, recv_grant, 4, "and back");
	unlink_name(creator);
}
END_TEST

FX_TEST("open", test_create_of_an_existing_name)
{
	static const struct step steps[] = {
		{ OPEN, CREATE | EXCL, 0600, 0, ALL },
		{ OPEN, CREATE | EXCL, 0600, 0, -EEXIST },
		/* Without EXCL, CREATE of a taken name opens what is there. */
		{ OPEN, CREATE, 0600, 0, ALL },
		{ UNLINK, .want = 0 }, { END },
	};

	make_name("exists");
	run_steps(xipc_test_open(), steps, 0);
}
END_TEST

FX_TEST("open", test_missing_name)
{
	static const struct step steps[] = {
		{ OPEN, 0, 0, 0, -ENOENT }, { OPEN, 0, 0, SEND, -ENOENT },
		{ UNLINK, .want = -ENOENT }, { END },
	};

	make_name("missing");
	run_steps(xipc_test_open(), steps, 0);
}
END_TEST

FX_TEST("rights", test_rights_zero_is_what_the_mode_grants)
{
	/* Modes and what their owner gets with rights 0 (MANAGE: the owner's). */
	static const struct {
		__u32 mode, rights;
	} modes[] = {
		{ 0700, ALL }, { 0600, RECV | SEND | MANAGE },
		{ 0400, RECV | MANAGE }, { 0200, SEND | MANAGE },
		{ 0100, GRANT | MANAGE }, { 0500, RECV | GRANT | MANAGE },
		/* Group and other bits are not the owner's. */
		{ 0077, MANAGE }, { 0000, MANAGE },
	};
	struct step steps[2 * FX_NR(modes) + 1] = { { END } };

	for (size_t i = 0; i < FX_NR(modes); i++) {
		steps[2 * i] = (struct step){ OPEN, CREATE | EXCL, modes[i].mode,
					      0, modes[i].rights };
		steps[2 * i + 1] = (struct step){ UNLINK, .want = 0 };
	}
	make_name("modes");
	run_as(NOBODY_UID, NOBODY_GID, 0, steps);
}
END_TEST

/* The three classes of opener, and one who is in the group only by setgroups. */
enum opener_class { OWNER, GROUP, SUPPLEMENTARY, OTHER, NR_CLASSES };

static const struct {
	uid_t uid;
	gid_t gid;
	gid_t group;	/* a supplementary group, or 0 for none */
	unsigned int shift;	/* of the class's bits in the mode */
} openers[NR_CLASSES] = {
	[OWNER] = { CREATOR_UID, UNRELATED_GID, 0, 6 },
	[GROUP] = { GROUP_UID, CREATOR_GID, 0, 3 },
	[SUPPLEMENTARY] = { SUPP_UID, UNRELATED_GID, CREATOR_GID, 3 },
	[OTHER] = { NOBODY_UID, NOBODY_GID, 0, 0 },
};

/* Each right alone. */
static const __u32 singles[] = { RECV, SEND, GRANT, MANAGE };

/*
 * One bit of one class: the mode gives the class only that bit, and every
 * other class exactly the bits this class lacks, so that an opener who got
 * another class's bits would show.
 */
FX_LOOP_TEST("rights", test_mode_bit_grants_its_right, 0, 3 * NR_CLASSES)
{
	enum opener_class class = _i / 3;
	unsigned int bit = 4 >> (_i % 3), shift = openers[class].shift;
	int want = rights_of_bits(bit) | (class == OWNER ? MANAGE : 0);
	struct step steps[8] = {
		{ OPEN, 0, 0, 0, want }, { OPEN, 0, 0, want, want },
		/* All or nothing: one right too many refuses the lot. */
		{ OPEN, 0, 0, want | RSG | MANAGE, -EACCES },
	};
	int space = xipc_test_open();
	__u32 mode = bit << shift;
	char what[16];

	for (unsigned int s = 0; s <= 6; s += 3)
		if (s != shift)
			mode |= (7 & ~bit) << s;
	for (size_t i = 0; i < FX_NR(singles); i++)
		steps[3 + i] = (struct step){ OPEN, 0, 0, singles[i],
			want & singles[i] ? (int)singles[i] : -EACCES };
	snprintf(what, sizeof(what), "bit-%d", _i);
	make_name(what);
	create_as_creator(mode);
	/* The mailbox the opener must reach. */
	open_ok(space, 0, 0, RECV, RECV);
	run_as(openers[class].uid, openers[class].gid, openers[class].group, steps);
	/* Root unlinks another user's name: CAP_SYS_ADMIN. */
	unlink_name(space);
}
END_TEST

FX_TEST("rights", test_no_rights_at_all_is_eacces)
{
	static const struct step none[] = {
		{ OPEN, 0, 0, 0, -EACCES }, { OPEN, 0, 0, RECV, -EACCES },
		{ OPEN, 0, 0, MANAGE, -EACCES }, { END },
	};
	static const struct step rsg[] = { { OPEN, 0, 0, 0, RSG }, { END } };
	int space = xipc_test_open();

	/* The group's bits are empty; that others' are not does not help. */
	make_name("norights-0707");
	create_as_creator(0707);
	run_as(GROUP_UID, CREATOR_GID, 0, none);
	run_as(SUPP_UID, UNRELATED_GID, CREATOR_GID, none);
	run_as(NOBODY_UID, NOBODY_GID, 0, rsg);
	unlink_name(space);

	make_name("norights-0770");
	create_as_creator(0770);
	run_as(NOBODY_UID, NOBODY_GID, 0, none);
	run_as(GROUP_UID, CREATOR_GID, 0, rsg);
	unlink_name(space);
}
END_TEST

FX_TEST("rights", test_denied_create_creates_nothing)
{
	static const struct step steps[] = {
		/* The mode would not let the creator send, so it may not ask to. */
		{ OPEN, CREATE, 0400, SEND, -EACCES }, { OPEN, 0, 0, 0, -ENOENT },
		{ OPEN, CREATE | EXCL, 0, RECV, -EACCES },
		{ OPEN, 0, 0, 0, -ENOENT },
		{ OPEN, CREATE, 0477, RECV | GRANT, -EACCES },
		{ OPEN, 0, 0, 0, -ENOENT },
		/* The same with a right the mode grants works. */
		{ OPEN, CREATE | EXCL, 0400, RECV, RECV }, { UNLINK, .want = 0 }, { END },
	};

	make_name("denied");
	run_as(NOBODY_UID, NOBODY_GID, 0, steps);
}
END_TEST

FX_TEST("rights", test_capabilities_earn_rights_whatever_the_mode)
{
	static const struct step without_ipc_owner[] = {
		{ DROP_CAPS, .rights = CAP_TO_MASK(CAP_IPC_OWNER) },
		/* uid 0 is neither owner nor group: the other bits, none here. */
		{ OPEN, 0, 0, 0, MANAGE }, { OPEN, 0, 0, RECV, -EACCES }, { END },
	};
	static const struct step nor_sys_admin[] = {
		{ DROP_CAPS, .rights = CAP_TO_MASK(CAP_IPC_OWNER) | CAP_TO_MASK(CAP_SYS_ADMIN) },
		{ OPEN, 0, 0, 0, -EACCES }, { OPEN, 0, 0, MANAGE, -EACCES },
		{ UNLINK, .want = -EACCES }, { END },
	};
	int space = xipc_test_open();

	make_name("caps");
	create_as_creator(0);
	/* CAP_IPC_OWNER: RECV, SEND, GRANT; CAP_SYS_ADMIN: MANAGE. */
	open_ok(space, 0, 0, 0, ALL);
	for (size_t i = 0; i < FX_NR(singles); i++)
		open_ok(space, 0, 0, singles[i], singles[i]);
	/* Uid 0 is not what counts: the capabilities are. */
	run_as(0, 0, 0, without_ipc_owner);
	run_as(0, 0, 0, nor_sys_admin);
	unlink_name(space);
}
END_TEST

FX_TEST("rights", test_unlink_permissions)
{
	static const struct step create_open_to_all[] = {
		{ OPEN, CREATE | EXCL, 0777, 0, ALL }, { END },
	};
	static const struct step not_owner[] = {
		/* Every mode bit, and the owner's group: still not the owner. */
		{ UNLINK, .want = -EACCES }, { OPEN, 0, 0, 0, RSG }, { END },
	};
	static const struct step owner[] = {
		{ UNLINK, .want = 0 }, { OPEN, 0, 0, 0, -ENOENT }, { UNLINK, .want = -ENOENT },
		{ END },
	};
	int space = xipc_test_open();

	make_name("unlink");
	run_as(NOBODY_UID, NOBODY_GID, 0, create_open_to_all);
	run_as(OTHER_UID, NOBODY_GID, 0, not_owner);
	/* The refused unlink left the name. */
	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, 0, 0, 0, ALL)), 0);
	run_as(NOBODY_UID, NOBODY_GID, 0, owner);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	/* CAP_SYS_ADMIN unlinks anyone's. */
	run_as(NOBODY_UID, NOBODY_GID, 0, create_open_to_all);
	unlink_name(space);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), -ENOENT);
}
END_TEST

FX_TEST("lifetime", test_messages_persist_without_handles)
{
	/* Exiting closes the sender's space: the message must outlive it. */
	static const struct step send_from_nobody[] = {
		{ OPEN, 0, 0, SEND, SEND }, { SEND_MSG, .want = 0 }, { END },
	};
	int space = xipc_test_open(), later;
	struct xipc_recv msg;
	__u32 handle;

	make_name("persist");
	handle = open_ok(space, CREATE | EXCL, 0622, 0, ALL);
	send_text(space, handle, 1, "first");
	send_text(space, handle, 2, "second");
	/* No handle is open now; the name holds the mailbox and its queue. */
	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	handle = open_ok(space, 0, 0, RECV | SEND, RECV | SEND);
	expect_text(space, handle, 1, "first");
	send_text(space, handle, 3, "third");

	/* The whole space goes, with every handle in it. */
	ipc_close(space);
	later = xipc_test_open();
	handle = open_ok(later, 0, 0, RECV, RECV);
	expect_text(later, handle, 2, "second");
	expect_text(later, handle, 3, "third");
	xipc_test_assert_empty(later, handle);

	/* A sender whose process exited. */
	run_as(NOBODY_UID, NOBODY_GID, 0, send_from_nobody);
	msg = expect_text(later, handle, 9, "from nobody");
	ck_assert_uint_eq(msg.uid, NOBODY_UID);
	ck_assert_uint_eq(msg.gid, NOBODY_GID);
	unlink_name(later);
}
END_TEST

FX_TEST("lifetime", test_unlinked_name_can_be_created_again)
{
	int space = xipc_test_open();
	__u32 old, fresh;

	make_name("recreate");
	old = open_ok(space, CREATE | EXCL, 0600, 0, ALL);
	send_text(space, old, 1, "old");
	unlink_name(space);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	fresh = open_ok(space, CREATE | EXCL, 0600, 0, ALL);
	ck_assert_uint_ne(fx_object_id(space, fresh), fx_object_id(space, old));
	xipc_test_assert_empty(space, fresh);

	/* The old handle still names the old mailbox, queue and all. */
	expect_text(space, old, 1, "old");
	send_text(space, old, 2, "still works");
	xipc_test_assert_empty(space, fresh);
	expect_text(space, old, 2, "still works");
	send_text(space, fresh, 3, "new");
	xipc_test_assert_empty(space, old);
	expect_text(space, fresh, 3, "new");
	unlink_name(space);
}
END_TEST

FX_TEST("validation", test_name_max_length)
{
	int space = xipc_test_open();
	size_t len;

	make_name("long");
	len = strlen(name);
	memset(name + len, 'n', XIPC_NAME_MAX + 1 - len);
	name[XIPC_NAME_MAX + 1] = 0;

	/*
	 * XIPC_NAME_MAX + 1 bytes: too long, to open, create or unlink (the
	 * ioctl's lengths, and that no handle came: test_open_refuses).
	 */
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENAMETOOLONG);
	ck_assert_int_eq(ipc_mailbox_open(space, name, CREATE | EXCL, 0600, 0), -ENAMETOOLONG);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), -ENAMETOOLONG);

	/* XIPC_NAME_MAX bytes is a name like any other. */
	name[XIPC_NAME_MAX] = 0;
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);
	open_ok(space, CREATE | EXCL, 0600, 0, ALL);
	open_ok(space, 0, 0, 0, ALL);
	/* One byte less is another name. */
	name[XIPC_NAME_MAX - 1] = 0;
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);
	name[XIPC_NAME_MAX - 1] = 'n';
	unlink_name(space);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);
}
END_TEST

/*
 * A failed open leaves the caller's request as it was, wherever it lies, so
 * that it can be sent again: here one that fails late (EEXIST, once every
 * check has passed), every field it reads non-zero, placed so that a page
 * boundary falls on each of its 8-byte fields in turn.
 */
FX_TEST("validation", test_failed_open_leaves_the_request_alone)
{
	long page = sysconf(_SC_PAGESIZE);
	int space = xipc_test_open();
	struct xipc_mailbox_open want, *req;
	char *area;

	make_name("untouched");
	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, CREATE | EXCL, 0600, 0, ALL)), 0);
	want = create_req(16, 3, 40);
	want.rights = RECV;
	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(area, MAP_FAILED);
	for (size_t at = 0; at < sizeof(want); at += 8) {
		req = (struct xipc_mailbox_open *)(area + page - at);
		*req = want;
		ck_assert_int_eq(ipc_mailbox_open_full(space, req), -EEXIST);
		ck_assert_msg(!memcmp(req, &want, sizeof(want)),
			      "the request changed (page boundary at byte %zu): flags %#x name_len %u rights %#x",
			      at, req->flags, req->name_len, req->rights);
	}
	unlink_name(space);
}
END_TEST

/* The module's maxima themselves are allowed (one more is refused). */
FX_TEST("validation", test_open_at_the_maxima)
{
	int space = xipc_test_open(), ret;
	unsigned int handles = xipc_test_count_handles(space);
	struct xipc_mailbox_open req, copy;
	unsigned long long max[3];

	make_name("maxima");
	ck_assert_int_eq(xipc_test_param_read("max_msg_size", &max[0]), 0);
	ck_assert_int_eq(xipc_test_param_read("max_msgs", &max[1]), 0);
	ck_assert_int_eq(xipc_test_param_read("max_bytes", &max[2]), 0);
	req = create_req(max[0], max[1], max[2]);
	copy = req;
	ret = ipc_mailbox_open_full(space, &copy);
	ck_assert_int_gt(ret, 0);
	ck_assert_int_eq(ipc_handle_close(space, ret), 0);
	unlink_name(space);
	req.max_bytes++;
	ck_assert_int_eq(ipc_mailbox_open_full(space, &req), -EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);
}
END_TEST

/*
 * A valid request in read-only memory: the kernel creates the name but
 * cannot write the handle back. Both must be undone; and for a name that
 * exists, the name stays and no handle appears.
 */
FX_TEST("validation", test_open_of_a_readonly_request)
{
	int space = xipc_test_open();
	long page = sysconf(_SC_PAGESIZE);
	struct xipc_mailbox_open *readonly;
	unsigned int handles = xipc_test_count_handles(space);

	make_name("fault");
	readonly = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(readonly, MAP_FAILED);
	*readonly = create_req(0, 0, 0);
	ck_assert_int_eq(mprotect(readonly, page, PROT_READ), 0);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_OPEN, readonly, EFAULT);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, CREATE | EXCL, 0600, 0, ALL)), 0);
	ck_assert_int_eq(mprotect(readonly, page, PROT_READ | PROT_WRITE), 0);
	readonly->flags = 0;
	readonly->mode = 0;
	ck_assert_int_eq(mprotect(readonly, page, PROT_READ), 0);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_OPEN, readonly, EFAULT);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, 0, 0, 0, ALL)), 0);
	unlink_name(space);
}
END_TEST

FX_TEST("open", test_limits_given_at_creation)
{
	int creator = xipc_test_open(), sender = xipc_test_open();
	struct xipc_mailbox_open req;
	char buf[32];
	__u32 handle;

	make_name("limits");
	req = create_req(16, 3, 40);
	ck_assert_int_gt(ipc_mailbox_open_full(creator, &req), 0);

	/* They belong to the mailbox: another opener meets them too. */
	handle = open_ok(sender, 0, 0, SEND, SEND);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 17, 0), -EMSGSIZE);
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 16, 0), 0);
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 16, 0), 0);
	/* 48 bytes would be over max_bytes; 40 is not. */
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 16, 0), -EAGAIN);
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 8, 0), 0);
	/* Three messages: max_msgs, even for an empty one. */
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 0, 0), -EAGAIN);
	unlink_name(creator);
}
END_TEST

FX_TEST("open", test_names_live_in_ipc_namespaces)
{
	int space = xipc_test_open(), got;
	__u64 child_id = 0;
	struct fx_link l;
	pid_t pid;

	make_name("ns");
	send_text(space, open_ok(space, CREATE | EXCL, 0600, 0, ALL), 1, "parent");
	pid = fx_fork_reporter(&l);
	if (pid == 0) {
		struct xipc_handle_info info;
		struct xipc_recv msg;
		char buf[16] = { 0 };
		int own = ipc_open(0), mine;

		CHILD_EXPECT(own >= 0, 10);
		CHILD_EXPECT(unshare(CLONE_NEWIPC) == 0, 11);
		CHILD_EXPECT_RET(ipc_mailbox_open(own, name, 0, 0, 0), -ENOENT, 12);
		CHILD_EXPECT_RET(ipc_mailbox_unlink(own, name), -ENOENT, 13);
		mine = ipc_mailbox_open(own, name, CREATE | EXCL, 0600, 0);
		CHILD_EXPECT(mine > 0, 14);
		CHILD_EXPECT_RET(ipc_handle_info(own, mine, &info), 0, 15);
		CHILD_EXPECT(info.object_id != name_id, 16);
		CHILD_EXPECT_RET(xipc_test_send(own, mine, 2, "child", 5, 0), 0, 17);
		fx_report(&l, info.object_id, 18);
		/* Only its own message: the parent's went to the parent's. */
		CHILD_EXPECT_RET(xipc_test_recv(own, mine, 0, buf, sizeof(buf), 0, &msg), 5, 20);
		CHILD_EXPECT(!strcmp(buf, "child"), 21);
		CHILD_EXPECT_RET(xipc_test_recv(own, mine, 0, buf, sizeof(buf), 0,
						&msg), -EAGAIN, 22);
		CHILD_EXPECT_RET(ipc_mailbox_unlink(own, name), 0, 23);
		_exit(0);
	}
	got = fx_read_u64(l.to_parent[0], &child_id);
	if (got == 0) {
		/* The child's name exists now; this namespace still has its own. */
		__u32 again = open_ok(space, 0, 0, 0, ALL);

		ck_assert_uint_ne(child_id, name_id);
		expect_text(space, again, 1, "parent");
		xipc_test_assert_empty(space, again);
	}
	fx_release(&l, pid, got);
	/* The child's unlink did not reach this namespace's name. */
	unlink_name(space);
}
END_TEST

/*
 * MAILBOX_OPEN and MAILBOX_UNLINK, each field of a valid request set to a
 * bad value (see fixture.h): nothing created, opened or unlinked. The name
 * has a fixed length, TABLE_NAME_LEN; a NUL and more bytes follow it.
 */
#define TABLE_NAME_LEN	31
static char table_name[XIPC_NAME_MAX + 16];

/* @tag: 5 characters, one per table. */
static void name_the_table(const char *tag)
{
	memset(table_name, 'n', sizeof(table_name));
	snprintf(table_name, TABLE_NAME_LEN + 1, NAME_PREFIX "%010d-%s", (int)runner, tag);
}

/* An open of the table's name, without CREATE. */
static void reopen_build(struct fx *f, void *req)
{
	struct xipc_mailbox_open *open = req;

	(void)f;
	*open = (struct xipc_mailbox_open){
		.handle = open->handle, .name = ipc_ptr(table_name),
		.name_len = TABLE_NAME_LEN,
	};
}

/* CREATE | EXCL of the table's name. */
static void open_build(struct fx *f, void *req)
{
	struct xipc_mailbox_open *open = req;

	name_the_table("opens");
	reopen_build(f, req);
	open->flags = CREATE | EXCL;
	open->mode = 0600;
}

static void open_check(struct fx *f, void *req, int ret)
{
	struct xipc_mailbox_open *open = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(xipc_test_handle_info(f->space, open->handle).type, XIPC_OBJECT_MAILBOX);
	table_name[TABLE_NAME_LEN] = 0;
	ck_assert_int_eq(ipc_mailbox_unlink(f->space, table_name), 0);
}

#define BAD_OPEN(field, value, error) \
	FX_BAD(struct xipc_mailbox_open, field, value, error)
/* Without CREATE nothing is created, so creation's fields must be zero. */
#define NO_CREATE(field, value) \
	FX_BAD_WITH(struct xipc_mailbox_open, field, value, flags, 0, EINVAL)
static const struct fx_row open_rows[] = {
	FX_BAD_BITS(struct xipc_mailbox_open, flags, CREATE | EXCL, EINVAL),
	/* EINVAL, not the ENOENT of a plain open of a missing name. */
	BAD_OPEN(flags, XIPC_OPEN_EXCL, EINVAL),
	BAD_OPEN(name, 0, EFAULT), BAD_OPEN(name, FX_UNMAPPED, EFAULT),
	/* The name runs off the end of the mapping. */
	BAD_OPEN(name, FX_EDGE, EFAULT),
	BAD_OPEN(name_len, 0, EINVAL),
	/* A C string's terminator counted in. */
	BAD_OPEN(name_len, TABLE_NAME_LEN + 1, EINVAL),
	/*
	 * A NUL inside ("name\0nnnn"): neither the part before it nor the
	 * part after may be created. (A leading NUL: its own test below.)
	 */
	BAD_OPEN(name_len, TABLE_NAME_LEN + 5, EINVAL),
	BAD_OPEN(name_len, XIPC_NAME_MAX + 1, ENAMETOOLONG),
	BAD_OPEN(name_len, ~0U, ENAMETOOLONG),
	FX_BAD_BITS(struct xipc_mailbox_open, mode, 0777, EINVAL),
	FX_BAD_BITS(struct xipc_mailbox_open, rights, ALL, EINVAL),
	BAD_OPEN(reserved, 1, EINVAL), BAD_OPEN(reserved, 1U << 31, EINVAL),
	BAD_OPEN(reserved, ~0U, EINVAL),
	/* Above the module's maxima. */
	BAD_OPEN(max_msg_size, ~0U, EINVAL), BAD_OPEN(max_msgs, ~0U, EINVAL),
	BAD_OPEN(max_bytes, ~0ULL, EINVAL),
	BAD_OPEN(max_bytes, (1ULL << 32) + 1, EINVAL),
	NO_CREATE(mode, 0600), NO_CREATE(max_msg_size, 64),
	NO_CREATE(max_msgs, 4), NO_CREATE(max_bytes, 256),
	FX_BAD_POINTER(0, EFAULT), FX_BAD_POINTER(FX_UNMAPPED, EFAULT),
};

static const struct fx_out open_outs[] = {
	FX_OUT(struct xipc_mailbox_open, handle),
};

FX_TABLE("validation", test_open_refuses, open_table, XIPC_IOC_MAILBOX_OPEN,
	 struct xipc_mailbox_open, .build = open_build, .check = open_check,
	 .rows = FX_ARRAY(open_rows), .outs = FX_ARRAY(open_outs))

/*
 * A name with a leading NUL ("\0name"), which a table's constant rows cannot
 * point at on 32-bit: EINVAL, no handle, and "name" is not created; the
 * same request without the NUL then creates it.
 */
FX_TEST("validation", test_open_refuses_a_leading_nul)
{
	int space = xipc_test_open();
	unsigned int handles = xipc_test_count_handles(space);
	char with_nul[1 + sizeof(name)];
	struct xipc_mailbox_open req;

	make_name("leadnul");
	with_nul[0] = 0;
	memcpy(with_nul + 1, name, strlen(name) + 1);
	req = create_req(0, 0, 0);
	req.name = ipc_ptr(with_nul);
	req.name_len = strlen(name) + 1;
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_OPEN, &req, EINVAL);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	req = create_req(0, 0, 0);
	ck_assert_int_eq(ioctl(space, XIPC_IOC_MAILBOX_OPEN, &req), 0);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles + 1);
	unlink_name(space);
}
END_TEST

/*
 * The table's name exists, with no handle to it: for UNLINK, and for an
 * OPEN without CREATE, which must find it.
 */
static __u64 existing_id;
static void existing_setup(struct fx *f)
{
	int handle;

	fx_space(f);
	name_the_table("exist");
	table_name[TABLE_NAME_LEN] = 0;
	handle = ipc_mailbox_open(f->space, table_name, CREATE | EXCL, 0600, 0);
	existing_id = fx_object_id(f->space, handle);
	ck_assert_int_eq(ipc_handle_close(f->space, handle), 0);
}

static void reopen_check(struct fx *f, void *req, int ret)
{
	ck_assert_uint_eq(fx_object_id(f->space, ((struct xipc_mailbox_open *)req)->handle),
			  existing_id);
	open_check(f, req, ret);
}

/*
 * Without CREATE nothing is created, so creation's fields must be zero for
 * a name that exists too (a missing one: open_rows); and the rights are
 * checked as a create checks them.
 */
static const struct fx_row reopen_rows[] = {
	BAD_OPEN(mode, 0600, EINVAL), BAD_OPEN(max_msg_size, 64, EINVAL),
	BAD_OPEN(max_msgs, 4, EINVAL), BAD_OPEN(max_bytes, 256, EINVAL),
	FX_BAD_BITS(struct xipc_mailbox_open, rights, ALL, EINVAL),
};

FX_TABLE("validation", test_open_of_an_existing_name_refuses, reopen_table,
	 XIPC_IOC_MAILBOX_OPEN, struct xipc_mailbox_open, .setup = existing_setup,
	 .build = reopen_build, .check = reopen_check,
	 .rows = FX_ARRAY(reopen_rows), .outs = FX_ARRAY(open_outs))

static void unlink_build(struct fx *f, void *req)
{
	(void)f;
	*(struct xipc_mailbox_unlink *)req = (struct xipc_mailbox_unlink){
		.name = ipc_ptr(table_name), .name_len = TABLE_NAME_LEN,
	};
}

static void unlink_check(struct fx *f, void *req, int ret)
{
	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(ipc_mailbox_open(f->space, table_name, 0, 0, 0), -ENOENT);
}

#define BAD_UNLINK(field, value, error) \
	FX_BAD(struct xipc_mailbox_unlink, field, value, error)
static const struct fx_row unlink_rows[] = {
	FX_BAD_BITS(struct xipc_mailbox_unlink, flags, 0, EINVAL),
	BAD_UNLINK(name_len, 0, EINVAL),
	/* The name and its C terminator. */
	BAD_UNLINK(name_len, TABLE_NAME_LEN + 1, EINVAL),
	/* XIPC_NAME_MAX + 1 bytes that start with the name. */
	BAD_UNLINK(name_len, XIPC_NAME_MAX + 1, ENAMETOOLONG),
	BAD_UNLINK(name, 0, EFAULT), BAD_UNLINK(name, FX_UNMAPPED, EFAULT),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("validation", test_unlink_refuses, unlink_table,
	 XIPC_IOC_MAILBOX_UNLINK, struct xipc_mailbox_unlink,
	 .setup = existing_setup, .build = unlink_build, .check = unlink_check,
	 .rows = FX_ARRAY(unlink_rows))

int main(void)
{
	runner = getpid();
	for (int i = 0; i < 4; i++)
		fx_fixture((const char *[]){ "open", "rights", "lifetime",
					     "validation" }[i], NULL, unlink_leftovers);
	return fx_main("name");
}
