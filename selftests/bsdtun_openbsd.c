// SPDX-License-Identifier: GPL-2.0
/*
 * OpenBSD's personality, on its tun and tap families as fixture variants:
 * OpenBSD's struct tuninfo and its TUNSIFINFO/TUNGIFINFO rules, TUNSIFMODE
 * as a check, TUNSDEBUG/TUNGDEBUG at OpenBSD's numbers, FreeBSD's own
 * requests refused; tun's family header always on, IPv6 included; tap's
 * SIOCGIFADDR/SIOCSIFADDR on the interface's own MAC; open brings the
 * interface up, the last close destroys an interface its open made and
 * keeps one "ip link add" made (also for a boot unit's name); FIONREAD, FIOASYNC and the owner
 * requests; TUNSCAP, each checksum capability for its own transport; and an
 * OpenBSD unit and a FreeBSD one moving packets at the same time.
 */
#include <net/ethernet.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	73	/* the OpenBSD unit's addresses, 10.73.0.0 */
#define FNET	74	/* the FreeBSD twin's */
#define PORT	7373
#define PEER_MAC "\x02\x00\x00\x00\x00\x73"
#define ROUNDS	200

FIXTURE(obsd) {
	int fd;
	char name[IFNAMSIZ];
	long long v6_default;
};

FIXTURE_VARIANT(obsd) {
	const struct bsdtun_family *fam;
	const struct bsdtun_family *twin;	/* FreeBSD's family of the same link */
	unsigned int type;			/* OpenBSD's if_type */
	unsigned int flags;			/* its flags in OpenBSD's mask */
};

FIXTURE_VARIANT_ADD(obsd, tun) {
	.fam = &bsdtun_fam_otun,
	.twin = &bsdtun_fam_tun,
	.type = IFT_TUNNEL,
	.flags = IFF_POINTOPOINT | IFF_MULTICAST,
};

FIXTURE_VARIANT_ADD(obsd, tap) {
	.fam = &bsdtun_fam_otap,
	.twin = &bsdtun_fam_tap,
	.type = IFT_ETHER,
	.flags = IFF_BROADCAST | IFF_MULTICAST,
};

#define V6_DEFAULT "/proc/sys/net/ipv6/conf/default/disable_ipv6"

/*
 * Each test opens boot unit 0, whose open makes its interface, up: with
 * IPv6 off from its start, so that no neighbour discovery or MLD comes
 * before what a test reads (bsdtun_up6() turns it on where wanted).
 */
FIXTURE_SETUP(obsd)
{
	self->v6_default = bsdtun_read_num(V6_DEFAULT);
	ASSERT_LE(0, self->v6_default);
	ASSERT_EQ(0, bsdtun_write_file(V6_DEFAULT, "1"));
	if (!bsdtun_loaded())
		ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_open_unit(variant->fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	bsdtun_name(self->name, sizeof(self->name), variant->fam, 0);
}

FIXTURE_TEARDOWN(obsd)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->v6_default >= 0)
		bsdtun_write_file(V6_DEFAULT, self->v6_default ? "1" : "0");
}

static int obsd_exists(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return access(path, F_OK) == 0;
}

/*
 * The link's header before an IP packet: the 4-byte family word (tun),
 * an Ethernet header to @mac from the peer (tap); its length.
 */
static size_t obsd_hdr(int ether, uint8_t *p, int family, const uint8_t *mac)
{
	if (ether) {
		struct ether_header eh;

		memcpy(eh.ether_dhost, mac, ETH_ALEN);
		memcpy(eh.ether_shost, "\x02\x00\x00\x00\x00\x73", ETH_ALEN);
		eh.ether_type = htons(family == AF_INET6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP);
		memcpy(p, &eh, sizeof(eh));
		return sizeof(eh);
	}
	uint32_t af = htonl(family);

	memcpy(p, &af, sizeof(af));
	return sizeof(af);
}

