// SPDX-License-Identifier: GPL-2.0
/*
 * Offload headers, for every family and both formats (FreeBSD's
 * virtio-net header of 10 or 12 bytes, OpenBSD's tun_hdr) as fixture
 * variants: the ioctls and their errors, reset on close, the interface
 * features following the header; a checksum left to the reader on read,
 * and ones left to the stack on write (UDP; ICMP, and tun_hdr's IPv4
 * header checksum); a TCP super-packet read with its segment size and
 * checksum request, over IPv4 and IPv6; a written super-packet taken by
 * a TCP receiver; every lying header refused with nothing reaching the
 * stack; writes up to 64 KiB, intact as their pages are reused.
 * OpenBSD's capabilities taken one by one: a checksum or super-packet
 * of a transport and IP version the reader did not enable comes done.
 * A virtio-net header with FreeBSD's offloads, Linux's others only
 * after BSDTUN_SOFFLOAD.  A checksum field far into a 64 KiB write, and
 * no page above order 0 on write (fault injection, debug kernel).
 */
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

/* Linux 6.2's name for the virtio specification's UDP segmentation. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

#define NET	47
#define PEER_MAC "\x02\x00\x00\x00\x00\x47"
#define PEER_MAC_STR "02:00:00:00:00:47"
#define MSS	1000
#define TH	8	/* the variant's header is OpenBSD's tun_hdr */
#define BSDTUN_TH_CSUM (TUN_H_TCP_CSUM | TUN_H_UDP_CSUM | TUN_H_ICMP_CSUM)
#define ALL_CAPS (IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4 | IFCAP_CSUM_TCPv6 | \
		  IFCAP_CSUM_UDPv6 | IFCAP_TSOv4 | IFCAP_TSOv6)
/* The largest write the header takes: 64 KiB of IP, framed, and it. */
#define OFL_MRU	(65535 + 18)

/* The unit under test, as the helpers below need it. */
struct ofl_unit {
	int fd;
	size_t af;		/* TUNSIFHEAD's family word after the offload header */
	size_t l2;		/* link header: Ethernet's, or none */
	uint8_t mac[ETH_ALEN];
};

FIXTURE(offload) {
	struct ofl_unit u;
	char name[IFNAMSIZ];
};

FIXTURE_VARIANT(offload) {
	const struct bsdtun_family *fam;
	int hlen;	/* 10 or 12 (virtio-net) or TH */
};

/*
 * Each family with each format, once: the 12-byte virtio-net header on
 * tap (bhyve's), the 10-byte one elsewhere; vmnet shares tap's code and
 * differs only when closed.
 */
FIXTURE_VARIANT_ADD(offload, tun_vnet) { &bsdtun_fam_tun, 10 };
FIXTURE_VARIANT_ADD(offload, tun_tunhdr) { &bsdtun_fam_tun, TH };
FIXTURE_VARIANT_ADD(offload, tap_vnet12) { &bsdtun_fam_tap, 12 };
FIXTURE_VARIANT_ADD(offload, tap_tunhdr) { &bsdtun_fam_tap, TH };
FIXTURE_VARIANT_ADD(offload, vmnet_vnet) { &bsdtun_fam_vmnet, 10 };
FIXTURE_VARIANT_ADD(offload, vmnet_tunhdr) { &bsdtun_fam_vmnet, TH };

/*
 * A transient clone per test, gone at teardown; the module is loaded
 * once (reloading for each test would double the program's time).
 */
FIXTURE_SETUP(offload)
{
	if (!bsdtun_loaded())
		ASSERT_EQ(0, bsdtun_reload(NULL));
	self->u.fd = bsdtun_clone_fam(variant->fam, self->name);
	ASSERT_LE(0, self->u.fd);
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	if (variant->fam->ether) {
		self->u.l2 = ETH_HLEN;
		ASSERT_EQ(0, bsdtun_mac(self->name, self->u.mac));
		/* What the stack sends the peer goes to a MAC with no ARP. */
		ASSERT_EQ(0, bsdtun_nl_peer_mac(self->name, NET, 0, PEER_MAC));
	}
}

FIXTURE_TEARDOWN(offload)
{
	int on = 1;

	ioctl(self->u.fd, TUNSTRANSIENT, &on);
	close(self->u.fd);
}

/* Turn the variant's header on (tun_hdr: with capabilities @caps). */
static int ofl_on(int fd, int hlen, uint32_t caps)
{
	struct tun_capabilities cap = { caps };

	if (hlen == TH)
		return ioctl(fd, TUNSCAP, &cap);
	return ioctl(fd, TAPSVNETHDR, &hlen);
}

/* What a header says, whichever the format. */
struct ofl {
	int csum;		/* checksum left to do */
	unsigned int start;	/* ... from here (virtio-net only) */
	unsigned int off;	/* ... into its field at start + off */
	int gso;		/* 0, or VIRTIO_NET_HDR_GSO_* */
	unsigned int gso_size;
	unsigned int hdr_len;
	unsigned int flags;	/* raw extra flags to set (lies) */
	int proto;		/* tun_hdr: which checksum flag */
};

static size_t ofl_put(int hlen, uint8_t *p, const struct ofl *o)
{
	if (hlen == TH) {
		struct tun_hdr th = { 0 };

		if (o->csum)
			th.th_flags |= o->proto == IPPROTO_UDP ? TUN_H_UDP_CSUM :
				       TUN_H_TCP_CSUM;
		if (o->gso) {
			th.th_flags |= TUN_H_TCP_MSS;
			th.th_mss = o->gso_size;
		}
		th.th_flags |= o->flags;
		memcpy(p, &th, sizeof(th));
		return sizeof(th);
	}
	struct virtio_net_hdr_mrg_rxbuf v;

	memset(&v, 0, sizeof(v));
	v.hdr.flags = (o->csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0) | o->flags;
	v.hdr.csum_start = o->start;
	v.hdr.csum_offset = o->off;
	v.hdr.gso_type = o->gso;
	v.hdr.gso_size = o->gso_size;
	v.hdr.hdr_len = o->hdr_len;
	memcpy(p, &v, hlen);
	return hlen;
}

static void ofl_get(int hlen, const uint8_t *p, struct ofl *o)
{
	memset(o, 0, sizeof(*o));
	if (hlen == TH) {
		struct tun_hdr th;

		memcpy(&th, p, sizeof(th));
		o->csum = !!(th.th_flags & (TUN_H_TCP_CSUM | TUN_H_UDP_CSUM));
		o->proto = th.th_flags & TUN_H_UDP_CSUM ? IPPROTO_UDP : IPPROTO_TCP;
		o->gso = th.th_flags & TUN_H_TCP_MSS ? VIRTIO_NET_HDR_GSO_TCPV4 : 0;
		o->gso_size = th.th_mss;
		o->flags = th.th_flags;
		return;
	}
	struct virtio_net_hdr v;

	memcpy(&v, p, sizeof(v));
	o->csum = v.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	o->start = v.csum_start;
	o->off = v.csum_offset;
	o->gso = v.gso_type;
	o->gso_size = v.gso_size;
	o->hdr_len = v.hdr_len;
	o->flags = v.flags;
}

/* The pseudo-header sum a partial checksum field holds, folded. */
static uint16_t ofl_partial(const struct iphdr *ip, size_t l4len)
{
	uint32_t sum = bsdtun_sum(&ip->saddr, 8, ip->protocol + l4len);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(sum);
}

/*
 * For an Ethernet unit, the header of a frame from the peer to it,
 * carrying IP version @v.
 */
static size_t ofl_eth(const struct ofl_unit *u, uint8_t *p, int v)
{
	struct ether_header *eh = (struct ether_header *)p;

	if (!u->l2)
		return 0;
	memcpy(eh->ether_dhost, u->mac, ETH_ALEN);
	memcpy(eh->ether_shost, PEER_MAC, ETH_ALEN);
	eh->ether_type = htons(v == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP);
	return ETH_HLEN;
}

/* A TCP header, with an MSS option on SYN (4 bytes after it). */
static void ofl_tcp_hdr(struct tcphdr *tcp, uint16_t sport, uint16_t dport,
			uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t *o = (uint8_t *)(tcp + 1);

	memset(tcp, 0, sizeof(*tcp));
	tcp->source = htons(sport);
	tcp->dest = htons(dport);
	tcp->seq = htonl(seq);
	tcp->ack_seq = htonl(ack);
	tcp->doff = (sizeof(*tcp) + (flags & TH_SYN ? 4 : 0)) / 4;
	((uint8_t *)tcp)[13] = flags;
	tcp->window = htons(65535);
	if (flags & TH_SYN) {
		o[0] = TCPOPT_MAXSEG;
		o[1] = 4;
		o[2] = MSS >> 8;
		o[3] = MSS & 0xff;
	}
}

/*
 * A TCP segment 10.NET.0.2:@sport -> 10.NET.0.1:@dport at @p (after any
 * link header), with an MSS option on SYN; its checksum complete, or the
 * pseudo-header sum when @partial.  Returns its IP length.
 */
