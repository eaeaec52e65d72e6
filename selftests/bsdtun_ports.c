// SPDX-License-Identifier: GPL-2.0
/*
 * Ports of peers' tests:
 *  - FreeBSD tests/sys/net/if_tun_test.sh "basic": two units in two
 *    namespaces joined by veth, a relay (bsdtun_relay) per side carrying
 *    each unit's packets over UDP, ping across; and "235704": create,
 *    rename, destroy.
 *  - NetBSD tests/net/if_tun/t_tun.sh "tun_setup": point-to-point address,
 *    peer address and the host route to the peer.
 *  - OpenBSD regress/sys/kern/kqueue/kqueue-tun.c: two units crossed by a
 *    copying process, ping across, readiness events in order (epoll).
 *  - Linux tools/testing/selftests/net/tun.c: the delete/detach/close
 *    ordering matrix, each order ending with the unit gone.
 */
#include <libgen.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

/* Start bsdtun_relay in namespace @ns; wait for its "ready" line. */
static pid_t bsdtun_start_relay(const char *ns, const char *node,
				const char *me, const char *peer)
{
	char exe[512], *dir, relay[600], line[64];
	int p[2];
	pid_t pid;
	FILE *f;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || pipe(p))
		return -1;
	exe[n] = 0;
	dir = dirname(exe);
	snprintf(relay, sizeof(relay), "%s/bsdtun_relay", dir);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(BSDTUN_IP, "ip", "netns", "exec", ns, relay, node, me,
		      "7000", peer, "7000", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || !strstr(line, "ready")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	fclose(f);
	return pid;
}

static void bsdtun_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

FIXTURE(port) {
	pid_t a, b;
};

FIXTURE_SETUP(port)
{
	self->a = -1;
	self->b = -1;
	ASSERT_EQ(0, bsdtun_reload(NULL));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add pa && " BSDTUN_IP " netns add pb && "
			       BSDTUN_IP " -n pa link set lo up && "
			       BSDTUN_IP " -n pb link set lo up"));
}

FIXTURE_TEARDOWN(port)
{
	bsdtun_stop(self->a);
	bsdtun_stop(self->b);
	bsdtun_netns_del("pa");
	bsdtun_netns_del("pb");
}

TEST_F(port, freebsd_basic_two_units_relayed_over_udp)
{
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add va netns pa type veth peer name vb netns pb && "
			       BSDTUN_IP " -n pa addr add 192.168.77.1/24 dev va && "
			       BSDTUN_IP " -n pb addr add 192.168.77.2/24 dev vb && "
			       BSDTUN_IP " -n pa link set va up && "
			       BSDTUN_IP " -n pb link set vb up"));
	self->a = bsdtun_start_relay("pa", "/dev/bsdtun0", "192.168.77.1", "192.168.77.2");
	ASSERT_LT(0, self->a);
	self->b = bsdtun_start_relay("pb", "/dev/bsdtun1", "192.168.77.2", "192.168.77.1");
	ASSERT_LT(0, self->b);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa addr add 10.80.0.1 peer 10.80.0.2 dev bsdtun0 && "
			       BSDTUN_IP " -n pa link set bsdtun0 up && "
			       BSDTUN_IP " -n pb addr add 10.80.0.2 peer 10.80.0.1 dev bsdtun1 && "
			       BSDTUN_IP " -n pb link set bsdtun1 up"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " netns exec pa ping -c 3 -W 2 10.80.0.2 >/dev/null"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " netns exec pb ping -c 1 -W 2 10.80.0.1 >/dev/null"));
	EXPECT_LE(3, bsdtun_sh("exit $(" BSDTUN_IP " netns exec pb "
			       "cat /sys/class/net/bsdtun1/statistics/rx_packets)"));
}

TEST_F(port, freebsd_235704_create_rename_destroy)
{
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa link add bsdtun5 type bsdtun"));
	EXPECT_EQ(0, access("/dev/bsdtun5", F_OK));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa link set bsdtun5 name tunrenamed"));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa link del tunrenamed"));
	EXPECT_NE(0, access("/dev/bsdtun5", F_OK));
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " -n pa link show tunrenamed 2>/dev/null"));
	/* The number is free again. */
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa link add bsdtun5 type bsdtun"));
}

TEST_F(port, netbsd_tun_setup_p2p_and_host_route)
{
	int fd = bsdtun_open_in("pa", "/dev/bsdtun2");

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa addr add 10.81.0.1 peer 10.81.0.2 dev bsdtun2 && "
			       BSDTUN_IP " -n pa link set bsdtun2 up"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa addr show dev bsdtun2 | "
			       "grep -q 'inet 10.81.0.1 peer 10.81.0.2/32'"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa route show | "
			       "grep -q '^10.81.0.2 dev bsdtun2 proto kernel "
			       "scope link src 10.81.0.1'"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa route get 10.81.0.2 | grep -q 'dev bsdtun2'"));
	close(fd);
}

/* Copy packets between two units until killed. */
static void bsdtun_cross(int a, int b)
{
	struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	char buf[4096];

	for (;;) {
		if (poll(p, 2, -1) < 0)
			_exit(1);
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0 && write(p[1 - i].fd, buf, n) != n)
				_exit(2);
		}
	}
}