/* Address the unit's interface on 10.<net>; a tap's peer gets a MAC. */
static int obsd_addr(const char *name, int ether, int net)
{
	if (bsdtun_up(name, net))
		return -1;
	if (!ether)
		return 0;
	return bsdtun_nl_peer_mac(name, net, 0, PEER_MAC);
}

/*
 * Read until the stack's datagram to the peer's port 4242 comes, @hlen
 * bytes of link header before its IP header: an Ethernet interface with
 * IPv6 also sends neighbour discovery and MLD (a hop-by-hop header, which
 * bsdtun_read_skip() does not know).  Bounded: 50 packets, 5 s each.
 */
static ssize_t obsd_read_udp(int fd, uint8_t *buf, size_t size, size_t hlen,
			     int family)
{
	size_t iplen = family == AF_INET6 ? 40 : 20;
	ssize_t n = -1;

	for (int i = 0; i < 50; i++) {
		const uint8_t *ip = buf + hlen;

		if (!bsdtun_readable(fd, 5000))
			return -1;
		n = read(fd, buf, size);
		if (n < (ssize_t)(hlen + iplen + 8))
			continue;
		if ((family == AF_INET6 ? ip[0] >> 4 == 6 && ip[6] == IPPROTO_UDP :
					  ip[0] >> 4 == 4 && ip[9] == IPPROTO_UDP) &&
		    ip[iplen + 2] == 4242 >> 8 && ip[iplen + 3] == (4242 & 0xff))
			return n;
	}
	return -1;
}

/*
 * One round trip through unit @fd (interface @name, 10.<net>): the stack's
 * datagram read with the link's header, and a written one taken by a
 * socket on @port.  0, or the step that failed.
 */
static int obsd_round(int fd, const char *name, int ether, int net,
		      int family, int sock, uint16_t port, int seq)
{
	uint8_t buf[2048], mac[ETH_ALEN] = { 0 };
	size_t hlen = ether ? ETH_HLEN : 4, iplen;
	uint8_t want[4];
	char got[8];
	ssize_t n;

	memcpy(want, &seq, sizeof(seq));
	if ((family == AF_INET6 ? bsdtun_send6(net, want, 4) :
				  bsdtun_send4(net, want, 4)) != 4)
		return 1;
	n = obsd_read_udp(fd, buf, sizeof(buf), hlen, family);
	iplen = family == AF_INET6 ? 40 : 20;
	if (n != (ssize_t)(hlen + iplen + 8 + 4))
		return 2;
	if (ether) {
		struct ether_header eh;

		memcpy(&eh, buf, sizeof(eh));
		if (eh.ether_type != htons(family == AF_INET6 ? ETHERTYPE_IPV6 :
					    ETHERTYPE_IP))
			return 3;
	} else {
		uint32_t af;

		memcpy(&af, buf, sizeof(af));
		if (af != htonl(family))
			return 3;
	}
	if (memcmp(buf + hlen + iplen + 8, want, 4))
		return 4;

	if (ether && bsdtun_mac(name, mac))
		return 5;
	n = obsd_hdr(ether, buf, family, mac);
	n += family == AF_INET6 ? bsdtun_udp6(buf + n, net, port, want, 4) :
				  bsdtun_udp4(buf + n, net, port, want, 4);
	if (write(fd, buf, n) != n)
		return 6;
	if (recv(sock, got, sizeof(got), 0) != 4 || memcmp(got, want, 4))
		return 7;
	return 0;
}