static size_t ofl_tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq,
		      uint32_t ack, uint8_t flags, const uint8_t *data,
		      size_t len, int partial)
{
	struct iphdr *ip = (struct iphdr *)p;
	struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
	size_t opt = flags & TH_SYN ? 4 : 0, l4 = sizeof(*tcp) + opt + len;
	uint8_t *o = (uint8_t *)(tcp + 1);

	bsdtun_ip4(ip, NET, IPPROTO_TCP, l4, 7, IP_DF);
	ofl_tcp_hdr(tcp, sport, dport, seq, ack, flags);
	memcpy(o + opt, data, len);
	tcp->check = partial ? ofl_partial(ip, l4) :
		     bsdtun_fold(bsdtun_sum(tcp, l4, bsdtun_sum(&ip->saddr, 8,
								IPPROTO_TCP + l4)));
	return sizeof(*ip) + l4;
}

/* The IPv6 twin of ofl_tcp(): fd00:NET::2 port @sport to fd00:NET::1 port @dport. */
static size_t ofl_tcp6(uint8_t *p, uint16_t sport, uint16_t dport,
		       uint32_t seq, uint32_t ack, uint8_t flags,
		       const uint8_t *data, size_t len, int partial)
{
	struct ip6_hdr *ip6 = (struct ip6_hdr *)p;
	struct tcphdr *tcp = (struct tcphdr *)(ip6 + 1);
	size_t opt = flags & TH_SYN ? 4 : 0, l4 = sizeof(*tcp) + opt + len;
	uint32_t sum;

	memset(p, 0, sizeof(*ip6) + sizeof(*tcp) + opt);
	ip6->ip6_flow = htonl(6 << 28);
	ip6->ip6_plen = htons(l4);
	ip6->ip6_nxt = IPPROTO_TCP;
	ip6->ip6_hlim = 64;
	bsdtun_v6(&ip6->ip6_src, NET, 2);
	bsdtun_v6(&ip6->ip6_dst, NET, 1);
	ofl_tcp_hdr(tcp, sport, dport, seq, ack, flags);
	memcpy((uint8_t *)(tcp + 1) + opt, data, len);
	sum = bsdtun_sum(&ip6->ip6_src, 32, IPPROTO_TCP + l4);
	if (partial) {
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		tcp->check = htons(sum);
	} else {
		tcp->check = bsdtun_fold(bsdtun_sum(tcp, l4, sum));
	}
	return sizeof(*ip6) + l4;
}

/*
 * Write one packet: the variant's header from @o, then the link header
 * and @ip (IP length @iplen).  write()'s result.
 */
static ssize_t ofl_write(struct ofl_unit *u, int hlen,
			 const struct ofl *o, const uint8_t *ip, size_t iplen)
{
	static uint8_t buf[OFL_MRU + 64];
	size_t n = ofl_put(hlen, buf, o);
	uint32_t af = htonl(ip[0] >> 4 == 6 ? AF_INET6 : AF_INET);

	if (u->af) {
		memcpy(buf + n, &af, sizeof(af));
		n += sizeof(af);
	}
	n += ofl_eth(u, buf + n, ip[0] >> 4);
	memcpy(buf + n, ip, iplen);
	return write(u->fd, buf, n + iplen);
}

/*
 * Read the next IPv4 or IPv6 packet of transport @proto to port @dport
 * (5 s at most each), skipping the rest: what the stack still sends
 * for an earlier test's connection, say.  Its header in @o, the IP
 * packet at @ip; the IP length, or -1.
 */
static int ofl_skipped;

static ssize_t ofl_read(struct ofl_unit *u, int hlen, uint8_t *buf,
			size_t size, struct ofl *o, uint8_t **ip, int proto,
			uint16_t dport)
{
	ofl_skipped = 0;
	for (int i = 0; i < 50; i++) {
		int v6, l3;
		ssize_t n;

		if (!bsdtun_readable(u->fd, 5000))
			return -1;
		n = read(u->fd, buf, size);
		if (n < (ssize_t)(hlen + u->af + u->l2 + sizeof(struct iphdr)))
			continue;
		*ip = buf + hlen + u->af + u->l2;
		/* IPv4 without options, or IPv6 without extension headers. */
		v6 = (*ip)[0] >> 4 == 6;
		l3 = v6 ? 40 : 20;
		/* The destination port after the IP header (ICMP: none). */
		if (((*ip)[0] != 0x45 && !v6) || (*ip)[v6 ? 6 : 9] != proto ||
		    n < (ssize_t)(hlen + u->af + u->l2 + l3 + 4) ||
		    (proto != IPPROTO_ICMP &&
		     ((*ip)[l3 + 2] << 8 | (*ip)[l3 + 3]) != dport)) {
			ofl_skipped++;
			continue;
		}
		ofl_get(hlen, buf, o);
		return n - hlen - u->af - u->l2;
	}
	return -1;
}

/* Whether IP packet @ip (@n bytes, no options) has its TCP or UDP checksum done. */
static int ofl_csum_done(const uint8_t *ip, size_t n)
{
	int v6 = ip[0] >> 4 == 6, proto = ip[v6 ? 6 : 9];
	size_t l3 = v6 ? 40 : 20, l4 = n - l3;
	uint32_t sum = v6 ? bsdtun_sum(ip + 8, 32, proto + l4) :
			    bsdtun_sum(ip + 12, 8, proto + l4);

	return n > l3 && !bsdtun_fold(bsdtun_sum(ip + l3, l4, sum));
}

/*
 * IPv6 on the unit as well (fd00:NET::1, peer ::2); a tun unit then
 * reads with the family word, after the offload header.
 */
static int ofl_six(struct ofl_unit *u, const char *name)
{
	int on = 1;

	if (bsdtun_up6(name, NET))
		return -1;
	if (u->l2)
		return bsdtun_nl_peer_mac(name, NET, 1, PEER_MAC);
	if (ioctl(u->fd, TUNSIFHEAD, &on))
		return -1;
	u->af = 4;
	return 0;
}

/*
 * Open a connection from the local stack to the peer's port @dport over
 * IPv@v, without waiting: the socket in @s, its SYN read into @buf (its
 * header in @o, the IP packet at @ip); the SYN's IP length, or -1.
 */
static ssize_t ofl_syn(struct ofl_unit *u, int hlen, int v, uint16_t dport,
		       uint8_t *buf, size_t size, struct ofl *o, uint8_t **ip,
		       int *s)
{
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(dport) };
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(dport),
				  .sin_addr.s_addr = bsdtun_v4(NET, 2) };
	int r;

	bsdtun_v6(&to6.sin6_addr, NET, 2);
	*s = socket(v == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (*s < 0)
		return -1;
	r = v == 6 ? connect(*s, (struct sockaddr *)&to6, sizeof(to6)) :
		     connect(*s, (struct sockaddr *)&to, sizeof(to));
	if (r && errno != EINPROGRESS)
		return -1;
	return ofl_read(u, hlen, buf, size, o, ip, IPPROTO_TCP, dport);
}

TEST_F(offload, header_ioctls_and_features)
{
	struct tun_capabilities cap = { 0 };
	int len = -1, bad = 7, fd;
	char node[64];

	/* Off: neither header, no offload offered. */
	ASSERT_EQ(0, ioctl(self->u.fd, TAPGVNETHDR, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(-1, ioctl(self->u.fd, TUNGCAP, &cap));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTSO, 0));
	EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTXCSUM, 0));

	EXPECT_EQ(-1, ioctl(self->u.fd, TAPSVNETHDR, &bad));
	EXPECT_EQ(EINVAL, errno);
	cap.tun_if_capabilities = 0x80000000;
	EXPECT_EQ(-1, ioctl(self->u.fd, TUNSCAP, &cap));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	EXPECT_EQ(1, bsdtun_ethtool(self->name, ETHTOOL_GTSO, 0));
	EXPECT_EQ(1, bsdtun_ethtool(self->name, ETHTOOL_GTXCSUM, 0));
	if (variant->hlen == TH) {
		ASSERT_EQ(0, ioctl(self->u.fd, TUNGCAP, &cap));
		EXPECT_EQ(ALL_CAPS, cap.tun_if_capabilities);
		ASSERT_EQ(0, ioctl(self->u.fd, TAPGVNETHDR, &len));
		EXPECT_EQ(0, len);
		/* One header at a time. */
		len = 10;
		EXPECT_EQ(-1, ioctl(self->u.fd, TAPSVNETHDR, &len));
		EXPECT_EQ(EBUSY, errno);
		/* Capabilities without TSO: no TSO offered. */
		cap.tun_if_capabilities = IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4;
		ASSERT_EQ(0, ioctl(self->u.fd, TUNSCAP, &cap));
		EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTSO, 0));
		EXPECT_EQ(1, bsdtun_ethtool(self->name, ETHTOOL_GTXCSUM, 0));
		ASSERT_EQ(0, ioctl(self->u.fd, TUNDCAP));
	} else {
		ASSERT_EQ(0, ioctl(self->u.fd, TAPGVNETHDR, &len));
		EXPECT_EQ(variant->hlen, len);
		EXPECT_EQ(-1, ioctl(self->u.fd, TUNGCAP, &cap));
		EXPECT_EQ(ENODEV, errno);
		cap.tun_if_capabilities = ALL_CAPS;
		EXPECT_EQ(-1, ioctl(self->u.fd, TUNSCAP, &cap));
		EXPECT_EQ(EBUSY, errno);
		/* ethtool turns one feature off, the header stays. */
		ASSERT_LE(0, bsdtun_ethtool(self->name, ETHTOOL_STSO, 0));
		EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTSO, 0));
		EXPECT_EQ(1, bsdtun_ethtool(self->name, ETHTOOL_GTXCSUM, 0));
		len = 0;
		ASSERT_EQ(0, ioctl(self->u.fd, TAPSVNETHDR, &len));
	}
	EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTSO, 0));
	EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTXCSUM, 0));

	/* Close resets it: the next opener starts without a header. */
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	close(self->u.fd);
	snprintf(node, sizeof(node), "/dev/%s", self->name);
	fd = open(node, O_RDWR);
	ASSERT_LE(0, fd);
	self->u.fd = fd;
	ASSERT_EQ(0, ioctl(fd, TAPGVNETHDR, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(-1, ioctl(fd, TUNGCAP, &cap));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, bsdtun_ethtool(self->name, ETHTOOL_GTXCSUM, 0));
}

