// SPDX-License-Identifier: GPL-2.0
/*
 * The rows' measured loops, one function each: given a unit (the bulk
 * row only its driver), the time per iteration (bulk: per MiB), all
 * drivers through the same code.  A tap unit's u->hdr is its Ethernet
 * header, so that the per-packet loops take frames as they are.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

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

double bench_row_write(struct bench_unit *u, size_t payload)
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

double bench_row_read(struct bench_unit *u, size_t payload)
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
	if (bench_drv_tap(u->drv)) {
		/*
		 * The stack puts the Ethernet header on (dev_hard_header),
		 * to the MAC the peer's neighbour entry holds.
		 */
		sll.sll_halen = ETH_ALEN;
		memcpy(sll.sll_addr, bench_peer_mac, ETH_ALEN);
	}
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

double bench_row_e2e_write(struct bench_unit *u, size_t payload)
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

double bench_row_e2e_read(struct bench_unit *u, size_t payload)
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
double bench_row_rtt(struct bench_unit *u, size_t payload)
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
 * B 10.78.0.2 as point-to-point peers (tap: on one /24, each knowing the
 * other's MAC, see bench_bulk_tap()).  With bench_relay_spin_us set (the
 * latency rows, bench_latency.c), each packet read from A costs that
 * much CPU before it is written, as a daemon that encrypts spends it.
 */
unsigned int bench_relay_spin_us;

static void bench_relay(int a, int b)
{
	struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	/* A 64 KiB super-packet behind its offload header. */
	static uint8_t buf[65536 + 64];
	double spin = bench_relay_spin_us / 1e6;

	for (;;) {
		if (poll(p, 2, -1) < 0)
			_exit(0);
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0 && i == 0 && spin > 0) {
				/* A's packet "encrypted": the latency rows' work. */
				double until = bench_now() + spin;

				while (bench_now() < until)
					;
			}
			if (n > 0 && write(p[1 - i].fd, buf, n) < 0)
				_exit(0);
		}
	}
}

/*
 * A tap unit @u of the bulk row into namespace @ns, as 10.78.0.@self/24,
 * with its peer (10.78.0.@peer, unit @pu) at a permanent neighbour entry:
 * the relay passes frames as they are, so A's stack addresses B's MAC,
 * which B takes as its own.  No ARP then, as in the tap rows' units.
 * IPv6 is off in the namespace before the unit enters it: a device
 * moved there takes the namespace's defaults, and IPv6 on an Ethernet
 * link would send its solicitations and reports through the relay.
 */
static void bench_bulk_tap(const struct bench_unit *u, const char *ns, int self,
			   const struct bench_unit *pu, int peer)
{
	char mac[18];

	bench_mac_str(pu->mac, mac, sizeof(mac));
	bench_sh("/sbin/ip netns exec %s sh -c "
		 "'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' && "
		 "/sbin/ip link set %s down && /sbin/ip link set %s netns %s",
		 ns, u->name, u->name, ns);
	bench_sh("/sbin/ip -n %s addr flush dev %s && "
		 "/sbin/ip -n %s addr add 10.78.0.%d/24 dev %s && "
		 "/sbin/ip -n %s link set %s up && /sbin/ip -n %s link set lo up && "
		 "/sbin/ip -n %s neigh replace 10.78.0.%d lladdr %s dev %s",
		 ns, u->name, ns, self, u->name, ns, u->name, ns,
		 ns, peer, mac, u->name);
}

/*
 * The bulk rows' two namespaces, units (driver @drv) and relay; the
 * relay's pid.  bench_bulk_down() undoes it, back in namespace @self
 * and with the server's pipe @p0 closed.
 */
pid_t bench_bulk_up(enum bench_drv drv, struct bench_unit *a,
		    struct bench_unit *b)
{
	pid_t relay;

	bench_sh("/sbin/ip netns add bna && /sbin/ip netns add bnb");
	bench_open(a, drv, 200, NULL);
	bench_open(b, drv, 201, NULL);
	if (bench_drv_tap(drv)) {
		bench_bulk_tap(a, "bna", 1, b, 2);
		bench_bulk_tap(b, "bnb", 2, a, 1);
	} else {
		bench_sh("/sbin/ip link set %s down && /sbin/ip link set %s netns bna && "
			 "/sbin/ip -n bna addr flush dev %s && "
			 "/sbin/ip -n bna addr add 10.78.0.1 peer 10.78.0.2 dev %s && "
			 "/sbin/ip -n bna link set %s up && /sbin/ip -n bna link set lo up",
			 a->name, a->name, a->name, a->name, a->name);
		bench_sh("/sbin/ip link set %s down && /sbin/ip link set %s netns bnb && "
			 "/sbin/ip -n bnb addr flush dev %s && "
			 "/sbin/ip -n bnb addr add 10.78.0.2 peer 10.78.0.1 dev %s && "
			 "/sbin/ip -n bnb link set %s up && /sbin/ip -n bnb link set lo up",
			 b->name, b->name, b->name, b->name, b->name);
	}
	relay = fork();
	if (relay == 0)
		bench_relay(a->fd, b->fd);
	return relay;
}

