// SPDX-License-Identifier: GPL-2.0
/*
 * GRO on the write path, for every family: TCP segments of one flow
 * written back to back reach the stack as one packet (AF_PACKET sees
 * what the stack receives) carrying every byte; GRO off gives them one
 * by one; a segment GRO holds is delivered by the flush timer without a
 * further write; PSH ends a super-packet and a flow that is not TCP
 * passes, both long before a 4-second flush timer would, and so does a
 * super-packet written behind a virtio-net header; the default flush
 * timeout is the interface's gro_flush_timeout.  What GRO holds when the
 * interface goes down or moves to another namespace is dropped, never
 * delivered later, and GRO works again once the interface is up.
 */
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <stddef.h>
#include <netinet/tcp.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	46
#define SEGS	8
#define SEG	1000
#define PEER_MAC "\x02\x00\x00\x00\x00\x46"

FIXTURE(gro) {
	int fd, pkt;
	char name[IFNAMSIZ];
	uint8_t mac[ETH_ALEN];
};

FIXTURE_VARIANT(gro) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(gro, tun) { .fam = &bsdtun_fam_tun };
FIXTURE_VARIANT_ADD(gro, tap) { .fam = &bsdtun_fam_tap };
FIXTURE_VARIANT_ADD(gro, vmnet) { .fam = &bsdtun_fam_vmnet };

FIXTURE_SETUP(gro)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };

	self->pkt = -1;
	if (!bsdtun_loaded())
		ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_clone_fam(variant->fam, self->name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	if (variant->fam->ether)
		ASSERT_EQ(0, bsdtun_mac(self->name, self->mac));
	/* What the stack receives from the unit, after GRO. */
	self->pkt = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ASSERT_LE(0, self->pkt);
	sll.sll_ifindex = if_nametoindex(self->name);
	ASSERT_EQ(0, bind(self->pkt, (struct sockaddr *)&sll, sizeof(sll)));
}

/* The interface goes with the unit: the next test's takes its address. */
FIXTURE_TEARDOWN(gro)
{
	int on = 1;

	if (self->pkt >= 0)
		close(self->pkt);
	ioctl(self->fd, TUNSTRANSIENT, &on);
	close(self->fd);
}

/*
 * For an Ethernet unit, the header of a frame from the peer to the
 * unit's own MAC @mac carrying IPv4; its length (none on tun).
 */
static size_t gro_eth(const struct bsdtun_family *fam, const uint8_t *mac,
		      uint8_t *buf)
{
	struct ether_header *eh = (struct ether_header *)buf;

	if (!fam->ether)
		return 0;
	memcpy(eh->ether_dhost, mac, ETH_ALEN);
	memcpy(eh->ether_shost, PEER_MAC, ETH_ALEN);
	eh->ether_type = htons(ETHERTYPE_IP);
	return sizeof(*eh);
}

/*
 * Segment @i of a TCP flow 10.<NET>.0.2:40000 -> 10.<NET>.0.1:5555, @len
 * bytes of payload, flags @flags; as a frame for an Ethernet unit.
 * Consecutive segments differ only where GRO lets them: sequence number,
 * IP ID (incrementing, DF set) and checksums.
 */
static size_t gro_segment(const struct bsdtun_family *fam, const uint8_t *mac,
			  uint8_t *buf, int i, size_t len, uint8_t flags)
{
	size_t l2 = gro_eth(fam, mac, buf);
	struct iphdr *ip = (struct iphdr *)(buf + l2);
	struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
	uint8_t *data = (uint8_t *)(tcp + 1);
	uint32_t sum;

	memset(tcp, 0, sizeof(*tcp));
	bsdtun_ip4(ip, NET, IPPROTO_TCP, sizeof(*tcp) + len, 100 + i, IP_DF);
	tcp->source = htons(40000);
	tcp->dest = htons(5555);
	tcp->seq = htonl(1000 + i * len);
	tcp->ack_seq = htonl(1);
	tcp->doff = 5;
	((uint8_t *)tcp)[13] = flags;
	tcp->window = htons(512);
	for (size_t k = 0; k < len; k++)
		data[k] = (uint8_t)(i * len + k);
	sum = bsdtun_sum(&ip->saddr, 8, IPPROTO_TCP + sizeof(*tcp) + len);
	tcp->check = bsdtun_fold(bsdtun_sum(tcp, sizeof(*tcp) + len, sum));
	return l2 + sizeof(*ip) + sizeof(*tcp) + len;
}

