// SPDX-License-Identifier: MIT
/*
 * The operator view /proc/xipc/mailboxes (one line per live mailbox of the
 * reader's IPC namespace) and xipcs, the tool that reads it.
 */
#include <limits.h>

#include "fixture.h"

#define VIEW		"/proc/xipc/mailboxes"

/* A user and group that are not root's, to tell the creator's ids apart. */
#define CREATOR_UID	1000
#define CREATOR_GID	2000

/* How often, and how far apart, to look for a change the test waits for. */
#define VIEW_TRIES	300
#define VIEW_PAUSE_NS	(100 * 1000 * 1000)

/* One line of the view. */
struct view_row {
	unsigned long long id;
	unsigned int uid, gid;
	char mode[8];
	unsigned long long msgs, bytes, max_msgs, max_bytes, max_msg_size;
	unsigned int senders, receivers, wsend, wrecv, watches;
	unsigned long long sent, received;
	char name[4 * XIPC_NAME_MAX + 1];	/* escaped */
};

/* Parses one line of a mailbox: 0, or -EBADMSG. */
static int parse_row(const char *line, struct view_row *row)
{
	int end = -1;
	size_t len;

	if (sscanf(line, "%llu %u %u %7s %llu %llu %llu %llu %llu %u %u %u %u %u %llu %llu %n",
		   &row->id, &row->uid, &row->gid, row->mode, &row->msgs,
		   &row->bytes, &row->max_msgs, &row->max_bytes,
		   &row->max_msg_size, &row->senders, &row->receivers,
		   &row->wsend, &row->wrecv, &row->watches, &row->sent,
		   &row->received, &end) != 16 || end < 0)
		return -EBADMSG;
	len = strcspn(line + end, "\n");
	if (!len || len >= sizeof(row->name) || strchr(line + end, ' ') || line[end + len] != '\n')
		return -EBADMSG;
	memcpy(row->name, line + end, len);
	row->name[len] = 0;
	return 0;
}

/*
 * Reads a listing of the view (the view itself, or what xipcs prints) from
 * @in, and closes it: the header, its columns in order, then lines that all
 * parse. Returns how many of the @nr mailboxes @ids it lists, their lines in
 * @rows in its order; or -errno (-EBADMSG: a bad header or line, said on
 * stderr). Asserts nothing, so children may call it.
 */
static int read_listing(FILE *in, const __u64 *ids, unsigned int nr,
			struct view_row *rows)
{
	static const char columns[] = "id uid gid mode msgs bytes max_msgs "
		"max_bytes max_msg_size senders receivers wsend wrecv watches "
		"sent received name";
	char line[2048], header[sizeof(line)] = "", *token, *save;
	unsigned int i, found = 0;
	struct view_row row;
	int err = 0;

	if (!in)
		return -errno;
	/* The header's columns, one space apart whatever their widths. */
	if (fgets(line, sizeof(line), in))
		for (token = strtok_r(line, " \n", &save); token;
		     token = strtok_r(NULL, " \n", &save))
			snprintf(header + strlen(header),
				 sizeof(header) - strlen(header), "%s%s",
				 header[0] ? " " : "", token);
	if (strcmp(header, columns)) {
		fprintf(stderr, "header '%s', not '%s'\n", header, columns);
		err = -EBADMSG;
	}
	while (!err && fgets(line, sizeof(line), in)) {
		if (parse_row(line, &row)) {
			fprintf(stderr, "bad line: %s", line);
			err = -EBADMSG;
		}
		for (i = 0; i < nr && !err; i++)
			if (row.id == ids[i] && found < nr)
				rows[found++] = row;
	}
	fclose(in);
	return err ? err : (int)found;
}

/* Looks for mailbox @id in the view: 1 and its line in @row, 0, or -errno. */
static int view_find(__u64 id, struct view_row *row)
{
	return read_listing(fopen(VIEW, "re"), &id, 1, row);
}

/* Mailbox @id's line, failing the test if it is not in the view. */
static struct view_row view_row_of(__u64 id)
{
	struct view_row row;
	int ret = view_find(id, &row);

	ck_assert_msg(ret == 1, "mailbox %llu in " VIEW ": %d", (unsigned long long)id, ret);
	return row;
}

