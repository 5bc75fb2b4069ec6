// SPDX-License-Identifier: MIT
/*
 * Named mailboxes: open and create by name, the rights that mode bits and
 * capabilities earn, unlink, persistence without handles, validation of every
 * field of XIPC_IOC_MAILBOX_OPEN and _UNLINK, and names per IPC namespace.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libipc.h"
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

#define RIGHTS_RSG	(XIPC_RIGHT_RECV | XIPC_RIGHT_SEND | XIPC_RIGHT_GRANT)
#define NAME_SIZE	96

/*
 * Every name of this run starts with this prefix and the pid of main(), so
 * that no other run's names clash with ours and leftovers can be found.
 */
#define NAME_PREFIX	"xipc-test-name-"
static pid_t runner;

/* A name no other test (or run of this program) uses. */
static void make_name(char *buf, const char *what)
{
	snprintf(buf, NAME_SIZE, NAME_PREFIX "%d-%s", (int)runner, what);
}

/*
 * After each tcase, in the runner: unlink the names a failed test left. A
 * test that fails stops before its own cleanup, and a name owned by nobody
 * would count against that user's mailbox quota in later tests.
 */
static void unlink_leftovers(void)
{
	char prefix[64], line[2048], leftovers[32][NAME_SIZE + 16];
	unsigned int nr = 0, i;
	FILE *view;
	int space;

	snprintf(prefix, sizeof(prefix), NAME_PREFIX "%d-", (int)runner);
	view = fopen("/proc/xipc/mailboxes", "re");
	if (!view)
		return;
	while (fgets(line, sizeof(line), view) && nr < FX_NR(leftovers)) {
		char *name = strrchr(line, ' ');

		if (!name)
			continue;
		name++;
		name[strcspn(name, "\n")] = 0;
		if (!strncmp(name, prefix, strlen(prefix)) &&
		    strlen(name) < sizeof(leftovers[0]))
			strcpy(leftovers[nr++], name);
	}
	fclose(view);
	space = ipc_open(0);
	if (space < 0)
		return;
	/* Unlinked after reading: the view is not walked while it changes. */
	for (i = 0; i < nr; i++)
		if (ipc_mailbox_unlink(space, leftovers[i]) == 0)
			fprintf(stderr, "# unlinked '%s', left by a failed test\n",
				leftovers[i]);
	ipc_close(space);
}

/* What a child runs, in its own space, once it has its credentials. */
typedef void child_fn(int space, const void *arg);

/*
 * Runs @fn in a child with @uid, @gid and @groups, and a space of its own
 * opened after the switch: every check of the child must hold (exit 0).
 */
static void run_as_groups(uid_t uid, gid_t gid, const gid_t *groups,
			  size_t nr_groups, child_fn *fn, const void *arg)
{
	pid_t pid = xipc_test_fork();
	int code;

	if (pid == 0) {
		fn(fx_child_space(uid, gid, groups, nr_groups), arg);
		_exit(0);
	}
	code = xipc_test_wait(pid);
	ck_assert_msg(code == 0, "child of uid %u gid %u exited %d: see its message",
		      uid, gid, code);
}

static void run_as(uid_t uid, gid_t gid, child_fn *fn, const void *arg)
{
	run_as_groups(uid, gid, NULL, 0, fn, arg);
}

/* In a child: @handle is a mailbox handle with exactly @rights, badge 0. */
static void child_expect_handle(int space, int handle, __u32 rights,
				__u64 object_id, int code)
{
	struct xipc_handle_info info;

	if (handle <= 0) {
		fprintf(stderr, "child %d: exit %d: an open gave %d, not a handle\n",
			(int)getpid(), code, handle);
		_exit(code);
	}
	CHILD_EXPECT_RET(ipc_handle_info(space, handle, &info), 0, code);
	CHILD_EXPECT_RET(info.rights, rights, code);
	CHILD_EXPECT_RET(info.badge, 0, code);
	CHILD_EXPECT_RET(info.type, XIPC_OBJECT_MAILBOX, code);
	if (object_id)
		CHILD_EXPECT(info.object_id == object_id, code);
}

static __u32 open_ok(int space, const char *name, __u32 flags, __u32 mode,
		     __u32 rights)
{
	int ret = ipc_mailbox_open(space, name, flags, mode, rights);

	ck_assert_msg(ret > 0, "open '%s' flags %#x mode %#o rights %#x: %d",
		      name, flags, mode, rights, ret);
	return ret;
}

/*
 * @handle of @space is a mailbox handle with exactly @rights, badge 0, to
 * the object @id (0: any): its object id.
 */
static __u64 assert_handle(int space, __u32 handle, __u32 rights, __u64 id)
{
	struct xipc_handle_info info = xipc_test_handle_info(space, handle);

	ck_assert_uint_eq(info.rights, rights);
	ck_assert_uint_eq(info.badge, 0);
	ck_assert_uint_eq(info.type, XIPC_OBJECT_MAILBOX);
	if (id)
		ck_assert_uint_eq(info.object_id, id);
	return info.object_id;
}

static void send_text(int space, __u32 mailbox, __s64 type, const char *text)
{
	int ret = xipc_test_send(space, mailbox, type, text, strlen(text), 0);

	ck_assert_msg(ret == 0, "send '%s': %d", text, ret);
}