#define GRO_ACK	0x10
/*
 * The longest flush timer a 32-bit kernel takes (an unsigned long of
 * nanoseconds): what GRO held would come after 4 s, what it did not
 * comes at once, and the tests wait 1 s.
 */
#define GRO_LONG "4000000000"
#define GRO_PSH	0x08

/* Write segments [from, to) of the flow, back to back. */
static int gro_write(int fd, const struct bsdtun_family *fam, const uint8_t *mac,
		     int from, int to)
{
	uint8_t buf[2048];

	for (int i = from; i < to; i++) {
		size_t n = gro_segment(fam, mac, buf, i, SEG, GRO_ACK);

		if (write(fd, buf, n) != (ssize_t)n)
			return -1;
	}
	return 0;
}

/*
 * Collect the flow's segments from segment @first on, as the stack
 * received them, until @bytes of payload arrived (waiting at most @ms for
 * each); the count of packets, or -1.
 * Each must continue the flow where the last ended, with its bytes.
 */
static int gro_collect(int pkt, int first, size_t bytes, size_t *largest,
		       int ms)
{
	static uint8_t buf[65536 + 256];
	uint32_t next = 1000 + first * SEG;
	size_t got = 0;
	int count = 0;

	*largest = 0;
	while (got < bytes) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		struct iphdr *ip = (struct iphdr *)buf;
		struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
		ssize_t n;
		size_t len;

		if (!bsdtun_readable(pkt, ms)) {
			fprintf(stderr, "# %zu of %zu bytes came\n", got, bytes);
			return -1;
		}
		n = recvfrom(pkt, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &sl);
		/* The stack's answers (RST, ARP) leave through the unit. */
		if (sll.sll_pkttype == PACKET_OUTGOING ||
		    n < (ssize_t)(sizeof(*ip) + sizeof(*tcp)) || ip->version != 4 ||
		    ip->protocol != IPPROTO_TCP || tcp->dest != htons(5555))
			continue;
		len = n - sizeof(*ip) - sizeof(*tcp);
		if (ntohl(tcp->seq) != next) {
			fprintf(stderr, "# sequence %u, not %u\n", ntohl(tcp->seq), next);
			return -1;
		}
		for (size_t k = 0; k < len; k++)
			if (((uint8_t *)(tcp + 1))[k] != (uint8_t)(next - 1000 + k))
				return -1;
		next += len;
		got += len;
		if (len > *largest)
			*largest = len;
		count++;
	}
	return got == bytes ? count : -1;
}

TEST_F(gro, default_flush_timeout_is_the_interfaces)
{
	EXPECT_EQ(200000, bsdtun_read_num("/sys/class/net/%s/gro_flush_timeout",
					  self->name));
}

TEST_F(gro, back_to_back_segments_reach_the_stack_as_one)
{
	size_t largest;
	int n;

	/*
	 * 200 ms: no emulated write outlasts it, and the timer delivers the
	 * super-packet well within gro_collect()'s wait.
	 */
	ASSERT_EQ(0, bsdtun_sh("echo 200000000 > /sys/class/net/%s/gro_flush_timeout",
			       self->name));
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 0, SEGS));
	/*
	 * GRO also ends a super-packet at a jiffy boundary between two
	 * writes, which emulation can put anywhere among the eight.
	 */
	n = gro_collect(self->pkt, 0, SEGS * SEG, &largest, 5000);
	ASSERT_LE(1, n);
	EXPECT_GT(SEGS, n);
	EXPECT_LE(2 * SEG, largest);
	EXPECT_EQ(SEGS, bsdtun_stat(self->name, "rx_packets"));
}

TEST_F(gro, gro_off_delivers_each_segment)
{
	size_t largest;

	ASSERT_EQ(0, bsdtun_sh("echo 200000000 > /sys/class/net/%s/gro_flush_timeout",
			       self->name));
	ASSERT_LE(0, bsdtun_ethtool(self->name, ETHTOOL_SGRO, 0));
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 0, SEGS));
	ASSERT_EQ(SEGS, gro_collect(self->pkt, 0, SEGS * SEG, &largest, 5000));
	EXPECT_EQ(SEG, largest);
}

