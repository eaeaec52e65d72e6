/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface set-up for the bsdtun selftests by system calls, without
 * ip(8): nearly every test configures a unit, and a fork and exec costs
 * a TCG guest a tenth of a second, a debug kernel most of a second.
 * What a test checks of iproute2 itself it still runs through ip(8).
 */
#ifndef _BSDTUN_NET_H
#define _BSDTUN_NET_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if_tun.h>

static inline int bsdtun_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/* Append a netlink attribute at @off in @buf; the new offset. */
static inline size_t bsdtun_nla(char *buf, size_t off, unsigned short type,
				const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(buf + off);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	return off + RTA_ALIGN(rta->rta_len);
}

/* Send one rtnetlink request asking for an ack; 0 or a negative errno. */
static inline int bsdtun_nl_talk(struct nlmsghdr *nh)
{
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int s, err = -EIO;

	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -errno;
	if (sendto(s, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		err = -errno;
	else if (recv(s, &ack, sizeof(ack), 0) >= (ssize_t)sizeof(ack) &&
		 ack.nh.nlmsg_type == NLMSG_ERROR)
		err = ack.err.error;
	close(s);
	return err;
}

/* Interface flags up or down by SIOCSIFFLAGS; 0 or a negative errno. */
static inline int bsdtun_set_up(int sock, const char *name, int up)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

static inline uint32_t bsdtun_v4(int net, int host)
{
	return htonl(0x0a000000 | (net & 0xff) << 16 | host);
}

static inline void bsdtun_v6(struct in6_addr *a, int net, int host)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfd;
	a->s6_addr[2] = net >> 8;
	a->s6_addr[3] = net & 0xff;
	a->s6_addr[15] = host;
}

/*
 * "ip netns del @ns" when it exists (its bind mount and its file in
 * iproute2's /run/netns), for tear-downs: without the fork and exec of
 * ip(8) for every test.
 */
static inline void bsdtun_netns_del(const char *ns)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (access(path, F_OK))
		return;
	umount2(path, MNT_DETACH);
	unlink(path);
}

/*
 * "ip addr replace @local peer @peer dev @name" (a /32 with a route to
 * the peer, on a unit of any family) over rtnetlink; 0 or a negative
 * errno.
 */
static inline int bsdtun_nl_addr4(const char *name, uint32_t local,
				  uint32_t peer)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req;
	size_t off = 0;

	memset(&req, 0, sizeof(req));
	req.ifa.ifa_index = if_nametoindex(name);
	if (!req.ifa.ifa_index)
		return -ENODEV;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = 32;
	off = bsdtun_nla(req.attrs, off, IFA_LOCAL, &local, sizeof(local));
	off = bsdtun_nla(req.attrs, off, IFA_ADDRESS, &peer, sizeof(peer));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa)) + off;
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	return bsdtun_nl_talk(&req.nh);
}

/*
 * "ip neigh replace <peer> lladdr @mac dev @name" (a permanent entry, no
 * ARP or neighbour discovery) for the unit's peer on 10.<@net>.0.2, or
 * with @six on fd00:<@net>::2; 0 or a negative errno.
 */
static inline int bsdtun_nl_peer_mac(const char *name, int net, int six,
				     const void *mac)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
		char attrs[64];
	} req;
	struct in6_addr a6;
	uint32_t a4 = bsdtun_v4(net, 2);
	size_t off = 0;

	memset(&req, 0, sizeof(req));
	req.nd.ndm_ifindex = if_nametoindex(name);
	if (!req.nd.ndm_ifindex)
		return -ENODEV;
	req.nd.ndm_family = six ? AF_INET6 : AF_INET;
	req.nd.ndm_state = NUD_PERMANENT;
	if (six) {
		bsdtun_v6(&a6, net, 2);
		off = bsdtun_nla(req.attrs, off, NDA_DST, &a6, sizeof(a6));
	} else {
		off = bsdtun_nla(req.attrs, off, NDA_DST, &a4, sizeof(a4));
	}
	off = bsdtun_nla(req.attrs, off, NDA_LLADDR, mac, ETH_ALEN);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd)) + off;
	req.nh.nlmsg_type = RTM_NEWNEIGH;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	return bsdtun_nl_talk(&req.nh);
}

