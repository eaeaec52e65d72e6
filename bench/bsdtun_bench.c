// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun_bench: per-packet cost of bsdtun against Linux's tun, measured in
 * one boot with the same user-space loop for each driver.
 *
 * Drivers: bsdtun without and with TUNSIFHEAD; Linux tun with IFF_NO_PI and
 * with its packet-information header.  Rows (64- and 1400-byte payloads):
 *   write      write() of an IPv4 packet with a bad header checksum: the
 *              stack drops it at once, so the cost is syscall + driver
 *   read       a packet sent on an AF_PACKET socket with
 *              PACKET_QDISC_BYPASS (straight to ndo_start_xmit), taken
 *              with read()
 *   e2e-write  write() of a UDP datagram, received on a local socket
 *   e2e-read   a local UDP socket sends through the interface, read()
 *   rtt        ping-pong: send, read it from the unit, write it back, recv
 *   bulk       TCP between two namespaces through two units, relayed
 *   floor      read() of 64 bytes from /dev/zero
 *   bound      the read row's loop with no driver (bench_bound_open())
 * Each figure is the median of REPS runs, with the spread (min..max).  The
 * drivers take turns slice by slice within each run (bench_turns()); the
 * ratio is the median over runs of tun time / bsdtun time in the same
 * run, a speed: above 1 means bsdtun is faster.
 * Under QEMU's TCG only these ratios mean anything, not absolute times.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/perf_event.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* BSD ioctls from bsdtun_uapi.h, without the BSD header's name clash. */
#define TUNSIFHEAD_BSD	_IOW('t', 96, int)
#define TUNGIFNAME_BSD	_IOR('t', 93, struct ifreq)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define REPS		7
#define BENCH_SLICES	10
#define BULK_BYTES	(32 << 20)

/* Payload sizes of the per-packet rows. */
static const size_t bench_sizes[] = { 64, 1400 };

enum bench_drv { DRV_BSD, DRV_BSD_HEAD, DRV_TUN, DRV_TUN_PI, DRV_NR };

static const char * const bench_drv_name[DRV_NR] = {
	"bsdtun", "bsdtun+HEAD", "tun", "tun+PI",
};

struct bench_unit {
	enum bench_drv drv;
	int fd;
	char name[IFNAMSIZ];
	int hdr;		/* bytes before the IP packet on read/write */
	int idx;		/* address block 10.77.idx.0/24 */
};

static unsigned int bench_iters = 20000;

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench_die(const char *what)
{
	perror(what);
	exit(1);
}

static void bench_sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void bench_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(1);
	}
}

static void bench_open(struct bench_unit *u, enum bench_drv drv, int idx,
		       const char *netns)
{
	struct ifreq ifr;
	int on = 1;

	memset(u, 0, sizeof(*u));
	memset(&ifr, 0, sizeof(ifr));
	u->drv = drv;
	u->idx = idx;
	if (drv == DRV_BSD || drv == DRV_BSD_HEAD) {
		u->fd = open("/dev/bsdtun", O_RDWR);
		if (u->fd < 0)
			bench_die("open /dev/bsdtun");
		if (drv == DRV_BSD_HEAD) {
			if (ioctl(u->fd, TUNSIFHEAD_BSD, &on) < 0)
				bench_die("TUNSIFHEAD");
			u->hdr = 4;
		}
		if (ioctl(u->fd, TUNGIFNAME_BSD, &ifr) < 0)
			bench_die("TUNGIFNAME");
	} else {
		u->fd = open("/dev/net/tun", O_RDWR);
		if (u->fd < 0)
			bench_die("open /dev/net/tun");
		ifr.ifr_flags = IFF_TUN | (drv == DRV_TUN ? IFF_NO_PI : 0);
		snprintf(ifr.ifr_name, IFNAMSIZ, "ltun%d", idx);
		if (ioctl(u->fd, TUNSETIFF, &ifr) < 0)
			bench_die("TUNSETIFF");
		if (drv == DRV_TUN_PI)
			u->hdr = 4;
	}
	snprintf(u->name, sizeof(u->name), "%s", ifr.ifr_name);
	if (netns)
		bench_sh("/sbin/ip link set %s netns %s", u->name, netns);
	/* IPv6's own packets (MLD, solicitations) would land in the reads. */
	bench_sh("echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6", u->name);
	bench_sh("/sbin/ip %s%s addr add 10.77.%d.1 peer 10.77.%d.2 dev %s && "
		 "/sbin/ip %s%s link set %s up",
		 netns ? "-n " : "", netns ? netns : "", idx, idx, u->name,
		 netns ? "-n " : "", netns ? netns : "", u->name);
}

