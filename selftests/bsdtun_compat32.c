// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit process on the 64-bit kernel (built with -m32): TUNGIFNAME
 * (whose number differs in 32 bits: struct ifreq is smaller), TUNSIFHEAD
 * and TUNGIFHEAD, TUNGIFINFO, FIONREAD, and a packet written and read;
 * on a tap unit TAPGIFNAME (both numbers), the remote MAC, VMIO flags,
 * and a frame read; OpenBSD's struct tuninfo and requests, and its tap's
 * own MAC.
 */
#include <net/if_tap.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	46

TEST(compat32_ioctls_and_packets)
{
	char name[IFNAMSIZ];
	struct tuninfo ti;
	struct ifreq ifr;
	uint8_t pkt[128], buf[256];
	int fd, on = 1, val = -1, s;
	uint32_t af;
	size_t len;

	ASSERT_EQ(4, sizeof(long));
	ASSERT_EQ(0, bsdtun_reload(NULL));
	fd = bsdtun_clone(name);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("bsdtun4", name);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(fd, BSDTUN_TUNGIFNAME_DFLY, &ifr));
	EXPECT_STREQ("bsdtun4", ifr.ifr_name);
	ASSERT_EQ(0, ioctl(fd, TUNSIFHEAD, &on));
	ASSERT_EQ(0, ioctl(fd, TUNGIFHEAD, &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, ioctl(fd, TUNGIFINFO, &ti));
	EXPECT_EQ(1500, ti.mtu);
	EXPECT_EQ(IFT_PPP, ti.type);
	ASSERT_EQ(0, bsdtun_up(name, NET));

	ASSERT_EQ(4, bsdtun_send4(NET, "abcd", 4));
	ASSERT_EQ(0, ioctl(fd, FIONREAD, &val));
	EXPECT_EQ(4 + 32, val);
	ASSERT_EQ(36, read(fd, buf, sizeof(buf)));
	memcpy(&af, buf, 4);
	EXPECT_EQ(htonl(AF_INET), af);

	s = bsdtun_udp_sock(AF_INET, 5020);
	ASSERT_LE(0, s);
	af = htonl(AF_INET);
	memcpy(pkt, &af, 4);
	len = 4 + bsdtun_udp4(pkt + 4, NET, 5020, "x32", 3);
	ASSERT_EQ((ssize_t)len, write(fd, pkt, len));
	ASSERT_EQ(3, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "x32", 3));
	close(s);
	close(fd);
}

TEST(compat32_tap)
{
	uint8_t mac[6] = { 2, 9, 8, 7, 6, 5 }, got[6], buf[256];
	char name[IFNAMSIZ];
	struct ifreq ifr;
	int fd, val = -1;
	ssize_t n = -1;

	ASSERT_EQ(0, bsdtun_reload(NULL));
	fd = bsdtun_clone_fam(&bsdtun_fam_tap, name);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("bsdtap4", name);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(fd, BSDTUN_TAPGIFNAME_NETBSD, &ifr));
	EXPECT_STREQ("bsdtap4", ifr.ifr_name);
	ASSERT_EQ(0, ioctl(fd, SIOCSIFADDR, mac));
	ASSERT_EQ(0, ioctl(fd, SIOCGIFADDR, got));
	EXPECT_EQ(0, memcmp(mac, got, 6));
	/* IPv6 off before up: its own frames (MLD) would come first. */
	ASSERT_EQ(0, bsdtun_sh("echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6", name));
	ASSERT_EQ(0, ioctl(fd, VMIO_SIOCSIFFLAGS, IFF_NOARP));
	EXPECT_EQ(IFF_UP | IFF_NOARP, bsdtun_flags(name) & (IFF_UP | IFF_NOARP));
	ASSERT_EQ(0, ioctl(fd, VMIO_SIOCSIFFLAGS, 0));
	EXPECT_EQ(IFF_UP, bsdtun_flags(name) & (IFF_UP | IFF_NOARP));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " addr add 10.%d.0.1/24 dev %s && "
			       BSDTUN_IP " neigh replace 10.%d.0.2 lladdr 02:00:00:00:00:02 dev %s",
			       NET + 1, name, NET + 1, name));
	ASSERT_TRUE(bsdtun_operstate(name, "up"));
	ASSERT_EQ(4, bsdtun_send4(NET + 1, "abcd", 4));
	/*
	 * The datagram, with FIONREAD its size; an ARP frame the stack sends
	 * first of its own (once on 7.3, ARP just turned back on) is skipped.
	 */
	for (int i = 0; i < 4; i++) {
		ASSERT_TRUE(bsdtun_readable(fd, 5000));
		ASSERT_EQ(0, ioctl(fd, FIONREAD, &val));
		n = read(fd, buf, sizeof(buf));
		ASSERT_EQ(val, n);
		if (n < 14 || buf[12] != 0x08 || buf[13] != 0x06)
			break;
	}
	ASSERT_EQ(14 + 32, n);
	EXPECT_EQ(0, memcmp(buf, "\x02\0\0\0\0\x02", 6));
	close(fd);
}

/* OpenBSD's 12-byte struct tuninfo and its requests, from 32 bits. */
TEST(compat32_openbsd)
{
	struct bsdtun_obsd_tuninfo ti;
	uint8_t mac[6] = { 2, 9, 8, 7, 6, 4 }, got[6];
	char name[IFNAMSIZ];
	int fd, mode = IFF_POINTOPOINT | IFF_MULTICAST;

	ASSERT_EQ(0, bsdtun_reload(NULL));
	fd = bsdtun_open_unit(&bsdtun_fam_otun, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bsdtun_ifname(fd, name));
	EXPECT_STREQ("bsdotun0", name);
	ASSERT_EQ(0, ioctl(fd, BSDTUN_OBSD_TUNGIFINFO, &ti));
	EXPECT_EQ(1500, ti.mtu);
	EXPECT_EQ(IFT_TUNNEL, ti.type);
	EXPECT_EQ(mode, ti.flags);
	ti.mtu = 1300;
	ASSERT_EQ(0, ioctl(fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	EXPECT_EQ(1300, bsdtun_read_num("/sys/class/net/%s/mtu", name));
	EXPECT_EQ(0, ioctl(fd, BSDTUN_OBSD_TUNSIFMODE, &mode));
	close(fd);

	fd = bsdtun_open_unit(&bsdtun_fam_otap, 0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, SIOCSIFADDR, mac));
	ASSERT_EQ(0, ioctl(fd, SIOCGIFADDR, got));
	EXPECT_EQ(0, memcmp(mac, got, 6));
	ASSERT_EQ(0, bsdtun_mac("bsdotap0", got));
	EXPECT_EQ(0, memcmp(mac, got, 6));
	close(fd);
}

TEST_HARNESS_MAIN