static void assert_not_in_view(__u64 id)
{
	struct view_row row;
	int ret = view_find(id, &row);

	ck_assert_msg(ret == 0, "mailbox %llu in " VIEW ": %d (1: still there)",
		      (unsigned long long)id, ret);
}

/* Mailbox @id's line once it shows @wsend and @wrecv (VIEW_TRIES looks). */
static struct view_row view_wait_waiters(__u64 id, unsigned int wsend, unsigned int wrecv)
{
	const struct timespec pause = { .tv_nsec = VIEW_PAUSE_NS };
	struct view_row row;
	unsigned int try;

	/* A change other tasks make: look for it a while. */
	for (try = 0; try < VIEW_TRIES; try++) {
		row = view_row_of(id);
		if (row.wsend == wsend && row.wrecv == wrecv)
			return row;
		nanosleep(&pause, NULL);
	}
	ck_abort_msg("mailbox %llu never showed wsend %u wrecv %u (last: %u %u)",
		     (unsigned long long)id, wsend, wrecv, row.wsend, row.wrecv);
	return row;
}

static void send_size(int space, __u32 mailbox, size_t size)
{
	static const char bytes[256];
	int ret = xipc_test_send(space, mailbox, 1, bytes, size, 0);

	ck_assert_msg(ret == 0, "send %zu bytes: %d", size, ret);
}

/* Takes (or peeks at) a message into @taken, not waiting: size or -errno. */
static struct xipc_recv taken;
static int take(int space, __u32 mailbox, __u32 flags)
{
	static char buf[256];

	taken = xipc_test_recv_args(mailbox, 0, buf, sizeof(buf), 0);
	taken.flags = flags;
	return ipc_recv(space, &taken);
}

/* @sent messages of @size bytes sent on @mailbox, and @received taken. */
static void traffic(int space, __u32 mailbox, int sent, int received, size_t size)
{
	for (int i = 0; i < sent; i++)
		send_size(space, mailbox, size);
	for (int i = 0; i < received; i++)
		ck_assert_int_eq(take(space, mailbox, 0), (int)size);
}

/* An open of the existing @name with @rights, that must give a handle. */
static __u32 open_name(int space, const char *name, __u32 rights)
{
	int ret = ipc_mailbox_open(space, name, 0, 0, rights);

	ck_assert_msg(ret > 0, "open '%s' rights %#x: %d", name, rights, ret);
	return ret;
}