TEST_F(offload, checksum_left_to_the_reader)
{
	static uint8_t buf[4096];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct udphdr *udp;
	struct ofl o;
	uint8_t *ip;
	ssize_t n;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, s);
	to.sin_addr.s_addr = bsdtun_v4(NET, 2);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	ASSERT_EQ(5, sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)));
	n = ofl_read(&self->u, variant->hlen, buf, sizeof(buf), &o, &ip, IPPROTO_UDP, 9);
	ASSERT_EQ(20 + 8 + 5, n);
	udp = (struct udphdr *)(ip + 20);
	ASSERT_EQ(1, o.csum);
	if (variant->hlen == TH) {
		EXPECT_EQ(IPPROTO_UDP, o.proto);
	} else {
		EXPECT_EQ(self->u.l2 + 20, o.start);
		EXPECT_EQ(6, o.off);
	}
	/* The field holds the pseudo-header sum, for the reader to finish. */
	EXPECT_EQ(ofl_partial((struct iphdr *)ip, 13), udp->check);
	EXPECT_EQ(0, memcmp(udp + 1, "hello", 5));

	/* Checksum offload off: finished checksums, no request. */
	ASSERT_LE(0, bsdtun_ethtool(self->name, ETHTOOL_STXCSUM, 0));
	ASSERT_EQ(5, sendto(s, "world", 5, 0, (struct sockaddr *)&to, sizeof(to)));
	n = ofl_read(&self->u, variant->hlen, buf, sizeof(buf), &o, &ip, IPPROTO_UDP, 9);
	ASSERT_EQ(20 + 8 + 5, n);
	EXPECT_EQ(0, o.csum);
	EXPECT_EQ(0, bsdtun_fold(bsdtun_sum(ip + 20, 13,
					    bsdtun_sum(ip + 12, 8, IPPROTO_UDP + 13))));
	close(s);
}

/*
 * OpenBSD's checksum capabilities one by one, as its stack takes them: a
 * reader gets a partial checksum only of a transport and IP version it
 * enabled; any other comes finished, with no flag asking for it.
 */
TEST_F(offload, tunscap_checksums_follow_each_capability)
{
	static const uint32_t caps[] = {
		IFCAP_CSUM_TCPv4 | IFCAP_CSUM_TCPv6,
		IFCAP_CSUM_UDPv4 | IFCAP_CSUM_UDPv6,
		IFCAP_CSUM_UDPv4 | IFCAP_CSUM_TCPv6,
		IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv6,
	};
	static uint8_t buf[4096];
	uint16_t dport = 20000 + getpid() % 20000;
	struct ofl o;
	uint8_t *ip;
	ssize_t n;
	int s;

	if (variant->hlen != TH)
		SKIP(return, "OpenBSD's capabilities: tun_hdr's variants");
	ASSERT_EQ(0, ofl_six(&self->u, self->name));
	for (size_t c = 0; c < ARRAY_SIZE(caps); c++) {
		ASSERT_EQ(0, ofl_on(self->u.fd, TH, caps[c]));
		for (int v = 4; v <= 6; v += 2) {
			uint32_t udp = v == 6 ? IFCAP_CSUM_UDPv6 : IFCAP_CSUM_UDPv4;
			uint32_t tcp = v == 6 ? IFCAP_CSUM_TCPv6 : IFCAP_CSUM_TCPv4;

			ASSERT_EQ(5, v == 6 ? bsdtun_send6(NET, "hello", 5) :
					      bsdtun_send4(NET, "hello", 5));
			n = ofl_read(&self->u, TH, buf, sizeof(buf), &o, &ip,
				     IPPROTO_UDP, 4242);
			ASSERT_LT(0, n);
			EXPECT_EQ(caps[c] & udp ? TUN_H_UDP_CSUM : 0,
				  o.flags & BSDTUN_TH_CSUM)
				TH_LOG("UDP over IPv%d, capabilities %#x", v, caps[c]);
			if (!(caps[c] & udp))
				EXPECT_TRUE(ofl_csum_done(ip, n));

			n = ofl_syn(&self->u, TH, v, dport++, buf, sizeof(buf),
				    &o, &ip, &s);
			ASSERT_LT(0, n);
			EXPECT_EQ(caps[c] & tcp ? TUN_H_TCP_CSUM : 0,
				  o.flags & BSDTUN_TH_CSUM)
				TH_LOG("TCP over IPv%d, capabilities %#x", v, caps[c]);
			if (!(caps[c] & tcp))
				EXPECT_TRUE(ofl_csum_done(ip, n));
			close(s);
		}
	}
}

TEST_F(offload, checksum_left_to_the_stack_on_write)
{
	static uint8_t pkt[256];
	struct ofl o = { .csum = 1, .start = self->u.l2 + 20, .off = 6,
			 .proto = IPPROTO_UDP };
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t n = bsdtun_udp4(pkt, NET, 9, "partial", 7);
	char got[16];
	uint32_t sum;
	int s = bsdtun_udp_sock(AF_INET, 9);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	/* Not a valid checksum: only the request makes the stack take it. */
	udp->check = ofl_partial(ip, 8 + 7);
	sum = bsdtun_sum(&ip->saddr, 8, IPPROTO_UDP + 15);
	ASSERT_NE(bsdtun_fold(bsdtun_sum(udp, 15, sum)), udp->check);
	ASSERT_LT(0, ofl_write(&self->u, variant->hlen, &o, pkt, n));
	ASSERT_TRUE(bsdtun_readable(s, 5000));
	ASSERT_EQ(7, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, "partial", 7));
	close(s);
}

TEST_F(offload, checksums_filled_in_on_write)
{
	static uint8_t pkt[256], buf[4096];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct icmphdr *icmp = (struct icmphdr *)(ip + 1);
	/* virtio-net: the ICMP checksum; tun_hdr: it and the IP header's. */
	struct ofl o = { .csum = 1, .start = self->u.l2 + 20, .off = 2,
			 .flags = TUN_H_IPV4_CSUM | TUN_H_ICMP_CSUM };
	struct ofl r;
	uint8_t *rip;
	ssize_t n;

	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	bsdtun_ip4(ip, NET, IPPROTO_ICMP, sizeof(*icmp) + 8, 9, 0);
	memset(icmp, 0, sizeof(*icmp));
	icmp->type = ICMP_ECHO;
	icmp->un.echo.id = htons(0x4711);
	memcpy(icmp + 1, "offload!", 8);
	if (variant->hlen == TH) {
		o.csum = 0;
		ip->check = 0;
	} else {
		o.flags = 0;
	}
	/*
	 * Without the header's requests the stack would drop this echo
	 * request, its checksums left undone; with them it answers.
	 */
	ASSERT_LT(0, ofl_write(&self->u, variant->hlen, &o, pkt,
			       sizeof(*ip) + sizeof(*icmp) + 8));
	for (int i = 0; i < 20; i++) {
		n = ofl_read(&self->u, variant->hlen, buf, sizeof(buf), &r, &rip,
			     IPPROTO_ICMP, 0);
		ASSERT_EQ(20 + 8 + 8, n);
		if (rip[20] == ICMP_ECHOREPLY)
			break;
	}
	ASSERT_EQ(ICMP_ECHOREPLY, rip[20]);
	EXPECT_EQ(0, memcmp(rip + 28, "offload!", 8));
}

/*
 * Complete a connection from the local stack to the peer 10.NET.0.2 at
 * port @dport (a SYN read, SYN-ACK written with MSS); the socket,
 * connected, and the stack's next sequence number in @seq; -1 on
 * failure.
 */
static int ofl_connect_out(struct ofl_unit *u, int hlen, uint16_t dport,
			   uint32_t *seq, uint16_t *sport)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(dport) };
	static uint8_t buf[70000];
	struct ofl o = { 0 };
	struct tcphdr *tcp;
	struct pollfd p;
	uint8_t *ip, pkt[128];
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ssize_t n;

	to.sin_addr.s_addr = bsdtun_v4(NET, 2);
	if (s < 0 || (connect(s, (struct sockaddr *)&to, sizeof(to)) &&
		      errno != EINPROGRESS))
		return -1;
	n = ofl_read(u, hlen, buf, sizeof(buf), &o, &ip, IPPROTO_TCP, dport);
	tcp = (struct tcphdr *)(ip + 20);
	if (n < 40 || ip[9] != IPPROTO_TCP || !(tcp->syn))
		return -1;
	*sport = ntohs(tcp->source);
	*seq = ntohl(tcp->seq) + 1;
	n = ofl_tcp(pkt, dport, *sport, 5000, *seq, TH_SYN | TH_ACK, NULL, 0, 0);
	if (ofl_write(u, hlen, &(struct ofl){ 0 }, pkt, n) < 0)
		return -1;
	p.fd = s;
	p.events = POLLOUT;
	if (poll(&p, 1, 5000) != 1)
		return -1;
	return s;
}