/* Receives the next message, which must be @text of @type. */
static void expect_text(int space, __u32 mailbox, __s64 type, const char *text)
{
	char buf[256];
	struct xipc_recv msg;
	int ret;

	memset(buf, 0, sizeof(buf));
	ret = xipc_test_recv(space, mailbox, 0, buf, sizeof(buf) - 1, 0, &msg);
	ck_assert_msg(ret == (int)strlen(text), "receive '%s': %d", text, ret);
	ck_assert_str_eq(buf, text);
	ck_assert_int_eq(msg.type, type);
}

/* The request to create @name with mode 0600, every other field zero. */
static struct xipc_mailbox_open create_req(const char *name)
{
	return (struct xipc_mailbox_open){
		.flags = XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
		.name = ipc_ptr(name),
		.name_len = strlen(name),
		.mode = 0600,
	};
}

/*
 * Fails the test unless opening with @req fails with @error, installs no
 * handle and leaves @name (if not NULL) nonexistent.
 */
static void expect_open_fails(int space, struct xipc_mailbox_open req,
			      int error, const char *name)
{
	unsigned int handles = xipc_test_count_handles(space);
	int ret = ipc_mailbox_open_full(space, &req);

	ck_assert_msg(ret == -error,
		      "open flags %#x len %u mode %#o rights %#x reserved %#x limits %u/%u/%llu: %d, expected %d",
		      req.flags, req.name_len, req.mode, req.rights, req.reserved,
		      req.max_msg_size, req.max_msgs,
		      (unsigned long long)req.max_bytes, ret, -error);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	if (name)
		ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);
}

/* The valid request works after all: the failures were about the field. */
static void expect_create_works(int space, struct xipc_mailbox_open req,
				const char *name)
{
	int ret = ipc_mailbox_open_full(space, &req);

	ck_assert_msg(ret > 0, "the valid request failed: %d", ret);
	ck_assert_int_eq(ipc_handle_close(space, ret), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}

/* The module parameter @param: a mailbox limit's maximum. */
static unsigned long long read_param(const char *param)
{
	unsigned long long value;

	ck_assert_int_eq(xipc_test_param_read(param, &value), 0);
	return value;
}

FX_TEST("open", test_create_then_open_from_another_space)
{
	int creator = xipc_test_open(), opener = xipc_test_open();
	struct xipc_mailbox_open req;
	char name[NAME_SIZE];
	__u32 mine, send_only, recv_grant;
	__u64 id;

	make_name(name, "open");
	req = create_req(name);
	ck_assert_int_gt(ipc_mailbox_open_full(creator, &req), 0);
	mine = req.handle;
	/* Root owns it and has CAP_IPC_OWNER and CAP_SYS_ADMIN: everything. */
	id = assert_handle(creator, mine, XIPC_RIGHTS_ALL, 0);
	ck_assert_uint_eq(req.rights, XIPC_RIGHTS_ALL);

	req = create_req(name);
	req.flags = 0;
	req.mode = 0;
	req.rights = XIPC_RIGHT_SEND;
	ck_assert_int_gt(ipc_mailbox_open_full(opener, &req), 0);
	send_only = req.handle;
	ck_assert_uint_eq(req.rights, XIPC_RIGHT_SEND);
	assert_handle(opener, send_only, XIPC_RIGHT_SEND, id);

	/* Each open is a new handle to the same mailbox. */
	recv_grant = open_ok(opener, name, 0, 0,
			     XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT);
	ck_assert_uint_ne(recv_grant, send_only);
	assert_handle(opener, recv_grant, XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT, id);

	/* And it is one queue: what one space sends, the other receives. */
	send_text(opener, send_only, 3, "across spaces");
	expect_text(creator, mine, 3, "across spaces");
	send_text(creator, mine, 4, "and back");
	expect_text(opener, recv_grant, 4, "and back");

	ck_assert_int_eq(ipc_mailbox_unlink(creator, name), 0);
}
END_TEST

FX_TEST("open", test_create_of_an_existing_name)
{
	int space = xipc_test_open();
	char name[NAME_SIZE];
	unsigned int handles;
	__u32 first, again;

	make_name(name, "exists");
	first = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	handles = xipc_test_count_handles(space);
	ck_assert_int_eq(ipc_mailbox_open(space, name,
					  XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
					  0600, 0), -EEXIST);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);

	/* Without EXCL, CREATE of a taken name opens what is there. */
	again = open_ok(space, name, XIPC_OPEN_CREATE, 0600, 0);
	ck_assert_uint_eq(fx_object_id(space, again),
			  fx_object_id(space, first));
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

FX_TEST("open", test_missing_name)
{
	int space = xipc_test_open();
	unsigned int handles = xipc_test_count_handles(space);
	char name[NAME_SIZE];

	make_name(name, "missing");
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, XIPC_RIGHT_SEND),
			 -ENOENT);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), -ENOENT);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
}
END_TEST