FX_TEST("view", test_header_and_every_line_parse)
{
	int space = xipc_test_open();
	char name[XIPC_TEST_NAME_SIZE];
	struct view_row rows[2];
	__u64 ids[2];

	ids[0] = fx_object_id(space, xipc_test_mailbox(space, 0, 0, 0));
	ids[1] = fx_object_id(space, fx_named(space, name, "columns"));
	ck_assert_int_eq(read_listing(fopen(VIEW, "re"), ids, 2, rows), 2);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/*
 * The line of mailbox @id, of CREATOR_UID and CREATOR_GID, with @mode and
 * @name, nobody waiting, and @counts: msgs, bytes, max_msgs, max_bytes,
 * max_msg_size.
 */
static struct view_row assert_creators_row(__u64 id, const char *mode,
					   const char *name, const unsigned long long *counts)
{
	struct view_row row = view_row_of(id);

	ck_assert_uint_eq(row.id, id);
	ck_assert_uint_eq(row.uid, CREATOR_UID);
	ck_assert_uint_eq(row.gid, CREATOR_GID);
	ck_assert_str_eq(row.mode, mode);
	ck_assert_str_eq(row.name, name);
	ck_assert_uint_eq(row.msgs, counts[0]);
	ck_assert_uint_eq(row.bytes, counts[1]);
	ck_assert_uint_eq(row.max_msgs, counts[2]);
	ck_assert_uint_eq(row.max_bytes, counts[3]);
	ck_assert_uint_eq(row.max_msg_size, counts[4]);
	ck_assert_uint_eq(row.wsend, 0);
	ck_assert_uint_eq(row.wrecv, 0);
	return row;
}

FX_TEST("view", test_named_mailbox_line)
{
	int space = xipc_test_open();
	char name[XIPC_TEST_NAME_SIZE];
	struct view_row row;
	__u32 handle;
	__u64 id;
	pid_t pid;

	xipc_test_name(name, "named");
	/* Created by another user, who then goes: the name keeps it. */
	pid = xipc_test_fork();
	if (pid == 0) {
		static const char buf[30];
		struct xipc_mailbox_open req = {
			.flags = XIPC_OPEN_CREATE | XIPC_OPEN_EXCL,
			.name = ipc_ptr(name), .name_len = strlen(name),
			.mode = 0640, .max_msg_size = 100, .max_msgs = 10, .max_bytes = 500,
		};
		int own = fx_child_space(CREATOR_UID, CREATOR_GID, NULL, 0);
		int mailbox = ipc_mailbox_open_full(own, &req);

		CHILD_EXPECT(mailbox > 0, 11);
		for (int i = 1; i <= 3; i++)
			CHILD_EXPECT(xipc_test_send(own, mailbox, 1, buf, 10 * i, 0) == 0, 11 + i);
		_exit(0);
	}
	ck_assert_int_eq(xipc_test_wait(pid), 0);

	handle = open_name(space, name, XIPC_RIGHT_RECV);
	id = fx_object_id(space, handle);
	assert_creators_row(id, "0640", name, (const unsigned long long[]){
		3, 60, 10, 500, 100 });

	/* The counts follow the queue. */
	ck_assert_int_eq(take(space, handle, 0), 10);
	row = view_row_of(id);
	ck_assert_uint_eq(row.msgs, 2);
	ck_assert_uint_eq(row.bytes, 50);

	/* Neither name nor handle left: the mailbox, and its line, go. */
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	assert_not_in_view(id);
}
END_TEST

FX_TEST("view", test_anonymous_mailbox_line)
{
	struct view_row row;
	struct fx_link l;
	__u64 id = 0;
	pid_t pid;
	int got;

	pid = fx_fork_reporter(&l);
	if (pid == 0) {
		int own = fx_child_space(CREATOR_UID, CREATOR_GID, NULL, 0);
		int mailbox = ipc_mailbox_create(own, 64, 5, 200);
		struct xipc_handle_info info;
		char buf[8] = { 0 };

		CHILD_EXPECT(mailbox > 0, 11);
		CHILD_EXPECT(xipc_test_send(own, mailbox, 1, buf, 5, 0) == 0, 12);
		CHILD_EXPECT(xipc_test_send(own, mailbox, 2, buf, 7, 0) == 0, 13);
		CHILD_EXPECT(ipc_handle_info(own, mailbox, &info) == 0, 14);
		fx_report(&l, info.object_id, 15);
		/* Exiting closes the space, and with it the last handle. */
		_exit(0);
	}
	got = fx_read_u64(l.to_parent[0], &id);
	if (got == 0) {
		row = assert_creators_row(id, "-", "-", (const unsigned long long[]){
			2, 12, 5, 200, 64 });
		ck_assert_uint_eq(row.senders, 1);
		ck_assert_uint_eq(row.receivers, 1);
	}
	fx_release(&l, pid, got);
	assert_not_in_view(id);
}
END_TEST

FX_TEST("view", test_blocked_receiver_and_sender_show)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 16, 1, 0);
	__u64 id = fx_object_id(space, mailbox);
	pid_t pid;

	view_wait_waiters(id, 0, 0);
	/* The child shares the space: fork copies the descriptor. */
	pid = xipc_test_fork();
	if (pid == 0) {
		char buf[16];

		CHILD_EXPECT(xipc_test_recv(space, mailbox, 0, buf, sizeof(buf),
					    XIPC_TEST_LONG_NS, &taken) == 4, 10);
		CHILD_EXPECT(!memcmp(buf, "wake", 4), 11);
		_exit(0);
	}
	view_wait_waiters(id, 0, 1);
	ck_assert_int_eq(xipc_test_send(space, mailbox, 1, "wake", 4, 0), 0);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_uint_eq(view_wait_waiters(id, 0, 0).msgs, 0);

	/* max_msgs is 1: the second send waits. */
	ck_assert_int_eq(xipc_test_send(space, mailbox, 1, "full", 4, 0), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		CHILD_EXPECT(xipc_test_send(space, mailbox, 2, "late", 4,
					    XIPC_TEST_LONG_NS) == 0, 10);
		_exit(0);
	}
	ck_assert_uint_eq(view_wait_waiters(id, 1, 0).msgs, 1);
	ck_assert_int_eq(take(space, mailbox, 0), 4);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_uint_eq(view_wait_waiters(id, 0, 0).msgs, 1);
	ck_assert_int_eq(take(space, mailbox, 0), 4);
	ck_assert_int_eq(taken.type, 2);
}
END_TEST

