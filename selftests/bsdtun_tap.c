// SPDX-License-Identifier: GPL-2.0
/*
 * tap(4) and vmnet(4) units, for each of the two Ethernet families: the
 * interface is Ethernet (random locally administered MAC, MTU range up
 * to TAPMRU less the header, kind, driver), read() gives whole frames
 * (ARP first, then IPv4 to the learned MAC), write() takes frames (short
 * ones EINVAL, above TAPMRU EIO, frames for other hosts PACKET_OTHERHOST
 * and forwarded by a bridge), the tap ioctls (remote MAC, VMIO flags,
 * FreeBSD's and NetBSD's TAPGIFNAME, TAPSIFINFO) and tun's refused with
 * ENOTTY (and tap's on a tun node), VLAN sub-interfaces, AF_PACKET
 * capture both ways, the close policy (tap goes down, vmnet stays up
 * with its addresses), a reopen after backpressure, VMIO flags beside a
 * capture's promiscuity, unit names kept to their family, and
 * tap_up_on_open.
 */
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <net/if_tap.h>
#include <netinet/if_ether.h>
#include <linux/if_packet.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define TAP_NET		40
#define PEER_MAC	"\x02\x00\x00\x00\x00\x02"

FIXTURE(tap) {
	int fd;
	char name[IFNAMSIZ];
	uint8_t mac[ETH_ALEN];
};

FIXTURE_VARIANT(tap) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(tap, tap) {
	.fam = &bsdtun_fam_tap,
};

FIXTURE_VARIANT_ADD(tap, vmnet) {
	.fam = &bsdtun_fam_vmnet,
};

FIXTURE_SETUP(tap)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_open_unit(variant->fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_ifname(self->fd, self->name));
	ASSERT_EQ(0, bsdtun_mac(self->name, self->mac));
}

FIXTURE_TEARDOWN(tap)
{
	if (self->fd >= 0)
		close(self->fd);
	bsdtun_netns_del("bt");
	if (if_nametoindex("btbr"))
		bsdtun_nl_link(0, "btbr");
}

/* 10.40.0.2 known at PEER_MAC: no ARP. */
static int tap_peer_neigh(const char *name)
{
	return bsdtun_nl_peer_mac(name, TAP_NET, 0, PEER_MAC);
}

/* Up with 10.40.0.1/24, and the peer's neighbour entry. */
static int tap_up_with_peer(const char *name)
{
	if (bsdtun_up(name, TAP_NET))
		return -1;
	return tap_peer_neigh(name);
}

/* An Ethernet frame: @dst, @src, IPv4 UDP from the peer to us. */
static size_t tap_udp_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
			    uint16_t port, const void *data, size_t len)
{
	struct ether_header *eh = (struct ether_header *)buf;

	memcpy(eh->ether_dhost, dst, ETH_ALEN);
	memcpy(eh->ether_shost, src, ETH_ALEN);
	eh->ether_type = htons(ETHERTYPE_IP);
	return sizeof(*eh) + bsdtun_udp4(buf + sizeof(*eh), TAP_NET, port, data, len);
}

/* The next frame of @type (skipping others), bounded; its length. */
static ssize_t tap_read_type(int fd, uint8_t *buf, size_t size, uint16_t type)
{
	for (int i = 0; i < 20; i++) {
		ssize_t n;

		if (!bsdtun_readable(fd, 5000))
			return -1;
		n = read(fd, buf, size);
		if (n >= ETH_HLEN && ((struct ether_header *)buf)->ether_type == htons(type))
			return n;
	}
	return -1;
}