static void bench_close(struct bench_unit *u)
{
	close(u->fd);
	if (u->drv == DRV_BSD || u->drv == DRV_BSD_HEAD)
		bench_sh("/sbin/ip link del %s 2>/dev/null || true", u->name);
}

static uint16_t bench_csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Header (family) + IPv4 + UDP with the payload; returns the length. */
static size_t bench_packet(const struct bench_unit *u, uint8_t *buf,
			   uint32_t src, uint32_t dst, uint16_t dport,
			   size_t payload, int bad_csum)
{
	struct iphdr *ip = (struct iphdr *)(buf + u->hdr);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t len = sizeof(*ip) + sizeof(*udp) + payload;

	memset(buf, 0, u->hdr + len);
	if (u->drv == DRV_BSD_HEAD) {
		uint32_t af = htonl(AF_INET);

		memcpy(buf, &af, 4);
	} else if (u->drv == DRV_TUN_PI) {
		uint16_t proto = htons(0x0800);

		memcpy(buf + 2, &proto, 2);
	}
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(len);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = bench_csum(ip, sizeof(*ip));
	if (bad_csum)
		ip->check ^= 0x5a5a;
	udp->source = htons(9);
	udp->dest = htons(dport);
	udp->len = htons(sizeof(*udp) + payload);
	memset(udp + 1, 0xab, payload);
	return u->hdr + len;
}

static uint32_t bench_addr(int idx, int host)
{
	return htonl(0x0a4d0000 | idx << 8 | host);
}

static int bench_udp_socket(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = addr,
	};
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 4 << 20;

	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		bench_die("udp socket");
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	return s;
}

typedef double (*bench_fn)(struct bench_unit *u, size_t payload);

/*
 * The loops' user buffers: BENCH_BUFS of each kind, taken in turn, each
 * on pages of its own seven pages apart.  With one fixed buffer, some
 * boots ran whole rows of one driver at half speed (bsdtun's 1400-byte
 * writes in 2 boots of 5, on one CPU and with one buffer address only):
 * most likely QEMU's direct-mapped software TLB, with the user page and
 * a page the kernel copies to in one slot, so that every byte of the
 * copy takes the emulator's slow path while both stay put.  Eight
 * buffers still let one driver's row slow down by a third or a half now
 * and then; spread over 32, no boot of seven showed it.  The extra TLB
 * misses cost every driver the same time, which lowers the 1400-byte
 * ratios a little.
 */
#define BENCH_BUFS		32
#define BENCH_BUF_STRIDE	(7 * 4096 + 64)

enum bench_buf_kind { BUF_PKT, BUF_DATA, BUF_IN, BUF_KINDS };

static uint8_t bench_arena[BUF_KINDS][BENCH_BUFS][BENCH_BUF_STRIDE];

static uint8_t *bench_buf(enum bench_buf_kind kind, unsigned int i)
{
	return bench_arena[kind][i % BENCH_BUFS];
}

/* Every buffer of @kind gets the same @len bytes. */
static void bench_fill(enum bench_buf_kind kind, const uint8_t *src, size_t len)
{
	for (int k = 0; k < BENCH_BUFS; k++)
		memcpy(bench_arena[kind][k], src, len);
}

static double bench_row_write(struct bench_unit *u, size_t payload)
{
	uint8_t buf[2048];
	size_t len = bench_packet(u, buf, bench_addr(u->idx, 2),
				  bench_addr(u->idx, 1), 7777, payload, 1);
	double t0;

	bench_fill(BUF_PKT, buf, len);
	t0 = bench_now();
	for (unsigned int i = 0; i < bench_iters; i++)
		if (write(u->fd, bench_buf(BUF_PKT, i), len) != (ssize_t)len)
			bench_die("write");
	return (bench_now() - t0) / bench_iters;
}