/*
 * Read the first flight of a connection the local stack opened to port
 * @dport, its data @data from sequence number @seq on, over IP whose
 * header takes @l3 bytes (20 or 40): up to the initial window of ten
 * segments, as no ACK goes back.  Every byte comes in order with its
 * checksum left to do; FIONREAD gives each read's size and queued_bytes
 * holds at least that.  1 once a super-packet came, cut at the MSS.
 * Only the connection from port @sport counts, and a segment wholly
 * before what was read is passed over: with no ACK, a slow guest sees
 * the stack retransmit the flight.
 */
static int ofl_flight(struct __test_metadata *_metadata, struct ofl_unit *u,
		      const char *name, int hlen, uint16_t dport,
		      uint16_t sport, uint32_t seq, const uint8_t *data,
		      size_t l3)
{
	static uint8_t buf[70000];
	uint32_t got = 0;
	int avail, found = 0;

	while (got < 10 * MSS && !found) {
		struct tcphdr *tcp;
		size_t thl, len;
		uint32_t sum;
		struct ofl o;
		uint8_t *ip;
		ssize_t n;

		EXPECT_EQ(0, ioctl(u->fd, FIONREAD, &avail));
		if (avail > 0)
			EXPECT_GE(bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_bytes",
						  name), avail);
		n = ofl_read(u, hlen, buf, sizeof(buf), &o, &ip, IPPROTO_TCP, dport);
		EXPECT_LE((ssize_t)l3 + 20, n);
		if (n < (ssize_t)l3 + 20)
			return 0;
		/* FIONREAD said what this read returned, headers included. */
		if (!ofl_skipped)
			EXPECT_EQ(hlen + u->af + u->l2 + n, avail);
		tcp = (struct tcphdr *)(ip + l3);
		thl = tcp->doff * 4;
		len = n - l3 - thl;
		if (!len || ntohs(tcp->source) != sport ||
		    (int32_t)(ntohl(tcp->seq) + len - (seq + got)) <= 0)
			continue;
		EXPECT_EQ(seq + got, ntohl(tcp->seq));
		EXPECT_EQ(0, memcmp(ip + l3 + thl, data + got, len));
		EXPECT_EQ(1, o.csum);
		/* The field holds the pseudo-header sum, folded. */
		sum = l3 == 40 ? bsdtun_sum(ip + 8, 32, IPPROTO_TCP + n - l3) :
				 bsdtun_sum(ip + 12, 8, IPPROTO_TCP + n - l3);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		EXPECT_EQ(htons(sum), tcp->check);
		if (hlen != TH) {
			EXPECT_EQ(u->l2 + l3, o.start);
			EXPECT_EQ(16, o.off);
		}
		if (len > MSS) {
			/* tun_hdr has one TSO flag for both versions. */
			if (hlen != TH)
				EXPECT_EQ(l3 == 40 ? VIRTIO_NET_HDR_GSO_TCPV6 :
					  VIRTIO_NET_HDR_GSO_TCPV4, o.gso);
			EXPECT_NE(0, o.gso);
			EXPECT_EQ(MSS, o.gso_size);
			if (hlen != TH)
				EXPECT_EQ(u->l2 + l3 + thl, o.hdr_len);
			found = 1;
		}
		got += len;
	}
	return found;
}

/* TCP's ECN flags, which the C library's names lack. */
#define OFL_TH_ECE	0x40
#define OFL_TH_CWR	0x80

/*
 * Complete a connection from the local stack to the peer's port @dport
 * over IPv@v: its SYN read, a SYN-ACK with an MSS option written (that
 * agrees to ECN when @ece).  The connected socket, the stack's next
 * sequence number in @seq and its port in @sport; -1 on failure.
 */
static int ofl_connect(struct ofl_unit *u, int hlen, int v, uint16_t dport,
		       int ece, uint32_t *seq, uint16_t *sport)
{
	static uint8_t buf[70000];
	uint8_t *ip, pkt[128], flags = TH_SYN | TH_ACK | (ece ? OFL_TH_ECE : 0);
	struct tcphdr *tcp;
	struct pollfd p;
	struct ofl o;
	ssize_t n;
	int s;

	n = ofl_syn(u, hlen, v, dport, buf, sizeof(buf), &o, &ip, &s);
	if (n < (v == 6 ? 60 : 40))
		goto fail;
	tcp = (struct tcphdr *)(ip + (v == 6 ? 40 : 20));
	if (!tcp->syn)
		goto fail;
	*sport = ntohs(tcp->source);
	*seq = ntohl(tcp->seq) + 1;
	n = v == 6 ? ofl_tcp6(pkt, dport, *sport, 5000, *seq, flags, NULL, 0, 0) :
		     ofl_tcp(pkt, dport, *sport, 5000, *seq, flags, NULL, 0, 0);
	if (ofl_write(u, hlen, &(struct ofl){ 0 }, pkt, n) < 0)
		goto fail;
	p.fd = s;
	p.events = POLLOUT;
	if (poll(&p, 1, 5000) == 1)
		return s;
fail:
	if (s >= 0)
		close(s);
	return -1;
}

/* What the data packets of a first flight were like, to the reader. */
#define OFL_SUPER	1	/* a super-packet came */
#define OFL_PARTIAL	2	/* a checksum came left to do */
#define OFL_DONE	4	/* a checksum came done */

/*
 * Read the first flight (ten segments, no ACK going back) of the
 * connection to port @dport over IP with @l3 bytes of header.
 */
static int ofl_flight_kinds(struct ofl_unit *u, int hlen, uint16_t dport,
			    size_t l3)
{
	static uint8_t buf[70000];
	size_t got = 0;
	int kinds = 0;

	while (got < 10 * MSS) {
		struct ofl o;
		uint8_t *ip;
		ssize_t n;
		size_t len;

		n = ofl_read(u, hlen, buf, sizeof(buf), &o, &ip, IPPROTO_TCP, dport);
		if (n < (ssize_t)l3 + 20)
			break;
		len = n - l3 - ((struct tcphdr *)(ip + l3))->doff * 4;
		if (!len)
			continue;
		if (len > MSS)
			kinds |= OFL_SUPER;
		/*
		 * A checksum left to do holds the pseudo-header's sum, which
		 * with this flight's zero payload verifies once in 65536
		 * segments: only a segment whose header asks nothing is
		 * checked for a finished one.
		 */
		if (o.csum)
			kinds |= OFL_PARTIAL;
		else if (ofl_csum_done(ip, n))
			kinds |= OFL_DONE;
		got += len;
	}
	return kinds;
}

/*
 * OpenBSD's TSO capabilities, each IP version on its own and only with
 * that version's TCP checksum (each segment needs its own): the other
 * streams come cut to segments, their checksums done.
 */
TEST_F(offload, tunscap_tso_follows_each_version)
{
	static const struct {
		uint32_t caps;
		int super[2];	/* IPv4, IPv6 */
	} c[] = {
		{ IFCAP_CSUM_TCPv4 | IFCAP_CSUM_TCPv6 | IFCAP_TSOv4, { 1, 0 } },
		{ IFCAP_CSUM_TCPv4 | IFCAP_CSUM_TCPv6 | IFCAP_TSOv6, { 0, 1 } },
		{ IFCAP_CSUM_UDPv4 | IFCAP_CSUM_TCPv6 | IFCAP_TSOv4 | IFCAP_TSOv6,
		  { 0, 1 } },
	};
	static uint8_t data[20000];
	uint16_t dport = 20000 + getpid() % 20000, sport;
	uint32_t seq;
	int s, kinds;

	if (variant->hlen != TH)
		SKIP(return, "OpenBSD's capabilities: tun_hdr's variants");
	ASSERT_EQ(0, ofl_six(&self->u, self->name));
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		for (int v = 4; v <= 6; v += 2) {
			uint32_t tcp = v == 6 ? IFCAP_CSUM_TCPv6 : IFCAP_CSUM_TCPv4;

			ASSERT_EQ(0, ofl_on(self->u.fd, TH, c[i].caps));
			s = ofl_connect(&self->u, TH, v, dport, 0, &seq, &sport);
			ASSERT_LE(0, s);
			ASSERT_LT(0, send(s, data, sizeof(data), 0));
			kinds = ofl_flight_kinds(&self->u, TH, dport++,
						 v == 6 ? 40 : 20);
			EXPECT_EQ(c[i].super[v == 6], !!(kinds & OFL_SUPER))
				TH_LOG("IPv%d, capabilities %#x", v, c[i].caps);
			EXPECT_EQ(c[i].caps & tcp ? OFL_PARTIAL : OFL_DONE,
				  kinds & (OFL_PARTIAL | OFL_DONE))
				TH_LOG("IPv%d, capabilities %#x", v, c[i].caps);
			close(s);
		}
	}
}

TEST_F(offload, super_packet_read_with_its_segment_size)
{
	static uint8_t data[20000];
	/* A port of this test's own, as below: no earlier connection's. */
	uint16_t dport = 20000 + getpid() % 20000;
	uint16_t sport;
	uint32_t seq;
	int s;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	s = ofl_connect_out(&self->u, variant->hlen, dport, &seq, &sport);
	ASSERT_LE(0, s);
	ASSERT_LT(0, send(s, data, sizeof(data), 0));
	EXPECT_EQ(1, ofl_flight(_metadata, &self->u, self->name, variant->hlen,
				dport, sport, seq, data, 20));
	close(s);
}

