// SPDX-License-Identifier: GPL-2.0
/*
 * Packets out (stack -> read) and in (write -> stack): IPv4 only without
 * a header, the TUNSIFHEAD family header, the TUNSLMODE sockaddr header,
 * one packet per read with truncation, zero-length reads, O_NONBLOCK,
 * blocking and interrupted reads, readv/writev, the txqueuelen bound with
 * backpressure (restarting at half), drops without a reader, write sizes
 * and families, writes while down, delivery to sockets in both families
 * and the counters.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	42

FIXTURE(io) {
	int fd;
	char name[IFNAMSIZ];
};

FIXTURE_SETUP(io)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_clone(self->name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
}

FIXTURE_TEARDOWN(io)
{
	close(self->fd);
}

TEST_F(io, read_returns_one_ipv4_packet)
{
	uint8_t buf[2048];
	struct iphdr *ip = (struct iphdr *)buf;

	ASSERT_EQ(5, bsdtun_send4(NET, "hello", 5));
	ASSERT_EQ(20 + 8 + 5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(4, (int)ip->version);
	EXPECT_EQ(IPPROTO_UDP, ip->protocol);
	EXPECT_EQ(bsdtun_v4(NET, 1), ip->saddr);
	EXPECT_EQ(bsdtun_v4(NET, 2), ip->daddr);
	EXPECT_EQ(0, memcmp(buf + 28, "hello", 5));
	EXPECT_EQ(1, bsdtun_stat(self->name, "tx_packets") >= 1);
}

TEST_F(io, ipv6_dropped_without_header)
{
	uint8_t buf[2048];
	long long dropped = bsdtun_stat(self->name, "tx_dropped");

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	bsdtun_nonblock(self->fd);
	ASSERT_EQ(5, bsdtun_send6(NET, "hello", 5));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(dropped, bsdtun_stat(self->name, "tx_dropped"));
}

TEST_F(io, ifhead_prepends_family)
{
	uint8_t buf[2048];
	uint32_t af;
	int on = 1;

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	ASSERT_EQ(5, bsdtun_send4(NET, "hello", 5));
	ASSERT_EQ(4 + 20 + 8 + 5, bsdtun_read_skip(self->fd, buf, sizeof(buf), 4));
	memcpy(&af, buf, 4);
	EXPECT_EQ(htonl(AF_INET), af);
	EXPECT_EQ(0x45, buf[4]);
	ASSERT_EQ(6, bsdtun_send6(NET, "hello6", 6));
	ASSERT_EQ(4 + 40 + 8 + 6, bsdtun_read_skip(self->fd, buf, sizeof(buf), 4));
	memcpy(&af, buf, 4);
	EXPECT_EQ(htonl(AF_INET6), af);
	EXPECT_EQ(10, ntohl(af));
	EXPECT_EQ(6, buf[4] >> 4);
}

TEST_F(io, lmode_prepends_destination)
{
	uint8_t buf[2048];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct in6_addr peer;
	int on = 1, val = -1;

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	ASSERT_EQ(0, ioctl(self->fd, TUNSLMODE, &on));
	/* TUNSLMODE clears TUNSIFHEAD. */
	ASSERT_EQ(0, ioctl(self->fd, TUNGIFHEAD, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/bsdtun/lmode", self->name));
	ASSERT_EQ(5, bsdtun_send4(NET, "hello", 5));
	ASSERT_EQ(sizeof(sin) + 33, bsdtun_read_skip(self->fd, buf, sizeof(buf), sizeof(sin)));
	memcpy(&sin, buf, sizeof(sin));
	EXPECT_EQ(AF_INET, sin.sin_family);
	EXPECT_EQ(bsdtun_v4(NET, 2), sin.sin_addr.s_addr);
	EXPECT_EQ(0x45, buf[sizeof(sin)]);
	ASSERT_EQ(5, bsdtun_send6(NET, "hello", 5));
	ASSERT_EQ(sizeof(sin6) + 53, bsdtun_read_skip(self->fd, buf, sizeof(buf), sizeof(sin6)));
	memcpy(&sin6, buf, sizeof(sin6));
	bsdtun_v6(&peer, NET, 2);
	EXPECT_EQ(AF_INET6, sin6.sin6_family);
	EXPECT_EQ(0, memcmp(&peer, &sin6.sin6_addr, sizeof(peer)));
	/* TUNSIFHEAD clears TUNSLMODE. */
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/lmode", self->name));
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/bsdtun/ifhead", self->name));
}

TEST_F(io, short_read_truncates_and_discards_rest)
{
	uint8_t buf[2048];

	ASSERT_EQ(5, bsdtun_send4(NET, "first", 5));
	ASSERT_EQ(6, bsdtun_send4(NET, "second", 6));
	ASSERT_EQ(10, read(self->fd, buf, 10));
	EXPECT_EQ(0x45, buf[0]);
	/* The rest of the first packet is gone: the next read is the second. */
	ASSERT_EQ(34, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf + 28, "second", 6));
}