/* Modes and what their owner gets with rights 0 (MANAGE: the owner's). */
static const struct {
	__u32 mode;
	__u32 rights;
} owner_modes[] = {
	{ 0700, XIPC_RIGHTS_ALL },
	{ 0600, XIPC_RIGHT_RECV | XIPC_RIGHT_SEND | XIPC_RIGHT_MANAGE },
	{ 0400, XIPC_RIGHT_RECV | XIPC_RIGHT_MANAGE },
	{ 0200, XIPC_RIGHT_SEND | XIPC_RIGHT_MANAGE },
	{ 0100, XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE },
	{ 0500, XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT | XIPC_RIGHT_MANAGE },
	/* Group and other bits are not the owner's. */
	{ 0077, XIPC_RIGHT_MANAGE },
	{ 0000, XIPC_RIGHT_MANAGE },
};
#define NR_OWNER_MODES FX_NR(owner_modes)

static void create_each_mode(int space, const void *arg)
{
	const char *base = arg;
	unsigned int i;

	for (i = 0; i < NR_OWNER_MODES; i++) {
		char name[NAME_SIZE + 8];
		struct xipc_mailbox_open req;
		int handle;

		snprintf(name, sizeof(name), "%s-%o", base, owner_modes[i].mode);
		req = (struct xipc_mailbox_open){
			.flags = XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
			.name = ipc_ptr(name),
			.name_len = strlen(name),
			.mode = owner_modes[i].mode,
		};
		handle = ipc_mailbox_open_full(space, &req);
		child_expect_handle(space, handle, owner_modes[i].rights, 0,
				    10 + i);
		/* The rights that 0 stood for are written back. */
		CHILD_EXPECT_RET(req.rights, owner_modes[i].rights, 50 + i);
		CHILD_EXPECT_RET(ipc_mailbox_unlink(space, name), 0, 30 + i);
	}
}

FX_TEST("rights", test_rights_zero_is_what_the_mode_grants)
{
	char name[NAME_SIZE];

	make_name(name, "modes");
	run_as(NOBODY_UID, NOBODY_GID, create_each_mode, name);
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
static const __u32 singles[] = {
	XIPC_RIGHT_RECV, XIPC_RIGHT_SEND, XIPC_RIGHT_GRANT, XIPC_RIGHT_MANAGE,
};

/* XIPC_RIGHT_* that the r, w and x bits @bits (0 to 7) grant. */
static __u32 rights_of_bits(unsigned int bits)
{
	return (bits & 4 ? XIPC_RIGHT_RECV : 0) |
	       (bits & 2 ? XIPC_RIGHT_SEND : 0) |
	       (bits & 1 ? XIPC_RIGHT_GRANT : 0);
}

struct mode_check {
	const char *name;
	__u32 mode;
	__u32 expected;		/* what the opener earns */
	__u64 object_id;
};

static void create_named(int space, const void *arg)
{
	const struct mode_check *check = arg;
	int handle = ipc_mailbox_open(space, check->name,
				      XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				      check->mode, 0);

	child_expect_handle(space, handle,
			    rights_of_bits(check->mode >> 6) | XIPC_RIGHT_MANAGE,
			    0, 10);
	/* The child exits: only the name keeps the mailbox. */
}

static void open_each_right(int space, const void *arg)
{
	const struct mode_check *check = arg;
	unsigned int i;
	int handle;

	handle = ipc_mailbox_open(space, check->name, 0, 0, 0);
	child_expect_handle(space, handle, check->expected, check->object_id, 10);
	handle = ipc_mailbox_open(space, check->name, 0, 0, check->expected);
	child_expect_handle(space, handle, check->expected, check->object_id, 11);
	for (i = 0; i < FX_NR(singles); i++) {
		handle = ipc_mailbox_open(space, check->name, 0, 0, singles[i]);
		if (check->expected & singles[i])
			child_expect_handle(space, handle, singles[i],
					    check->object_id, 20 + i);
		else
			CHILD_EXPECT_RET(handle, -EACCES, 30 + i);
	}
	/* All or nothing: one right too many refuses the lot. */
	CHILD_EXPECT_RET(ipc_mailbox_open(space, check->name, 0, 0,
					  check->expected | RIGHTS_RSG |
					  XIPC_RIGHT_MANAGE),
			 -EACCES, 40);
}

/*
 * One bit of one class: the mode gives the class only that bit, and every
 * other class exactly the bits this class lacks, so that an opener who got
 * another class's bits would show.
 */
FX_LOOP_TEST("rights", test_mode_bit_grants_its_right, 0, 3 * NR_CLASSES)
{
	enum opener_class class = _i / 3;
	unsigned int bit = 4 >> (_i % 3), shift, s;
	char name[NAME_SIZE], what[16];
	struct mode_check check;
	int space = xipc_test_open();
	__u32 mine;

	shift = openers[class].shift;
	check.mode = bit << shift;
	for (s = 0; s <= 6; s += 3)
		if (s != shift)
			check.mode |= (7 & ~bit) << s;
	snprintf(what, sizeof(what), "bit-%d", _i);
	make_name(name, what);
	check.name = name;
	check.expected = rights_of_bits(bit) |
			 (class == OWNER ? XIPC_RIGHT_MANAGE : 0);

	run_as(CREATOR_UID, CREATOR_GID, create_named, &check);
	mine = open_ok(space, name, 0, 0, XIPC_RIGHT_RECV);
	check.object_id = fx_object_id(space, mine);
	run_as_groups(openers[class].uid, openers[class].gid,
		      &openers[class].group, openers[class].group ? 1 : 0,
		      open_each_right, &check);
	/* Root unlinks another user's name: CAP_SYS_ADMIN. */
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

static void expect_no_rights(int space, const void *arg)
{
	const char *name = arg;

	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, 0, 0, 0), -EACCES, 10);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, 0, 0, XIPC_RIGHT_RECV),
			 -EACCES, 11);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, 0, 0, XIPC_RIGHT_MANAGE),
			 -EACCES, 12);
}