TEST_F(tap, ethernet_interface)
{
	char cmd[256];

	/* ARPHRD_ETHER, locally administered unicast address. */
	EXPECT_EQ(ARPHRD_ETHER, bsdtun_read_num("/sys/class/net/%s/type", self->name));
	EXPECT_EQ(0x02, self->mac[0] & 0x03);
	EXPECT_EQ(1500, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	EXPECT_EQ(IFF_BROADCAST | IFF_MULTICAST,
		  bsdtun_flags(self->name) & (IFF_BROADCAST | IFF_MULTICAST | IFF_POINTOPOINT));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s mtu %d", self->name, TAPMRU - ETH_HLEN));
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link set %s mtu %d 2>/dev/null", self->name,
			       TAPMRU - ETH_HLEN + 1));
	snprintf(cmd, sizeof(cmd), BSDTUN_IP " -d link show %s | grep -qw %s",
		 self->name, variant->fam->kind);
	EXPECT_EQ(0, bsdtun_sh("%s", cmd));
	EXPECT_EQ(0, bsdtun_sh("ethtool -i %s | grep -qx 'driver: bsdtun'", self->name));
	EXPECT_EQ(0, bsdtun_sh("ethtool -i %s | grep -qx 'bus-info: %s'", self->name,
			       variant->fam->kind));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", self->name));
	/* The address can change, also while up. */
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s up && "
			       BSDTUN_IP " link set %s address 02:11:22:33:44:55",
			       self->name, self->name));
	EXPECT_EQ(0, bsdtun_sh("grep -qx 02:11:22:33:44:55 /sys/class/net/%s/address",
			       self->name));
}

TEST_F(tap, read_gives_whole_frames_arp_then_ip)
{
	uint8_t buf[2048];
	struct ether_header *eh = (struct ether_header *)buf;
	uint8_t reply[60] = { 0 };
	struct ether_arp *arp = (struct ether_arp *)(reply + ETH_HLEN);
	uint32_t peer = bsdtun_v4(TAP_NET, 2), me = bsdtun_v4(TAP_NET, 1);
	int next = 0;
	ssize_t n;

	ASSERT_EQ(0, bsdtun_up(self->name, TAP_NET));
	ASSERT_EQ(5, bsdtun_send4(TAP_NET, "hello", 5));

	/* Unknown neighbour: a broadcast ARP request from our MAC first. */
	n = tap_read_type(self->fd, buf, sizeof(buf), ETHERTYPE_ARP);
	ASSERT_EQ(ETH_HLEN + (ssize_t)sizeof(struct ether_arp), n);
	EXPECT_EQ(0, memcmp(eh->ether_dhost, "\xff\xff\xff\xff\xff\xff", ETH_ALEN));
	EXPECT_EQ(0, memcmp(eh->ether_shost, self->mac, ETH_ALEN));

	/* The peer answers from PEER_MAC... */
	memcpy(reply, self->mac, ETH_ALEN);
	memcpy(reply + ETH_ALEN, PEER_MAC, ETH_ALEN);
	reply[12] = 0x08;
	reply[13] = 0x06;
	arp->arp_hrd = htons(ARPHRD_ETHER);
	arp->arp_pro = htons(ETHERTYPE_IP);
	arp->arp_hln = ETH_ALEN;
	arp->arp_pln = 4;
	arp->arp_op = htons(ARPOP_REPLY);
	memcpy(arp->arp_sha, PEER_MAC, ETH_ALEN);
	memcpy(arp->arp_spa, &peer, 4);
	memcpy(arp->arp_tha, self->mac, ETH_ALEN);
	memcpy(arp->arp_tpa, &me, 4);
	ASSERT_EQ((ssize_t)sizeof(reply), write(self->fd, reply, sizeof(reply)));

	/* ...and the waiting datagram goes to it, FIONREAD its whole size. */
	ASSERT_TRUE(bsdtun_readable(self->fd, 5000));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &next));
	n = tap_read_type(self->fd, buf, sizeof(buf), ETHERTYPE_IP);
	ASSERT_EQ(ETH_HLEN + 20 + 8 + 5, n);
	EXPECT_EQ(n, next);
	EXPECT_EQ(0, memcmp(eh->ether_dhost, PEER_MAC, ETH_ALEN));
	EXPECT_EQ(0, memcmp(buf + n - 5, "hello", 5));
}