static double bench_row_read(struct bench_unit *u, size_t payload)
{
	uint8_t buf[2048];
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(0x0800),
		.sll_ifindex = (int)if_nametoindex(u->name),
	};
	struct bench_unit raw = *u;
	size_t len;
	double t0;
	int s, one = 1;

	raw.hdr = 0;
	raw.drv = DRV_BSD;
	len = bench_packet(&raw, buf, bench_addr(u->idx, 1),
			   bench_addr(u->idx, 2), 7777, payload, 0);
	s = socket(AF_PACKET, SOCK_DGRAM, htons(0x0800));
	if (s < 0)
		bench_die("AF_PACKET");
	/*
	 * Straight to ndo_start_xmit, as the row is meant: no qdisc (whose
	 * enqueue and dequeue, both drivers alike, would dominate).  The
	 * reader empties the unit each time, so it is never full.
	 */
	if (setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		bench_die("PACKET_QDISC_BYPASS");
	bench_fill(BUF_PKT, buf, len);
	t0 = bench_now();
	for (unsigned int i = 0; i < bench_iters; i++) {
		if (sendto(s, bench_buf(BUF_PKT, i), len, 0,
			   (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
			bench_die("AF_PACKET sendto");
		if (read(u->fd, bench_buf(BUF_IN, i), len + u->hdr) !=
		    (ssize_t)(len + u->hdr))
			bench_die("read");
	}
	t0 = bench_now() - t0;
	close(s);
	return t0 / bench_iters;
}

static double bench_row_e2e_write(struct bench_unit *u, size_t payload)
{
	uint8_t buf[2048];
	int s = bench_udp_socket(bench_addr(u->idx, 1), 7001);
	size_t len = bench_packet(u, buf, bench_addr(u->idx, 2),
				  bench_addr(u->idx, 1), 7001, payload, 0);
	double t0;

	bench_fill(BUF_PKT, buf, len);
	t0 = bench_now();
	for (unsigned int i = 0; i < bench_iters; i++) {
		if (write(u->fd, bench_buf(BUF_PKT, i), len) != (ssize_t)len)
			bench_die("write");
		if (recv(s, bench_buf(BUF_IN, i), 2048, 0) != (ssize_t)payload)
			bench_die("recv");
	}
	t0 = bench_now() - t0;
	close(s);
	return t0 / bench_iters;
}

static double bench_row_e2e_read(struct bench_unit *u, size_t payload)
{
	uint8_t buf[2048];
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(7002),
		.sin_addr.s_addr = bench_addr(u->idx, 2),
	};
	int s = bench_udp_socket(bench_addr(u->idx, 1), 7003);
	double t0;

	memset(buf, 0xcd, payload);
	bench_fill(BUF_DATA, buf, payload);
	t0 = bench_now();
	for (unsigned int i = 0; i < bench_iters; i++) {
		if (sendto(s, bench_buf(BUF_DATA, i), payload, 0,
			   (struct sockaddr *)&to, sizeof(to)) != (ssize_t)payload)
			bench_die("sendto");
		if (read(u->fd, bench_buf(BUF_IN, i), 2048) <= 0)
			bench_die("read");
	}
	t0 = bench_now() - t0;
	close(s);
	return t0 / bench_iters;
}

/* Send to the peer, take it from the unit, swap addresses, write it back. */
static double bench_row_rtt(struct bench_unit *u, size_t payload)
{
	uint8_t buf[2048], pkt[2048];
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(7004),
		.sin_addr.s_addr = bench_addr(u->idx, 2),
	};
	int s = bench_udp_socket(bench_addr(u->idx, 1), 7005);
	size_t len = bench_packet(u, pkt, bench_addr(u->idx, 2),
				  bench_addr(u->idx, 1), 7005, payload, 0);
	double t0;

	memset(buf, 0xef, payload);
	bench_fill(BUF_DATA, buf, payload);
	bench_fill(BUF_PKT, pkt, len);
	t0 = bench_now();
	for (unsigned int i = 0; i < bench_iters; i++) {
		if (sendto(s, bench_buf(BUF_DATA, i), payload, 0,
			   (struct sockaddr *)&to, sizeof(to)) != (ssize_t)payload)
			bench_die("sendto");
		if (read(u->fd, bench_buf(BUF_IN, i), 2048) <= 0)
			bench_die("read");
		if (write(u->fd, bench_buf(BUF_PKT, i), len) != (ssize_t)len)
			bench_die("write");
		if (recv(s, bench_buf(BUF_IN, i), 2048, 0) != (ssize_t)payload)
			bench_die("recv");
	}
	t0 = bench_now() - t0;
	close(s);
	return t0 / bench_iters;
}

/*
 * Bulk: units A (namespace bna) and B (namespace bnb) crossed by a relay:
 * what A's stack sends is written into B and back.  Both units carry
 * 10.77.x.1 locally; the relay rewrites nothing, so A gets 10.78.0.1 and
 * B 10.78.0.2 as point-to-point peers.
 */
static void bench_relay(int a, int b)
{
	struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	uint8_t buf[65536];

	for (;;) {
		if (poll(p, 2, -1) < 0)
			_exit(0);
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0 && write(p[1 - i].fd, buf, n) < 0)
				_exit(0);
		}
	}
}