TEST_F(io, zero_length_read_consumes_nothing)
{
	uint8_t buf[2048];
	int n = -1;

	ASSERT_EQ(5, bsdtun_send4(NET, "hello", 5));
	EXPECT_EQ(0, read(self->fd, buf, 0));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(33, n);
	EXPECT_EQ(33, read(self->fd, buf, sizeof(buf)));
}

TEST_F(io, nonblocking_read_of_empty_queue)
{
	uint8_t buf[64];

	bsdtun_nonblock(self->fd);
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(io, blocking_read_woken_by_packet)
{
	struct bsdtun_waiter r = { .fd = self->fd };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, bsdtun_waiter_read, &r));
	ASSERT_TRUE(bsdtun_waiter_blocked(&r, SYS_read));
	ASSERT_EQ(5, bsdtun_send4(NET, "wake!", 5));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(33, r.ret);
}

static void bsdtun_on_usr1(int sig)
{
	(void)sig;
}

TEST_F(io, blocking_read_interrupted_by_signal)
{
	struct bsdtun_waiter r = { .fd = self->fd };
	struct sigaction sa = { .sa_handler = bsdtun_on_usr1 };
	pthread_t t;

	/* No SA_RESTART: the read must come back with EINTR. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, bsdtun_waiter_read, &r));
	ASSERT_TRUE(bsdtun_waiter_blocked(&r, SYS_read));
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
}

TEST_F(io, readv_and_writev)
{
	uint8_t a[10], b[2048], pkt[128];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	size_t len;
	int s = bsdtun_udp_sock(AF_INET, 5001);
	char got[16];

	ASSERT_LE(0, s);
	ASSERT_EQ(5, bsdtun_send4(NET, "vvvvv", 5));
	ASSERT_EQ(33, readv(self->fd, iov, 2));
	EXPECT_EQ(0x45, a[0]);
	EXPECT_EQ(0, memcmp(b + 18, "vvvvv", 5));

	len = bsdtun_udp4(pkt, NET, 5001, "writev", 6);
	iov[0].iov_base = pkt;
	iov[0].iov_len = 7;
	iov[1].iov_base = pkt + 7;
	iov[1].iov_len = len - 7;
	ASSERT_EQ((ssize_t)len, writev(self->fd, iov, 2));
	ASSERT_EQ(6, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, "writev", 6));
	close(s);
}

/* Packets the interface's root qdisc dropped, from tc; -1 if unknown. */
static long long bsdtun_qdisc_drops(const char *ifname)
{
	return bsdtun_sh_num("/sbin/tc -s qdisc show dev %s | "
			     "sed -n 's/.*dropped \\([0-9]*\\).*/\\1/p' | head -n1", ifname);
}

TEST_F(io, queue_bounded_by_txqueuelen_with_backpressure)
{
	long long dropped, queued, qdrops, taken;
	uint8_t buf[2048];
	int i, n = 0;

	/* The hard bound itself: byte queue limits off. */
	ASSERT_EQ(0, bsdtun_bql_off());
	ASSERT_EQ(0, bsdtun_link_set(self->name, SIOCSIFTXQLEN, 8));
	/* A fresh root qdisc sized by the new txqueuelen, drops at 0. */
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo_fast", self->name));
	dropped = bsdtun_stat(self->name, "tx_dropped");
	queued = bsdtun_stat(self->name, "tx_packets");
	qdrops = bsdtun_qdisc_drops(self->name);
	ASSERT_EQ(0, qdrops);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(5, bsdtun_send4(NET, "flood", 5));
	/* The driver took (and counted) at most txqueuelen packets... */
	taken = bsdtun_stat(self->name, "tx_packets") - queued;
	EXPECT_GE(8, taken);
	EXPECT_LE(1, taken);
	/* ...and dropped none itself: the rest waits in the qdisc. */
	EXPECT_EQ(dropped, bsdtun_stat(self->name, "tx_dropped"));
	/* Reading restarts the queue: what the qdisc kept comes through. */
	bsdtun_nonblock(self->fd);
	for (i = 0; i < 1000 && n < 100; i++) {
		if (read(self->fd, buf, sizeof(buf)) > 0)
			n++;
		else if (!bsdtun_readable(self->fd, 1000))
			break;
	}
	EXPECT_EQ(n, bsdtun_stat(self->name, "tx_packets") - queued);
	EXPECT_EQ(dropped, bsdtun_stat(self->name, "tx_dropped"));
	/* Nothing lost uncounted: read, or dropped (and counted) by the qdisc. */
	EXPECT_EQ(100, n + bsdtun_qdisc_drops(self->name));
	EXPECT_LE(16, n);
}

/*
 * A stopped queue starts again only once reads bring the unit down to
 * half of txqueuelen, not at every freed slot: the qdisc then refills it
 * to the limit at once.
 */
TEST_F(io, stopped_queue_restarts_at_half)
{
	long long queued;
	uint8_t buf[2048];
	int i;

	/* The stop at txqueuelen and the wake at half: no byte queue limits. */
	ASSERT_EQ(0, bsdtun_bql_off());
	ASSERT_EQ(0, bsdtun_link_set(self->name, SIOCSIFTXQLEN, 8));
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo limit 100",
			       self->name));
	queued = bsdtun_stat(self->name, "tx_packets");
	for (i = 0; i < 40; i++)
		ASSERT_EQ(4, bsdtun_send4(NET, "half", 4));
	ASSERT_EQ(queued + 8, bsdtun_stat(self->name, "tx_packets"));
	/* Three reads leave five queued: still above half, still stopped. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(20 + 8 + 4, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(queued + 8, bsdtun_stat(self->name, "tx_packets"));
	/* The fourth leaves four: the queue wakes and refills to eight. */
	ASSERT_EQ(20 + 8 + 4, read(self->fd, buf, sizeof(buf)));
	/* The qdisc runs in the read's softirq, or soon after in ksoftirqd. */
	for (i = 0; i < 2000 && bsdtun_stat(self->name, "tx_packets") < queued + 12; i++)
		usleep(1000);
	EXPECT_EQ(queued + 12, bsdtun_stat(self->name, "tx_packets"));
}