TEST_F(tap, write_frame_reaches_stack_other_hosts_marked)
{
	uint8_t frame[256], buf[64];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_IP) };
	socklen_t slen = sizeof(sll);
	struct timeval tv = { .tv_sec = 5 };
	size_t len;
	int s, p;

	ASSERT_EQ(0, tap_up_with_peer(self->name));
	s = bsdtun_udp_sock(AF_INET, 7001);
	ASSERT_LE(0, s);
	p = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	ASSERT_LE(0, p);
	sll.sll_ifindex = if_nametoindex(self->name);
	ASSERT_EQ(0, bind(p, (struct sockaddr *)&sll, sizeof(sll)));
	setsockopt(p, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/* For our MAC: delivered to the socket. */
	len = tap_udp_frame(frame, self->mac, (const uint8_t *)PEER_MAC, 7001, "mine", 4);
	ASSERT_EQ((ssize_t)len, write(self->fd, frame, len));
	ASSERT_EQ(4, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "mine", 4));
	ASSERT_LT(0, recvfrom(p, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &slen));
	EXPECT_EQ(PACKET_HOST, sll.sll_pkttype);

	/* For another host's MAC: seen as such, not delivered. */
	len = tap_udp_frame(frame, (const uint8_t *)"\x02\x00\x00\x00\x00\x99",
			    (const uint8_t *)PEER_MAC, 7001, "else", 4);
	ASSERT_EQ((ssize_t)len, write(self->fd, frame, len));
	slen = sizeof(sll);
	ASSERT_LT(0, recvfrom(p, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &slen));
	EXPECT_EQ(PACKET_OTHERHOST, sll.sll_pkttype);
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(2, bsdtun_stat(self->name, "rx_packets"));
	close(p);
	close(s);
}

TEST_F(tap, write_sizes)
{
	static uint8_t big[TAPMRU + 1];

	ASSERT_EQ(0, tap_up_with_peer(self->name));
	memcpy(big, self->mac, ETH_ALEN);
	memcpy(big + ETH_ALEN, PEER_MAC, ETH_ALEN);
	/* An unknown ethertype: the stack counts and drops it. */
	big[12] = 0x88;
	big[13] = 0xb5;
	EXPECT_EQ(-1, write(self->fd, big, ETH_HLEN - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, big, TAPMRU + 1));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(TAPMRU, write(self->fd, big, TAPMRU));
	EXPECT_EQ(ETH_HLEN, write(self->fd, big, ETH_HLEN));
	EXPECT_EQ(0, write(self->fd, big, 0));
	EXPECT_EQ(2, bsdtun_stat(self->name, "rx_packets"));
}