static void assert_handle_counts(__u64 id, unsigned int senders, unsigned int receivers)
{
	struct view_row row = view_row_of(id);

	ck_assert_msg(row.senders == senders && row.receivers == receivers,
		      "mailbox %llu: senders %u receivers %u, expected %u %u",
		      (unsigned long long)id, row.senders, row.receivers, senders, receivers);
}

FX_TEST("view", test_senders_and_receivers_count_handles)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0), send_only;
	__u64 id = fx_object_id(space, mailbox);
	struct view_row before;
	char name[XIPC_TEST_NAME_SIZE];
	__u32 named;

	assert_handle_counts(id, 1, 1);
	send_only = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	assert_handle_counts(id, 2, 1);
	fx_dup(space, mailbox, XIPC_RIGHT_RECV, 0, 0);
	assert_handle_counts(id, 2, 2);
	/* A handle with neither right counts as neither. */
	fx_dup(space, mailbox, XIPC_RIGHT_GRANT, 0, 0);
	assert_handle_counts(id, 2, 2);
	fx_dup(space, mailbox, XIPC_RIGHT_SEND | XIPC_RIGHT_RECV, 0, 0);
	assert_handle_counts(id, 3, 3);
	ck_assert_int_eq(ipc_handle_close(space, send_only), 0);
	assert_handle_counts(id, 2, 3);
	/* Revoked handles no longer count: only the root is left. */
	ck_assert_int_eq(ipc_handle_revoke(space, mailbox), 0);
	assert_handle_counts(id, 1, 1);

	/* A named mailbox: each open adds its handle. */
	named = fx_named(space, name, "counts");
	id = fx_object_id(space, named);
	before = view_row_of(id);
	open_name(space, name, XIPC_RIGHT_SEND);
	assert_handle_counts(id, before.senders + 1, before.receivers);
	open_name(space, name, XIPC_RIGHT_RECV);
	assert_handle_counts(id, before.senders + 1, before.receivers + 1);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/*
 * The watches column counts a mailbox's death watches: each watch made
 * adds one, and a watch that ends with its handle takes one away.
 */
FX_TEST("view", test_watches_show)
{
	int space = xipc_test_open();
	__u32 notices = xipc_test_mailbox(space, 0, 0, 0);
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	__u32 via = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	__u64 id = fx_object_id(space, mailbox);

	ck_assert_uint_eq(view_row_of(id).watches, 0);
	ck_assert_int_eq(ipc_watch(space, via, notices, 1, 1), 0);
	ck_assert_int_eq(ipc_watch(space, mailbox, notices, 1, 2), 0);
	ck_assert_uint_eq(view_row_of(id).watches, 2);
	ck_assert_int_eq(ipc_handle_close(space, via), 0);
	ck_assert_uint_eq(view_row_of(id).watches, 1);
}
END_TEST

/* A new mailbox of @space: its handle, and its id in @id. */
static __u32 new_mailbox(int space, __u64 *id)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	*id = fx_object_id(space, mailbox);
	return mailbox;
}

FX_TEST("view", test_line_goes_with_the_last_reference)
{
	int space = xipc_test_open(), other = xipc_test_open(), fd;
	__u32 mailbox, copy, named;
	__u64 id, second_id;
	char name[XIPC_TEST_NAME_SIZE];

	/* Closing one handle of two leaves the mailbox. */
	mailbox = new_mailbox(space, &id);
	copy = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	view_row_of(id);
	ck_assert_int_eq(ipc_handle_close(space, copy), 0);
	assert_not_in_view(id);

	/* Destroyed, it goes once its last handle is closed. */
	mailbox = new_mailbox(space, &id);
	copy = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(ipc_handle_close(space, copy), 0);
	assert_not_in_view(id);

	/* A poll descriptor keeps the mailbox alive without any handle. */
	mailbox = new_mailbox(space, &id);
	fd = ipc_mailbox_fd(space, mailbox);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	view_row_of(id);
	ck_assert_int_eq(close(fd), 0);
	assert_not_in_view(id);

	/* So does a name. */
	named = fx_named(space, name, "lifetime");
	id = fx_object_id(space, named);
	ck_assert_int_eq(ipc_handle_close(space, named), 0);
	ck_assert_str_eq(view_row_of(id).name, name);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	assert_not_in_view(id);

	/* Closing a space closes every handle in it. */
	new_mailbox(other, &id);
	new_mailbox(other, &second_id);
	view_row_of(id);
	view_row_of(second_id);
	ipc_close(other);
	assert_not_in_view(id);
	assert_not_in_view(second_id);
}
END_TEST

