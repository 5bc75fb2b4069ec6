// SPDX-License-Identifier: MIT
/*
 * Mailbox descriptors (XIPC_IOC_MAILBOX_FD): what poll() and epoll report,
 * that they wake, and that the descriptor outlives its handle and space.
 * The validation of the command's struct is in handle.c.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "fixture.h"

/* The events poll() can report for a mailbox descriptor. */
#define ALL_EVENTS (POLLIN | POLLOUT | POLLHUP | POLLERR)

/* A descriptor of @mailbox, through a new handle with @rights (0: its own). */
static int mailbox_fd(int space, __u32 mailbox, __u32 rights)
{
	__u32 handle = rights ? fx_dup(space, mailbox, rights, 0, 0) : mailbox;
	int fd = ipc_mailbox_fd(space, handle);

	ck_assert_msg(fd >= 0, "ipc_mailbox_fd %u: %s", handle, strerror(-fd));
	return fd;
}

/* What poll() reports for @fd right now (POLLHUP and POLLERR always count). */
static short events_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	ck_assert_int_ge(poll(&pfd, 1, 0), 0);
	ck_assert_uint_eq(pfd.revents & POLLNVAL, 0);
	return pfd.revents & ALL_EVENTS;
}

static void recv_byte(int space, __u32 mailbox)
{
	struct xipc_recv msg;
	char byte;

	ck_assert_int_eq(xipc_test_recv(space, mailbox, 0, &byte, 1, 0, &msg), 1);
}

FX_TEST("events", test_poll_reports_messages_and_room)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	int fd = mailbox_fd(space, mailbox, 0);

	ck_assert_int_eq(events_now(fd), POLLOUT);
	fx_send(space, mailbox, 1, "b", 1);
	ck_assert_int_eq(events_now(fd), POLLIN | POLLOUT);
	fx_send(space, mailbox, 1, "b", 1);
	/* Full: no room for one more. */
	ck_assert_int_eq(events_now(fd), POLLIN);
	recv_byte(space, mailbox);
	ck_assert_int_eq(events_now(fd), POLLIN | POLLOUT);
	recv_byte(space, mailbox);
	ck_assert_int_eq(events_now(fd), POLLOUT);
}
END_TEST

FX_TEST("events", test_poll_follows_the_rights)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	int recv_fd = mailbox_fd(space, mailbox, XIPC_RIGHT_RECV);
	int send_fd = mailbox_fd(space, mailbox, XIPC_RIGHT_SEND);

	/* Room, but no right to send; nothing to receive. */
	ck_assert_int_eq(events_now(recv_fd), 0);
	ck_assert_int_eq(events_now(send_fd), POLLOUT);
	fx_send(space, mailbox, 1, "b", 1);
	/* A message, but no right to receive it. */
	ck_assert_int_eq(events_now(recv_fd), POLLIN);
	ck_assert_int_eq(events_now(send_fd), POLLOUT);
	fx_send(space, mailbox, 1, "b", 1);
	ck_assert_int_eq(events_now(recv_fd), POLLIN);
	ck_assert_int_eq(events_now(send_fd), 0);
}
END_TEST

/* What the tests do to a mailbox, through its own handle in @space. */
enum { SEND, DESTROY, CLOSE_RECEIVER, CLOSE_SPACE };

static void act(int space, __u32 mailbox, int what)
{
	if (what == SEND)
		fx_send(space, mailbox, 1, "b", 1);
	else if (what == DESTROY)
		ck_assert_int_eq(ipc_mailbox_destroy(space, mailbox), 0);
	else if (what == CLOSE_RECEIVER)
		ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	else
		ck_assert_int_eq(ipc_close(space), 0);
}

/*
 * A descriptor of a mailbox holding a message, through a handle with
 * @rights (0: the mailbox's own), after the test does @what: POLLHUP once
 * the mailbox is destroyed, POLLERR (not POLLHUP) once nobody can receive,
 * the last receiving handle closed or its space, which the descriptor
 * outlives, closed.
 */
static const struct poll_ending {
	__u32 rights;
	int what;
	short want;
} poll_endings[] = {
	{ 0, DESTROY, POLLHUP },
	{ XIPC_RIGHT_RECV, DESTROY, POLLHUP },
	{ XIPC_RIGHT_SEND, DESTROY, POLLHUP },
	{ XIPC_RIGHT_SEND, CLOSE_RECEIVER, POLLERR },
	{ 0, CLOSE_SPACE, POLLERR },
};

FX_LOOP_TEST("events", test_poll_after_the_end, 0, FX_NR(poll_endings))
{
	const struct poll_ending *row = &poll_endings[_i];
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	int fd = mailbox_fd(space, mailbox, row->rights);

	fx_send(space, mailbox, 1, "b", 1);
	ck_assert_uint_eq(events_now(fd) & (POLLERR | POLLHUP), 0);
	act(space, mailbox, row->what);
	ck_assert_uint_eq(events_now(fd) & (POLLERR | POLLHUP), row->want);
}
END_TEST