TEST_F(port, openbsd_kqueue_tun_crossed_units)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	int a = bsdtun_open_in("pa", "/dev/bsdtun0");
	int b = bsdtun_open_in("pb", "/dev/bsdtun1");
	char buf[2048];
	int ep;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n pa addr add 10.82.0.1 peer 10.82.0.2 dev bsdtun0 && "
			       BSDTUN_IP " -n pa link set bsdtun0 up && "
			       BSDTUN_IP " -n pb addr add 10.82.0.2 peer 10.82.0.1 dev bsdtun1 && "
			       BSDTUN_IP " -n pb link set bsdtun1 up"));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
	/* Writable, not readable... */
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(EPOLLOUT, out.events);
	/* ...readable once a packet is queued (nobody answers it yet)... */
	bsdtun_sh(BSDTUN_IP " netns exec pa ping -c 1 -W 1 10.82.0.2 >/dev/null");
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(EPOLLIN | EPOLLOUT, out.events);
	/* ...and not readable after the read. */
	ASSERT_LT(0, read(a, buf, sizeof(buf)));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(EPOLLOUT, out.events);
	close(ep);

	self->a = fork();
	ASSERT_LE(0, self->a);
	if (self->a == 0)
		bsdtun_cross(a, b);
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " netns exec pa ping -c 3 -W 2 10.82.0.2 >/dev/null"));
	bsdtun_stop(self->a);
	self->a = -1;
	close(a);
	close(b);
}

/* Linux selftests/net/tun.c: the orders in which a unit can go away. */
enum bsdtun_order {
	BSDTUN_CLOSE_THEN_DEL,
	BSDTUN_DEL_THEN_CLOSE,
	BSDTUN_NETNS_DEL_THEN_CLOSE,
	BSDTUN_CLOSE_THEN_NETNS_DEL,
	BSDTUN_TRANSIENT_CLOSE,
	BSDTUN_DEL_THEN_REOPEN,
};

FIXTURE(order) {
	int fd;
};

FIXTURE_VARIANT(order) {
	enum bsdtun_order order;
};

FIXTURE_VARIANT_ADD(order, close_then_del) { .order = BSDTUN_CLOSE_THEN_DEL };
FIXTURE_VARIANT_ADD(order, del_then_close) { .order = BSDTUN_DEL_THEN_CLOSE };
FIXTURE_VARIANT_ADD(order, netns_del_then_close) { .order = BSDTUN_NETNS_DEL_THEN_CLOSE };
FIXTURE_VARIANT_ADD(order, close_then_netns_del) { .order = BSDTUN_CLOSE_THEN_NETNS_DEL };
FIXTURE_VARIANT_ADD(order, transient_close) { .order = BSDTUN_TRANSIENT_CLOSE };
FIXTURE_VARIANT_ADD(order, del_then_reopen) { .order = BSDTUN_DEL_THEN_REOPEN };

FIXTURE_SETUP(order)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add po"));
	self->fd = bsdtun_open_in("po", "/dev/bsdtun");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, access("/dev/bsdtun4", F_OK));
}

FIXTURE_TEARDOWN(order)
{
	bsdtun_netns_del("po");
}

/* Namespace teardown is asynchronous: wait for the node, bounded. */
static int bsdtun_gone(const char *node)
{
	for (int i = 0; i < 5000 && !access(node, F_OK); i++)
		usleep(1000);
	return access(node, F_OK) != 0;
}

TEST_F(order, unit_goes_away)
{
	char buf[16];
	int on = 1;

	switch (variant->order) {
	case BSDTUN_CLOSE_THEN_DEL:
		EXPECT_EQ(0, close(self->fd));
		EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n po link del bsdtun4"));
		break;
	case BSDTUN_DEL_THEN_CLOSE:
		EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n po link del bsdtun4"));
		EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
		EXPECT_EQ(EHOSTDOWN, errno);
		EXPECT_EQ(0, close(self->fd));
		break;
	case BSDTUN_NETNS_DEL_THEN_CLOSE:
		EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " netns del po"));
		EXPECT_TRUE(bsdtun_gone("/dev/bsdtun4"));
		EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
		EXPECT_EQ(EHOSTDOWN, errno);
		EXPECT_EQ(0, close(self->fd));
		break;
	case BSDTUN_CLOSE_THEN_NETNS_DEL:
		EXPECT_EQ(0, close(self->fd));
		EXPECT_EQ(0, access("/dev/bsdtun4", F_OK));
		EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " netns del po"));
		break;
	case BSDTUN_TRANSIENT_CLOSE:
		ASSERT_EQ(0, ioctl(self->fd, TUNSTRANSIENT, &on));
		EXPECT_EQ(0, close(self->fd));
		break;
	case BSDTUN_DEL_THEN_REOPEN:
		EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n po link del bsdtun4"));
		EXPECT_EQ(-1, open("/dev/bsdtun4", O_RDWR));
		EXPECT_EQ(ENOENT, errno);
		EXPECT_EQ(0, close(self->fd));
		break;
	}
	EXPECT_TRUE(bsdtun_gone("/dev/bsdtun4"));
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " -n po link show bsdtun4 2>/dev/null"));
	/* The module is still sound: it unloads. */
	EXPECT_EQ(0, bsdtun_rmmod());
	EXPECT_EQ(0, bsdtun_reload(NULL));
}

TEST_HARNESS_MAIN