FX_TEST("view", test_other_ipc_namespace_sees_none)
{
	int space = xipc_test_open(), got;
	struct fx_link l;
	__u64 anonymous_id, named_id, child_id = 0;
	char name[XIPC_TEST_NAME_SIZE];
	__u32 named;
	pid_t pid;

	anonymous_id = fx_object_id(space, xipc_test_mailbox(space, 0, 0, 0));
	named = fx_named(space, name, "ns");
	named_id = fx_object_id(space, named);
	pid = fx_fork_reporter(&l);
	if (pid == 0) {
		struct xipc_handle_info info;
		struct view_row row;
		int own = ipc_open(0), mailbox;

		CHILD_EXPECT(own >= 0 && unshare(CLONE_NEWIPC) == 0, 11);
		CHILD_EXPECT(view_find(anonymous_id, &row) == 0, 12);
		CHILD_EXPECT(view_find(named_id, &row) == 0, 13);
		/* What it creates now is of its namespace, and shows there. */
		mailbox = ipc_mailbox_create(own, 0, 0, 0);
		CHILD_EXPECT(mailbox > 0, 14);
		CHILD_EXPECT(ipc_handle_info(own, mailbox, &info) == 0, 15);
		CHILD_EXPECT(view_find(info.object_id, &row) == 1, 16);
		fx_report(&l, info.object_id, 17);
		_exit(0);
	}
	got = fx_read_u64(l.to_parent[0], &child_id);
	if (got == 0) {
		/* The child's mailbox is alive, but not in this namespace. */
		assert_not_in_view(child_id);
		view_row_of(anonymous_id);
		view_row_of(named_id);
	}
	fx_release(&l, pid, got);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/* Runs xipcs with @arg (see xipc_test_run_tool()): it must succeed. */
static void run_xipcs(const char *arg, char *out, size_t size)
{
	int status = xipc_test_run_tool("xipcs", arg, out, size, false);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "xipcs %s: status %#x", arg ? arg : "", status);
}

/* xipcs -t: mailboxes, messages, bytes queued, waiters; exactly its format. */
static void xipcs_totals(unsigned long long *t)
{
	static const char format[] =
		"%llu mailboxes, %llu messages, %llu bytes queued, %llu waiters\n";
	char out[256], again[256];

	run_xipcs("-t", out, sizeof(out));
	ck_assert_msg(sscanf(out, format, &t[0], &t[1], &t[2], &t[3]) == 4,
		      "xipcs -t printed: %s", out);
	snprintf(again, sizeof(again), format, t[0], t[1], t[2], t[3]);
	ck_assert_str_eq(out, again);
}

/* xipcs -t counts @more than @before, of each. */
static void assert_totals(const unsigned long long *before,
			  const unsigned long long *more)
{
	unsigned long long after[4];

	xipcs_totals(after);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(after[i] - before[i], more[i]);
}

FX_TEST("xipcs", test_xipcs_totals)
{
	unsigned long long before[4];
	int space = xipc_test_open();
	__u32 first, named, waited_on;
	char name[XIPC_TEST_NAME_SIZE], buf[8];
	struct xipc_recv msg;
	pid_t pid;

	xipcs_totals(before);
	first = xipc_test_mailbox(space, 0, 0, 0);
	send_size(space, first, 5);
	send_size(space, first, 6);
	named = fx_named(space, name, "totals");
	send_size(space, named, 7);
	waited_on = xipc_test_mailbox(space, 0, 0, 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		CHILD_EXPECT(xipc_test_recv(space, waited_on, 0, buf, sizeof(buf),
					    XIPC_TEST_LONG_NS, &msg) == 1, 10);
		_exit(0);
	}
	view_wait_waiters(fx_object_id(space, waited_on), 0, 1);

	assert_totals(before, (const unsigned long long[]){ 3, 3, 18, 1 });

	send_size(space, waited_on, 1);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
	ipc_close(space);
	assert_totals(before, (const unsigned long long[]){ 0, 0, 0, 0 });
}
END_TEST