TEST_F(obsd, open_brings_the_interface_up_and_close_destroys_it)
{
	struct stat st;
	char path[64];

	ASSERT_TRUE(obsd_exists(self->name));
	EXPECT_TRUE(bsdtun_flags(self->name) & IFF_UP);
	EXPECT_TRUE(bsdtun_operstate(self->name, "up"));
	close(self->fd);
	self->fd = -1;
	EXPECT_FALSE(obsd_exists(self->name));
	/* The node stays, as OpenBSD's static /dev/tunN: open again. */
	snprintf(path, sizeof(path), "/dev/%s", self->name);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	self->fd = bsdtun_open_unit(variant->fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_TRUE(obsd_exists(self->name));
	/* And a second open of the same unit is EBUSY. */
	EXPECT_EQ(-1, bsdtun_open_unit(variant->fam, 0, O_RDWR));
	EXPECT_EQ(EBUSY, errno);
}

/*
 * "ip link add" unit @n of @fam, named @name: down until its open brings
 * it up, and still there, down, after the close.
 */
static void obsd_add_open_close(struct __test_metadata *_metadata,
				const struct bsdtun_family *fam, int n,
				const char *name)
{
	int fd;

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s type %s", name, fam->kind));
	EXPECT_EQ(n, bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", name));
	EXPECT_FALSE(bsdtun_flags(name) & IFF_UP);
	fd = bsdtun_open_unit(fam, n, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(bsdtun_flags(name) & IFF_UP);
	close(fd);
	EXPECT_TRUE(obsd_exists(name));
	EXPECT_FALSE(bsdtun_flags(name) & IFF_UP);
}

TEST_F(obsd, an_interface_ip_link_made_stays_down_after_close)
{
	char name[IFNAMSIZ];

	bsdtun_name(name, sizeof(name), variant->fam, 7);
	obsd_add_open_close(_metadata, variant->fam, 7, name);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", name));
	/* The number was not a boot unit's: its node went with it. */
	EXPECT_EQ(-1, bsdtun_open_unit(variant->fam, 7, O_RDWR));
}

/*
 * OpenBSD's "ifconfig tun1 create" beside the static /dev/tun1: "ip link
 * add" of an idle boot unit's name gives it the interface, which its
 * close keeps; a user namespace's root may not take the host's number.
 */
TEST_F(obsd, ip_link_add_of_a_boot_units_name_makes_its_lasting_interface)
{
	char name[IFNAMSIZ];
	int fd, st;
	pid_t pid;

	bsdtun_name(name, sizeof(name), variant->fam, 1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (bsdtun_unpriv_userns(65534))
			_exit(10);
		_exit(bsdtun_nl_link_kind(1, name, variant->fam->kind) == -EEXIST ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_FALSE(obsd_exists(name));

	obsd_add_open_close(_metadata, variant->fam, 1, name);
	/* Taken: a second "ip link add" of it is refused. */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add %s type %s 2>/dev/null", name,
			       variant->fam->kind));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", name));
	EXPECT_FALSE(obsd_exists(name));
	/* The node stays, for the next open or "ip link add". */
	fd = bsdtun_open_unit(variant->fam, 1, O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_FALSE(obsd_exists(name));
}

TEST_F(obsd, a_boot_units_node_outlives_ip_link_del)
{
	char path[64];

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", self->name));
	EXPECT_FALSE(obsd_exists(self->name));
	/* The old file is detached from the unit it had. */
	EXPECT_EQ(-1, ioctl(self->fd, TUNGIFNAME, &(struct ifreq){ 0 }));
	EXPECT_EQ(EHOSTDOWN, errno);
	close(self->fd);
	snprintf(path, sizeof(path), "/dev/%s", self->name);
	EXPECT_EQ(0, access(path, F_OK));
	self->fd = bsdtun_open_unit(variant->fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_TRUE(obsd_exists(self->name));
}

TEST_F(obsd, a_clone_is_destroyed_by_its_close)
{
	char name[IFNAMSIZ];
	int fd;

	fd = bsdtun_clone_fam(variant->fam, name);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(obsd_exists(name));
	EXPECT_TRUE(bsdtun_flags(name) & IFF_UP);
	close(fd);
	EXPECT_FALSE(obsd_exists(name));
}

TEST_F(obsd, tungifinfo_reports_mtu_type_and_flags)
{
	struct bsdtun_obsd_tuninfo ti;

	/* OpenBSD's struct, not FreeBSD's 8 bytes. */
	EXPECT_EQ(12, sizeof(ti));
	memset(&ti, 0xa5, sizeof(ti));
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGIFINFO, &ti));
	EXPECT_EQ(1500, ti.mtu);
	EXPECT_EQ(variant->type, ti.type);
	/* UP and RUNNING are never reported, as on OpenBSD. */
	EXPECT_EQ(variant->flags, ti.flags);
	EXPECT_EQ(0, ti.baudrate);
}

TEST_F(obsd, tunsifinfo_sets_the_mtu_and_baudrate)
{
	struct bsdtun_obsd_tuninfo ti;

	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGIFINFO, &ti));
	ti.mtu = 1280;
	ti.baudrate = 9600;
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(1280, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	memset(&ti, 0, sizeof(ti));
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGIFINFO, &ti));
	EXPECT_EQ(1280, ti.mtu);
	EXPECT_EQ(9600, ti.baudrate);
	EXPECT_EQ(variant->type, ti.type);
}