static double bench_row_bulk(struct bench_unit *unused, size_t payload)
{
	enum bench_drv drv = unused->drv;
	struct bench_unit a, b;
	pid_t relay, server;
	int p[2], s, one = 1;
	static char buf[65536];
	double t0;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7100) };

	(void)payload;
	bench_sh("/sbin/ip netns add bna && /sbin/ip netns add bnb");
	bench_open(&a, drv, 200, NULL);
	bench_open(&b, drv, 201, NULL);
	bench_sh("/sbin/ip link set %s down && /sbin/ip link set %s netns bna && "
		 "/sbin/ip -n bna addr flush dev %s && "
		 "/sbin/ip -n bna addr add 10.78.0.1 peer 10.78.0.2 dev %s && "
		 "/sbin/ip -n bna link set %s up && /sbin/ip -n bna link set lo up",
		 a.name, a.name, a.name, a.name, a.name);
	bench_sh("/sbin/ip link set %s down && /sbin/ip link set %s netns bnb && "
		 "/sbin/ip -n bnb addr flush dev %s && "
		 "/sbin/ip -n bnb addr add 10.78.0.2 peer 10.78.0.1 dev %s && "
		 "/sbin/ip -n bnb link set %s up && /sbin/ip -n bnb link set lo up",
		 b.name, b.name, b.name, b.name, b.name);
	relay = fork();
	if (relay == 0)
		bench_relay(a.fd, b.fd);
	if (pipe(p) < 0)
		bench_die("pipe");
	server = fork();
	if (server == 0) {
		int fd = open("/run/netns/bnb", O_RDONLY), l, c;

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			bench_die("setns bnb");
		l = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sin.sin_addr.s_addr = inet_addr("10.78.0.2");
		if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    listen(l, 1) < 0)
			bench_die("listen");
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		c = accept(l, NULL, NULL);
		while (read(c, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], buf, 1) != 1)
		bench_die("server start");
	{
		int fd = open("/run/netns/bna", O_RDONLY), self;
		size_t left = BULK_BYTES;

		self = open("/proc/self/ns/net", O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			bench_die("setns bna");
		s = socket(AF_INET, SOCK_STREAM, 0);
		sin.sin_addr.s_addr = inet_addr("10.78.0.2");
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			bench_die("connect");
		t0 = bench_now();
		while (left) {
			ssize_t n = write(s, buf, left < sizeof(buf) ? left : sizeof(buf));

			if (n <= 0)
				bench_die("tcp write");
			left -= n;
		}
		shutdown(s, SHUT_WR);
		waitpid(server, NULL, 0);
		t0 = bench_now() - t0;
		close(s);
		if (setns(self, CLONE_NEWNET) < 0)
			bench_die("setns back");
		close(fd);
		close(self);
	}
	kill(relay, SIGKILL);
	waitpid(relay, NULL, 0);
	close(p[0]);
	close(a.fd);
	close(b.fd);
	bench_sh("/sbin/ip netns del bna && /sbin/ip netns del bnb");
	/* seconds per MiB, so that smaller is better like the other rows */
	return t0 / (BULK_BYTES >> 20);
}

static double bench_row_floor(struct bench_unit *u, size_t payload)
{
	char buf[64];
	int fd = open("/dev/zero", O_RDONLY);
	double t0 = bench_now();

	(void)u;
	(void)payload;
	for (unsigned int i = 0; i < bench_iters; i++)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			bench_die("read /dev/zero");
	t0 = bench_now() - t0;
	close(fd);
	return t0 / bench_iters;
}

/*
 * The read row with the driver taken out: the same loop sends to a dummy
 * interface, which frees each packet at once, and reads as many bytes
 * from /dev/zero.  Left are the row's shared costs (two syscalls, the
 * AF_PACKET allocation and copy, the free, bytes put to user space, here
 * cleared rather than copied): a time no driver can go below, so tun's
 * time over it is the best ratio any driver could show in the read row.
 */