FX_TEST("xipcs", test_xipcs_lists_each_mailbox)
{
	static char out[1 << 20];
	int space = xipc_test_open();
	char name[XIPC_TEST_NAME_SIZE], *totals;
	__u32 named = fx_named(space, name, "list");
	__u64 id = fx_object_id(space, named);
	struct view_row row;

	send_size(space, named, 9);
	run_xipcs(NULL, out, sizeof(out));
	/* The view's lines, then the totals' line. */
	ck_assert_uint_gt(strlen(out), 0);
	out[strlen(out) - 1] = 0;
	totals = strrchr(out, '\n');
	ck_assert_msg(totals && strstr(totals, " mailboxes, "), "%s", out);
	totals[1] = 0;
	ck_assert_int_eq(read_listing(fmemopen(out, strlen(out), "r"), &id, 1,
				      &row), 1);
	ck_assert_str_eq(row.name, name);
	ck_assert_uint_eq(row.msgs, 1);
	ck_assert_uint_eq(row.bytes, 9);
	ck_assert_int_eq(ipc_mailbox_unlink(space, name), 0);
}
END_TEST

/*
 * xipcs -u: a line per user with the handles its spaces hold and the
 * handle quota, then messages, bytes and mailboxes with theirs. This
 * process's user holds the handles of a fresh space, and the count follows
 * a dup and a close.
 */
static unsigned long long users_line(unsigned int uid, unsigned long long *max)
{
	char out[8192], *line, *save;
	unsigned long long handles = ~0ULL;

	run_xipcs("-u", out, sizeof(out));
	line = strtok_r(out, "\n", &save);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, " handles max_handles "));
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned int u;
		unsigned long long h, m;

		ck_assert_int_eq(sscanf(line, "%u %llu %llu", &u, &h, &m), 3);
		if (u == uid) {
			handles = h;
			*max = m;
		}
	}
	ck_assert_msg(handles != ~0ULL, "xipcs -u has no line for uid %u", uid);
	return handles;
}

FX_TEST("xipcs", test_xipcs_users_counts_handles)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	unsigned long long before, after, max;
	int dup;

	before = users_line(geteuid(), &max);
	ck_assert_uint_ge(before, 1);
	ck_assert_uint_gt(max, 0);
	dup = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	after = users_line(geteuid(), &max);
	ck_assert_uint_eq(after, before + 1);
	ck_assert_int_eq(ipc_handle_close(space, dup), 0);
	after = users_line(geteuid(), &max);
	ck_assert_uint_eq(after, before);
}
END_TEST

/*
 * The sent and received columns count messages queued and taken: a peek
 * takes nothing, and a message still queued is sent, not received.
 */
FX_TEST("view", test_sent_and_received_count)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	struct view_row row = view_row_of(fx_object_id(space, mailbox));

	ck_assert_uint_eq(row.sent, 0);
	ck_assert_uint_eq(row.received, 0);
	traffic(space, mailbox, 5, 3, 3);
	ck_assert_int_eq(take(space, mailbox, XIPC_RECV_PEEK), 3);
	row = view_row_of(fx_object_id(space, mailbox));
	ck_assert_uint_eq(row.sent, 5);
	ck_assert_uint_eq(row.received, 3);
	ck_assert_uint_eq(row.msgs, 2);
}
END_TEST

#define SERVICES	"/proc/xipc/services"

/* One line of /proc/xipc/services. */
struct service_row {
	unsigned long long id, calls;
	unsigned int uid, bound, max_bindings, nr_astacks, astack_size;
	unsigned int idle, queued;
	char state[16];
};