TEST_F(tap, tap_ioctls)
{
	uint8_t mac[ETH_ALEN], set[ETH_ALEN] = { 0x02, 1, 2, 3, 4, 5 };
	struct tapinfo ti;
	struct ifreq ifr;
	int val = 1;

	/* The remote side's MAC: kept for the program, all zero at first. */
	memset(mac, 0xff, sizeof(mac));
	ASSERT_EQ(0, ioctl(self->fd, SIOCGIFADDR, mac));
	EXPECT_EQ(0, memcmp(mac, "\0\0\0\0\0\0", ETH_ALEN));
	ASSERT_EQ(0, ioctl(self->fd, SIOCSIFADDR, set));
	ASSERT_EQ(0, ioctl(self->fd, SIOCGIFADDR, mac));
	EXPECT_EQ(0, memcmp(mac, set, ETH_ALEN));
	/* ...not the interface's own. */
	ASSERT_EQ(0, bsdtun_mac(self->name, mac));
	EXPECT_EQ(0, memcmp(mac, self->mac, ETH_ALEN));

	/* TAPGIFNAME, FreeBSD's and NetBSD's numbers. */
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(self->fd, TAPGIFNAME, &ifr));
	EXPECT_STREQ(self->name, ifr.ifr_name);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_TAPGIFNAME_NETBSD, &ifr));
	EXPECT_STREQ(self->name, ifr.ifr_name);

	/*
	 * TAPGIFINFO/TAPSIFINFO: the MTU, within Ethernet's range; the
	 * type is Ethernet's and stays so.
	 */
	ASSERT_EQ(0, ioctl(self->fd, TAPGIFINFO, &ti));
	EXPECT_EQ(1500, ti.mtu);
	EXPECT_EQ(IFT_ETHER, ti.type);
	ti.type = IFT_PPP;
	EXPECT_EQ(-1, ioctl(self->fd, TAPSIFINFO, &ti));
	EXPECT_EQ(EPROTOTYPE, errno);
	ti.type = IFT_ETHER;
	ti.mtu = 9000;
	ASSERT_EQ(0, ioctl(self->fd, TAPSIFINFO, &ti));
	EXPECT_EQ(9000, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	ti.mtu = TAPMRU;
	EXPECT_EQ(-1, ioctl(self->fd, TAPSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);

	/* TAPSTRANSIENT is tun's number: accepted. */
	EXPECT_EQ(0, ioctl(self->fd, TAPGTRANSIENT, &val));
	EXPECT_EQ(0, val);

	/* VMIO_SIOCSIFFLAGS: UP forced, NOARP taken, BROADCAST not. */
	ASSERT_EQ(0, ioctl(self->fd, VMIO_SIOCSIFFLAGS, IFF_NOARP));
	EXPECT_EQ(IFF_UP | IFF_NOARP | IFF_BROADCAST,
		  bsdtun_flags(self->name) & (IFF_UP | IFF_NOARP | IFF_BROADCAST));
	ASSERT_EQ(0, ioctl(self->fd, VMIO_SIOCSIFFLAGS, 0));
	EXPECT_EQ(IFF_UP | IFF_BROADCAST,
		  bsdtun_flags(self->name) & (IFF_UP | IFF_NOARP | IFF_BROADCAST));

	/* tun's own requests are not tap's. */
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFHEAD, &val));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNGIFHEAD, &val));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNSLMODE, &val));
	EXPECT_EQ(ENOTTY, errno);
	val = IFF_BROADCAST;
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFMODE, &val));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFPID));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_TUNGIFNAME_DFLY, &ifr));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(tap, tap_requests_refused_on_tun)
{
	uint8_t mac[ETH_ALEN];
	struct ifreq ifr;
	int fd = bsdtun_open_unit(&bsdtun_fam_tun, 0, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, SIOCGIFADDR, mac));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, SIOCSIFADDR, mac));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, VMIO_SIOCSIFFLAGS, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, BSDTUN_TAPGIFNAME_NETBSD, &ifr));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_F(tap, vlan_subinterface_frames_carry_a_tag)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = bsdtun_v4(TAP_NET, 2) };
	static char data[1500 - 28];
	uint8_t buf[2048], frame[2048];
	char vlan[IFNAMSIZ + 8];
	size_t len;
	ssize_t n;
	int s;

	snprintf(vlan, sizeof(vlan), "%s.5", self->name);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s up && "
			       BSDTUN_IP " link add link %s name %s type vlan id 5",
			       self->name, self->name, vlan));
	ASSERT_EQ(0, tap_up_with_peer(vlan));

	/* A full-MTU datagram leaves as a frame of MTU + 4 + header. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ((ssize_t)sizeof(data),
		  sendto(s, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)));
	close(s);
	n = tap_read_type(self->fd, buf, sizeof(buf), ETH_P_8021Q);
	ASSERT_EQ(1500 + 4 + ETH_HLEN, n);
	EXPECT_EQ(5, (buf[14] << 8 | buf[15]) & 0xfff);
	EXPECT_EQ(0x08, buf[16]);
	EXPECT_EQ(0x00, buf[17]);

	/* A tagged frame written arrives on the VLAN interface. */
	s = bsdtun_udp_sock(AF_INET, 7002);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bsdtun_mac(vlan, frame));
	memcpy(frame + ETH_ALEN, PEER_MAC, ETH_ALEN);
	frame[12] = 0x81;
	frame[13] = 0x00;
	frame[14] = 0;
	frame[15] = 5;
	frame[16] = 0x08;
	frame[17] = 0x00;
	len = 18 + bsdtun_udp4(frame + 18, TAP_NET, 7002, "tagged", 6);
	ASSERT_EQ((ssize_t)len, write(self->fd, frame, len));
	ASSERT_EQ(6, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "tagged", 6));
	close(s);
}