TEST_F(obsd, tunsifinfo_refuses_another_type_flags_or_mtu_and_changes_nothing)
{
	struct bsdtun_obsd_tuninfo ok, ti;

	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGIFINFO, &ok));
	ok.baudrate = 0;

	ti = ok;
	ti.type = IFT_PPP;
	ti.mtu = 1400;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);

	ti = ok;
	ti.flags |= IFF_UP;
	ti.baudrate = 1;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);

	ti = ok;
	ti.flags ^= IFF_POINTOPOINT | IFF_BROADCAST;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);

	ti = ok;
	ti.mtu = TUNMRU + 1;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);

	ti = ok;
	ti.mtu = 46;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);

	memset(&ti, 0, sizeof(ti));
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGIFINFO, &ti));
	EXPECT_EQ(1500, ti.mtu);
	EXPECT_EQ(0, ti.baudrate);
	EXPECT_EQ(ok.flags, ti.flags);
	EXPECT_EQ(1500, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
}

TEST_F(obsd, tunsifmode_accepts_only_the_links_own_mode)
{
	long long before = bsdtun_flags(self->name);
	int mode = variant->flags;

	EXPECT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNSIFMODE, &mode));
	mode ^= IFF_POINTOPOINT | IFF_BROADCAST;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFMODE, &mode));
	EXPECT_EQ(EINVAL, errno);
	mode = variant->flags & ~IFF_MULTICAST;
	EXPECT_EQ(-1, ioctl(self->fd, BSDTUN_OBSD_TUNSIFMODE, &mode));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, bsdtun_flags(self->name));
}

TEST_F(obsd, tunsdebug_and_tungdebug_at_openbsds_numbers)
{
	int v = 1;

	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNSDEBUG, &v));
	v = 0;
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGDEBUG, &v));
	EXPECT_EQ(1, v);
	v = 0;
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNSDEBUG, &v));
	v = 1;
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_OBSD_TUNGDEBUG, &v));
	EXPECT_EQ(0, v);
}

/* FreeBSD's own requests are not OpenBSD's: ENOTTY, nothing changed. */
TEST_F(obsd, freebsds_own_requests_are_enotty)
{
	static const unsigned long reqs[] = {
		TUNSIFINFO, TUNGIFINFO, TUNSIFHEAD, TUNGIFHEAD, TUNSTRANSIENT,
		TUNGTRANSIENT, TUNSDEBUG, TUNGDEBUG, TUNSIFPID,
		BSDTUN_TUNGIFNAME_DFLY, BSDTUN_TAPGIFNAME_NETBSD,
		VMIO_SIOCSIFFLAGS,
	};
	char arg[64];

	for (size_t i = 0; i < ARRAY_SIZE(reqs); i++) {
		memset(arg, 0, sizeof(arg));
		EXPECT_EQ(-1, ioctl(self->fd, reqs[i], arg)) TH_LOG("request %zu", i);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("request %zu", i);
	}
	EXPECT_TRUE(obsd_exists(self->name));
}