/*
 * A child waits (at most XIPC_TEST_LONG_NS) in epoll_wait() for @events on
 * a descriptor of the mailbox (through a handle with @rights, 0: the
 * mailbox's own handle); then the test does @what, which must wake it.
 */
static const struct epoll_wakeup {
	const char *name;
	__u32 rights;
	__u32 events;
	int what;
} epoll_wakeups[] = {
	{ "a message", 0, EPOLLIN, SEND },
	{ "destroy", XIPC_RIGHT_RECV, EPOLLHUP, DESTROY },
	{ "the last receiver goes", XIPC_RIGHT_SEND, EPOLLERR, CLOSE_RECEIVER },
};

FX_LOOP_TEST("wakeups", test_epoll_wakes, 0, FX_NR(epoll_wakeups))
{
	const struct epoll_wakeup *row = &epoll_wakeups[_i];
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	int fd = mailbox_fd(space, mailbox, row->rights);
	struct epoll_event event = { .events = row->events };
	int epoll = epoll_create1(EPOLL_CLOEXEC);
	pid_t pid;

	ck_assert_int_ge(epoll, 0);
	ck_assert_int_eq(epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event), 0);
	pid = fx_fork_waiter();
	if (pid == 0) {
		struct epoll_event got = { 0 };

		fx_waiter_ready();
		CHILD_EXPECT(epoll_wait(epoll, &got, 1,
					XIPC_TEST_LONG_NS / 1000000) == 1, 2);
		CHILD_EXPECT(got.events & event.events, 3);
		_exit(0);
	}
	fx_await_asleep(pid);
	close(epoll);
	act(space, mailbox, row->what);
	ck_assert_msg(xipc_test_wait(pid) == 0, "not woken by %s", row->name);
}
END_TEST

struct poller {
	int fd;
	int ready;
	pid_t tid;
	int result;
	short revents;
};

static void *poll_for_room(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };

	p->tid = syscall(SYS_gettid);
	if (xipc_test_notify(p->ready) != 0)
		return NULL;
	p->result = poll(&pfd, 1, XIPC_TEST_LONG_NS / 1000000);
	p->revents = pfd.revents;
	return NULL;
}

/* A thread in poll() for POLLOUT on a full mailbox wakes when room comes. */
FX_TEST("wakeups", test_poll_wakes_on_room)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 1, 0);
	struct poller p = { .result = -1 };
	pthread_t thread;
	int ready[2];

	fx_send(space, mailbox, 1, "b", 1);
	p.fd = mailbox_fd(space, mailbox, XIPC_RIGHT_SEND);
	ck_assert_int_eq(pipe(ready), 0);
	p.ready = ready[1];
	ck_assert_int_eq(pthread_create(&thread, NULL, poll_for_room, &p), 0);
	ck_assert_int_eq(xipc_test_await(ready[0]), 0);
	xipc_test_wait_asleep(p.tid);
	recv_byte(space, mailbox);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(p.result, 1);
	ck_assert_int_eq(p.revents, POLLOUT);
}
END_TEST

/* The descriptor keeps the mailbox, not the handle it came from. */
FX_TEST("descriptor", test_fd_outlives_its_handle)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	__u32 handle = fx_dup(space, mailbox, XIPC_RIGHTS_ALL, 0, 0);
	int fd = mailbox_fd(space, handle, 0);

	ck_assert_int_eq(ipc_handle_close(space, handle), 0);
	ck_assert_int_eq(events_now(fd), POLLOUT);
	fx_send(space, mailbox, 1, "b", 1);
	ck_assert_int_eq(events_now(fd), POLLIN | POLLOUT);
	recv_byte(space, mailbox);
	ck_assert_int_eq(events_now(fd), POLLOUT);

	/* Every handle gone: alive, not destroyed, but nobody can receive. */
	ck_assert_int_eq(ipc_handle_close(space, mailbox), 0);
	ck_assert_uint_eq(events_now(fd) & (POLLERR | POLLHUP), POLLERR);
}
END_TEST

FX_TEST("descriptor", test_fd_is_close_on_exec)
{
	int space = xipc_test_open();
	int fd = mailbox_fd(space, xipc_test_mailbox(space, 64, 2, 0), 0);

	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}
END_TEST

/* A process with no descriptor free gets EMFILE; with one, the descriptor. */
FX_TEST("descriptor", test_fd_needs_a_free_descriptor)
{
	int space = xipc_test_open();
	__u32 mailbox = xipc_test_mailbox(space, 64, 2, 0);
	struct rlimit limit, full;
	int ret;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
	full = limit;
	full.rlim_cur = fx_lowest_free_fd();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &full), 0);
	ret = ipc_mailbox_fd(space, mailbox);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
	ck_assert_int_eq(ret, -EMFILE);
	ck_assert_int_eq(events_now(mailbox_fd(space, mailbox, 0)), POLLOUT);
}
END_TEST

int main(void)
{
	return fx_main("poll");
}