static void expect_rsg(int space, const void *arg)
{
	int handle = ipc_mailbox_open(space, arg, 0, 0, 0);

	child_expect_handle(space, handle, RIGHTS_RSG, 0, 10);
}

FX_TEST("rights", test_no_rights_at_all_is_eacces)
{
	static const gid_t creator_group = CREATOR_GID;
	int space = xipc_test_open();
	char name[NAME_SIZE];
	struct mode_check check = { .name = name, .mode = 0707 };

	/* The group's bits are empty; that others' are not does not help. */
	make_name(name, "norights-0707");
	run_as(CREATOR_UID, CREATOR_GID, create_named, &check);
	run_as(GROUP_UID, CREATOR_GID, expect_no_rights, name);
	run_as_groups(SUPP_UID, UNRELATED_GID, &creator_group, 1,
		      expect_no_rights, name);
	run_as(NOBODY_UID, NOBODY_GID, expect_rsg, name);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);

	make_name(name, "norights-0770");
	check.mode = 0770;
	run_as(CREATOR_UID, CREATOR_GID, create_named, &check);
	run_as(NOBODY_UID, NOBODY_GID, expect_no_rights, name);
	run_as(GROUP_UID, CREATOR_GID, expect_rsg, name);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

static void create_denied(int space, const void *arg)
{
	const char *name = arg;
	int handle;

	/* The mode would not let the creator send, so it may not ask to. */
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, XIPC_OPEN_CREATE, 0400,
					  XIPC_RIGHT_SEND), -EACCES, 10);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT, 11);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name,
					  XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
					  0, XIPC_RIGHT_RECV), -EACCES, 12);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT, 13);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, XIPC_OPEN_CREATE, 0477,
					  XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT),
			 -EACCES, 14);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT, 15);
	/* The same with a right the mode grants works. */
	handle = ipc_mailbox_open(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				  0400, XIPC_RIGHT_RECV);
	child_expect_handle(space, handle, XIPC_RIGHT_RECV, 0, 16);
	CHILD_EXPECT_RET(ipc_mailbox_unlink(space, name), 0, 17);
}

FX_TEST("rights", test_denied_create_creates_nothing)
{
	char name[NAME_SIZE];

	make_name(name, "denied");
	run_as(NOBODY_UID, NOBODY_GID, create_denied, name);
}
END_TEST

/* Clears capabilities @caps from the effective set; 0 or -errno. */
static int drop_capabilities(const int *caps, size_t nr_caps)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	size_t i;

	if (syscall(SYS_capget, &header, data))
		return -errno;
	for (i = 0; i < nr_caps; i++)
		data[CAP_TO_INDEX(caps[i])].effective &= ~CAP_TO_MASK(caps[i]);
	if (syscall(SYS_capset, &header, data))
		return -errno;
	return 0;
}

static void root_without_ipc_owner(int space, const void *arg)
{
	static const int caps[] = { CAP_IPC_OWNER };
	int handle;

	CHILD_EXPECT_RET(drop_capabilities(caps, 1), 0, 10);
	/* uid 0 is neither owner nor group: the other bits, none here. */
	handle = ipc_mailbox_open(space, arg, 0, 0, 0);
	child_expect_handle(space, handle, XIPC_RIGHT_MANAGE, 0, 11);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, arg, 0, 0, XIPC_RIGHT_RECV),
			 -EACCES, 12);
}

static void root_without_ipc_owner_nor_sys_admin(int space, const void *arg)
{
	static const int caps[] = { CAP_IPC_OWNER, CAP_SYS_ADMIN };

	CHILD_EXPECT_RET(drop_capabilities(caps, 2), 0, 10);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, arg, 0, 0, 0), -EACCES, 11);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, arg, 0, 0, XIPC_RIGHT_MANAGE),
			 -EACCES, 12);
	CHILD_EXPECT_RET(ipc_mailbox_unlink(space, arg), -EACCES, 13);
}