TEST_F(offload, super_packet_read_over_ipv6)
{
	static uint8_t data[20000], buf[70000], pkt[128];
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	uint16_t dport = 20000 + getpid() % 20000, sport;
	struct ofl o = { 0 };
	struct tcphdr *tcp;
	struct pollfd pf;
	uint8_t *ip;
	uint32_t seq;
	ssize_t n;
	int s;

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	if (self->u.l2)
		ASSERT_EQ(0, bsdtun_nl_peer_mac(self->name, NET, 1, PEER_MAC));
	/* A tun unit carries IPv6 with the family word, after the offload header. */
	if (!self->u.l2) {
		int on = 1;

		ASSERT_EQ(0, ioctl(self->u.fd, TUNSIFHEAD, &on));
		self->u.af = 4;
	}
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	to.sin6_port = htons(dport);
	bsdtun_v6(&to.sin6_addr, NET, 2);
	s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(-1, connect(s, (struct sockaddr *)&to, sizeof(to)));
	ASSERT_EQ(EINPROGRESS, errno);
	n = ofl_read(&self->u, variant->hlen, buf, sizeof(buf), &o, &ip,
		     IPPROTO_TCP, dport);
	ASSERT_LE(60, n);
	tcp = (struct tcphdr *)(ip + 40);
	ASSERT_TRUE(!!tcp->syn);
	sport = ntohs(tcp->source);
	seq = ntohl(tcp->seq) + 1;
	n = ofl_tcp6(pkt, dport, sport, 5000, seq, TH_SYN | TH_ACK, NULL, 0, 0);
	ASSERT_LT(0, ofl_write(&self->u, variant->hlen, &(struct ofl){ 0 }, pkt, n));
	pf.fd = s;
	pf.events = POLLOUT;
	ASSERT_EQ(1, poll(&pf, 1, 5000));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	ASSERT_LT(0, send(s, data, sizeof(data), 0));
	EXPECT_EQ(1, ofl_flight(_metadata, &self->u, self->name, variant->hlen,
				dport, sport, seq, data, 40));
	close(s);
}

/*
 * A TCP connection from the peer to a local listener over IP version
 * @v, then eight segments' worth in one write, its checksum left
 * partial: the receiver must get them whole.  Over IPv6 the transport
 * is found after the IPv6 header (TSO6; tun_hdr's one TSO flag takes the
 * version from the packet).  On tun, IPv6 goes with TUNSIFHEAD's word.
 */
static void ofl_super_write(struct __test_metadata *_metadata,
			    struct ofl_unit *u, const char *name, int hlen, int v)
{
	static uint8_t data[8 * MSS], buf[70000], pkt[70000], got[sizeof(data)];
	struct sockaddr_in6 me6 = { .sin6_family = AF_INET6, .sin6_port = htons(7001) };
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(7001),
				  .sin_addr.s_addr = bsdtun_v4(NET, 1) };
	size_t l3 = v == 6 ? 40 : 20;
	struct ofl o = { .csum = 1, .start = u->l2 + l3, .off = 16,
			 .gso = v == 6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
			 .gso_size = MSS, .hdr_len = u->l2 + l3 + 20,
			 .proto = IPPROTO_TCP };
	/*
	 * A port of this test's own: an earlier variant's connection, in
	 * TIME_WAIT in this namespace, would answer a SYN of its 4-tuple.
	 */
	uint16_t sport = 20000 + getpid() % 20000;
	struct tcphdr *tcp;
	size_t have = 0;
	uint32_t isn;
	struct ofl r;
	uint8_t *ip;
	ssize_t n;
	int l, c, one = 1;

	if (v == 6) {
		ASSERT_EQ(0, bsdtun_up6(name, NET));
		if (u->l2)
			ASSERT_EQ(0, bsdtun_nl_peer_mac(name, NET, 1, PEER_MAC));
		if (!u->l2) {
			ASSERT_EQ(0, ioctl(u->fd, TUNSIFHEAD, &one));
			u->af = 4;
		}
		bsdtun_v6(&me6.sin6_addr, NET, 1);
	}
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + v);
	l = socket(v == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, v == 6 ? bind(l, (struct sockaddr *)&me6, sizeof(me6)) :
			      bind(l, (struct sockaddr *)&me, sizeof(me)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, ofl_on(u->fd, hlen, ALL_CAPS));

	n = v == 6 ? ofl_tcp6(pkt, sport, 7001, 100, 0, TH_SYN, NULL, 0, 0) :
		     ofl_tcp(pkt, sport, 7001, 100, 0, TH_SYN, NULL, 0, 0);
	ASSERT_LT(0, ofl_write(u, hlen, &(struct ofl){ 0 }, pkt, n));
	n = ofl_read(u, hlen, buf, sizeof(buf), &r, &ip, IPPROTO_TCP, sport);
	ASSERT_LE((ssize_t)l3 + 20, n);
	tcp = (struct tcphdr *)(ip + l3);
	ASSERT_TRUE(tcp->syn && tcp->ack);
	isn = ntohl(tcp->seq);
	n = v == 6 ? ofl_tcp6(pkt, sport, 7001, 101, isn + 1, TH_ACK, NULL, 0, 0) :
		     ofl_tcp(pkt, sport, 7001, 101, isn + 1, TH_ACK, NULL, 0, 0);
	ASSERT_LT(0, ofl_write(u, hlen, &(struct ofl){ 0 }, pkt, n));

	n = v == 6 ? ofl_tcp6(pkt, sport, 7001, 101, isn + 1, TH_ACK | TH_PUSH,
			      data, sizeof(data), 1) :
		     ofl_tcp(pkt, sport, 7001, 101, isn + 1, TH_ACK | TH_PUSH,
			     data, sizeof(data), 1);
	ASSERT_EQ(hlen + u->af + u->l2 + n, ofl_write(u, hlen, &o, pkt, n));
	ASSERT_TRUE(bsdtun_readable(l, 5000));
	c = accept(l, NULL, NULL);
	ASSERT_LE(0, c);
	while (have < sizeof(data)) {
		ASSERT_TRUE(bsdtun_readable(c, 5000));
		n = recv(c, got + have, sizeof(got) - have, 0);
		ASSERT_LT(0, n);
		have += n;
	}
	EXPECT_EQ(0, memcmp(got, data, sizeof(data)));
	close(c);
	close(l);
}

TEST_F(offload, super_packet_written_reaches_a_tcp_receiver)
{
	ofl_super_write(_metadata, &self->u, self->name, variant->hlen, 4);
}

TEST_F(offload, super_packet_written_over_ipv6_reaches_a_tcp_receiver)
{
	ofl_super_write(_metadata, &self->u, self->name, variant->hlen, 6);
}

/*
 * OpenBSD's IFCAP_VLAN_HWTAGGING on an Ethernet unit: a VLAN
 * sub-interface's frames are read untagged with their tag in the
 * tun_hdr, and a frame written with TUN_H_VTAG arrives on the
 * sub-interface.
 */
TEST_F(offload, vlan_tag_out_of_band_with_its_capability)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = bsdtun_v4(NET + 1, 2) };
	uint8_t buf[2048], frame[256];
	char vlan[IFNAMSIZ + 8];
	struct tun_hdr th = { .th_flags = TUN_H_VTAG, .th_vtag = 5 };
	uint32_t src = bsdtun_v4(NET + 1, 1);
	struct ether_header *eh;
	ssize_t n;
	size_t len;
	int s, i;

	if (variant->hlen != TH || !self->u.l2)
		SKIP(return, "VLAN tags out of band: tun_hdr on an Ethernet unit");
	ASSERT_EQ(0, ofl_on(self->u.fd, TH, ALL_CAPS | IFCAP_VLAN_HWTAGGING));
	snprintf(vlan, sizeof(vlan), "%s.5", self->name);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add link %s name %s type vlan id 5 && "
			       BSDTUN_IP " addr add 10.%d.0.1/24 dev %s && "
			       BSDTUN_IP " link set %s up && "
			       BSDTUN_IP " neigh replace 10.%d.0.2 lladdr " PEER_MAC_STR
			       " dev %s", self->name, vlan, NET + 1, vlan, vlan,
			       NET + 1, vlan));

	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(6, sendto(s, "tagged", 6, 0, (struct sockaddr *)&to, sizeof(to)));
	close(s);
	/*
	 * The datagram, by its source address: what the stack still sends
	 * for an earlier test's connections (a FIN to the peer) comes too.
	 */
	for (i = 0; i < 50; i++) {
		ASSERT_TRUE(bsdtun_readable(self->u.fd, 5000));
		n = read(self->u.fd, buf, sizeof(buf));
		ASSERT_LE((ssize_t)(TH + ETH_HLEN + 20), n);
		eh = (struct ether_header *)(buf + TH);
		if (eh->ether_type == htons(ETHERTYPE_IP) &&
		    !memcmp(buf + TH + ETH_HLEN + 12, &src, 4) &&
		    !memcmp(buf + TH + ETH_HLEN + 16, &to.sin_addr, 4))
			break;
	}
	ASSERT_GT(50, i);
	memcpy(&th, buf, sizeof(th));
	EXPECT_TRUE(th.th_flags & TUN_H_VTAG);
	EXPECT_EQ(5, th.th_vtag & 0xfff);

	s = bsdtun_udp_sock(AF_INET, 7003);
	ASSERT_LE(0, s);
	th = (struct tun_hdr){ .th_flags = TUN_H_VTAG, .th_vtag = 5 };
	memcpy(frame, &th, sizeof(th));
	len = sizeof(th) + ofl_eth(&self->u, frame + sizeof(th), 4);
	ASSERT_EQ(0, bsdtun_mac(vlan, frame + sizeof(th)));
	len += bsdtun_udp4(frame + len, NET + 1, 7003, "untagged", 8);
	ASSERT_EQ((ssize_t)len, write(self->u.fd, frame, len));
	ASSERT_EQ(8, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "untagged", 8));
	close(s);
}