static int bench_bound_open(struct bench_unit *u)
{
	memset(u, 0, sizeof(*u));
	/* dummy is a module on Debian's kernels, built in on the debug one. */
	if (system("/sbin/ip link show bdummy0 >/dev/null 2>&1") != 0 &&
	    system("{ insmod /modules/dummy.ko numdummies=0 2>/dev/null; true; } && "
		   "/sbin/ip link add bdummy0 type dummy 2>/dev/null && "
		   "/sbin/ip link set bdummy0 up") != 0)
		return -1;
	snprintf(u->name, sizeof(u->name), "bdummy0");
	u->idx = 1;
	u->fd = open("/dev/zero", O_RDONLY);
	if (u->fd < 0)
		bench_die("open /dev/zero");
	return 0;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench_stat {
	double med, min, max;
};

/* One table cell: median and spread, in @unit after scaling by @scale. */
static void bench_print_stat(const struct bench_stat *st, double scale,
			     const char *unit)
{
	printf(" %.2f (%.2f..%.2f) %s |", st->med * scale, st->min * scale,
	       st->max * scale, unit);
}

static struct bench_stat bench_stat_of(double *t)
{
	struct bench_stat st;

	qsort(t, REPS, sizeof(t[0]), bench_cmp);
	st.med = t[REPS / 2];
	st.min = t[0];
	st.max = t[REPS - 1];
	return st;
}

/*
 * Runs @fn for each of @n units in turn, REPS runs each.  A run is split
 * into BENCH_SLICES slices and the units take turns slice by slice
 * (bsdtun, bsdtun+HEAD, tun, tun+PI, bsdtun, ...), a few milliseconds
 * each: a slow spell of the emulator, which can last longer than a whole
 * run, then falls on every unit alike instead of on one unit's runs.
 */
static void bench_turns(bench_fn fn, size_t payload, struct bench_unit *u,
			int n, double t[][REPS])
{
	unsigned int iters = bench_iters;
	cpu_set_t all, one;

	/*
	 * The loop is one thread: keep it on one CPU, so that a move to the
	 * other (emulated) CPU mid-row does not land on some units' slices.
	 */
	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		bench_die("sched_getaffinity");
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		bench_die("sched_setaffinity");
	bench_iters = iters / BENCH_SLICES;
	for (int d = 0; d < n; d++)
		fn(&u[d], payload);	/* warm-up */
	for (int r = 0; r < REPS; r++) {
		for (int d = 0; d < n; d++)
			t[d][r] = 0;
		for (int c = 0; c < BENCH_SLICES; c++)
			for (int d = 0; d < n; d++)
				t[d][r] += fn(&u[d], payload) / BENCH_SLICES;
	}
	bench_iters = iters;
	if (sched_setaffinity(0, sizeof(all), &all) < 0)
		bench_die("sched_setaffinity");
}

/*
 * Every driver's figures and the two ratios.  A per-packet row opens one
 * unit per driver and takes turns on them; the bulk row sets up its own
 * pair of units per run, so it takes turns run by run.
 */
static void bench_measure(bench_fn fn, size_t payload, int fresh,
			  struct bench_stat *st, double *ratio)
{
	static int idx = 1;
	double t[DRV_NR][REPS], q[2][REPS];
	struct bench_unit u[DRV_NR];

	if (fresh) {
		for (int r = 0; r < REPS; r++)
			for (int d = 0; d < DRV_NR; d++) {
				u[0].drv = d;
				t[d][r] = fn(&u[0], payload);
			}
	} else {
		for (int d = 0; d < DRV_NR; d++)
			bench_open(&u[d], d, idx++ % 150 + 1, NULL);
		bench_turns(fn, payload, u, DRV_NR, t);
		for (int d = 0; d < DRV_NR; d++)
			bench_close(&u[d]);
	}
	/* Each run's ratio against its neighbour in time, then the median. */
	for (int r = 0; r < REPS; r++) {
		q[0][r] = t[DRV_TUN][r] / t[DRV_BSD][r];
		q[1][r] = t[DRV_TUN_PI][r] / t[DRV_BSD_HEAD][r];
	}
	ratio[0] = bench_stat_of(q[0]).med;
	ratio[1] = bench_stat_of(q[1]).med;
	for (int d = 0; d < DRV_NR; d++)
		st[d] = bench_stat_of(t[d]);
}

/* The rows, in the table's order. */
static const struct bench_row {
	const char *name;
	bench_fn fn;
	int fresh;	/* sets up its own units */
	int profile;	/* profiled after the table */
	const char *unit;
} bench_rows[] = {
	{ "write (driver)", bench_row_write, 0, 1, "us" },
	{ "read (driver)", bench_row_read, 0, 1, "us" },
	{ "e2e write+recv", bench_row_e2e_write, 0, 0, "us" },
	{ "e2e send+read", bench_row_e2e_read, 0, 0, "us" },
	{ "round trip", bench_row_rtt, 0, 0, "us" },
	{ "bulk TCP", bench_row_bulk, 1, 1, "ms/MiB" },
};

/*
 * In-guest profile: where a row's time goes, per driver.  Samples on the
 * software cpu-clock (timer driven, so it works under TCG with no PMU)
 * and names each address from /proc/kallsyms (module symbols included);
 * see prof_row() for which tasks and which side are sampled.
 */
#define PROF_PAGES	128
#define PROF_CPUS	8
#define PROF_TOP	16

struct prof_sym {
	unsigned long addr;
	char name[64];
	unsigned long hits;
};

static struct prof_sym *prof_syms;
static size_t prof_nsyms;

static int prof_sym_cmp(const void *a, const void *b)
{
	const struct prof_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int prof_hits_cmp(const void *a, const void *b)
{
	const struct prof_sym *x = a, *y = b;

	return x->hits > y->hits ? -1 : x->hits < y->hits;
}

static int prof_load_syms(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct prof_sym sym = { 0 };
		char type;

		if (sscanf(line, "%lx %c %63s", &sym.addr, &type, sym.name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (prof_nsyms == cap) {
			cap = cap ? cap * 2 : 65536;
			prof_syms = realloc(prof_syms, cap * sizeof(*prof_syms));
			if (!prof_syms)
				bench_die("realloc");
		}
		prof_syms[prof_nsyms++] = sym;
	}
	fclose(f);
	if (!prof_nsyms || prof_nsyms == cap)
		return -1;
	/* Entry 0 (sorted first at address 0) counts user-space samples. */
	prof_syms[prof_nsyms++] = (struct prof_sym){ .addr = 0, .name = "[user space]" };
	qsort(prof_syms, prof_nsyms, sizeof(*prof_syms), prof_sym_cmp);
	/* Addresses hidden (kptr_restrict) read as zero: no profile then. */
	return prof_syms[prof_nsyms - 1].addr ? 0 : -1;
}

static void prof_hit(unsigned long ip)
{
	size_t lo = 0, hi = prof_nsyms;

	/* Below the kernel's half: user space, the first (dummy) entry. */
	if ((long)ip >= 0) {
		prof_syms[0].hits++;
		return;
	}

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (prof_syms[mid].addr <= ip)
			lo = mid;
		else
			hi = mid;
	}
	prof_syms[lo].hits++;
}

/* Takes the samples the kernel wrote since the last call. */
static unsigned long prof_drain(struct perf_event_mmap_page *pg)
{
	unsigned char *data = (unsigned char *)pg + pg->data_offset;
	uint64_t size = pg->data_size, tail = pg->data_tail, head;
	unsigned long n = 0;

	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	while (tail < head) {
		struct perf_event_header eh;
		uint64_t ip;

		memcpy(&eh, data + tail % size, sizeof(eh));
		if (eh.type == PERF_RECORD_SAMPLE) {
			for (size_t i = 0; i < sizeof(ip); i++)
				((unsigned char *)&ip)[i] =
					data[(tail + sizeof(eh) + i) % size];
			prof_hit(ip);
			n++;
		}
		tail += eh.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

/* The root qdisc's kind: the transmit path up to the driver is its. */
static void prof_qdisc(const char *ifname, char *kind, size_t len)
{
	char cmd[128], line[256];
	FILE *p;

	snprintf(kind, len, "?");
	snprintf(cmd, sizeof(cmd), "/sbin/tc qdisc show dev %s", ifname);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(line, sizeof(line), p))
		sscanf(line, "qdisc %31s", kind);
	pclose(p);
}

/*
 * Samples while @fn runs for @drv and prints the busiest functions.  A
 * per-packet row samples this thread alone (kernel side); the bulk row,
 * three processes and the idle loop sharing the CPUs, samples every CPU
 * and counts user time as one entry.
 */
static void prof_row(const char *row, bench_fn fn, enum bench_drv drv,
		     int fresh)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = fresh ? 50000 : 20000,	/* ns */
		.sample_type = PERF_SAMPLE_IP,
		.exclude_user = !fresh,
		.exclude_hv = 1,
		.disabled = 1,
	};
	int ncpu = fresh ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	struct perf_event_mmap_page *pg[PROF_CPUS];
	size_t len = (PROF_PAGES + 1) * 4096;
	unsigned int iters = bench_iters;
	unsigned long total = 0;
	int fd[PROF_CPUS], c;
	struct bench_unit u;
	char qdisc[32] = "per unit";

	if (ncpu > PROF_CPUS)
		ncpu = PROF_CPUS;
	for (size_t i = 0; i < prof_nsyms; i++)
		prof_syms[i].hits = 0;
	for (c = 0; c < ncpu; c++) {
		fd[c] = syscall(SYS_perf_event_open, &attr, fresh ? -1 : 0,
				fresh ? c : -1, -1, 0);
		if (fd[c] < 0)
			bench_die("perf_event_open");
		pg[c] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd[c], 0);
		if (pg[c] == MAP_FAILED)
			bench_die("perf mmap");
	}
	if (fresh) {
		u.drv = drv;
		for (c = 0; c < ncpu; c++)
			ioctl(fd[c], PERF_EVENT_IOC_ENABLE, 0);
		fn(&u, 0);
		for (c = 0; c < ncpu; c++) {
			ioctl(fd[c], PERF_EVENT_IOC_DISABLE, 0);
			total += prof_drain(pg[c]);
		}
	} else {
		bench_open(&u, drv, 200, NULL);
		prof_qdisc(u.name, qdisc, sizeof(qdisc));
		bench_iters = 2000;	/* short runs, drained in between */
		fn(&u, 64);
		for (int r = 0; r < 10; r++) {
			ioctl(fd[0], PERF_EVENT_IOC_ENABLE, 0);
			fn(&u, 64);
			ioctl(fd[0], PERF_EVENT_IOC_DISABLE, 0);
			total += prof_drain(pg[0]);
		}
		bench_iters = iters;
		bench_close(&u);
	}
	for (c = 0; c < ncpu; c++) {
		munmap(pg[c], len);
		close(fd[c]);
	}
	if (!total)
		return;
	qsort(prof_syms, prof_nsyms, sizeof(*prof_syms), prof_hits_cmp);
	printf("\n%s, %s, %s (root qdisc %s): %lu samples%s\n\n", row,
	       fresh ? "MSS" : "64 bytes", bench_drv_name[drv], qdisc, total,
	       fresh ? " on every CPU" : " of this thread, kernel side");
	printf("| %% | function |\n|---|---|\n");
	for (size_t i = 0; i < PROF_TOP && i < prof_nsyms && prof_syms[i].hits; i++)
		printf("| %.1f | `%s` |\n", 100.0 * prof_syms[i].hits / total,
		       prof_syms[i].name);
	qsort(prof_syms, prof_nsyms, sizeof(*prof_syms), prof_sym_cmp);
}