/* Service @id's line: 1, or 0 if it is not there; fails on a bad line. */
static int service_find(__u64 id, struct service_row *row)
{
	char line[512];
	int found = 0;
	FILE *view = fopen(SERVICES, "re");

	ck_assert_msg(view != NULL, SERVICES ": %s", strerror(errno));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), view));
	ck_assert_msg(strstr(line, "calls") && strstr(line, "state"), "header: %s", line);
	while (fgets(line, sizeof(line), view)) {
		struct service_row cur;

		ck_assert_msg(sscanf(line, "%llu %u %u %u %u %u %u %u %llu %15s",
				     &cur.id, &cur.uid, &cur.bound,
				     &cur.max_bindings, &cur.nr_astacks,
				     &cur.astack_size, &cur.idle, &cur.queued,
				     &cur.calls, cur.state) == 10, "bad line: %s", line);
		if (cur.id != id)
			continue;
		*row = cur;
		found = 1;
	}
	fclose(view);
	return found;
}

/* Procedure 1 of test_services_view(): does nothing. */
static int null_proc(struct ipc_request *req, void *cookie)
{
	(void)req;
	(void)cookie;
	return 0;
}

/* The thread that serves test_services_view()'s service until it dies. */
static void *serve_thread(void *svc)
{
	return (void *)(long)ipc_service_run(svc);
}

/* A service's line: its shape, its bindings, the calls made, its state. */
FX_TEST("view", test_services_view)
{
	const struct ipc_service_attr attr = {
		.nr_astacks = 2, .max_bindings = 3,
	};
	int space = xipc_test_open();
	struct ipc_service *svc;
	struct ipc_binding *b;
	struct service_row row;
	struct xipc_astack *a;
	pthread_t thread;
	__u64 id;

	ck_assert_int_eq(ipc_service_create(space, &attr, &svc), 0);
	id = fx_object_id(space, ipc_service_handle(svc));
	ck_assert_int_eq(service_find(id, &row), 1);
	ck_assert_uint_eq(row.uid, getuid());
	ck_assert_uint_eq(row.bound, 0);
	ck_assert_uint_eq(row.max_bindings, 3);
	ck_assert_uint_eq(row.nr_astacks, 2);
	ck_assert_uint_eq(row.astack_size, sysconf(_SC_PAGESIZE));
	ck_assert_uint_eq(row.calls, 0);
	ck_assert_str_eq(row.state, "live");

	ck_assert_int_eq(ipc_service_register(svc, 1, null_proc, NULL), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, serve_thread, svc), 0);
	ck_assert_int_eq(ipc_bind(space, ipc_service_handle(svc), &b), 0);
	ipc_astack_get(b, &a);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(ipc_call(b, a, 1, XIPC_TEST_LONG_NS), 0);
	ipc_astack_put(b, a);
	ck_assert_int_eq(service_find(id, &row), 1);
	ck_assert_uint_eq(row.bound, 1);
	ck_assert_uint_eq(row.calls, 4);
	ck_assert_uint_eq(row.queued, 0);

	ck_assert_int_eq(ipc_service_destroy(svc), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(service_find(id, &row), 1);
	ck_assert_str_eq(row.state, "destroyed");
	ipc_unbind(b);
	ipc_service_free(svc);
	ck_assert_int_eq(service_find(id, &row), 0);
}
END_TEST