TEST_F(offload, udp_super_packet_both_ways)
{
	static uint8_t data[5 * MSS], buf[70000], back[70000];
	struct sockaddr_in to = { .sin_family = AF_INET };
	int seg = MSS, s, r = bsdtun_udp_sock(AF_INET, 9);
	size_t got = 0;
	struct ofl o;
	uint8_t *ip;
	ssize_t n;

	ASSERT_LE(0, r);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 5 + 3);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	if (variant->hlen != TH) {
		unsigned int uso = BSDTUN_OFFLOAD_USO4 | BSDTUN_OFFLOAD_USO6;

		/* USO is one of Linux's offloads: the reader asks for it. */
		ASSERT_EQ(0, ioctl(self->u.fd, BSDTUN_SOFFLOAD, &uso));
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)));
	to.sin_port = htons(9);
	to.sin_addr.s_addr = bsdtun_v4(NET, 2);
	ASSERT_EQ(sizeof(data), sendto(s, data, sizeof(data), 0,
				       (struct sockaddr *)&to, sizeof(to)));
	/*
	 * virtio-net carries the five datagrams as one (USO); tun_hdr has no
	 * flag for it, so they come one by one, each checksum left to do.
	 */
	n = ofl_read(&self->u, variant->hlen, buf, sizeof(buf), &o, &ip,
		     IPPROTO_UDP, 9);
	if (variant->hlen == TH) {
		ASSERT_EQ(20 + 8 + MSS, n);
		EXPECT_EQ(0, o.gso);
		EXPECT_EQ(1, o.csum);
		close(s);
		close(r);
		return;
	}
	ASSERT_EQ(20 + 8 + (ssize_t)sizeof(data), n);
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_UDP_L4, o.gso);
	EXPECT_EQ(MSS, o.gso_size);
	EXPECT_EQ(self->u.l2 + 28, o.hdr_len);
	EXPECT_EQ(self->u.l2 + 20, o.start);
	EXPECT_EQ(6, o.off);

	/* The same packet written back, addressed to a local socket. */
	memcpy(back, ip, n);
	ip = back;
	memcpy(ip + 12, (uint32_t[]){ bsdtun_v4(NET, 2), bsdtun_v4(NET, 1) }, 8);
	ip[10] = 0;
	ip[11] = 0;
	((struct iphdr *)ip)->check = bsdtun_fold(bsdtun_sum(ip, 20, 0));
	((struct udphdr *)(ip + 20))->check =
		ofl_partial((struct iphdr *)ip, 8 + sizeof(data));
	ASSERT_EQ(variant->hlen + self->u.l2 + n,
		  ofl_write(&self->u, variant->hlen, &o, ip, n));
	/* The stack cuts it into the five datagrams for the socket. */
	while (got < sizeof(data)) {
		uint8_t d[2 * MSS];

		ASSERT_TRUE(bsdtun_readable(r, 5000));
		ASSERT_EQ(MSS, recv(r, d, sizeof(d), 0));
		EXPECT_EQ(0, memcmp(d, data + got, MSS));
		got += MSS;
	}
	close(s);
	close(r);
}

/*
 * Whether "ethtool -k" shows feature @feat of interface @name on (its
 * active bit), asked as ethtool's ioctl asks rather than by an exec per
 * feature; -1 when the feature is unknown.  The string set's size
 * follows the request's flexible array: a union, not a struct with
 * a member after it, which clang refuses.
 */
static int ofl_feature(const char *name, const char *feat)
{
	union {
		struct ethtool_sset_info info;
		uint8_t buf[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} u = { .info = { .cmd = ETHTOOL_GSSET_INFO,
			  .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gfeatures *gf = NULL;
	struct ethtool_gstrings *gs = NULL;
	struct ifreq ifr = { 0 };
	int s, i, on = -1;
	uint32_t n;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&u;
	if (ioctl(s, SIOCETHTOOL, &ifr) || !u.info.sset_mask)
		goto out;
	n = u.info.data[0];
	gs = calloc(1, sizeof(*gs) + n * ETH_GSTRING_LEN);
	gf = calloc(1, sizeof(*gf) + (n + 31) / 32 * sizeof(gf->features[0]));
	if (!gs || !gf)
		goto out;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	ifr.ifr_data = (void *)gs;
	if (ioctl(s, SIOCETHTOOL, &ifr))
		goto out;
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = (n + 31) / 32;
	ifr.ifr_data = (void *)gf;
	if (ioctl(s, SIOCETHTOOL, &ifr))
		goto out;
	for (i = 0; i < (int)n; i++)
		if (!strncmp((char *)gs->data + i * ETH_GSTRING_LEN, feat,
			     ETH_GSTRING_LEN))
			on = !!(gf->features[i / 32].active & 1U << (i % 32));
out:
	free(gs);
	free(gf);
	close(s);
	return on;
}

/*
 * A connection that negotiated ECN has its first flight acknowledged
 * with congestion echoed: the stack's next super-packet sets CWR
 * (SKB_GSO_TCP_ECN).  The first data packet read with CWR: its header
 * in @o; its TCP payload's length, or -1.
 */
static ssize_t ofl_cwr(struct ofl_unit *u, int hlen, uint16_t dport,
		       struct ofl *o)
{
	static uint8_t data[30000], buf[70000];
	uint8_t *ip, pkt[128];
	uint32_t seq, got = 0;
	struct tcphdr *tcp;
	ssize_t n, len, ret = -1;
	uint16_t sport;
	int s;

	s = ofl_connect(u, hlen, 4, dport, 1, &seq, &sport);
	if (s < 0)
		return -1;
	if (send(s, data, sizeof(data), 0) <= 0)
		goto out;
	while (got < 10 * MSS) {
		n = ofl_read(u, hlen, buf, sizeof(buf), o, &ip, IPPROTO_TCP, dport);
		if (n < 40)
			goto out;
		got += n - 20 - ((struct tcphdr *)(ip + 20))->doff * 4;
	}
	n = ofl_tcp(pkt, dport, sport, 5001, seq + got, TH_ACK | OFL_TH_ECE,
		    NULL, 0, 0);
	if (ofl_write(u, hlen, &(struct ofl){ 0 }, pkt, n) < 0)
		goto out;
	for (int i = 0; i < 20 && ret < 0; i++) {
		n = ofl_read(u, hlen, buf, sizeof(buf), o, &ip, IPPROTO_TCP, dport);
		if (n < 40)
			break;
		tcp = (struct tcphdr *)(ip + 20);
		len = n - 20 - tcp->doff * 4;
		if (len > 0 && (((uint8_t *)tcp)[13] & OFL_TH_CWR))
			ret = len;
	}
out:
	close(s);
	return ret;
}

/*
 * A virtio-net header carries FreeBSD's offloads (TCP and UDP checksums,
 * TCP segmentation): a UDP super-packet comes cut to datagrams, an
 * ECN-marked TCP one to segments.  Linux's others (any checksum, TSO
 * with ECN, USO) only after BSDTUN_SOFFLOAD asks for them.
 */
TEST_F(offload, freebsds_offloads_by_default_linux_extras_on_request)
{
	const unsigned int extras = BSDTUN_OFFLOAD_CSUM | BSDTUN_OFFLOAD_TSO4 |
				    BSDTUN_OFFLOAD_TSO6 | BSDTUN_OFFLOAD_TSO_ECN |
				    BSDTUN_OFFLOAD_USO4 | BSDTUN_OFFLOAD_USO6;
	static uint8_t data[5 * MSS], buf[70000];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	uint16_t dport = 20000 + getpid() % 20000;
	unsigned int off = 99, bad;
	int seg = MSS, s, ecn;
	struct ofl o;
	uint8_t *ip;
	ssize_t n;

	to.sin_addr.s_addr = bsdtun_v4(NET, 2);
	/* Without a virtio-net header, nothing to ask for. */
	EXPECT_EQ(-1, ioctl(self->u.fd, BSDTUN_SOFFLOAD, &extras));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(self->u.fd, BSDTUN_GOFFLOAD, &off));
	EXPECT_EQ(ENODEV, errno);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	if (variant->hlen == TH) {
		/* One header at a time: OpenBSD's has its capabilities. */
		EXPECT_EQ(-1, ioctl(self->u.fd, BSDTUN_SOFFLOAD, &extras));
		EXPECT_EQ(EBUSY, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(self->u.fd, BSDTUN_GOFFLOAD, &off));
	EXPECT_EQ(0, off);
	bad = extras | 0x10;	/* TUN_F_UFO: none */
	EXPECT_EQ(-1, ioctl(self->u.fd, BSDTUN_SOFFLOAD, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = 0x80;
	EXPECT_EQ(-1, ioctl(self->u.fd, BSDTUN_SOFFLOAD, &bad));
	EXPECT_EQ(EINVAL, errno);

	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)));
	ecn = bsdtun_read_num("/proc/sys/net/ipv4/tcp_ecn");
	ASSERT_EQ(0, bsdtun_write_file("/proc/sys/net/ipv4/tcp_ecn", "1"));
	for (int asked = 0; asked < 2; asked++) {
		if (asked) {
			ASSERT_EQ(0, ioctl(self->u.fd, BSDTUN_SOFFLOAD, &extras));
			ASSERT_EQ(0, ioctl(self->u.fd, BSDTUN_GOFFLOAD, &off));
			EXPECT_EQ(extras, off);
		}
		EXPECT_EQ(!asked, ofl_feature(self->name, "tx-checksum-ipv4"));
		EXPECT_EQ(!asked, ofl_feature(self->name, "tx-checksum-ipv6"));
		EXPECT_EQ(asked, ofl_feature(self->name, "tx-checksum-ip-generic"));
		EXPECT_EQ(1, ofl_feature(self->name, "tx-tcp-segmentation"));
		EXPECT_EQ(1, ofl_feature(self->name, "tx-tcp6-segmentation"));
		EXPECT_EQ(asked, ofl_feature(self->name, "tx-tcp-ecn-segmentation"));
		EXPECT_EQ(asked, ofl_feature(self->name, "tx-udp-segmentation"));

		/* Five datagrams in one send: one read, or five. */
		ASSERT_EQ(sizeof(data), sendto(s, data, sizeof(data), 0,
					       (struct sockaddr *)&to, sizeof(to)));
		n = ofl_read(&self->u, variant->hlen, buf, sizeof(buf), &o, &ip,
			     IPPROTO_UDP, 9);
		EXPECT_EQ(asked ? 28 + (ssize_t)sizeof(data) : 28 + MSS, n);
		EXPECT_EQ(asked ? VIRTIO_NET_HDR_GSO_UDP_L4 : 0, o.gso);
		EXPECT_EQ(1, o.csum);
		for (int i = asked ? 5 : 1; i < 5; i++)
			EXPECT_EQ(28 + MSS, ofl_read(&self->u, variant->hlen, buf,
						     sizeof(buf), &o, &ip,
						     IPPROTO_UDP, 9));

		/* CWR set: one super-packet with ECN's flag, or segments. */
		n = ofl_cwr(&self->u, variant->hlen, dport++, &o);
		if (asked) {
			EXPECT_LT(MSS, n);
			EXPECT_EQ(VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
				  o.gso);
		} else {
			EXPECT_EQ(MSS, n);
			EXPECT_EQ(0, o.gso);
		}
		EXPECT_EQ(1, o.csum);
	}
	if (ecn >= 0) {
		char v[16];

		snprintf(v, sizeof(v), "%lld", (long long)ecn);
		bsdtun_write_file("/proc/sys/net/ipv4/tcp_ecn", v);
	}
	close(s);

	/* The header off and on again: FreeBSD's set. */
	off = 0;
	ASSERT_EQ(0, ioctl(self->u.fd, TAPSVNETHDR, &off));
	EXPECT_EQ(-1, ioctl(self->u.fd, BSDTUN_GOFFLOAD, &off));
	EXPECT_EQ(ENODEV, errno);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, 0));
	ASSERT_EQ(0, ioctl(self->u.fd, BSDTUN_GOFFLOAD, &off));
	EXPECT_EQ(0, off);
	EXPECT_EQ(0, ofl_feature(self->name, "tx-udp-segmentation"));
}