FX_TEST("rights", test_capabilities_earn_rights_whatever_the_mode)
{
	int space = xipc_test_open();
	char name[NAME_SIZE];
	struct mode_check check = { .name = name, .mode = 0 };
	unsigned int i;

	make_name(name, "caps");
	run_as(CREATOR_UID, CREATOR_GID, create_named, &check);
	/* CAP_IPC_OWNER: RECV, SEND, GRANT; CAP_SYS_ADMIN: MANAGE. */
	assert_handle(space, open_ok(space, name, 0, 0, 0), XIPC_RIGHTS_ALL, 0);
	for (i = 0; i < FX_NR(singles); i++)
		assert_handle(space, open_ok(space, name, 0, 0, singles[i]),
			      singles[i], 0);
	/* Uid 0 is not what counts: the capabilities are. */
	run_as(0, 0, root_without_ipc_owner, name);
	run_as(0, 0, root_without_ipc_owner_nor_sys_admin, name);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

static void create_open_to_all(int space, const void *arg)
{
	int handle = ipc_mailbox_open(space, arg, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
				      0777, 0);

	child_expect_handle(space, handle, XIPC_RIGHTS_ALL, 0, 10);
}

static void unlink_not_owner(int space, const void *arg)
{
	int handle;

	/* Every mode bit, and the owner's group: still not the owner. */
	CHILD_EXPECT_RET(ipc_mailbox_unlink(space, arg), -EACCES, 10);
	handle = ipc_mailbox_open(space, arg, 0, 0, 0);
	child_expect_handle(space, handle, RIGHTS_RSG, 0, 11);
}

static void unlink_as_owner(int space, const void *arg)
{
	CHILD_EXPECT_RET(ipc_mailbox_unlink(space, arg), 0, 10);
	CHILD_EXPECT_RET(ipc_mailbox_open(space, arg, 0, 0, 0), -ENOENT, 11);
	CHILD_EXPECT_RET(ipc_mailbox_unlink(space, arg), -ENOENT, 12);
}

FX_TEST("rights", test_unlink_permissions)
{
	int space = xipc_test_open();
	char name[NAME_SIZE];

	make_name(name, "unlink");
	run_as(NOBODY_UID, NOBODY_GID, create_open_to_all, name);
	run_as(OTHER_UID, NOBODY_GID, unlink_not_owner, name);
	/* The refused unlink left the name. */
	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, name, 0, 0, 0)), 0);
	run_as(NOBODY_UID, NOBODY_GID, unlink_as_owner, name);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	/* CAP_SYS_ADMIN unlinks anyone's. */
	run_as(NOBODY_UID, NOBODY_GID, create_open_to_all, name);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), -ENOENT);
}
END_TEST

static void send_from_nobody(int space, const void *arg)
{
	int handle = ipc_mailbox_open(space, arg, 0, 0, XIPC_RIGHT_SEND);

	CHILD_EXPECT(handle > 0, 10);
	CHILD_EXPECT_RET(xipc_test_send(space, handle, 9, "from nobody", 11, 0),
			 0, 11);
	/* Exiting closes the space: the message must outlive it. */
}

FX_TEST("lifetime", test_messages_persist_without_handles)
{
	int space = xipc_test_open(), later;
	char name[NAME_SIZE], buf[64];
	struct xipc_recv msg;
	__u32 handle;

	make_name(name, "persist");
	handle = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0622, 0);
	send_text(space, handle, 1, "first");
	send_text(space, handle, 2, "second");
	/* No handle is open now; the name holds the mailbox and its queue. */
	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	handle = open_ok(space, name, 0, 0, XIPC_RIGHT_RECV | XIPC_RIGHT_SEND);
	expect_text(space, handle, 1, "first");
	send_text(space, handle, 3, "third");

	/* The whole space goes, with every handle in it. */
	ipc_close(space);
	later = xipc_test_open();
	handle = open_ok(later, name, 0, 0, XIPC_RIGHT_RECV);
	expect_text(later, handle, 2, "second");
	expect_text(later, handle, 3, "third");
	xipc_test_assert_empty(later, handle);

	/* A sender whose process exited. */
	run_as(NOBODY_UID, NOBODY_GID, send_from_nobody, name);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(xipc_test_recv(later, handle, 0, buf, sizeof(buf), 0, &msg),
			 11);
	ck_assert_str_eq(buf, "from nobody");
	ck_assert_uint_eq(msg.uid, NOBODY_UID);
	ck_assert_uint_eq(msg.gid, NOBODY_GID);

	ck_assert_int_eq(ipc_mailbox_unlink(later, name), 0);
}
END_TEST

