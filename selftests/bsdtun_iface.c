// SPDX-License-Identifier: GPL-2.0
/*
 * The interface, Linux side: type, flags, MTU range, txqueuelen, carrier
 * while open, what close does (queue purged, down, carrier off, IPv6
 * addresses gone; IPv4 addresses are kept, see the README), kind and
 * driver as ip and ethtool show them, AF_PACKET capture of both
 * directions, moving an open unit to another namespace, and paged
 * packets (scatter-gather, TCP's GSO) read whole.
 */
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/tcp.h>
#include <netpacket/packet.h>

#include <linux/net_tstamp.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	45

FIXTURE(ifc) {
	int fd;
	char name[IFNAMSIZ];
};

FIXTURE_SETUP(ifc)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_clone(self->name);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ifc)
{
	if (self->fd >= 0)
		close(self->fd);
	bsdtun_netns_del("bi");
}

TEST_F(ifc, type_flags_mtu_txqueuelen)
{
	long long flags = bsdtun_flags(self->name);

	EXPECT_EQ(ARPHRD_NONE, bsdtun_read_num("/sys/class/net/%s/type", self->name));
	EXPECT_TRUE(flags & IFF_POINTOPOINT);
	EXPECT_TRUE(flags & IFF_MULTICAST);
	EXPECT_TRUE(flags & IFF_NOARP);
	EXPECT_FALSE(flags & IFF_BROADCAST);
	EXPECT_EQ(1500, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	EXPECT_EQ(500, bsdtun_read_num("/sys/class/net/%s/tx_queue_len", self->name));
	EXPECT_NE(0, bsdtun_link_set(self->name, SIOCSIFMTU, 71));
	EXPECT_NE(0, bsdtun_link_set(self->name, SIOCSIFMTU, 16385));
	EXPECT_EQ(0, bsdtun_link_set(self->name, SIOCSIFMTU, 72));
	EXPECT_EQ(0, bsdtun_link_set(self->name, SIOCSIFMTU, 16384));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -d link show %s | grep -q 'minmtu 72 maxmtu 16384'",
			       self->name));
}

TEST_F(ifc, carrier_follows_open)
{
	ASSERT_EQ(0, bsdtun_link_up(self->name, 1));
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/carrier", self->name));
	/* The operational state follows the carrier asynchronously (linkwatch). */
	EXPECT_TRUE(bsdtun_operstate(self->name, "up"));
	close(self->fd);
	self->fd = -1;
	/* Close took it down; up again without a reader: no carrier. */
	ASSERT_EQ(0, bsdtun_link_up(self->name, 1));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/carrier", self->name));
	EXPECT_TRUE(bsdtun_operstate(self->name, "down"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link show %s | grep -q NO-CARRIER", self->name));
}

TEST_F(ifc, close_purges_queue_downs_and_drops_ipv6)
{
	int n = -1;

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	ASSERT_EQ(5, bsdtun_send4(NET, "stale", 5));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	ASSERT_LT(0, n);
	close(self->fd);
	self->fd = -1;
	EXPECT_FALSE(bsdtun_flags(self->name) & IFF_UP);
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " -6 addr show dev %s | grep -q fd00", self->name));
	/* IPv4 addresses stay (documented): check what is done, and that. */
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -4 addr show dev %s | grep -q 10.%d.0.1",
			       self->name, NET));
	self->fd = open("/dev/bsdtun4", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(0, n);
}

TEST_F(ifc, kind_driver_and_sysfs)
{
	int on = 1;

	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -d link show %s | grep -qw bsdtun", self->name));
	EXPECT_EQ(0, bsdtun_sh("/sbin/ethtool -i %s | grep -qx 'driver: bsdtun'", self->name));
	EXPECT_EQ(0, bsdtun_sh("grep -qx DEVTYPE=bsdtun /sys/class/net/%s/uevent", self->name));
	EXPECT_EQ(4, bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", self->name));
	EXPECT_EQ(getpid(), bsdtun_read_num("/sys/class/net/%s/bsdtun/pid", self->name));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/ifhead", self->name));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/lmode", self->name));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/transient", self->name));
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/bsdtun/ifhead", self->name));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/pid", self->name));
}

TEST_F(ifc, packet_capture_sees_both_directions)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct timeval tv = { .tv_sec = 5 };
	uint8_t pkt[128], buf[2048];
	socklen_t sl = sizeof(sll);
	int cap, in = 0, out = 0, i;
	size_t len;

	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	cap = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ASSERT_LE(0, cap);
	sll.sll_ifindex = if_nametoindex(self->name);
	ASSERT_EQ(0, bind(cap, (struct sockaddr *)&sll, sizeof(sll)));
	setsockopt(cap, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	ASSERT_EQ(3, bsdtun_send4(NET, "out", 3));
	len = bsdtun_udp4(pkt, NET, 5009, "in", 2);
	ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len));
	for (i = 0; i < 10 && !(in && out); i++) {
		ssize_t n = recvfrom(cap, buf, sizeof(buf), 0,
				     (struct sockaddr *)&sll, &sl);

		if (n < 0)
			break;
		if (sll.sll_pkttype == PACKET_OUTGOING && n == 31)
			out = 1;
		if (sll.sll_pkttype == PACKET_HOST && n == 30)
			in = 1;
	}
	EXPECT_TRUE(out);
	EXPECT_TRUE(in);
	close(cap);
}