TEST_F(obsd, siocgifaddr_and_siocsifaddr_are_the_taps_own_mac)
{
	uint8_t mac[ETH_ALEN], sys[ETH_ALEN];
	static const uint8_t mine[ETH_ALEN] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t mcast[ETH_ALEN] = { 0x01, 0x11, 0x22, 0x33, 0x44, 0x55 };

	if (!variant->fam->ether) {
		/* OpenBSD's tun has no link address. */
		EXPECT_EQ(-1, ioctl(self->fd, SIOCGIFADDR, mac));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, ioctl(self->fd, SIOCSIFADDR, mine));
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(self->fd, SIOCGIFADDR, mac));
	ASSERT_EQ(0, bsdtun_mac(self->name, sys));
	EXPECT_EQ(0, memcmp(mac, sys, ETH_ALEN));
	ASSERT_EQ(0, ioctl(self->fd, SIOCSIFADDR, mine));
	ASSERT_EQ(0, bsdtun_mac(self->name, sys));
	EXPECT_EQ(0, memcmp(mine, sys, ETH_ALEN));
	ASSERT_EQ(0, ioctl(self->fd, SIOCGIFADDR, mac));
	EXPECT_EQ(0, memcmp(mine, mac, ETH_ALEN));
	/* Not a station's address: refused, the old one kept. */
	EXPECT_EQ(-1, ioctl(self->fd, SIOCSIFADDR, mcast));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	ASSERT_EQ(0, bsdtun_mac(self->name, sys));
	EXPECT_EQ(0, memcmp(mine, sys, ETH_ALEN));
}

/* tun: the family word on every packet, IPv4 and IPv6, no request. */
TEST_F(obsd, packets_both_ways_with_the_links_header_ipv4_and_ipv6)
{
	int s4, s6;

	ASSERT_EQ(0, obsd_addr(self->name, variant->fam->ether, NET));
	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	s4 = bsdtun_udp_sock(AF_INET, PORT);
	/* Not PORT: an IPv6 socket takes the IPv4 port too. */
	s6 = bsdtun_udp_sock(AF_INET6, PORT + 2);
	ASSERT_LE(0, s4);
	ASSERT_LE(0, s6);
	if (variant->fam->ether)
		ASSERT_EQ(0, bsdtun_nl_peer_mac(self->name, NET, 1, PEER_MAC));
	EXPECT_EQ(0, obsd_round(self->fd, self->name, variant->fam->ether, NET,
				AF_INET, s4, PORT, 1));
	EXPECT_EQ(0, obsd_round(self->fd, self->name, variant->fam->ether, NET,
				AF_INET6, s6, PORT + 2, 2));
	close(s4);
	close(s6);
}

TEST_F(obsd, fionread_is_the_next_packet_with_its_header)
{
	int n = -1;

	ASSERT_EQ(0, obsd_addr(self->name, variant->fam->ether, NET));
	ASSERT_EQ(4, bsdtun_send4(NET, "abcd", 4));
	ASSERT_TRUE(bsdtun_readable(self->fd, 5000));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ((variant->fam->ether ? ETH_HLEN : 4) + 20 + 8 + 4, n);
}

/* FIOASYNC and the owner requests, as on every family: SIGIO per packet. */
TEST_F(obsd, fioasync_and_owner_requests)
{
	int on = 1, who, pgrp = getpgrp();

	ASSERT_EQ(0, ioctl(self->fd, TIOCSPGRP, &pgrp));
	ASSERT_EQ(0, ioctl(self->fd, TIOCGPGRP, &who));
	EXPECT_EQ(pgrp, who);
	who = getpid();
	ASSERT_EQ(0, ioctl(self->fd, FIOSETOWN, &who));
	who = 0;
	ASSERT_EQ(0, ioctl(self->fd, FIOGETOWN, &who));
	EXPECT_EQ(getpid(), who);
	bsdtun_block_sigio();
	ASSERT_EQ(0, obsd_addr(self->name, variant->fam->ether, NET));
	ASSERT_EQ(0, ioctl(self->fd, FIOASYNC, &on));
	ASSERT_EQ(1, bsdtun_send4(NET, "a", 1));
	EXPECT_TRUE(bsdtun_got_sigio());
}