TEST_F(gro, held_segment_flushed_without_another_write)
{
	size_t largest;

	/*
	 * One segment without PSH: GRO keeps it for the flow's next one,
	 * which never comes.  Only the flush timer can deliver it.
	 */
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 0, 1));
	ASSERT_EQ(1, gro_collect(self->pkt, 0, SEG, &largest, 5000));
	/* And a flow that went quiet for long is delivered again. */
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 1, 2));
	ASSERT_EQ(1, gro_collect(self->pkt, 1, SEG, &largest, 5000));
}

TEST_F(gro, psh_ends_the_super_packet)
{
	uint8_t buf[2048];
	size_t largest, n;

	/* Only PSH can end the super-packet within a second. */
	ASSERT_EQ(0, bsdtun_sh("echo %s > /sys/class/net/%s/gro_flush_timeout",
			       GRO_LONG, self->name));
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 0, 3));
	n = gro_segment(variant->fam, self->mac, buf, 3, SEG, GRO_ACK | GRO_PSH);
	ASSERT_EQ((ssize_t)n, write(self->fd, buf, n));
	/*
	 * Every byte came: the last segments could only have come through
	 * PSH.  A jiffy boundary between two writes may have split the run
	 * before it, as in the test above.
	 */
	ASSERT_LE(1, gro_collect(self->pkt, 0, 4 * SEG, &largest, 1000));
}

TEST_F(gro, udp_is_not_held)
{
	uint8_t buf[2048], pkt[256];
	size_t l2 = gro_eth(variant->fam, self->mac, buf), n;
	int s = bsdtun_udp_sock(AF_INET, 7);

	ASSERT_LE(0, s);
	/* A datagram GRO held would not come within a second. */
	ASSERT_EQ(0, bsdtun_sh("echo %s > /sys/class/net/%s/gro_flush_timeout",
			       GRO_LONG, self->name));
	n = l2 + bsdtun_udp4(buf + l2, NET, 7, "datagram", 8);
	ASSERT_EQ((ssize_t)n, write(self->fd, buf, n));
	ASSERT_TRUE(bsdtun_readable(s, 1000));
	ASSERT_EQ(8, recv(s, pkt, sizeof(pkt), 0));
	EXPECT_EQ(0, memcmp(pkt, "datagram", 8));
	close(s);
}

TEST_F(gro, written_super_packet_is_not_held)
{
	struct virtio_net_hdr v = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.gso_size = SEG,
		.csum_offset = offsetof(struct tcphdr, check),
	};
	static uint8_t buf[sizeof(v) + 2048 + 4 * SEG];
	int hlen = sizeof(v);
	size_t largest, l2, n;

	/*
	 * Four full segments and no PSH: what GRO would build and hold for
	 * the flow's next packet.  Written whole, it must not wait 4 s.
	 */
	ASSERT_EQ(0, bsdtun_sh("echo %s > /sys/class/net/%s/gro_flush_timeout",
			       GRO_LONG, self->name));
	ASSERT_EQ(0, ioctl(self->fd, TAPSVNETHDR, &hlen));
	n = gro_segment(variant->fam, self->mac, buf + sizeof(v), 0, 4 * SEG,
			GRO_ACK);
	l2 = variant->fam->ether ? ETH_HLEN : 0;
	v.csum_start = l2 + sizeof(struct iphdr);
	v.hdr_len = v.csum_start + sizeof(struct tcphdr);
	memcpy(buf, &v, sizeof(v));
	ASSERT_EQ((ssize_t)(sizeof(v) + n), write(self->fd, buf, sizeof(v) + n));
	ASSERT_EQ(1, gro_collect(self->pkt, 0, 4 * SEG, &largest, 1000));
	EXPECT_EQ(4 * SEG, largest);
}

/*
 * A packet socket on every interface of the namespace it is made in: one
 * bound to the unit stops listening when the unit goes down, and what
 * GRO delivers late, it delivers to a down interface.
 */
static int gro_any_socket(void)
{
	return socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
}

/*
 * Packets of the flow that the stack receives from interface @ifindex
 * within @ms, stopping at @want.
 */