TEST_F(ifc, move_to_namespace_keeps_file_working)
{
	uint8_t pkt[128];
	size_t len = bsdtun_udp4(pkt, NET, 5010, "moved", 5);
	struct timespec ts = { .tv_sec = 10 };
	sigset_t set;
	pid_t pid;
	int st;

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bi"));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s netns bi", self->name));
	EXPECT_NE(0, access("/sys/class/net/bsdtun4", F_OK));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bi addr add 10.%d.0.1 peer 10.%d.0.2 dev %s && "
			       BSDTUN_IP " -n bi link set %s up",
			       NET, NET, self->name, self->name));
	/* The child says "listening" with SIGUSR2: block it before forking. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ns = open("/run/netns/bi", O_RDONLY), s;
		char got[8];

		if (ns < 0 || setns(ns, CLONE_NEWNET))
			_exit(1);
		s = bsdtun_udp_sock(AF_INET, 5010);
		if (s < 0)
			_exit(2);
		kill(getppid(), SIGUSR2);
		_exit(recv(s, got, sizeof(got), 0) == 5 && !memcmp(got, "moved", 5) ? 0 : 4);
	}
	ASSERT_EQ(SIGUSR2, sigtimedwait(&set, NULL, &ts));
	ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/*
 * AF_PACKET builds a packet's payload in page fragments.  With
 * scatter-gather (on by default) they reach the driver as they are; with
 * it off the stack linearises first.  Either way read() returns the
 * packet byte for byte.
 */
TEST_F(ifc, paged_packets_read_whole_with_sg_on_and_off)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_IP) };
	static uint8_t data[1400], pkt[1500], got[2048];
	size_t len;
	int s, sg;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i * 7 + 3;
	len = bsdtun_udp4(pkt, NET, 5011, data, sizeof(data));
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	EXPECT_EQ(1, bsdtun_ethtool(self->name, ETHTOOL_GSG, 0));
	EXPECT_EQ(0, bsdtun_sh("/sbin/ethtool -k %s | grep -qx 'scatter-gather: on'",
			       self->name));
	sll.sll_ifindex = if_nametoindex(self->name);
	s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	ASSERT_LE(0, s);
	for (sg = 1; sg >= 0; sg--) {
		ASSERT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_SSG, sg) < 0);
		EXPECT_EQ(sg, bsdtun_ethtool(self->name, ETHTOOL_GSG, 0));
		ASSERT_EQ((ssize_t)len, sendto(s, pkt, len, 0,
					       (struct sockaddr *)&sll, sizeof(sll)));
		ASSERT_EQ((ssize_t)len, bsdtun_read_skip(self->fd, got, sizeof(got), 0));
		EXPECT_EQ(0, memcmp(got, pkt, len));
	}
	close(s);
}

struct ifc_relay {
	int a, b, stop;		/* unit fds; pipe closed to stop */
	int mtu;
	long packets, oversize;
};

/* Carries packets between two units until @stop becomes readable. */
static void *ifc_relay_run(void *arg)
{
	struct ifc_relay *r = arg;
	struct pollfd p[3] = { { r->a, POLLIN, 0 }, { r->b, POLLIN, 0 },
			       { r->stop, POLLIN, 0 } };
	static uint8_t buf[65536];

	while (poll(p, 3, -1) > 0 && !p[2].revents) {
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				continue;
			r->packets++;
			if (n > r->mtu)
				r->oversize++;
			if (write(p[1 - i].fd, buf, n) != n)
				return NULL;
		}
	}
	return NULL;
}

/*
 * TCP between two namespaces through two units and a relay: TCP builds
 * GSO packets of many segments in page fragments, segmented just before
 * the driver.  Every read must be one packet of at most the MTU, and
 * the stream must arrive intact.  4 MiB through a relay takes the debug
 * kernel longer than the harness's default 30 s on a loaded host.
 */