void bench_bulk_down(pid_t relay, struct bench_unit *a,
		     struct bench_unit *b, int self, int p0)
{
	if (self < 0 || setns(self, CLONE_NEWNET) < 0)
		bench_die("setns back");
	close(self);
	close(p0);
	kill(relay, SIGKILL);
	waitpid(relay, NULL, 0);
	close(a->fd);
	close(b->fd);
	bench_sh("/sbin/ip netns del bna && /sbin/ip netns del bnb");
}

void bench_setns(const char *ns)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		bench_die(path);
	close(fd);
}

/*
 * The sending side of a bulk row, once its server (which holds @p[1]
 * and writes "r" when it listens) is ready: into namespace bna.  The
 * caller's namespace, to go back to.
 */
static int bench_bulk_client(int p[2])
{
	char r;
	int self;

	/* The server's end only: its exit then ends our reads. */
	close(p[1]);
	if (read(p[0], &r, 1) != 1)
		bench_die("server start");
	self = open("/proc/self/ns/net", O_RDONLY);
	bench_setns("bna");
	return self;
}

double bench_row_bulk(struct bench_unit *unused, size_t payload)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7100) };
	struct bench_unit a, b;
	pid_t relay, server;
	int p[2], s, one = 1, self;
	static char buf[65536];
	size_t left = BULK_BYTES;
	double t0;

	(void)payload;
	relay = bench_bulk_up(unused->drv, &a, &b);
	if (pipe(p) < 0)
		bench_die("pipe");
	server = fork();
	if (server == 0) {
		int l, c;

		bench_setns("bnb");
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
	self = bench_bulk_client(p);
	s = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = inet_addr("10.78.0.2");
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		bench_die("connect");
	prof_mark(1);
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
	prof_mark(0);
	close(s);
	bench_bulk_down(relay, &a, &b, self, p[0]);
	/* seconds per MiB, so that smaller is better like the other rows */
	return t0 / (BULK_BYTES >> 20);
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif
#define BULK_UDP_SEG	1400
/* 44 datagrams per send: under 64 KiB, and under 5.10's 64 segments. */
#define BULK_UDP_SEND	(44 * BULK_UDP_SEG)

/*
 * UDP through the same relay: a sender in bna hands the stack 44
 * datagrams of 1400 bytes per send (UDP_SEGMENT), which a driver with
 * UDP segmentation offload in its header carries as one packet (one
 * without checksum offload gets one datagram per send); the
 * receiver in bnb counts what arrives until the flow has been quiet
 * for half a second.  Seconds per MiB received (the relay drops what it
 * cannot keep up with; that is part of the measure).
 */
double bench_row_bulk_udp(struct bench_unit *unused, size_t payload)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7101) };
	struct bench_unit a, b;
	int p[2], s, seg = BULK_UDP_SEG, big = 8 << 20, self;
	static char buf[65536];
	size_t left = BULK_BYTES;
	double res[2];
	pid_t relay, server;

	(void)payload;
	relay = bench_bulk_up(unused->drv, &a, &b);
	sin.sin_addr.s_addr = inet_addr("10.78.0.2");
	if (pipe(p) < 0)
		bench_die("pipe");
	server = fork();
	if (server == 0) {
		size_t got = 0;
		double first = 0, last = 0;
		struct pollfd pf;

		bench_setns("bnb");
		s = socket(AF_INET, SOCK_DGRAM, 0);
		setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			bench_die("udp bind");
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		pf.fd = s;
		pf.events = POLLIN;
		while (poll(&pf, 1, got ? 500 : 20000) == 1) {
			ssize_t n = recv(s, buf, sizeof(buf), 0);

			if (n <= 0)
				break;
			last = bench_now();
			if (!got)
				first = last;
			got += n;
		}
		res[0] = got ? (last - first) / ((double)got / (1 << 20)) : 1e9;
		res[1] = got;
		if (write(p[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	self = bench_bulk_client(p);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)) < 0 ||
	    connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		bench_die("udp sender");
	prof_mark(1);
	while (left) {
		size_t n = seg ? BULK_UDP_SEND : BULK_UDP_SEG;

		n = left < n ? left : n;

		/*
		 * A full queue drops (ENOBUFS here): UDP has no backpressure.
		 * Without checksum offload the kernel refuses a GSO send
		 * (EIO), and the sender goes on one datagram per send.
		 */
		if (send(s, buf, n, 0) < 0) {
			if (errno == EIO && seg) {
				seg = 0;
				if (setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg,
					       sizeof(seg)) < 0)
					bench_die("UDP_SEGMENT off");
				continue;
			}
			if (errno != ENOBUFS)
				bench_die("udp send");
		}
		left -= n;
	}
	if (read(p[0], res, sizeof(res)) != sizeof(res))
		bench_die("udp result");
	prof_mark(0);
	waitpid(server, NULL, 0);
	close(s);
	bench_bulk_down(relay, &a, &b, self, p[0]);
	return res[0];
}

double bench_row_floor(struct bench_unit *u, size_t payload)
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