FX_TEST("lifetime", test_unlinked_name_can_be_created_again)
{
	int space = xipc_test_open();
	char name[NAME_SIZE];
	__u32 old, fresh;

	make_name(name, "recreate");
	old = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	send_text(space, old, 1, "old");
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	fresh = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	ck_assert_uint_ne(fx_object_id(space, fresh),
			  fx_object_id(space, old));
	xipc_test_assert_empty(space, fresh);

	/* The old handle still names the old mailbox, queue and all. */
	expect_text(space, old, 1, "old");
	send_text(space, old, 2, "still works");
	xipc_test_assert_empty(space, fresh);
	expect_text(space, old, 2, "still works");
	send_text(space, fresh, 3, "new");
	xipc_test_assert_empty(space, old);
	expect_text(space, fresh, 3, "new");

	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

FX_TEST("validation", test_open_rejects_bad_names)
{
	int space = xipc_test_open();
	char name[NAME_SIZE], with_nul[NAME_SIZE + 8];
	struct xipc_mailbox_open req;
	size_t len;

	make_name(name, "badname");
	req = create_req(name);
	req.name_len = 0;
	expect_open_fails(space, req, EINVAL, name);

	/* "name\0tail": the part before the NUL must not be created either. */
	len = strlen(name);
	memcpy(with_nul, name, len);
	memcpy(with_nul + len, "\0tail", 5);
	req = create_req(name);
	req.name = ipc_ptr(with_nul);
	req.name_len = len + 5;
	expect_open_fails(space, req, EINVAL, name);
	/* A C string's terminator counted in. */
	req.name_len = len + 1;
	expect_open_fails(space, req, EINVAL, name);
	/* A leading NUL. */
	with_nul[0] = 0;
	memcpy(with_nul + 1, name, len);
	req.name_len = len + 1;
	expect_open_fails(space, req, EINVAL, name);

	expect_create_works(space, create_req(name), name);
}
END_TEST

FX_TEST("validation", test_name_max_length)
{
	int space = xipc_test_open();
	char longest[XIPC_NAME_MAX + 2], prefix[NAME_SIZE];
	struct xipc_mailbox_open req;
	__u32 created, opened;

	make_name(prefix, "long");
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = 0;
	memcpy(longest, prefix, strlen(prefix));

	/* XIPC_NAME_MAX + 1 bytes: too long, to open, create or unlink. */
	req = create_req(longest);
	ck_assert_uint_eq(req.name_len, XIPC_NAME_MAX + 1);
	expect_open_fails(space, req, ENAMETOOLONG, NULL);
	ck_assert_int_eq(ipc_mailbox_open(space, longest, 0, 0, 0), -ENAMETOOLONG);
	ck_assert_int_eq(ipc_mailbox_unlink(space, longest), -ENAMETOOLONG);
	req.name_len = ~0U;
	expect_open_fails(space, req, ENAMETOOLONG, NULL);

	/* XIPC_NAME_MAX bytes is a name like any other. */
	longest[XIPC_NAME_MAX] = 0;
	ck_assert_int_eq(ipc_mailbox_open(space, longest, 0, 0, 0), -ENOENT);
	created = open_ok(space, longest, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
			  0600, 0);
	opened = open_ok(space, longest, 0, 0, 0);
	ck_assert_uint_eq(fx_object_id(space, opened),
			  fx_object_id(space, created));
	/* One byte less is another name. */
	longest[XIPC_NAME_MAX - 1] = 0;
	ck_assert_int_eq(ipc_mailbox_open(space, longest, 0, 0, 0), -ENOENT);
	longest[XIPC_NAME_MAX - 1] = 'n';
	ck_assert_int_eq(ipc_mailbox_unlink(space, longest), 0);
	ck_assert_int_eq(ipc_mailbox_open(space, longest, 0, 0, 0), -ENOENT);
}
END_TEST

/* Opening an existing name checks the rights as creating one does. */
FX_TEST("validation", test_open_rejects_each_unknown_right)
{
	int space = xipc_test_open();
	char name[NAME_SIZE];
	unsigned int bit;
	__u32 handle;

	make_name(name, "rights");
	handle = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	for (bit = 4; bit < 32; bit++) {
		struct xipc_mailbox_open req = create_req(name);

		req.flags = 0;
		req.mode = 0;
		req.rights = 1U << bit;
		expect_open_fails(space, req, EINVAL, NULL);
	}
	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/* Without CREATE nothing is created, so creation's fields must be zero. */
FX_TEST("validation", test_open_without_create_rejects_mode_and_limits)
{
	static const struct fx_row creation[] = {
		FX_BAD(struct xipc_mailbox_open, mode, 0600, EINVAL),
		FX_BAD(struct xipc_mailbox_open, max_msg_size, 64, EINVAL),
		FX_BAD(struct xipc_mailbox_open, max_msgs, 4, EINVAL),
		FX_BAD(struct xipc_mailbox_open, max_bytes, 256, EINVAL),
	};
	int space = xipc_test_open();
	struct xipc_mailbox_open plain, req;
	char name[NAME_SIZE];
	unsigned int exists, i;
	__u32 handle = 0;

	make_name(name, "nocreate");
	plain = create_req(name);
	plain.flags = 0;
	plain.mode = 0;
	for (exists = 0; exists < 2; exists++) {
		/* A missing name: EINVAL, not ENOENT; an existing one: no handle. */
		const char *must_not_exist = exists ? NULL : name;

		for (i = 0; i < FX_NR(creation); i++) {
			req = plain;
			fx_break(&req, &creation[i]);
			expect_open_fails(space, req, EINVAL, must_not_exist);
		}
		if (!exists) {
			ck_assert_int_eq(ipc_mailbox_open_full(space, &plain),
					 -ENOENT);
			handle = open_ok(space, name, XIPC_OPEN_CREATE, 0600, 0);
		}
	}
	/* The plain request works. */
	req = plain;
	ck_assert_int_gt(ipc_mailbox_open_full(space, &req), 0);
	ck_assert_uint_eq(fx_object_id(space, req.handle),
			  fx_object_id(space, handle));
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
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
	char name[NAME_SIZE], *area;
	size_t at;

	make_name(name, "untouched");
	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, name,
			 XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0)), 0);
	want = create_req(name);
	want.rights = XIPC_RIGHT_RECV;
	want.max_msg_size = 16;
	want.max_msgs = 3;
	want.max_bytes = 40;
	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(area, MAP_FAILED);
	for (at = 0; at < sizeof(want); at += 8) {
		req = (struct xipc_mailbox_open *)(area + page - at);
		*req = want;
		ck_assert_int_eq(ipc_mailbox_open_full(space, req), -EEXIST);
		ck_assert_msg(!memcmp(req, &want, sizeof(want)),
			      "the request changed (page boundary at byte %zu): flags %#x name_len %u rights %#x",
			      at, req->flags, req->name_len, req->rights);
	}
	ck_assert_int_eq(munmap(area, 2 * page), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/* The module's maxima themselves are allowed (one more is refused). */
FX_TEST("validation", test_open_at_the_maxima)
{
	struct xipc_mailbox_open req;
	int space = xipc_test_open();
	char name[NAME_SIZE];

	make_name(name, "maxima");
	req = create_req(name);
	req.max_msg_size = read_param("max_msg_size");
	req.max_msgs = read_param("max_msgs");
	req.max_bytes = read_param("max_bytes");
	expect_create_works(space, req, name);
	req.max_bytes++;
	expect_open_fails(space, req, EINVAL, name);
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
	char name[NAME_SIZE];
	unsigned int handles = xipc_test_count_handles(space);
	__u32 handle;

	make_name(name, "fault");
	readonly = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(readonly, MAP_FAILED);
	*readonly = create_req(name);
	ck_assert_int_eq(mprotect(readonly, page, PROT_READ), 0);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_OPEN, readonly, EFAULT);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_mailbox_open(space, name, 0, 0, 0), -ENOENT);

	handle = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	ck_assert_int_eq(mprotect(readonly, page, PROT_READ | PROT_WRITE), 0);
	*readonly = create_req(name);
	readonly->flags = 0;
	readonly->mode = 0;
	ck_assert_int_eq(mprotect(readonly, page, PROT_READ), 0);
	handles = xipc_test_count_handles(space);
	xipc_test_assert_ioctl_fails(space, XIPC_IOC_MAILBOX_OPEN, readonly, EFAULT);
	ck_assert_uint_eq(xipc_test_count_handles(space), handles);
	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	ck_assert_int_eq(ipc_handle_close(space, open_ok(space, name, 0, 0, 0)), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

FX_TEST("open", test_limits_given_at_creation)
{
	int creator = xipc_test_open(), sender = xipc_test_open();
	struct xipc_mailbox_open req;
	char name[NAME_SIZE], buf[32];
	__u32 handle;

	make_name(name, "limits");
	req = create_req(name);
	req.max_msg_size = 16;
	req.max_msgs = 3;
	req.max_bytes = 40;
	ck_assert_int_gt(ipc_mailbox_open_full(creator, &req), 0);

	/* They belong to the mailbox: another opener meets them too. */
	handle = open_ok(sender, name, 0, 0, XIPC_RIGHT_SEND);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 17, 0), -EMSGSIZE);
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 16, 0), 0);
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 16, 0), 0);
	/* 48 bytes would be over max_bytes; 40 is not. */
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 16, 0), -EAGAIN);
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 8, 0), 0);
	/* Three messages: max_msgs, even for an empty one. */
	ck_assert_int_eq(xipc_test_send(sender, handle, 1, buf, 0, 0), -EAGAIN);

	ck_assert_int_eq(ipc_mailbox_unlink(creator, name), 0);
}
END_TEST