TEST_F_TIMEOUT(ifc, tcp_stream_through_two_units_is_segmented_and_intact, 120)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5012),
				   .sin_addr.s_addr = bsdtun_v4(NET, 2) };
	struct ifc_relay r = { .a = self->fd, .mtu = 1500 };
	const size_t total = 4 << 20;
	static uint8_t chunk[65536], rbuf[65536];
	char bname[IFNAMSIZ];
	int pfd[2], l, c, self_ns, ns, one = 1;
	size_t sent = 0, rcvd = 0;
	long bad = 0;
	pthread_t t;
	pid_t pid;
	int st;

	r.b = bsdtun_clone(bname);
	ASSERT_LE(0, r.b);
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bi && "
			       BSDTUN_IP " link set %s netns bi && "
			       BSDTUN_IP " -n bi link set %s up && "
			       BSDTUN_IP " -n bi addr add 10.%d.0.2 peer 10.%d.0.1 dev %s",
			       bname, bname, NET, NET, bname));
	/* The listener is made in the other namespace, then we come back. */
	self_ns = open("/proc/self/ns/net", O_RDONLY);
	ns = open("/run/netns/bi", O_RDONLY);
	ASSERT_LE(0, self_ns);
	ASSERT_LE(0, ns);
	ASSERT_EQ(0, setns(ns, CLONE_NEWNET));
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, setns(self_ns, CLONE_NEWNET));
	close(ns);
	close(self_ns);

	ASSERT_EQ(0, pipe(pfd));
	r.stop = pfd[0];
	ASSERT_EQ(0, pthread_create(&t, NULL, ifc_relay_run, &r));
	/* The receiver checks the pattern: byte i of the stream is i % 251. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int a = accept(l, NULL, NULL);
		ssize_t n;

		if (a < 0)
			_exit(1);
		while ((n = read(a, rbuf, sizeof(rbuf))) > 0) {
			for (ssize_t i = 0; i < n; i++)
				bad += rbuf[i] != (rcvd + i) % 251;
			rcvd += n;
		}
		_exit(rcvd == total && !bad ? 0 : 2);
	}
	close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
	while (sent < total) {
		size_t n = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			chunk[i] = (sent + i) % 251;
		w = write(c, chunk, n);
		ASSERT_LT(0, w);
		sent += w;
	}
	close(c);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(pfd[1]);
	pthread_join(t, NULL);
	close(pfd[0]);
	close(r.b);
	EXPECT_LT(total / 1500, r.packets);
	EXPECT_EQ(0, r.oversize);
}

/*
 * Software transmit timestamps, as Linux tun gives: a socket that asks
 * gets the time its packet left for the unit on its error queue, and
 * ethtool says the interface can.
 */
TEST_F(ifc, software_tx_timestamps)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242),
				  .sin_addr.s_addr = bsdtun_v4(NET, 2) };
	int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	char ctl[512], data[64];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct pollfd p;
	struct cmsghdr *cm;
	int s, stamped = 0;

	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	EXPECT_EQ(0, bsdtun_sh("/sbin/ethtool -T %s | grep -q software-transmit",
			       self->name));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)));
	ASSERT_EQ(5, sendto(s, "stamp", 5, 0, (struct sockaddr *)&to, sizeof(to)));
	p.fd = s;
	p.events = 0;
	ASSERT_EQ(1, poll(&p, 1, 5000));
	ASSERT_TRUE(p.revents & POLLERR);
	ASSERT_LE(0, recvmsg(s, &m, MSG_ERRQUEUE));
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		struct timespec ts[3];

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SO_TIMESTAMPING)
			continue;
		memcpy(ts, CMSG_DATA(cm), sizeof(ts));
		stamped = ts[0].tv_sec != 0 || ts[0].tv_nsec != 0;
	}
	EXPECT_TRUE(stamped);
	close(s);
}

/*
 * The per-cpu counters are updated by transmit in softirq (here a TCP
 * SYN retransmitted from its timer) and by write() in process context:
 * on 32-bit kernels their sequence count tears, and lockdep reports it,
 * unless write() holds bottom halves off.  The debug kernels' console
 * scan is the judge; here both contexts are made to happen every time.
 */
TEST_F(ifc, counters_shared_by_softirq_transmit_and_write)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7),
				  .sin_addr.s_addr = bsdtun_v4(NET, 2) };
	uint8_t buf[2048], pkt[128];
	int s, syns = 0, rx;
	size_t len;

	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(-1, connect(s, (struct sockaddr *)&to, sizeof(to)));
	ASSERT_EQ(EINPROGRESS, errno);
	/* The first SYN leaves from connect(), the second from the timer. */
	while (syns < 2 && bsdtun_readable(self->fd, 5000)) {
		ssize_t n = read(self->fd, buf, sizeof(buf));

		if (n >= 40 && buf[9] == IPPROTO_TCP && (buf[33] & 0x02))
			syns++;
	}
	ASSERT_EQ(2, syns);
	rx = bsdtun_stat(self->name, "rx_packets");
	len = bsdtun_udp4(pkt, NET, 5010, "count", 5);
	ASSERT_EQ((ssize_t)len, write(self->fd, pkt, len));
	EXPECT_EQ(rx + 1, bsdtun_stat(self->name, "rx_packets"));
	close(s);
}

TEST_HARNESS_MAIN
