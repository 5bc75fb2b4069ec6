// SPDX-License-Identifier: MIT
/*
 * Death watches: a notice when a watched mailbox or service loses its last
 * receiver (closed, its space freed) or is destroyed; once, at once for an
 * object dead already, beyond the notice mailbox's limits, from nobody; no
 * notice once the handle the watch was made through is closed, one at once
 * when it is revoked; none once the receive handle it was made with goes;
 * at most max_watches through one handle; and each bad argument refused
 * alone.
 */

#include "fixture.h"

#define NOTICE_TYPE 9

/* The test's space, and the mailbox its watches send notices to. */
static int space;
static __u32 notices;

/* A new space (a new @notices in it) and a mailbox of it: its handle. */
static __u32 setup(void)
{
	space = xipc_test_open();
	notices = xipc_test_mailbox(space, 0, 0, 0);
	return xipc_test_mailbox(space, 0, 0, 0);
}

/* A watch of @handle's object into @notices, with @cookie. */
static int watch(__u32 handle, __u64 cookie)
{
	return ipc_watch(space, handle, notices, NOTICE_TYPE, cookie);
}

/* A receive of one byte from @mailbox, without waiting. */
static int recv_byte(__u32 mailbox)
{
	struct xipc_recv msg;
	char byte;

	return xipc_test_recv(space, mailbox, 0, &byte, 1, 0, &msg);
}

/*
 * A new mailbox of space @owner (its handle), and a send-only handle to it
 * in space @other (into @seen), opened by a name that is gone again.
 */
static __u32 shared_mailbox(int owner, int other, __u32 *seen)
{
	char name[XIPC_TEST_NAME_SIZE];
	__u32 mailbox = fx_named(owner, name, "watched");
	int got = ipc_mailbox_open(other, name, 0, 0, XIPC_RIGHT_SEND);

	ck_assert_int_gt(got, 0);
	*seen = got;
	ck_assert_int_eq(ipc_mailbox_unlink(owner, name), 0);
	return mailbox;
}

/* Takes the notice from @from: it names @id and carries @cookie. */
static void assert_notice(__u32 from, __u64 id, __u64 cookie)
{
	struct xipc_death_notice notice;
	struct xipc_recv msg;

	ck_assert_int_eq(xipc_test_recv(space, from, NOTICE_TYPE, &notice,
					sizeof(notice), 0, &msg), sizeof(notice));
	ck_assert_uint_eq(notice.object_id, id);
	ck_assert_uint_eq(notice.cookie, cookie);
	/* From the kernel, not from whoever watched or killed. */
	ck_assert_int_eq(msg.pid, 0);
	ck_assert_uint_eq(msg.uid, 0);
	ck_assert_uint_eq(msg.badge, 0);
}

FX_TEST("watch", test_watch_counts_as_a_sender)
{
	__u32 mailbox = setup();
	__u32 keep = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	__u32 recv_only = fx_dup(space, notices, XIPC_RIGHT_RECV, 0, 0);

	ck_assert_int_eq(ipc_watch(space, keep, recv_only, NOTICE_TYPE, 2), 0);
	/* Its only handle now receives: the pending notice is a sender. */
	ck_assert_int_eq(ipc_handle_close(space, notices), 0);
	ck_assert_int_eq(recv_byte(recv_only), -EAGAIN);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	assert_notice(recv_only, fx_object_id(space, keep), 2);
	/* Told: nobody is left to send, and a receive says so. */
	ck_assert_int_eq(recv_byte(recv_only), -EPIPE);
}
END_TEST

/*
 * How a watched object dies: a mailbox's last receiver closed (watched
 * through a SEND handle), a mailbox destroyed (through the handle
 * destroyed), a mailbox whose server's space is freed (through a handle
 * seen by its name), a service's last receiver closed (through a SEND
 * handle). Every watch is told, once; a watch made after is told at once.
 */
enum { CLOSED, DESTROYED, SPACE_FREED, SERVICE_CLOSED, DEATHS };