FX_TEST("open", test_names_live_in_ipc_namespaces)
{
	int space = xipc_test_open(), got;
	char name[NAME_SIZE];
	__u64 child_id = 0, parent_id;
	struct fx_link l;
	__u32 handle;
	pid_t pid;

	make_name(name, "ns");
	handle = open_ok(space, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0);
	parent_id = fx_object_id(space, handle);
	send_text(space, handle, 1, "parent");
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
		mine = ipc_mailbox_open(own, name, XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
					0600, 0);
		CHILD_EXPECT(mine > 0, 14);
		CHILD_EXPECT_RET(ipc_handle_info(own, mine, &info), 0, 15);
		CHILD_EXPECT(info.object_id != parent_id, 16);
		CHILD_EXPECT_RET(xipc_test_send(own, mine, 2, "child", 5, 0), 0, 17);
		fx_report(&l, info.object_id, 18);
		/* Only its own message: the parent's went to the parent's. */
		CHILD_EXPECT_RET(xipc_test_recv(own, mine, 0, buf, sizeof(buf), 0,
						&msg), 5, 20);
		CHILD_EXPECT(!strcmp(buf, "child"), 21);
		CHILD_EXPECT_RET(xipc_test_recv(own, mine, 0, buf, sizeof(buf), 0,
						&msg), -EAGAIN, 22);
		CHILD_EXPECT_RET(ipc_mailbox_unlink(own, name), 0, 23);
		_exit(0);
	}
	got = fx_read_u64(l.to_parent[0], &child_id);
	if (got == 0) {
		/* The child's name exists now; this namespace still has its own. */
		__u32 again = open_ok(space, name, 0, 0, 0);

		ck_assert_uint_eq(fx_object_id(space, again), parent_id);
		ck_assert_uint_ne(child_id, parent_id);
		expect_text(space, again, 1, "parent");
		xipc_test_assert_empty(space, again);
	}
	fx_release(&l, pid, got);
	/* The child's unlink did not reach this namespace's name. */
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
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
	snprintf(table_name, TABLE_NAME_LEN + 1, NAME_PREFIX "%010d-%s",
		 (int)runner, tag);
}