/* Starts xipcs --watch @interval [@count]: its pid; its output in *@out. */
static pid_t start_watch(const char *interval, const char *count, FILE **out)
{
	char path[PATH_MAX];
	int pipefd[2];
	pid_t pid;

	xipc_test_tool_path("xipcs", path, sizeof(path));
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = xipc_test_fork();
	if (pid == 0) {
		CHILD_EXPECT(dup2(pipefd[1], STDOUT_FILENO) == STDOUT_FILENO, 125);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(path, "xipcs", "--watch", interval, count, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	*out = fdopen(pipefd[0], "r");
	ck_assert_ptr_nonnull(*out);
	return pid;
}

/* What a report of xipcs --watch said of one mailbox. */
struct watched {
	double interval;	/* 0: the first report */
	bool found;
	unsigned long long sent, received, msgs;
	double sent_rate, recv_rate;	/* -1: "-" */
};

static double parse_rate(const char *text)
{
	return strcmp(text, "-") ? strtod(text, NULL) : -1;
}

/* Reads the next report, and its line of mailbox @id: false at the end. */
static bool read_report(FILE *out, __u64 id, struct watched *w)
{
	char line[1024];
	bool mailboxes = false;

	memset(w, 0, sizeof(*w));
	if (!fgets(line, sizeof(line), out))
		return false;
	if (strcmp(line, "since creation\n"))
		ck_assert_msg(sscanf(line, "interval %lf s", &w->interval) == 1 &&
			      w->interval > 0, "report starts: %s", line);
	while (fgets(line, sizeof(line), out) && strcmp(line, "\n")) {
		struct watched cur = { .interval = w->interval, .found = true };
		char r1[32], r2[32], name[256];
		unsigned long long mid;

		if (!strncmp(line, " mailbox", 8) || !strncmp(line, " service", 8)) {
			mailboxes = line[1] == 'm';
			continue;
		}
		if (!mailboxes)
			continue;
		ck_assert_msg(sscanf(line, "%llu %llu %llu %31s %31s %llu %255s", &mid, &cur.sent,
				     &cur.received, r1, r2, &cur.msgs, name) == 7,
			      "bad line: %s", line);
		cur.sent_rate = parse_rate(r1);
		cur.recv_rate = parse_rate(r2);
		if (mid == id)
			*w = cur;
	}
	return true;
}

/* A rate of @n in @seconds as xipcs prints it (one decimal). */
static void assert_rate(double rate, unsigned long long n, double seconds)
{
	double want = n / seconds;

	ck_assert_msg(rate >= want - 0.051 - want * 1e-4 &&
		      rate <= want + 0.051 + want * 1e-4,
		      "rate %.1f for %llu in %.6f s", rate, n, seconds);
}

/*
 * The first report counts from creation, without rates; it ends with the
 * count asked for.
 */
FX_TEST("xipcs", test_xipcs_watch_counts_from_creation)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	struct watched w;
	FILE *out;
	pid_t pid;

	traffic(space, mailbox, 7, 4, 1);
	pid = start_watch("0.1", "1", &out);
	ck_assert(read_report(out, fx_object_id(space, mailbox), &w));
	ck_assert(w.found);
	ck_assert(w.interval == 0);
	ck_assert_uint_eq(w.sent, 7);
	ck_assert_uint_eq(w.received, 4);
	ck_assert_uint_eq(w.msgs, 3);
	ck_assert(w.sent_rate == -1 && w.recv_rate == -1);
	ck_assert(!read_report(out, 0, &w));
	fclose(out);
	ck_assert_int_eq(xipc_test_wait(pid), 0);
}
END_TEST

/*
 * Later reports count what happened in their interval: the sends and
 * receives made after the first report add up to the numbers made, each
 * report's rates are its counts over its interval, and a quiet interval
 * shows nothing.
 */
FX_TEST("xipcs", test_xipcs_watch_rates_match_sends)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);
	unsigned long long sent = 0, received = 0;
	struct watched w;
	unsigned int reports;
	__u64 id = fx_object_id(space, mailbox);
	FILE *out;
	pid_t pid;

	pid = start_watch("0.2", NULL, &out);
	ck_assert(read_report(out, id, &w));
	ck_assert(w.found && w.sent == 0 && w.received == 0);
	traffic(space, mailbox, 25, 10, 2);
	for (reports = 0; sent < 25 || received < 10; reports++) {
		ck_assert_msg(reports < 100000, "the counts never added up");
		ck_assert(read_report(out, id, &w));
		ck_assert(w.found && w.interval > 0);
		sent += w.sent;
		received += w.received;
		assert_rate(w.sent_rate, w.sent, w.interval);
		assert_rate(w.recv_rate, w.received, w.interval);
	}
	ck_assert_uint_eq(sent, 25);
	ck_assert_uint_eq(received, 10);
	ck_assert_uint_eq(w.msgs, 15);
	ck_assert(read_report(out, id, &w));
	ck_assert(w.found && w.sent == 0 && w.received == 0);
	ck_assert(w.sent_rate == 0 && w.recv_rate == 0);
	kill(pid, SIGTERM);
	fclose(out);
	ck_assert_int_eq(xipc_test_wait_status(pid) & 0x7f, SIGTERM);
}
END_TEST

FX_TEST("xipcs", test_xipcs_rejects_an_unknown_option)
{
	char out[256];
	int status = xipc_test_run_tool("xipcs", "-Z", out, sizeof(out), true);

	ck_assert_msg(WIFEXITED(status), "xipcs -Z: status %#x", status);
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	/* The usage goes to standard error: nothing on standard output. */
	ck_assert_str_eq(out, "");
}
END_TEST

int main(void)
{
	return fx_main("view");
}
