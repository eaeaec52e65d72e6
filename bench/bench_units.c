// SPDX-License-Identifier: GPL-2.0
/*
 * Units, packets and sockets for the rows: a unit of each driver opened,
 * addressed and up; the IPv4/UDP packet (or the Ethernet frame around
 * it) a row writes; UDP sockets on a unit's addresses; the dummy
 * interface of the read row's bound.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/* BSD ioctls from bsdtun_uapi.h, without the BSD header's name clash. */
#define TUNSIFHEAD_BSD	_IOW('t', 96, int)
#define TUNGIFNAME_BSD	_IOR('t', 93, struct ifreq)
#define TAPSVNETHDR_BSD	_IOW('t', 91, int)
#define TUNSCAP_BSD	_IOW('t', 196, uint32_t)
/* OpenBSD's IFCAP_CSUM_{TCP,UDP}v{4,6} and IFCAP_TSOv{4,6} */
#define BENCH_CAPS	(0x2 | 0x4 | 0x80 | 0x100 | 0x1000 | 0x2000)

const char * const bench_drv_name[DRV_NR] = {
	"bsdtun", "bsdtun+HEAD", "tun", "tun+PI", "bsdtap", "tap",
	"bsdtun+vnet", "bsdtun+TUNSCAP", "tun+vnet",
};

static int bench_drv_bsd(enum bench_drv drv)
{
	return drv == DRV_BSD || drv == DRV_BSD_HEAD || drv == DRV_BSD_TAP ||
	       drv == DRV_BSD_VNET || drv == DRV_BSD_CAP;
}

/* Locally administered, so that it is no unit's own. */
const uint8_t bench_peer_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };

void bench_die(const char *what)
{
	perror(what);
	exit(1);
}

void bench_sh(const char *fmt, ...)
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