/*
 * A reader that closes while the queue is full (stopped) must not leave
 * it stopped: the next open and "up" transmit again, and what close
 * junked is counted as dropped.
 */
TEST_F(io, queue_runs_again_after_close_while_full)
{
	long long dropped;
	uint8_t buf[2048];
	int i, n = -1;

	/* Full to txqueuelen: no byte queue limits. */
	ASSERT_EQ(0, bsdtun_bql_off());
	ASSERT_EQ(0, bsdtun_link_set(self->name, SIOCSIFTXQLEN, 4));
	for (i = 0; i < 12; i++)
		ASSERT_EQ(4, bsdtun_send4(NET, "full", 4));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	ASSERT_LT(0, n);
	dropped = bsdtun_stat(self->name, "tx_dropped");
	close(self->fd);
	/* The four queued packets were junked, and counted. */
	EXPECT_EQ(dropped + 4, bsdtun_stat(self->name, "tx_dropped"));
	snprintf((char *)buf, sizeof(buf), "/dev/%s", self->name);
	self->fd = open((char *)buf, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_link_up(self->name, 1));
	ASSERT_TRUE(bsdtun_operstate(self->name, "up"));
	ASSERT_EQ(5, bsdtun_send4(NET, "again", 5));
	ASSERT_TRUE(bsdtun_readable(self->fd, 5000));
	ASSERT_EQ(20 + 8 + 5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf + 28, "again", 5));
}