static int gro_count(int pkt, int ifindex, int want, int ms)
{
	uint8_t buf[65536 + 256];
	int count = 0;

	while (count < want && bsdtun_readable(pkt, ms)) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		struct iphdr *ip = (struct iphdr *)buf;
		struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
		ssize_t n;

		n = recvfrom(pkt, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &sl);
		if (sll.sll_ifindex != ifindex || sll.sll_pkttype == PACKET_OUTGOING ||
		    n < (ssize_t)(sizeof(*ip) + sizeof(*tcp)) || ip->version != 4 ||
		    ip->protocol != IPPROTO_TCP || tcp->dest != htons(5555))
			continue;
		count++;
	}
	return count;
}

/* One segment of the flow with PSH: GRO delivers it at once. */
static int gro_write_psh(int fd, const struct bsdtun_family *fam,
			 const uint8_t *mac, int i)
{
	uint8_t buf[2048];
	size_t n = gro_segment(fam, mac, buf, i, SEG, GRO_ACK | GRO_PSH);

	return write(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

/*
 * Whether a segment GRO held survived a down or a move is told without
 * waiting for its flush timer (GRO_LONG: a slow emulated "down" cannot
 * outlast it): the flow's next segments, written once the interface is
 * up, must reach the stack alone.  A held segment that survived would
 * be flushed ahead of them (its sequence is not theirs: GRO flushes it
 * when they come), and gro_collect() fails on its sequence.  They come
 * as one packet, or as two when a jiffy ended during the first one's
 * poll (a poll's end flushes what GRO has held since an earlier jiffy).
 */
TEST_F(gro, held_segment_dropped_when_down)
{
	int any = gro_any_socket(), s = socket(AF_INET, SOCK_DGRAM, 0);
	int ifindex = if_nametoindex(self->name);
	size_t largest;

	ASSERT_LE(0, any);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bsdtun_sh("echo %s > /sys/class/net/%s/gro_flush_timeout",
			       GRO_LONG, self->name));
	/* One segment without PSH: GRO holds it for the flush timer. */
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 0, 1));
	ASSERT_EQ(0, bsdtun_set_up(s, self->name, 0));
	/* Written while down: dropped, as before. */
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 1, 2));
	EXPECT_EQ(0, gro_count(any, ifindex, 1, 100));

	/* Up again: GRO holds and delivers the flow's next two as one. */
	ASSERT_EQ(0, bsdtun_set_up(s, self->name, 1));
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 2, 3));
	ASSERT_EQ(0, gro_write_psh(self->fd, variant->fam, self->mac, 3));
	EXPECT_LE(1, gro_collect(any, 2, 2 * SEG, &largest, 5000));
	close(any);
	close(s);
}

TEST_F(gro, held_segment_dropped_when_moved_to_another_namespace)
{
	int self_ns = open("/proc/self/ns/net", O_RDONLY), ns, any, ifindex;
	size_t largest;

	bsdtun_netns_del("bt");
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	ns = open("/run/netns/bt", O_RDONLY);
	ASSERT_LE(0, ns);
	ASSERT_LE(0, self_ns);
	/* A packet socket of the namespace the interface goes to. */
	ASSERT_EQ(0, setns(ns, CLONE_NEWNET));
	any = gro_any_socket();
	ASSERT_EQ(0, setns(self_ns, CLONE_NEWNET));
	ASSERT_LE(0, any);

	ASSERT_EQ(0, bsdtun_sh("echo %s > /sys/class/net/%s/gro_flush_timeout",
			       GRO_LONG, self->name));
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 0, 1));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s netns bt", self->name));
	ifindex = bsdtun_sh_num(BSDTUN_IP " netns exec bt cat /sys/class/net/%s/ifindex",
				self->name);
	ASSERT_LT(0, ifindex);
	EXPECT_EQ(0, gro_count(any, ifindex, 1, 100));

	/* There, up again: the unit's file still feeds GRO, and only it. */
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link set %s up", self->name));
	ASSERT_EQ(0, gro_write(self->fd, variant->fam, self->mac, 1, 2));
	ASSERT_EQ(0, gro_write_psh(self->fd, variant->fam, self->mac, 2));
	EXPECT_LE(1, gro_collect(any, 1, 2 * SEG, &largest, 5000));
	close(any);
	close(ns);
	close(self_ns);
	bsdtun_sh(BSDTUN_IP " netns del bt");
}

TEST_HARNESS_MAIN