void bench_mac_str(const uint8_t *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* The interface's own MAC (random, both tap drivers), from sysfs. */
static void bench_read_mac(struct bench_unit *u)
{
	unsigned int b[ETH_ALEN];
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", u->name);
	f = fopen(path, "r");
	if (!f)
		bench_die(path);
	n = fscanf(f, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	fclose(f);
	if (n != ETH_ALEN) {
		fprintf(stderr, "no MAC in %s\n", path);
		exit(1);
	}
	for (int i = 0; i < ETH_ALEN; i++)
		u->mac[i] = b[i];
}

void bench_open(struct bench_unit *u, enum bench_drv drv, int idx,
		const char *netns)
{
	int tap = bench_drv_tap(drv);
	struct ifreq ifr;
	int on = 1;

	memset(u, 0, sizeof(*u));
	memset(&ifr, 0, sizeof(ifr));
	u->drv = drv;
	u->idx = idx;
	if (bench_drv_bsd(drv)) {
		uint32_t caps = BENCH_CAPS;
		int vnet = 10;

		u->fd = open(tap ? "/dev/bsdtap" : "/dev/bsdtun", O_RDWR);
		if (u->fd < 0)
			bench_die(tap ? "open /dev/bsdtap" : "open /dev/bsdtun");
		if (drv == DRV_BSD_HEAD) {
			if (ioctl(u->fd, TUNSIFHEAD_BSD, &on) < 0)
				bench_die("TUNSIFHEAD");
			u->hdr = 4;
		}
		if (drv == DRV_BSD_VNET) {
			if (ioctl(u->fd, TAPSVNETHDR_BSD, &vnet) < 0)
				bench_die("TAPSVNETHDR");
			u->hdr = vnet;
		}
		if (drv == DRV_BSD_CAP) {
			if (ioctl(u->fd, TUNSCAP_BSD, &caps) < 0)
				bench_die("TUNSCAP");
			u->hdr = 8;
		}
		/* tap's TAPGIFNAME is the same request. */
		if (ioctl(u->fd, TUNGIFNAME_BSD, &ifr) < 0)
			bench_die("TUNGIFNAME");
	} else {
		u->fd = open("/dev/net/tun", O_RDWR);
		if (u->fd < 0)
			bench_die("open /dev/net/tun");
		if (tap)
			ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		else
			ifr.ifr_flags = IFF_TUN | (drv == DRV_TUN_PI ? 0 : IFF_NO_PI);
		if (drv == DRV_TUN_VNET)
			ifr.ifr_flags |= IFF_VNET_HDR;
		snprintf(ifr.ifr_name, IFNAMSIZ, "l%s%d", tap ? "tap" : "tun", idx);
		if (ioctl(u->fd, TUNSETIFF, &ifr) < 0)
			bench_die("TUNSETIFF");
		if (drv == DRV_TUN_PI)
			u->hdr = 4;
		/* As wireguard-go opens it: checksum and TSO offloads. */
		if (drv == DRV_TUN_VNET) {
			if (ioctl(u->fd, TUNSETOFFLOAD,
				  TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
				bench_die("TUNSETOFFLOAD");
			u->hdr = 10;
		}
	}
	snprintf(u->name, sizeof(u->name), "%s", ifr.ifr_name);
	if (tap) {
		u->hdr = ETH_HLEN;
		bench_read_mac(u);
	}
	if (netns)
		bench_sh("/sbin/ip link set %s netns %s", u->name, netns);
	/* IPv6's own packets (MLD, solicitations) would land in the reads. */
	bench_sh("echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6", u->name);
	if (tap) {
		char mac[18];

		/*
		 * An Ethernet link: the unit's /24, its peer (host 2) at a
		 * permanent neighbour entry, so that no ARP request lands in
		 * a row's reads or delays its first packet.
		 */
		bench_mac_str(bench_peer_mac, mac, sizeof(mac));
		bench_sh("/sbin/ip %s%s addr add 10.77.%d.1/24 dev %s && "
			 "/sbin/ip %s%s link set %s up && "
			 "/sbin/ip %s%s neigh replace 10.77.%d.2 lladdr %s dev %s",
			 netns ? "-n " : "", netns ? netns : "", idx, u->name,
			 netns ? "-n " : "", netns ? netns : "", u->name,
			 netns ? "-n " : "", netns ? netns : "", idx, mac, u->name);
		return;
	}
	bench_sh("/sbin/ip %s%s addr add 10.77.%d.1 peer 10.77.%d.2 dev %s && "
		 "/sbin/ip %s%s link set %s up",
		 netns ? "-n " : "", netns ? netns : "", idx, idx, u->name,
		 netns ? "-n " : "", netns ? netns : "", u->name);
}

void bench_close(struct bench_unit *u)
{
	close(u->fd);
	/* A BSD unit's interface outlives its file; Linux's goes with it. */
	if (bench_drv_bsd(u->drv))
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

/*
 * Header (family, or a tap unit's Ethernet header) + IPv4 + UDP with the
 * payload; returns the length.
 */
size_t bench_packet(const struct bench_unit *u, uint8_t *buf, uint32_t src,
		    uint32_t dst, uint16_t dport, size_t payload, int bad_csum)
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
	} else if (bench_drv_tap(u->drv)) {
		struct ether_header *eh = (struct ether_header *)buf;

		/*
		 * From the peer to the interface's own MAC: any other
		 * destination is PACKET_OTHERHOST, dropped before IP.
		 */
		memcpy(eh->ether_dhost, u->mac, ETH_ALEN);
		memcpy(eh->ether_shost, bench_peer_mac, ETH_ALEN);
		eh->ether_type = htons(ETHERTYPE_IP);
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

uint32_t bench_addr(int idx, int host)
{
	return htonl(0x0a4d0000 | idx << 8 | host);
}

int bench_udp_socket(uint32_t addr, uint16_t port)
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

/*
 * The read row with the driver taken out: the same loop sends to a dummy
 * interface, which frees each packet at once, and reads as many bytes
 * from /dev/zero.  Left are the row's shared costs (two syscalls, the
 * AF_PACKET allocation and copy, the free, bytes put to user space, here
 * cleared rather than copied): a time no driver can go below, so tun's
 * time over it is the best ratio any driver could show in the read row.
 */
int bench_bound_open(struct bench_unit *u)
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