TEST_F(offload, lying_headers_are_refused)
{
	static uint8_t pkt[8192], data[4 * MSS];
	const int th = variant->hlen == TH;
	const struct ofl good = { .csum = 1, .start = self->u.l2 + 20, .off = 16,
				  .gso = VIRTIO_NET_HDR_GSO_TCPV4,
				  .gso_size = MSS, .hdr_len = self->u.l2 + 40,
				  .proto = IPPROTO_TCP };
	struct tun_capabilities cap = { IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4 };
	long long rx;
	size_t n = ofl_tcp(pkt, 40002, 7002, 1, 1, TH_ACK, data, sizeof(data), 1);
	struct ofl o;

	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	rx = bsdtun_stat(self->name, "rx_packets");
#define LIE(what) do {							\
		o = good;						\
		what;							\
		errno = 0;						\
		EXPECT_EQ(-1, ofl_write(&self->u, variant->hlen, &o, pkt, n)); \
		EXPECT_EQ(EINVAL, errno);				\
	} while (0)
	if (th) {
		LIE(o.flags = 0x1000);				/* unknown flag */
		LIE(o.flags = TUN_H_UDP_CSUM);			/* two checksums */
		LIE(o.csum = 0);				/* MSS without TCP checksum */
		LIE(o.gso_size = 0);				/* no segment size */
		LIE(o.gso = 0; o.proto = IPPROTO_UDP);		/* UDP checksum on TCP */
		if (!variant->fam->ether)
			LIE(o.flags = TUN_H_VTAG);		/* a VLAN tag on tun */
		/* TSO the capabilities did not enable. */
		ASSERT_EQ(0, ioctl(self->u.fd, TUNSCAP, &cap));
		LIE((void)0);
	} else {
		LIE(o.gso_size = 0);				/* GSO, no size */
		LIE(o.start = n + self->u.l2);			/* checksum beyond */
		LIE(o.gso = 0; o.off = n);			/* field beyond */
		LIE(o.hdr_len = n + self->u.l2 + 1);		/* headers beyond */
		LIE(o.flags = 0x80);				/* unknown flag */
		LIE(o.gso = 3);					/* UFO: unknown type */
		LIE(o.gso = VIRTIO_NET_HDR_GSO_TCPV6);		/* not IPv6 */
		LIE(o.gso = VIRTIO_NET_HDR_GSO_UDP_L4);		/* not UDP */
		LIE(o.gso = VIRTIO_NET_HDR_GSO_UDP_L4 |
		    VIRTIO_NET_HDR_GSO_ECN);			/* ECN on UDP */
		LIE(o.csum = 0);				/* GSO, no checksum */
		LIE(o.start += 4);				/* not at TCP */
		if (variant->fam->ether)
			LIE(o.gso = 0; o.start = 4);		/* in the link header */
	}
#undef LIE
	/* Nothing reached the stack. */
	EXPECT_EQ(rx, bsdtun_stat(self->name, "rx_packets"));
}

TEST_F(offload, writes_up_to_64k)
{
	static uint8_t pkt[OFL_MRU + 64], data[60000], got[sizeof(data) + 1];
	int s = bsdtun_udp_sock(AF_INET, 9);
	size_t n;

	ASSERT_LE(0, s);
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	/* Past tun's TUNMRU: the header's limit is 64 KiB of IP. */
	n = bsdtun_udp4(pkt, NET, 9, data, sizeof(data));
	ASSERT_EQ(variant->hlen + self->u.l2 + n,
		  ofl_write(&self->u, variant->hlen, &(struct ofl){ 0 }, pkt, n));
	ASSERT_TRUE(bsdtun_readable(s, 5000));
	ASSERT_EQ((ssize_t)sizeof(data), recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, data, sizeof(data)));
	/* One byte more than the limit: EIO, as on FreeBSD. */
	memset(pkt, 0, sizeof(pkt));
	errno = 0;
	EXPECT_EQ(-1, ofl_write(&self->u, variant->hlen, &(struct ofl){ 0 }, pkt,
				OFL_MRU + 1 - self->u.l2));
	EXPECT_EQ(EIO, errno);
	close(s);
}

/*
 * Pages of large writes are reused once the stack has freed them (see
 * bsdtun_alloc.c; 4 KiB pages only).  Three rounds of datagrams, each
 * arriving whole with its own bytes:
 *  0. on the fresh file, a megabyte each read as it comes: the driver
 *     goes round few pages for a reader that keeps up;
 *  1. twice that, the reader two datagrams behind: the ring grows past
 *     what the socket holds, and the kernel then hardly allocates pages;
 *  2. twice the ring's largest size (1 MiB), all held unread in a socket
 *     before any is read: a reused page would overwrite one of them.
 * No UDP checksum, so that a packet whose bytes changed reaches the
 * socket and the comparison.
 */
#define REUSE_HELD	((2 << 20) / 52000)
#define REUSE_LEN(k)	(60000 - 1499 * ((k) % 8))
#define REUSE_LAG	2
/*
 * Half the ring's largest size: one that started there would take 256
 * pages in the first round, one that starts at 32 takes about 50, with
 * ofl_write()'s buffer faulted in on the way.
 */
#define REUSE_FEW	128

static void ofl_fill(uint8_t *d, size_t len, int k)
{
	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)(i * 7 + k * 13 + (i >> 12));
}

/* Pages the kernel has allocated since boot, every zone. */
static long long ofl_pgalloc(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	long long n, sum = 0;
	char key[64];

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &n) == 2)
		if (!strncmp(key, "pgalloc_", 8))
			sum += n;
	fclose(f);
	return sum;
}

/* Receive datagram @k of round @round and compare it. */
static int ofl_reuse_check(int s, uint8_t *data, uint8_t *got, size_t size,
			   int k, int round)
{
	size_t len = REUSE_LEN(k);

	ofl_fill(data, len, k + round);
	return recv(s, got, size, 0) == (ssize_t)len && !memcmp(got, data, len);
}