TEST_F(tap, af_packet_sees_both_directions)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct timeval tv = { .tv_sec = 5 };
	uint8_t buf[2048], frame[256];
	int p, out = 0, in = 0;
	size_t len;

	ASSERT_EQ(0, tap_up_with_peer(self->name));
	p = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_LE(0, p);
	sll.sll_ifindex = if_nametoindex(self->name);
	ASSERT_EQ(0, bind(p, (struct sockaddr *)&sll, sizeof(sll)));
	setsockopt(p, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	ASSERT_EQ(3, bsdtun_send4(TAP_NET, "out", 3));
	ASSERT_LT(0, tap_read_type(self->fd, buf, sizeof(buf), ETHERTYPE_IP));
	len = tap_udp_frame(frame, self->mac, (const uint8_t *)PEER_MAC, 9, "in", 2);
	ASSERT_EQ((ssize_t)len, write(self->fd, frame, len));

	for (int i = 0; i < 20 && !(out && in); i++) {
		socklen_t slen = sizeof(sll);
		ssize_t n = recvfrom(p, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &slen);

		if (n < 0)
			break;
		/* Whole frames, Ethernet header first, either way. */
		if (n >= ETH_HLEN && sll.sll_pkttype == PACKET_OUTGOING &&
		    !memcmp(buf + n - 3, "out", 3) && !memcmp(buf + ETH_ALEN, self->mac, ETH_ALEN))
			out = 1;
		if (n >= ETH_HLEN && sll.sll_pkttype == PACKET_HOST &&
		    !memcmp(buf + n - 2, "in", 2) && !memcmp(buf, self->mac, ETH_ALEN))
			in = 1;
	}
	EXPECT_TRUE(out);
	EXPECT_TRUE(in);
	close(p);
}

/*
 * In namespace bt: receive a datagram on @port ("bridged" expected),
 * then send one to 10.40.0.2.  Tells @ready once its socket is bound.
 */
static int tap_peer_in_bt(int ready, uint16_t port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = bsdtun_v4(TAP_NET, 2) };
	int ns = open("/run/netns/bt", O_RDONLY), s;
	char buf[64];

	if (ns < 0 || setns(ns, CLONE_NEWNET))
		return 1;
	s = bsdtun_udp_sock(AF_INET, port);
	if (s < 0 || write(ready, "r", 1) != 1)
		return 2;
	if (recv(s, buf, sizeof(buf), 0) != 7 || memcmp(buf, "bridged", 7))
		return 3;
	if (sendto(s, "back", 4, 0, (struct sockaddr *)&to, sizeof(to)) != 4)
		return 4;
	return 0;
}