/*
 * TUNSCAP is OpenBSD's: its tun_hdr before the family word; TUNDCAP and
 * close turn it off.
 */
TEST_F(obsd, tunscap_puts_tun_hdr_first_tundcap_and_close_turn_it_off)
{
	struct tun_capabilities cap = { IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4 };
	uint8_t buf[2048];
	struct tun_hdr th;
	size_t l2 = variant->fam->ether ? ETH_HLEN : 4;
	ssize_t n;

	ASSERT_EQ(0, obsd_addr(self->name, variant->fam->ether, NET));
	ASSERT_EQ(0, ioctl(self->fd, TUNSCAP, &cap));
	memset(&cap, 0, sizeof(cap));
	ASSERT_EQ(0, ioctl(self->fd, TUNGCAP, &cap));
	EXPECT_EQ(IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4, cap.tun_if_capabilities);
	ASSERT_EQ(4, bsdtun_send4(NET, "abcd", 4));
	n = bsdtun_read_skip(self->fd, buf, sizeof(buf), sizeof(th) + l2);
	ASSERT_EQ((ssize_t)(sizeof(th) + l2 + 20 + 8 + 4), n);
	memcpy(&th, buf, sizeof(th));
	/* The stack left the UDP checksum to the reader. */
	EXPECT_EQ(TUN_H_UDP_CSUM, th.th_flags);
	if (!variant->fam->ether) {
		uint32_t af;

		memcpy(&af, buf + sizeof(th), sizeof(af));
		EXPECT_EQ(htonl(AF_INET), af);
	}
	/* TUNDCAP turns it off: the next packet has the family word first. */
	ASSERT_EQ(0, ioctl(self->fd, TUNDCAP));
	EXPECT_EQ(-1, ioctl(self->fd, TUNGCAP, &cap));
	EXPECT_EQ(ENODEV, errno);
	ASSERT_EQ(4, bsdtun_send4(NET, "efgh", 4));
	n = bsdtun_read_skip(self->fd, buf, sizeof(buf), l2);
	ASSERT_EQ((ssize_t)(l2 + 20 + 8 + 4), n);
	EXPECT_EQ(0, memcmp(buf + l2 + 28, "efgh", 4));
	/*
	 * Close turns it off: seen on a unit whose interface outlives the
	 * close (one "ip link add" made), as unit 0's does not.
	 */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s6 type %s",
			       variant->fam->prefix, variant->fam->kind));
	self->fd = bsdtun_open_unit(variant->fam, 6, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, TUNSCAP, &cap));
	close(self->fd);
	self->fd = bsdtun_open_unit(variant->fam, 6, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, ioctl(self->fd, TUNGCAP, &cap));
	EXPECT_EQ(ENODEV, errno);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s6", variant->fam->prefix));
}

/*
 * Each of TUNSCAP's checksum capabilities for its own transport, as on
 * OpenBSD: with TCP's alone, a UDP datagram comes with its checksum done
 * and no flag asking for one while a TCP segment's is left to do; with
 * UDP's alone, the reverse.
 */