FX_LOOP_TEST("watch", test_death_sends_one_notice, 0, DEATHS)
{
	int server = xipc_test_open();
	__u32 object = setup(), watched = object;
	__u64 cookie;

	if (_i == SPACE_FREED)	/* the server's, seen here by its name */
		shared_mailbox(server, space, &watched);
	if (_i == SERVICE_CLOSED)
		object = xipc_test_service(space);
	if (_i == CLOSED || _i == SERVICE_CLOSED)
		watched = fx_dup(space, object, XIPC_RIGHT_SEND, 0, 0);
	for (cookie = 1; cookie <= 2; cookie++)
		ck_assert_int_eq(watch(watched, cookie), 0);
	xipc_test_assert_empty(space, notices);
	if (_i == DESTROYED)
		ck_assert_int_eq(ipc_mailbox_destroy(space, object), 0);
	else if (_i == SPACE_FREED)	/* and with it its receive right */
		ck_assert_int_eq(ipc_close(server), 0);
	else
		ck_assert_int_eq(ipc_handle_close(space, object), 0);
	for (cookie = 1; cookie <= 2; cookie++)
		assert_notice(notices, fx_object_id(space, watched), cookie);
	xipc_test_assert_empty(space, notices);
	/* A dead object is reported at once. */
	ck_assert_int_eq(watch(watched, 3), 0);
	assert_notice(notices, fx_object_id(space, watched), 3);
	xipc_test_assert_empty(space, notices);
}
END_TEST