/*
 * With no file open the carrier is off, and Linux's queueing layer
 * discards what is sent before it reaches the driver: nothing is queued
 * for a later reader and nothing is counted as transmitted.
 */
TEST_F(io, no_reader_nothing_queued)
{
	long long txp;
	int fd, n = -1;

	fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " addr add 10.43.0.1 peer 10.43.0.2 dev bsdtun0 && "
			       BSDTUN_IP " link set bsdtun0 up"));
	txp = bsdtun_stat("bsdtun0", "tx_packets");
	ASSERT_EQ(6, bsdtun_send4(43, "nobody", 6));
	EXPECT_EQ(txp, bsdtun_stat("bsdtun0", "tx_packets"));
	fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, FIONREAD, &n));
	EXPECT_EQ(0, n);
	close(fd);
}

TEST_F(io, write_delivers_ipv4_to_socket)
{
	uint8_t pkt[128];
	long long rxp = bsdtun_stat(self->name, "rx_packets");
	long long rxb = bsdtun_stat(self->name, "rx_bytes");
	int s = bsdtun_udp_sock(AF_INET, 5002);
	size_t len = bsdtun_udp4(pkt, NET, 5002, "inbound", 7);
	char got[16];

	ASSERT_LE(0, s);
	ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len));
	ASSERT_EQ(7, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, "inbound", 7));
	EXPECT_EQ(rxp + 1, bsdtun_stat(self->name, "rx_packets"));
	EXPECT_EQ(rxb + (long long)len, bsdtun_stat(self->name, "rx_bytes"));
	close(s);
}

TEST_F(io, write_with_ifhead_selects_family)
{
	uint8_t pkt[256];
	int s4 = bsdtun_udp_sock(AF_INET, 5003);
	int s6 = bsdtun_udp_sock(AF_INET6, 5004);
	uint32_t af;
	size_t len;
	char got[16];
	int on = 1;

	ASSERT_LE(0, s4);
	ASSERT_LE(0, s6);
	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	af = htonl(AF_INET);
	memcpy(pkt, &af, 4);
	len = 4 + bsdtun_udp4(pkt + 4, NET, 5003, "four", 4);
	ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len));
	ASSERT_EQ(4, recv(s4, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, "four", 4));

	af = htonl(AF_INET6);
	memcpy(pkt, &af, 4);
	len = 4 + bsdtun_udp6(pkt + 4, NET, 5004, "six", 3);
	ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len));
	ASSERT_EQ(3, recv(s6, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, "six", 3));
	close(s4);
	close(s6);
}

/*
 * Packets of every size up to TUNMRU arrive whole: small ones go in a
 * page fragment, those above a page in a buffer of their own.
 */
TEST_F(io, write_sizes_up_to_tunmru_delivered)
{
	static const size_t sizes[] = { 29, 1400, 3700, 3800, 4096, 9000, TUNMRU };
	static uint8_t pkt[TUNMRU], data[TUNMRU], got[TUNMRU];
	int s = bsdtun_udp_sock(AF_INET, 5007), rcvbuf = 1 << 20;

	ASSERT_LE(0, s);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i * 7 + 3;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t plen = sizes[i] - 28;
		size_t len = bsdtun_udp4(pkt, NET, 5007, data, plen);

		ASSERT_EQ(sizes[i], len);
		ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len)) TH_LOG("%zu bytes", len);
		ASSERT_EQ((ssize_t)plen, recv(s, got, sizeof(got), 0)) TH_LOG("%zu bytes", len);
		EXPECT_EQ(0, memcmp(got, data, plen)) TH_LOG("%zu bytes", len);
	}
	close(s);
}