/*
 * bsdtun, tun and the bound take turns as the drivers do in
 * bench_measure().  tun time / bound time is the ceiling of the read
 * row's ratio; the last column compares the drivers' own parts, each
 * driver's time less the bound.
 */
static void bench_read_bound(void)
{
	struct bench_unit u[3];

	if (bench_bound_open(&u[2]) < 0) {
		printf("\n# no dummy interface: the read row's bound not measured\n");
		return;
	}
	bench_open(&u[0], DRV_BSD, 160, NULL);
	bench_open(&u[1], DRV_TUN, 161, NULL);
	printf("\n# read (driver) against its bound: the same loop with a dummy interface,\n");
	printf("# which frees the packet, and read() of /dev/zero (see bench_bound_open)\n");
	printf("| size | bsdtun | tun | bound | bsdtun/tun | bound/tun (best any driver can do) |");
	printf(" above the bound, tun/bsdtun |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (size_t z = 0; z < ARRAY_SIZE(bench_sizes); z++) {
		double t[3][REPS], q[3][REPS];
		struct bench_stat st[3];

		bench_turns(bench_row_read, bench_sizes[z], u, 3, t);
		for (int r = 0; r < REPS; r++) {
			q[0][r] = t[1][r] / t[0][r];
			q[1][r] = t[1][r] / t[2][r];
			/* Noise can put bsdtun at the bound: count that as far ahead. */
			q[2][r] = t[0][r] > t[2][r] ?
				  (t[1][r] - t[2][r]) / (t[0][r] - t[2][r]) : 99;
		}
		for (int d = 0; d < 3; d++)
			st[d] = bench_stat_of(t[d]);
		printf("| %zu |", bench_sizes[z]);
		for (int d = 0; d < 3; d++)
			bench_print_stat(&st[d], 1e6, "us");
		printf(" %.2f | %.2f | %.2f |\n", bench_stat_of(q[0]).med,
		       bench_stat_of(q[1]).med, bench_stat_of(q[2]).med);
		fflush(stdout);
	}
	bench_close(&u[0]);
	bench_close(&u[1]);
	close(u[2].fd);
	bench_sh("/sbin/ip link del bdummy0");
}