/* A new mailbox watched into @notices with @cookie, then destroyed. */
static __u32 watched_death(__u64 cookie)
{
	__u32 mailbox = xipc_test_mailbox(space, 0, 0, 0);

	ck_assert_int_eq(watch(mailbox, cookie), 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	return mailbox;
}

FX_TEST("watch", test_notice_goes_beyond_limits_or_nowhere)
{
	struct xipc_death_notice notice;
	struct xipc_recv msg;
	__u32 mailbox;

	/* Full: one message at most, and one queued. */
	space = xipc_test_open();
	notices = xipc_test_mailbox(space, 0, 1, 0);
	ck_assert_int_eq(xipc_test_send(space, notices, 1, "x", 1, 0), 0);
	mailbox = watched_death(4);
	/* Over the limit now: a send finds it full. */
	ck_assert_int_eq(xipc_test_send(space, notices, 1, "y", 1, 0), -EAGAIN);
	assert_notice(notices, fx_object_id(space, mailbox), 4);

	/* Full by bytes, and then over them: no send either. */
	notices = xipc_test_mailbox(space, 8, 0, 8);
	ck_assert_int_eq(xipc_test_send(space, notices, 1, "12345678", 8, 0), 0);
	watched_death(5);
	ck_assert_int_eq(xipc_test_send(space, notices, 1, "y", 1, 0), -EAGAIN);

	/* A notice peeked at in a mailbox of 1-byte messages: all 16 bytes. */
	notices = xipc_test_mailbox(space, 1, 0, 0);
	mailbox = watched_death(7);
	msg = xipc_test_recv_args(notices, NOTICE_TYPE, &notice, sizeof(notice), 0);
	msg.flags = XIPC_RECV_PEEK;
	ck_assert_int_eq(ipc_recv(space, &msg), sizeof(notice));
	ck_assert_uint_eq(notice.cookie, 7);
	assert_notice(notices, fx_object_id(space, mailbox), 7);

	/* A notice mailbox nobody can receive from by then: dropped. */
	notices = xipc_test_mailbox(space, 0, 0, 0);
	mailbox = xipc_test_mailbox(space, 0, 0, 0);
	ck_assert_int_eq(watch(mailbox, 6), 0);
	ck_assert_int_eq(ipc_handle_close(space, notices), 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
}
END_TEST

FX_TEST("watch", test_watch_ends_with_its_handle)
{
	__u32 mailbox = setup(), recv_only;
	__u32 keep = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	int watcher = xipc_test_open();

	recv_only = fx_dup(space, notices, XIPC_RIGHT_RECV, 0, 0);
	ck_assert_int_eq(ipc_handle_close(space, notices), 0);
	notices = recv_only;
	ck_assert_int_eq(watch(keep, 1), 0);
	ck_assert_int_eq(watch(mailbox, 2), 0);
	/* Both watches end untold, and with them the last senders. */
	ck_assert_int_eq(ipc_handle_close(space, keep), 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_int_eq(recv_byte(recv_only), -EPIPE);

	/* A watcher's space freed takes its watches with it. */
	mailbox = shared_mailbox(space, watcher, &keep);
	notices = xipc_test_mailbox(watcher, 0, 0, 0);
	ck_assert_int_eq(ipc_watch(watcher, keep, notices, NOTICE_TYPE, 3), 0);
	ck_assert_int_eq(ipc_close(watcher), 0);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
}
END_TEST

/*
 * A watch made through a handle that is revoked is told at once: to the
 * holder of a revoked handle the object is dead. Watches made through
 * other handles, and the object itself, are left as they were.
 */
FX_TEST("watch", test_revoked_handle_tells_its_watch)
{
	__u32 mailbox = setup();
	__u32 middle = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	__u32 revoked = fx_dup(space, middle, XIPC_RIGHT_SEND, 0, 0);
	__u32 kept = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	__u64 id = fx_object_id(space, mailbox);

	ck_assert_int_eq(watch(revoked, 5), 0);
	ck_assert_int_eq(watch(kept, 6), 0);
	xipc_test_assert_empty(space, notices);
	ck_assert_int_eq(ipc_handle_revoke(space, middle), 0);
	assert_notice(notices, id, 5);
	xipc_test_assert_empty(space, notices);
	/* Told once: closing the revoked handle tells nothing more. */
	ck_assert_int_eq(ipc_handle_close(space, revoked), 0);
	xipc_test_assert_empty(space, notices);
	/* The mailbox lives on; its death reaches the other watch. */
	ck_assert_int_eq(xipc_test_send(space, kept, 1, "k", 1, 0), 0);
	ck_assert_int_eq(recv_byte(mailbox), 1);
	ck_assert_int_eq(ipc_handle_close(space, middle), 0);
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	assert_notice(notices, id, 6);
}
END_TEST

/*
 * The receive handle notices go to cannot be moved while their watch
 * stands (EBUSY, and it stays where it was): they would reach whoever
 * receives it next. A copy can go; once the watch ended, so can the handle.
 */
FX_TEST("watch", test_receive_handle_with_notices_is_not_moved)
{
	__u32 mailbox = setup();
	__u32 made = fx_dup(space, notices, XIPC_RIGHT_RECV | XIPC_RIGHT_GRANT, 0, 0);
	__u32 via = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	__u32 other = xipc_test_mailbox(space, 0, 0, 0);

	ck_assert_int_eq(ipc_watch(space, via, made, NOTICE_TYPE, 1), 0);
	ck_assert_int_eq(fx_send_handle(space, other, made, 0,
					XIPC_TRANSFER_MOVE, 0), -EBUSY);
	xipc_test_assert_empty(space, other);
	ck_assert_int_eq(recv_byte(made), -EAGAIN);
	ck_assert_int_eq(fx_send_handle(space, other, made, XIPC_RIGHT_RECV, 0, 0), 0);
	ck_assert_int_eq(ipc_handle_close(space, via), 0);
	ck_assert_int_eq(fx_send_handle(space, other, made, 0,
					XIPC_TRANSFER_MOVE, 0), 0);
	ck_assert_int_eq(recv_byte(made), -EBADF);
}
END_TEST

/* The max_watches parameter: its value at start, restored by the fixture. */
static unsigned long long max_watches_at_start;

static void save_max_watches(void)
{
	if (xipc_test_param_read("max_watches", &max_watches_at_start))
		max_watches_at_start = 0;
}

static void restore_max_watches(void)
{
	if (max_watches_at_start)
		xipc_test_param_write("max_watches", max_watches_at_start);
}

/*
 * A handle takes at most max_watches watches made through it (its release
 * walks them under a spinlock): one more is EMLINK and changes nothing. The
 * bound is the handle's, not the object's: a space that filled its own
 * handle's takes nothing from the owner's handles, or from a new one.
 */
FX_TEST("limits", test_watches_per_handle_are_bounded)
{
	int other = xipc_test_open();
	__u32 other_notices = xipc_test_mailbox(other, 0, 0, 0), seen;
	__u32 mailbox, via;
	__u64 id;

	setup();
	mailbox = shared_mailbox(space, other, &seen);
	id = fx_object_id(space, mailbox);
	ck_assert_int_eq(xipc_test_param_write("max_watches", 2), 0);
	ck_assert_int_eq(ipc_watch(other, seen, other_notices, NOTICE_TYPE, 1), 0);
	ck_assert_int_eq(ipc_watch(other, seen, other_notices, NOTICE_TYPE, 2), 0);
	ck_assert_int_eq(ipc_watch(other, seen, other_notices, NOTICE_TYPE, 3), -EMLINK);
	ck_assert_int_eq(watch(mailbox, 4), 0);
	ck_assert_int_eq(watch(mailbox, 5), 0);
	ck_assert_int_eq(watch(mailbox, 6), -EMLINK);
	via = fx_dup(space, mailbox, XIPC_RIGHT_SEND, 0, 0);
	ck_assert_int_eq(watch(via, 7), 0);
	xipc_test_assert_empty(space, notices);
	/* The watches standing are told, each to its own; the refused never. */
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	assert_notice(notices, id, 4);
	assert_notice(notices, id, 5);
	assert_notice(notices, id, 7);
	xipc_test_assert_empty(space, notices);
	space = other;
	assert_notice(other_notices, id, 1);
	assert_notice(other_notices, id, 2);
	xipc_test_assert_empty(other, other_notices);
	ck_assert_int_eq(xipc_test_param_write("max_watches", max_watches_at_start), 0);
}
END_TEST

/*
 * A watch also ends, untold, when the receive handle it was made with is
 * closed or revoked: its maker can no longer receive there, so nothing of
 * it may arrive there either. It stops counting as a sender at once.
 */
enum { RECV_CLOSED, RECV_REVOKED, RECV_ENDS };

FX_LOOP_TEST("watch", test_watch_ends_with_its_receive_handle, 0, RECV_ENDS)
{
	__u32 mailbox = setup();
	__u32 keep = fx_dup(space, notices, XIPC_RIGHT_RECV, 0, 0);
	__u32 via = fx_dup(space, notices, XIPC_RIGHTS_ALL & ~XIPC_RIGHT_SEND, 0, 0);
	__u32 made = fx_dup(space, via, XIPC_RIGHT_RECV, 0, 0);

	/* No handle to the notices but the watch sends. */
	ck_assert_int_eq(ipc_handle_close(space, notices), 0);
	ck_assert_int_eq(ipc_watch(space, mailbox, made, NOTICE_TYPE, 1), 0);
	ck_assert_int_eq(recv_byte(keep), -EAGAIN);
	if (_i == RECV_CLOSED)
		ck_assert_int_eq(ipc_handle_close(space, made), 0);
	else
		ck_assert_int_eq(ipc_handle_revoke(space, via), 0);
	ck_assert_int_eq(recv_byte(keep), -EPIPE);
	ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	ck_assert_int_eq(recv_byte(keep), -EPIPE);
}
END_TEST

/*
 * WATCH, each field of a valid request set to a bad value (see fixture.h):
 * no watch made, and the death tells nobody.
 */
static void watch_setup(struct fx *f)
{
	fx_service(f, NULL);
}

/* The other mailbox watched, the notices on the fixture's. */
static void watch_build(struct fx *f, void *req)
{
	*(struct xipc_watch *)req = (struct xipc_watch){
		.handle = f->other, .mailbox = f->mailbox, .type = NOTICE_TYPE, .cookie = 77,
	};
}

static void watch_check(struct fx *f, void *req, int ret)
{
	__u64 id = fx_object_id(f->space, f->other);

	(void)req;
	space = f->space;
	ck_assert_int_eq(ret, 0);
	xipc_test_assert_empty(space, f->mailbox);
	ck_assert_int_eq(ipc_mailbox_destroy(space, f->other), 0);
	assert_notice(f->mailbox, id, 77);
	xipc_test_assert_empty(space, f->mailbox);
}

#define WATCH(field, value, error) FX_BAD(struct xipc_watch, field, value, error)
static const struct fx_row watch_rows[] = {
	FX_BAD_BITS(struct xipc_watch, flags, 0, EINVAL),
	WATCH(reserved, 1, EINVAL), WATCH(reserved, ~0U, EINVAL),
	WATCH(type, 0, EINVAL), WATCH(type, -1, EINVAL),
	WATCH(handle, 0, EBADF), WATCH(handle, FX_UNUSED, EBADF),
	WATCH(handle, FX_CLOSED, EBADF), WATCH(handle, 999, EBADF),
	/* A binding cannot die that way. */
	WATCH(handle, FX_BINDING, EBADF),
	WATCH(mailbox, 0, EBADF), WATCH(mailbox, FX_UNUSED, EBADF),
	WATCH(mailbox, FX_CLOSED, EBADF), WATCH(mailbox, 999, EBADF),
	WATCH(mailbox, FX_SERVICE, EBADF),
	/* Somebody else's mailbox: no RECV. */
	WATCH(mailbox, FX_SEND_ONLY, EPERM),
	FX_BAD_POINTER(0, EFAULT),
};

FX_TABLE("watch", test_watch_refuses, watch_table, XIPC_IOC_WATCH,
	 struct xipc_watch, .setup = watch_setup, .build = watch_build,
	 .check = watch_check, .rows = FX_ARRAY(watch_rows))

int main(void)
{
	/* A test that dies on the way leaves max_watches restored. */
	fx_fixture("limits", save_max_watches, restore_max_watches);
	return fx_main("watch");
}