TEST_F(offload, large_writes_intact_as_pages_are_reused)
{
	static uint8_t pkt[OFL_MRU + 64], data[60000], got[sizeof(data) + 1];
	int s = bsdtun_udp_sock(AF_INET, 9), rcvbuf = 16 << 20;
	/* Per round: datagrams, and how far the reader is behind. */
	const int count[3] = { REUSE_HELD / 2, REUSE_HELD, REUSE_HELD };
	const int lag[3] = { 0, REUSE_LAG, REUSE_HELD };

	if (sysconf(_SC_PAGESIZE) != 4096)
		SKIP(return, "the driver reuses pages only when they are 4 KiB");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	/* Fault this test's buffers in now: not counted as the driver's. */
	memset(pkt, 0, sizeof(pkt));
	memset(data, 0, sizeof(data));
	memset(got, 0, sizeof(got));
	for (int round = 0; round < 3; round++) {
		long long pages = 0, before = ofl_pgalloc();
		int n = count[round];

		ASSERT_LE(0, before);
		for (int k = 0; k < n; k++) {
			size_t len = REUSE_LEN(k), ip;

			ofl_fill(data, len, k + round);
			ip = bsdtun_udp4(pkt, NET, 9, data, len);
			pkt[26] = 0;	/* the UDP checksum */
			pkt[27] = 0;
			ASSERT_EQ(variant->hlen + self->u.l2 + ip,
				  ofl_write(&self->u, variant->hlen,
					    &(struct ofl){ 0 }, pkt, ip));
			pages += len / 4096;
			if (k < lag[round])
				continue;
			ASSERT_TRUE(ofl_reuse_check(s, data, got, sizeof(got),
						    k - lag[round], round))
				TH_LOG("round %d datagram %d", round,
				       k - lag[round]);
		}
		for (int k = n > lag[round] ? n - lag[round] : 0; k < n; k++) {
			ASSERT_TRUE(ofl_reuse_check(s, data, got, sizeof(got), k,
						    round))
				TH_LOG("round %d datagram %d", round, k);
		}
		if (round == 0)
			EXPECT_GT(REUSE_FEW, ofl_pgalloc() - before);
		/* Without reuse, at least one new page per 4 KiB written. */
		if (round == 1)
			EXPECT_GT(pages / 4, ofl_pgalloc() - before);
	}
	close(s);
}

/* How many "bad partial csum" warnings the kernel has logged. */
static long long ofl_csum_warnings(void)
{
	return bsdtun_sh_num("dmesg | grep -c 'bad partial csum'");
}

/*
 * One UDP datagram of @len bytes of round @k's data to port 9, its UDP
 * checksum off, its last 24 bytes summed into the field at 4 bytes into
 * them when @far (virtio-net only); write()'s result.  The field starts
 * at 0: what it holds is summed too, as a pseudo-header's sum would be.
 */
static ssize_t ofl_far_write(struct ofl_unit *u, int hlen, uint8_t *pkt,
			     uint8_t *data, size_t len, int k, int far)
{
	struct ofl o = { .csum = far, .start = u->l2 + 28 + len - 24, .off = 4 };
	size_t n;

	ofl_fill(data, len, k);
	if (far)
		memset(data + len - 20, 0, 2);
	n = bsdtun_udp4(pkt, NET, 9, data, len);
	pkt[26] = 0;
	pkt[27] = 0;
	return ofl_write(u, hlen, &o, pkt, n);
}

/*
 * The datagram of ofl_far_write() as the socket got it: whole, and its
 * last 24 bytes a done checksum when @far.
 */
static int ofl_far_check(struct __test_metadata *_metadata, int s,
			 const uint8_t *data, uint8_t *got, size_t len, int far)
{
	if (!bsdtun_readable(s, 5000) || recv(s, got, len + 1, 0) != (ssize_t)len)
		return 0;
	if (far) {
		EXPECT_EQ(0, bsdtun_fold(bsdtun_sum(got + len - 24, 24, 0)));
		return !memcmp(got, data, len - 20);
	}
	return !memcmp(got, data, len);
}

/*
 * A partial checksum whose field lies near the end of a large write, up
 * to the end of a 64 KiB packet: the stack needs the field in the
 * packet's head, which holds a few hundred bytes.  Taken with the
 * checksum done by the time a socket has it, or refused with EINVAL;
 * never a warning.
 */
TEST_F(offload, a_checksum_field_far_into_a_large_write)
{
	static uint8_t pkt[OFL_MRU + 64], data[65507], got[sizeof(data) + 1];
	const size_t lens[] = { 60000, sizeof(data) };
	long long warned = ofl_csum_warnings();
	int s = bsdtun_udp_sock(AF_INET, 9), rcvbuf = 1 << 20;

	if (variant->hlen == TH)
		SKIP(return, "tun_hdr's checksums start at the transport header");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		ssize_t r = ofl_far_write(&self->u, variant->hlen, pkt, data,
					  lens[i], i, 1);

		if (r < 0) {
			EXPECT_EQ(EINVAL, errno);
			continue;
		}
		ASSERT_EQ(variant->hlen + self->u.l2 + 28 + lens[i], r);
		EXPECT_TRUE(ofl_far_check(_metadata, s, data, got, lens[i], 1))
			TH_LOG("%zu bytes", lens[i]);
	}
	EXPECT_EQ(warned, ofl_csum_warnings());
	close(s);
}

/*
 * No page above order 0 on the write path: with every page allocation
 * of order 1 or more failing for the writing task (fail_page_alloc with
 * min-order=1, on the debug kernel), large and small writes still go
 * through whole, the one with its checksum field at the end too.
 */
#define OFL_FPA	"/sys/kernel/debug/fail_page_alloc/"

TEST_F(offload, writes_need_no_page_above_order_0)
{
	static const char *const attr[] = {
		"probability", "interval", "times", "space", "verbose",
		"task-filter", "ignore-gfp-wait", "ignore-gfp-highmem", "min-order",
	};
	static const char *const val[] = {
		"0", "1", "-1", "0", "0", "Y", "N", "N", "1",
	};
	static uint8_t pkt[OFL_MRU + 64], data[60000], got[sizeof(data) + 1];
	const struct { size_t len; int far; } w[] = {
		{ 100, 0 }, { 3000, 0 }, { 60000, 0 }, { 60000, 1 },
	};
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(19),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char saved[ARRAY_SIZE(attr)][32], path[128];
	int s = bsdtun_udp_sock(AF_INET, 9), rcvbuf = 1 << 20;
	int u = socket(AF_INET, SOCK_DGRAM, 0), cerr;
	ssize_t c;
	size_t i;

	if (access(OFL_FPA, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(OFL_FPA "min-order", F_OK))
		SKIP(return, "no fail_page_alloc with min-order (the debug kernel has it)");
	ASSERT_LE(0, s);
	ASSERT_LE(0, u);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, ofl_on(self->u.fd, variant->hlen, ALL_CAPS));
	/* This test's own pages, in before the failures start. */
	memset(pkt, 0, sizeof(pkt));
	memset(data, 0, sizeof(data));
	memset(got, 0, sizeof(got));
	for (i = 0; i < ARRAY_SIZE(attr); i++) {
		FILE *f;

		snprintf(path, sizeof(path), OFL_FPA "%s", attr[i]);
		f = fopen(path, "r");
		ASSERT_TRUE(!!f);
		ASSERT_TRUE(!!fgets(saved[i], sizeof(saved[i]), f));
		fclose(f);
		saved[i][strcspn(saved[i], "\n")] = 0;
		ASSERT_EQ(0, bsdtun_write_file(path, val[i]));
	}
	ASSERT_EQ(0, bsdtun_write_file(OFL_FPA "probability", "100"));
	/*
	 * The control: a 12000-byte datagram on loopback, whose buffer the
	 * stack allocates in one block, fails (the injection works).
	 */
	bsdtun_write_file("/proc/thread-self/make-it-fail", "1");
	c = sendto(u, data, 12000, 0, (struct sockaddr *)&lo, sizeof(lo));
	cerr = errno;
	bsdtun_write_file("/proc/thread-self/make-it-fail", "0");
	EXPECT_EQ(-1, c) TH_LOG("the control allocation was not made to fail");
	EXPECT_TRUE(cerr == ENOBUFS || cerr == ENOMEM) TH_LOG("%s", strerror(cerr));
	for (size_t k = 0; k < ARRAY_SIZE(w); k++) {
		ssize_t r;
		int err;

		if (w[k].far && variant->hlen == TH)
			continue;
		bsdtun_write_file("/proc/thread-self/make-it-fail", "1");
		r = ofl_far_write(&self->u, variant->hlen, pkt, data, w[k].len,
				  k, w[k].far);
		err = errno;
		bsdtun_write_file("/proc/thread-self/make-it-fail", "0");
		EXPECT_EQ((ssize_t)(variant->hlen + self->u.l2 + 28 + w[k].len), r)
			TH_LOG("%zu bytes%s: errno %d", w[k].len,
			       w[k].far ? ", checksum at the end" : "", err);
		if (r > 0)
			EXPECT_TRUE(ofl_far_check(_metadata, s, data, got,
						  w[k].len, w[k].far));
	}
	/* Back as they were, the failures off first. */
	bsdtun_write_file(OFL_FPA "probability", "0");
	for (i = ARRAY_SIZE(attr); i-- > 0;) {
		snprintf(path, sizeof(path), OFL_FPA "%s", attr[i]);
		bsdtun_write_file(path, saved[i]);
	}
	close(u);
	close(s);
}

TEST_HARNESS_MAIN