/*
 * "ip link add NAME type KIND" (@op 1), "ip link set NAME type KIND"
 * (@op 2) or "ip link del NAME" (@op 0) over rtnetlink, without a fork
 * and exec per call: the stress tests create and destroy units by the
 * thousand.  @owner and @group, unless negative, give the unit to that
 * uid and gid ("user U group G"; 0xffffffff takes it back).  0 or a
 * negative errno.
 */
static inline int bsdtun_nl_link_req(int op, const char *name, const char *kind,
				     long long owner, long long group)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[256];
	} req;
	size_t off = 0, info, data;
	uint32_t id;

	memset(&req, 0, sizeof(req));
	off = bsdtun_nla(req.attrs, off, IFLA_IFNAME, name, strlen(name) + 1);
	if (op) {
		info = off;
		off = bsdtun_nla(req.attrs, off, IFLA_LINKINFO, NULL, 0);
		off = bsdtun_nla(req.attrs, off, IFLA_INFO_KIND, kind,
				 strlen(kind) + 1);
		if (owner >= 0 || group >= 0) {
			data = off;
			off = bsdtun_nla(req.attrs, off, IFLA_INFO_DATA, NULL, 0);
			id = (uint32_t)owner;
			if (owner >= 0)
				off = bsdtun_nla(req.attrs, off, IFLA_BSDTUN_OWNER,
						 &id, sizeof(id));
			id = (uint32_t)group;
			if (group >= 0)
				off = bsdtun_nla(req.attrs, off, IFLA_BSDTUN_GROUP,
						 &id, sizeof(id));
			((struct rtattr *)(req.attrs + data))->rta_len = off - data;
		}
		((struct rtattr *)(req.attrs + info))->rta_len = off - info;
	}
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + off;
	req.nh.nlmsg_type = op ? RTM_NEWLINK : RTM_DELLINK;
	req.nh.nlmsg_flags = op == 1 ? NLM_F_CREATE | NLM_F_EXCL : 0;
	req.ifi.ifi_family = AF_UNSPEC;
	return bsdtun_nl_talk(&req.nh);
}

static inline int bsdtun_nl_link_kind(int add, const char *name,
				      const char *kind)
{
	return bsdtun_nl_link_req(add, name, kind, -1, -1);
}

static inline int bsdtun_nl_link(int add, const char *name)
{
	return bsdtun_nl_link_kind(add, name, "bsdtun");
}

/*
 * "ip link set @name up" or "down", "mtu @val" (SIOCSIFMTU) or
 * "txqueuelen @val" (SIOCSIFTXQLEN) by ioctl: 0, or -1 with errno set.
 */
static inline int bsdtun_link_up(const char *name, int up)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (s < 0)
		return -1;
	err = bsdtun_set_up(s, name, up);
	close(s);
	errno = -err;
	return err ? -1 : 0;
}

static inline int bsdtun_link_set(const char *name, unsigned long req, int val)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc, err;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (req == SIOCSIFMTU)
		ifr.ifr_mtu = val;
	else
		ifr.ifr_qlen = val;
	rc = ioctl(s, req, &ifr);
	err = errno;
	close(s);
	errno = err;
	return rc ? -1 : 0;
}

/* IPv4 address and peer by ioctl (ifconfig's way); 0 or a negative errno. */
static inline int bsdtun_set_addr4(int sock, const char *name, uint32_t addr,
				   uint32_t peer)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
		return -errno;
	sin->sin_addr.s_addr = peer;
	return ioctl(sock, SIOCSIFDSTADDR, &ifr) < 0 ? -errno : 0;
}

/* Linux's struct in6_ifreq, which no libc header declares with net/if.h. */
struct bsdtun_in6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

/* An IPv6 address on @name by SIOCSIFADDR on an AF_INET6 socket. */
static inline int bsdtun_set_addr6(int sock6, const char *name,
				   const struct in6_addr *a)
{
	struct bsdtun_in6_ifreq r = { .addr = *a, .prefixlen = 64 };

	r.ifindex = if_nametoindex(name);
	if (!r.ifindex)
		return -ENODEV;
	return ioctl(sock6, SIOCSIFADDR, &r) < 0 ? -errno : 0;
}

#endif