TEST_F(tap, bridge_forwards_both_ways)
{
	const uint8_t far[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x77 };
	uint8_t frame[256], buf[2048], vmac[ETH_ALEN];
	struct ether_header *eh = (struct ether_header *)buf;
	struct iphdr *ip = (struct iphdr *)(frame + ETH_HLEN);
	int pipefd[2], st;
	size_t len;
	ssize_t n;
	pid_t pid;
	char c;

	/* tap -- btbr -- veth -- namespace bt with 10.40.0.3 */
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt && "
			       BSDTUN_IP " link add btbr type bridge && "
			       BSDTUN_IP " link set btbr up && "
			       BSDTUN_IP " link add btv0 type veth peer name btv1 netns bt && "
			       BSDTUN_IP " link set btv0 master btbr up && "
			       BSDTUN_IP " link set %s master btbr up && "
			       BSDTUN_IP " -n bt addr add 10.%d.0.3/24 dev btv1 && "
			       BSDTUN_IP " -n bt link set btv1 up && "
			       BSDTUN_IP " -n bt neigh replace 10.%d.0.2 "
			       "lladdr 02:00:00:00:00:77 dev btv1",
			       self->name, TAP_NET, TAP_NET));
	ASSERT_TRUE(bsdtun_operstate(self->name, "up"));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link show btv1 | "
			       "sed -n 's/.*link.ether \\([0-9a-f:]*\\).*/\\1/p' > /tmp/btv1.mac"));
	ASSERT_EQ(0, bsdtun_mac_file("/tmp/btv1.mac", vmac));
	unlink("/tmp/btv1.mac");

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(tap_peer_in_bt(pipefd[1], 7003));
	ASSERT_EQ(1, read(pipefd[0], &c, 1));

	/*
	 * A datagram from "far", behind the tap, to the namespace's MAC:
	 * another host's frame, which the bridge forwards.
	 */
	len = tap_udp_frame(frame, vmac, far, 7003, "bridged", 7);
	ip->daddr = bsdtun_v4(TAP_NET, 3);
	ip->check = 0;
	ip->check = bsdtun_fold(bsdtun_sum(ip, sizeof(*ip), 0));
	/* No UDP checksum (optional in IPv4): the address changed. */
	((struct udphdr *)(ip + 1))->check = 0;
	ASSERT_EQ((ssize_t)len, write(self->fd, frame, len));

	/*
	 * The answer comes back to far through the bridge and the tap
	 * (after whatever else the namespace sends, IGMP for one).
	 */
	for (int i = 0; i < 20; i++) {
		n = tap_read_type(self->fd, buf, sizeof(buf), ETHERTYPE_IP);
		if (n < 4 || !memcmp(buf + n - 4, "back", 4))
			break;
	}
	ASSERT_LT(4, n);
	EXPECT_EQ(0, memcmp(eh->ether_dhost, far, ETH_ALEN));
	EXPECT_EQ(0, memcmp(eh->ether_shost, vmac, ETH_ALEN));
	EXPECT_EQ(0, memcmp(buf + n - 4, "back", 4));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * A capture's promiscuity passes; VMIO_SIOCSIFFLAGS made while it lasts
 * must not make it the user's (FreeBSD keeps PROMISC out of its reach).
 */
TEST_F(tap, vmio_flags_leave_passing_promiscuity_alone)
{
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int s;

	s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_LE(0, s);
	mr.mr_ifindex = if_nametoindex(self->name);
	ASSERT_LT(0, mr.mr_ifindex);
	ASSERT_EQ(0, setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)));
	ASSERT_EQ(IFF_PROMISC, bsdtun_flags(self->name) & IFF_PROMISC);
	ASSERT_EQ(0, ioctl(self->fd, VMIO_SIOCSIFFLAGS, IFF_NOARP));
	close(s);
	EXPECT_EQ(0, bsdtun_flags(self->name) & IFF_PROMISC);
	EXPECT_EQ(IFF_UP | IFF_NOARP, bsdtun_flags(self->name) & (IFF_UP | IFF_NOARP));
}

/*
 * Backpressure stops the transmit queue.  A close must not leave it
 * stopped for the next open: a vmnet interface stays up, so no ndo_open
 * restarts it.
 */