/* CREATE | EXCL of the table's name. */
static void open_build(struct fx *f, void *req)
{
	struct xipc_mailbox_open *open = req;
	__u32 handle = open->handle;

	(void)f;
	name_the_table("opens");
	*open = (struct xipc_mailbox_open){
		.flags = XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
		.handle = handle,
		.name = ipc_ptr(table_name),
		.name_len = TABLE_NAME_LEN,
		.mode = 0600,
	};
}

static void open_check(struct fx *f, void *req, int ret)
{
	struct xipc_mailbox_open *open = req;

	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(xipc_test_handle_info(f->space, open->handle).type,
			  XIPC_OBJECT_MAILBOX);
	table_name[TABLE_NAME_LEN] = 0;
	ck_assert_int_eq(ipc_mailbox_unlink(f->space, table_name), 0);
}

#define OPEN(field, value, error) \
	FX_BAD(struct xipc_mailbox_open, field, value, error)
/* Without CREATE nothing is created, so creation's fields must be zero. */
#define NO_CREATE(field, value) \
	FX_BAD_WITH(struct xipc_mailbox_open, field, value, flags, 0, EINVAL)
static const struct fx_row open_rows[] = {
	FX_BAD_BITS(struct xipc_mailbox_open, flags,
		    XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, EINVAL),
	/* EINVAL, not the ENOENT of a plain open of a missing name. */
	OPEN(flags, XIPC_OPEN_EXCL, EINVAL),
	OPEN(name, 0, EFAULT), OPEN(name, FX_UNMAPPED, EFAULT),
	/* The name runs off the end of the mapping. */
	OPEN(name, FX_EDGE, EFAULT),
	OPEN(name_len, 0, EINVAL),
	/* A C string's terminator counted in. */
	OPEN(name_len, TABLE_NAME_LEN + 1, EINVAL),
	OPEN(name_len, XIPC_NAME_MAX + 1, ENAMETOOLONG),
	OPEN(name_len, ~0U, ENAMETOOLONG),
	FX_BAD_BITS(struct xipc_mailbox_open, mode, 0777, EINVAL),
	FX_BAD_BITS(struct xipc_mailbox_open, rights, XIPC_RIGHTS_ALL, EINVAL),
	OPEN(reserved, 1, EINVAL), OPEN(reserved, 1U << 31, EINVAL),
	OPEN(reserved, ~0U, EINVAL),
	/* Above the module's maxima. */
	OPEN(max_msg_size, ~0U, EINVAL), OPEN(max_msgs, ~0U, EINVAL),
	OPEN(max_bytes, ~0ULL, EINVAL), OPEN(max_bytes, (1ULL << 32) + 1, EINVAL),
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

/* The table's name exists, with no handle to it. */
static void unlink_setup(struct fx *f)
{
	fx_space(f);
	name_the_table("unlnk");
	table_name[TABLE_NAME_LEN] = 0;
	ck_assert_int_eq(ipc_handle_close(f->space, open_ok(f->space, table_name,
			 XIPC_OPEN_CREATE | XIPC_OPEN_EXCL, 0600, 0)), 0);
}

static void unlink_build(struct fx *f, void *req)
{
	(void)f;
	*(struct xipc_mailbox_unlink *)req = (struct xipc_mailbox_unlink){
		.name = ipc_ptr(table_name),
		.name_len = TABLE_NAME_LEN,
	};
}

static void unlink_check(struct fx *f, void *req, int ret)
{
	(void)req;
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(ipc_mailbox_open(f->space, table_name, 0, 0, 0),
			 -ENOENT);
}

#define UNLINK(field, value, error) \
	FX_BAD(struct xipc_mailbox_unlink, field, value, error)
static const struct fx_row unlink_rows[] = {
	FX_BAD_BITS(struct xipc_mailbox_unlink, flags, 0, EINVAL),
	UNLINK(name_len, 0, EINVAL),
	/* The name and its C terminator. */
	UNLINK(name_len, TABLE_NAME_LEN + 1, EINVAL),
	/* XIPC_NAME_MAX + 1 bytes that start with the name. */
	UNLINK(name_len, XIPC_NAME_MAX + 1, ENAMETOOLONG),
	UNLINK(name, 0, EFAULT), UNLINK(name, FX_UNMAPPED, EFAULT),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("validation", test_unlink_refuses, unlink_table,
	 XIPC_IOC_MAILBOX_UNLINK, struct xipc_mailbox_unlink,
	 .setup = unlink_setup, .build = unlink_build, .check = unlink_check,
	 .rows = FX_ARRAY(unlink_rows))

int main(void)
{
	runner = getpid();
	fx_fixture("open", NULL, unlink_leftovers);
	fx_fixture("rights", NULL, unlink_leftovers);
	fx_fixture("lifetime", NULL, unlink_leftovers);
	fx_fixture("validation", NULL, unlink_leftovers);
	return fx_main("name");
}