TEST_F(obsd, tunscap_checksums_each_for_its_own_transport)
{
	static const uint32_t caps[] = { IFCAP_CSUM_TCPv4, IFCAP_CSUM_UDPv4 };
	const size_t h = sizeof(struct tun_hdr) +
			 (variant->fam->ether ? ETH_HLEN : 4);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = bsdtun_v4(NET, 2) };
	uint8_t buf[2048];
	struct tun_hdr th;
	ssize_t n;

	ASSERT_EQ(0, obsd_addr(self->name, variant->fam->ether, NET));
	for (size_t c = 0; c < ARRAY_SIZE(caps); c++) {
		struct tun_capabilities cap = { caps[c] };
		int udp = caps[c] == IFCAP_CSUM_UDPv4, s;
		uint8_t *ip = buf + h;
		uint32_t sum;

		ASSERT_EQ(0, ioctl(self->fd, TUNSCAP, &cap));
		ASSERT_EQ(4, bsdtun_send4(NET, "abcd", 4));
		n = bsdtun_read_skip(self->fd, buf, sizeof(buf), h);
		ASSERT_EQ((ssize_t)(h + 20 + 8 + 4), n);
		memcpy(&th, buf, sizeof(th));
		EXPECT_EQ(udp ? TUN_H_UDP_CSUM : 0,
			  th.th_flags & (TUN_H_TCP_CSUM | TUN_H_UDP_CSUM));
		sum = bsdtun_sum(ip + 12, 8, IPPROTO_UDP + 12);
		if (!udp)
			EXPECT_EQ(0, bsdtun_fold(bsdtun_sum(ip + 20, 12, sum)));

		/* A connection's SYN, not answered. */
		s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_LE(0, s);
		to.sin_port = htons(7100 + c);
		ASSERT_EQ(-1, connect(s, (struct sockaddr *)&to, sizeof(to)));
		ASSERT_EQ(EINPROGRESS, errno);
		n = bsdtun_read_skip(self->fd, buf, sizeof(buf), h);
		ASSERT_LE((ssize_t)(h + 40), n);
		ASSERT_EQ(IPPROTO_TCP, ip[9]);
		memcpy(&th, buf, sizeof(th));
		EXPECT_EQ(udp ? 0 : TUN_H_TCP_CSUM,
			  th.th_flags & (TUN_H_TCP_CSUM | TUN_H_UDP_CSUM));
		sum = bsdtun_sum(ip + 12, 8, IPPROTO_TCP + n - h - 20);
		if (udp)
			EXPECT_EQ(0, bsdtun_fold(bsdtun_sum(ip + 20, n - h - 20, sum)));
		close(s);
	}
}

/*
 * An OpenBSD program and a FreeBSD one on one host, at once: each moves
 * ROUNDS datagrams both ways through its own unit, each with its own
 * header rule.
 */
TEST_F(obsd, an_openbsd_unit_and_a_freebsd_unit_at_the_same_time)
{
	const struct bsdtun_family *fams[2] = { variant->fam, variant->twin };
	int nets[2] = { NET, FNET }, ether = variant->fam->ether;
	char fname[IFNAMSIZ];
	int fd[2], sock[2], status, on = 1;
	pid_t pid[2];

	fd[0] = self->fd;
	fd[1] = bsdtun_clone_fam(variant->twin, fname);
	ASSERT_LE(0, fd[1]);
	/* FreeBSD's tun needs its header asked for; OpenBSD's has it. */
	if (!ether)
		ASSERT_EQ(0, ioctl(fd[1], TUNSIFHEAD, &on));
	ASSERT_EQ(0, ioctl(fd[1], TUNSTRANSIENT, &on));
	ASSERT_EQ(0, obsd_addr(self->name, ether, NET));
	ASSERT_EQ(0, obsd_addr(fname, ether, FNET));
	for (int i = 0; i < 2; i++) {
		sock[i] = bsdtun_udp_sock(AF_INET, PORT + i);
		ASSERT_LE(0, sock[i]);
	}
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i])
			continue;
		for (int r = 0; r < ROUNDS; r++) {
			int bad = obsd_round(fd[i], i ? fname : self->name, ether,
					     nets[i], AF_INET, sock[i], PORT + i, r);

			if (bad)
				_exit(10 + bad);
		}
		_exit(0);
	}
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status)) TH_LOG("%s", fams[i]->kind);
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", fams[i]->kind);
	}
	close(sock[0]);
	close(sock[1]);
	close(fd[1]);
}

TEST_HARNESS_MAIN