static void prof_rows(void)
{
	if (prof_load_syms() < 0) {
		printf("\n# no profile: /proc/kallsyms gives no addresses\n");
		return;
	}
	printf("\n## Profile (cpu-clock samples, in the guest)\n");
	for (size_t r = 0; r < ARRAY_SIZE(bench_rows); r++) {
		const struct bench_row *row = &bench_rows[r];

		if (!row->profile)
			continue;
		prof_row(row->name, row->fn, DRV_BSD, row->fresh);
		prof_row(row->name, row->fn, DRV_TUN, row->fresh);
	}
}

/* Is row @name among @only, a comma-separated list of name prefixes? */
static int bench_selected(const char *name, const char *only)
{
	while (only && *only) {
		size_t n = strcspn(only, ",");

		if (n && !strncmp(name, only, n))
			return 1;
		only += n + (only[n] == ',');
	}
	return !only;
}

int main(int argc, char **argv)
{
	const struct bench_row *rows = bench_rows;
	struct bench_stat fl;
	const char *only;

	if (argc > 1)
		bench_iters = strtoul(argv[1], NULL, 0);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * BSDTUN_BENCH=profile: the profile only; =<word>[,<word>...]: the
	 * rows whose names start so.
	 */
	only = getenv("BSDTUN_BENCH");
	if (only && !strcmp(only, "profile")) {
		prof_rows();
		return 0;
	}
	printf("# bsdtun against Linux tun, one boot, same loop; %u iterations, median of %d\n",
	       bench_iters, REPS);
	printf("# QEMU TCG: only the ratios mean anything, not the times.\n");
	printf("# ratio = median over runs of tun time / bsdtun time, the drivers taking\n");
	printf("# turns every %u iterations (a speed: > 1 means bsdtun is faster)\n",
	       bench_iters / BENCH_SLICES);
	printf("| row | size | bsdtun | bsdtun+HEAD | tun | tun+PI |");
	printf(" bsdtun/tun | bsdtun+HEAD/tun+PI |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (size_t r = 0; r < ARRAY_SIZE(bench_rows); r++) {
		for (size_t z = 0; z < ARRAY_SIZE(bench_sizes); z++) {
			struct bench_stat st[DRV_NR];
			double ratio[2];
			double scale = rows[r].fresh ? 1e3 : 1e6;

			if ((rows[r].fresh && z) ||
			    !bench_selected(rows[r].name, only))
				break;
			if (rows[r].fresh)
				printf("| %s | MSS |", rows[r].name);
			else
				printf("| %s | %zu |", rows[r].name, bench_sizes[z]);
			bench_measure(rows[r].fn, bench_sizes[z], rows[r].fresh, st,
				      ratio);
			for (int d = 0; d < DRV_NR; d++)
				bench_print_stat(&st[d], scale, rows[r].unit);
			printf(" %.2f | %.2f |\n", ratio[0], ratio[1]);
			fflush(stdout);
		}
	}
	if (bench_selected("read (driver)", only))
		bench_read_bound();
	if (only)
		return 0;
	{
		double t[REPS];

		for (int r = 0; r < REPS; r++)
			t[r] = bench_row_floor(NULL, 64);
		fl = bench_stat_of(t);
	}
	printf("| floor: read /dev/zero | 64 |");
	bench_print_stat(&fl, 1e6, "us");
	printf(" | | | | |\n");
	fflush(stdout);
	prof_rows();
	return 0;
}