TEST_F(io, write_errors)
{
	static uint8_t big[TUNMRU + 8];
	long long rxp = bsdtun_stat(self->name, "rx_packets");
	uint32_t af = htonl(12345);
	void *bad;
	int on = 1;

	EXPECT_EQ(0, write(self->fd, big, 0));
	EXPECT_EQ(-1, write(self->fd, big, TUNMRU + 1));
	EXPECT_EQ(EIO, errno);
	/* A pointer no process can read (the compiler cannot see it). */
	bad = (void *)(uintptr_t)bsdtun_read_num("/proc/sys/vm/mmap_min_addr") - 4096 + 1;
	EXPECT_EQ(-1, write(self->fd, bad, 40));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	/* With the header TUNMRU of packet still fits. */
	EXPECT_EQ(-1, write(self->fd, big, TUNMRU + 5));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, write(self->fd, big, 3));
	EXPECT_EQ(EINVAL, errno);
	memcpy(big, &af, 4);
	EXPECT_EQ(-1, write(self->fd, big, 40));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(rxp, bsdtun_stat(self->name, "rx_packets"));
}

TEST_F(io, write_while_down_is_dropped_and_counted)
{
	uint8_t pkt[128];
	size_t len = bsdtun_udp4(pkt, NET, 5005, "down", 4);
	long long drops, rxp;

	ASSERT_EQ(0, bsdtun_link_up(self->name, 0));
	drops = bsdtun_stat(self->name, "rx_dropped");
	rxp = bsdtun_stat(self->name, "rx_packets");
	EXPECT_EQ((ssize_t)len, write(self->fd, pkt, len));
	EXPECT_EQ(drops + 1, bsdtun_stat(self->name, "rx_dropped"));
	EXPECT_EQ(rxp, bsdtun_stat(self->name, "rx_packets"));
}

static void bsdtun_fail_page_alloc(const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/fail_page_alloc/%s", knob);
	bsdtun_write_file(path, val);
}

/*
 * A packet above a page is built from single pages, never a high-order
 * block: with every allocation of two pages or more failing for this
 * task (fault injection, debug kernel), a 12000-byte write still
 * arrives, while a 12000-byte UDP datagram on loopback, whose buffer
 * the stack allocates in one block (below its paged threshold), fails
 * to show the injection works.
 */
TEST_F(io, write_above_a_page_needs_no_high_order_allocation)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static uint8_t pkt[TUNMRU], data[TUNMRU], got[TUNMRU];
	size_t plen = 12000 - 28, len;
	int s, u, werr, cerr;
	ssize_t w, c;

	bsdtun_sh("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
	if (access("/sys/kernel/debug/fail_page_alloc", F_OK))
		SKIP(return, "kernel without fail_page_alloc (debug kernel only)");
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i * 13 + 1;
	len = bsdtun_udp4(pkt, NET, 5008, data, plen);
	s = bsdtun_udp_sock(AF_INET, 5008);
	ASSERT_LE(0, s);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, u);
	bsdtun_fail_page_alloc("verbose", "0");
	bsdtun_fail_page_alloc("task-filter", "Y");
	bsdtun_fail_page_alloc("ignore-gfp-wait", "N");
	bsdtun_fail_page_alloc("ignore-gfp-highmem", "N");
	bsdtun_fail_page_alloc("min-order", "1");
	bsdtun_fail_page_alloc("interval", "1");
	bsdtun_fail_page_alloc("times", "-1");
	bsdtun_fail_page_alloc("probability", "100");
	/* From here to the reset below: no assertion, no output. */
	bsdtun_write_file("/proc/thread-self/make-it-fail", "1");
	c = sendto(u, data, 12000, 0, (struct sockaddr *)&lo, sizeof(lo));
	cerr = errno;
	w = write(self->fd, pkt, len);
	werr = errno;
	bsdtun_write_file("/proc/thread-self/make-it-fail", "0");
	bsdtun_fail_page_alloc("probability", "0");
	bsdtun_fail_page_alloc("min-order", "0");

	EXPECT_EQ(-1, c) TH_LOG("the control allocation was not made to fail");
	EXPECT_TRUE(cerr == ENOBUFS || cerr == ENOMEM) TH_LOG("%s", strerror(cerr));
	ASSERT_EQ((ssize_t)len, w) TH_LOG("%s", strerror(werr));
	ASSERT_EQ((ssize_t)plen, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, data, plen));
	close(u);
	close(s);
}

TEST_HARNESS_MAIN