TEST_F(tap, reopen_after_full_queue_transmits)
{
	uint8_t buf[2048];
	ssize_t n = -1;

	/* Full to txqueuelen: no byte queue limits. */
	ASSERT_EQ(0, bsdtun_bql_off());
	ASSERT_EQ(0, tap_up_with_peer(self->name));
	ASSERT_EQ(0, bsdtun_link_set(self->name, SIOCSIFTXQLEN, 4));
	for (int i = 0; i < 16; i++)
		bsdtun_send4(TAP_NET, "fill", 4);
	ASSERT_EQ(4, bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets", self->name));
	close(self->fd);
	self->fd = bsdtun_open_unit(variant->fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	/* tap went down (its IPv4 address stays), and lost its neighbours. */
	if (!variant->fam->keep_up) {
		ASSERT_EQ(0, bsdtun_link_up(self->name, 1));
		ASSERT_EQ(0, tap_peer_neigh(self->name));
	}
	ASSERT_EQ(5, bsdtun_send4(TAP_NET, "after", 5));
	for (int i = 0; i < 20; i++) {
		n = tap_read_type(self->fd, buf, sizeof(buf), ETHERTYPE_IP);
		if (n < 5 || !memcmp(buf + n - 5, "after", 5))
			break;
	}
	ASSERT_LT(5, n);
	EXPECT_EQ(0, memcmp(buf + n - 5, "after", 5));
}

/*
 * A unit's name is its family's: another kind of link may not take it,
 * at creation or by a rename.
 */
TEST_F(tap, other_family_unit_name_refused)
{
	char name[IFNAMSIZ], other[IFNAMSIZ];

	bsdtun_name(name, sizeof(name), variant->fam, 7);
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add %s type %s 2>/dev/null",
			       name, bsdtun_fam_tun.kind));
	bsdtun_name(name, sizeof(name), &bsdtun_fam_tun, 7);
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add %s type %s 2>/dev/null",
			       name, variant->fam->kind));
	bsdtun_name(name, sizeof(name), variant->fam, 7);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s type %s", name, variant->fam->kind));
	/* Nor may a rename take it; the interface keeps its name. */
	bsdtun_name(other, sizeof(other), &bsdtun_fam_tun, 7);
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link set %s name %s 2>/dev/null", name, other));
	EXPECT_LT(0, if_nametoindex(name));
	EXPECT_EQ(0, if_nametoindex(other));
	/* Any other name it may take, and its own back. */
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s name wan7", name));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link set wan7 name %s", name));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", name));
}

TEST_F(tap, close_policy)
{
	ASSERT_EQ(0, bsdtun_up(self->name, TAP_NET));
	ASSERT_EQ(1, bsdtun_read_num("/sys/class/net/%s/carrier", self->name));
	/* Up first, so that "down" below is the close's doing. */
	ASSERT_TRUE(bsdtun_operstate(self->name, "up"));
	close(self->fd);
	self->fd = -1;
	if (variant->fam->keep_up) {
		/* vmnet: still up, with its address; no carrier. */
		EXPECT_EQ(IFF_UP, bsdtun_flags(self->name) & IFF_UP);
		EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " addr show %s | grep -q 10.%d.0.1",
				       self->name, TAP_NET));
		EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/carrier", self->name));
	} else {
		/* tap: down, as tun. */
		EXPECT_EQ(0, bsdtun_flags(self->name) & IFF_UP);
	}
	EXPECT_TRUE(bsdtun_operstate(self->name, "down"));
}

TEST_F(tap, up_on_open_parameter)
{
	char name[IFNAMSIZ];
	int fd;

	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_reload("tap_up_on_open=1"));
	self->fd = bsdtun_open_unit(variant->fam, 1, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_ifname(self->fd, self->name));
	EXPECT_EQ(IFF_UP, bsdtun_flags(self->name) & IFF_UP);
	/* A tun unit is not a tap: the parameter does not apply. */
	fd = bsdtun_open_unit(&bsdtun_fam_tun, 1, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bsdtun_ifname(fd, name));
	EXPECT_EQ(0, bsdtun_flags(name) & IFF_UP);
	close(fd);
}

TEST_HARNESS_MAIN
