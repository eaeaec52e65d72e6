/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * bsdtun: the BSD tun(4) and tap(4) character-device API on Linux.
 *
 * Names and numbers follow FreeBSD's and DragonFly's <net/if_tun.h> and
 * <net/if_tap.h>, encoded with Linux's _IOC() so that BSD sources compile
 * unchanged against this header (installed as both) and talk to
 * /dev/bsdtunN, /dev/bsdtapN and /dev/bsdvmnetN.
 *
 * OpenBSD gives some of the same names other numbers and layouts: with
 * BSDTUN_OPENBSD defined (the OpenBSD variant of <net/if_tun.h> does it),
 * the names are OpenBSD's, for /dev/bsdotunN and /dev/bsdotapN.
 *
 * Address families in the TUNSIFHEAD header and interface flags in
 * TUNSIFMODE are the Linux values (AF_INET 2, AF_INET6 10, IFF_*), since
 * a ported program gets those from the Linux C library.
 */
#ifndef _BSDTUN_UAPI_H
#define _BSDTUN_UAPI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/if.h>
#else
#include <sys/types.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/types.h>
#endif

/* Largest packet a write() accepts, not counting the TUNSIFHEAD header. */
#define TUNMRU		16384

/* Default MTU of a new interface, as on BSD. */
#define TUNMTU		1500

/* if_types.h values TUNGIFINFO reports: a new tun unit's, a tap unit's. */
#ifndef IFT_PPP
#define IFT_PPP		0x17
#endif
#ifndef IFT_ETHER
#define IFT_ETHER	0x6
#endif
/* An OpenBSD tun unit's type. */
#ifndef IFT_TUNNEL
#define IFT_TUNNEL	0x83
#endif

/*
 * FreeBSD and DragonFly give TUNGIFNAME different numbers; both are
 * accepted.  TUNGIFNAME is FreeBSD's, the name most software uses; OpenBSD
 * units answer it too (a bsdtun extension: OpenBSD has no cloning node).
 */
#define TUNGIFNAME		_IOR('t', 93, struct ifreq)
#define BSDTUN_TUNGIFNAME_DFLY	_IOR('t', 98, struct ifreq)

/* tap(4): Ethernet frames, the largest a write() accepts. */
#define TAPMRU		65535

/*
 * OpenBSD's requests, under bsdtun's names: its struct tuninfo is 12
 * bytes, and its TUNSIFMODE and TUNSDEBUG take the numbers FreeBSD gives
 * TUNSLMODE and TUNSIFMODE.  TUNSIFINFO changes only the MTU and the
 * baud rate: the type and the flags (BSDTUN_OBSD_IFF_FLAGS of them) must
 * be the interface's own, as TUNSIFMODE's argument must.
 */
struct bsdtun_obsd_tuninfo {
	__u32		mtu;
	__u16		type;
	__u16		flags;
	__u32		baudrate;
};

#define BSDTUN_OBSD_IFF_FLAGS	(IFF_POINTOPOINT | IFF_MULTICAST | IFF_BROADCAST)

#define BSDTUN_OBSD_TUNSIFINFO	_IOW('t', 91, struct bsdtun_obsd_tuninfo)
#define BSDTUN_OBSD_TUNGIFINFO	_IOR('t', 92, struct bsdtun_obsd_tuninfo)
#define BSDTUN_OBSD_TUNSIFMODE	_IOW('t', 93, int)
#define BSDTUN_OBSD_TUNSDEBUG	_IOW('t', 94, int)
#define BSDTUN_OBSD_TUNGDEBUG	_IOR('t', 95, int)

#ifdef BSDTUN_OPENBSD
/* OpenBSD's name for it: the same layout, so the same numbers. */
struct tuninfo {
	__u32		mtu;
	__u16		type;
	__u16		flags;
	__u32		baudrate;
};

#define TUNSIFINFO	BSDTUN_OBSD_TUNSIFINFO
#define TUNGIFINFO	BSDTUN_OBSD_TUNGIFINFO
#define TUNSIFMODE	BSDTUN_OBSD_TUNSIFMODE
#define TUNSDEBUG	BSDTUN_OBSD_TUNSDEBUG
#define TUNGDEBUG	BSDTUN_OBSD_TUNGDEBUG
#else

/* Interface information, set and read with TUNSIFINFO/TUNGIFINFO. */
struct tuninfo {
	int		baudrate;	/* link speed, bits per second */
	unsigned short	mtu;		/* maximum transmission unit */
	unsigned char	type;		/* ethernet, tokenring, etc. (IFT_*) */
	unsigned char	dummy;		/* place holder */
};

#define TUNSDEBUG	_IOW('t', 90, int)
#define TUNGDEBUG	_IOR('t', 89, int)
#define TUNSIFINFO	_IOW('t', 91, struct tuninfo)
#define TUNGIFINFO	_IOR('t', 92, struct tuninfo)
#define TUNSLMODE	_IOW('t', 93, int)
#define TUNSIFMODE	_IOW('t', 94, int)
#define TUNSIFPID	_IO('t', 95)
#define TUNSIFHEAD	_IOW('t', 96, int)
#define TUNGIFHEAD	_IOR('t', 97, int)
#define TUNSTRANSIENT	_IOW('t', 98, int)
#define TUNGTRANSIENT	_IOR('t', 98, int)

/* As on FreeBSD: tap's information and most requests are tun's. */
#define tapinfo		tuninfo
#define TAPSDEBUG	TUNSDEBUG
#define TAPGDEBUG	TUNGDEBUG
#define TAPSIFINFO	TUNSIFINFO
#define TAPGIFINFO	TUNGIFINFO
#define TAPGIFNAME	TUNGIFNAME
#define TAPSTRANSIENT	TUNSTRANSIENT
#define TAPGTRANSIENT	TUNGTRANSIENT

/* NetBSD's TAPGIFNAME, also accepted on tap nodes. */
#define BSDTUN_TAPGIFNAME_NETBSD	_IOR('e', 0, struct ifreq)

/*
 * VMware's request: interface flags, passed by value as the ioctl's
 * argument (FreeBSD's _IOWINT).  Only UP, DEBUG, NOTRAILERS and NOARP
 * can change; UP is always set.
 */
#define VMIO_SIOCSIFFLAGS	_IO('V', 0)

#endif /* BSDTUN_OPENBSD */

/*
 * FreeBSD's virtio-net header before each packet read or written, on tap
 * units and (a bsdtun extension) on tun units: its length, 0 (off), 10
 * (struct virtio_net_hdr) or 12 (struct virtio_net_hdr_mrg_rxbuf), both
 * from <linux/virtio_net.h>, little-endian.
 */
#define TAPSVNETHDR	_IOW('t', 91, int)
#define TAPGVNETHDR	_IOR('t', 94, int)

/*
 * bsdtun's own requests take 't' numbers 224 to 239, which no BSD uses.
 *
 * The virtio-net header carries what FreeBSD's tap emits: TCP and UDP
 * checksums left partial and TCP super-packets over IPv4 and IPv6.  A
 * reader that also takes Linux's other offloads asks for them with
 * BSDTUN_SOFFLOAD, once the header is on: an unsigned int of Linux's
 * TUN_F_* values (TUNSETOFFLOAD's), through a pointer.
 *  - BSDTUN_OFFLOAD_CSUM: partial checksums of any protocol, anywhere;
 *  - BSDTUN_OFFLOAD_TSO_ECN: TCP super-packets that set CWR
 *    (VIRTIO_NET_HDR_GSO_ECN in gso_type);
 *  - BSDTUN_OFFLOAD_USO4 with BSDTUN_OFFLOAD_USO6 (either alone does
 *    nothing, as on Linux): UDP super-packets (VIRTIO_NET_HDR_GSO_UDP_L4).
 * BSDTUN_OFFLOAD_TSO4 and _TSO6 are taken and change nothing: FreeBSD's
 * set has them.  Any other bit is EINVAL; without a virtio-net header
 * the request is ENODEV, with OpenBSD's EBUSY.  BSDTUN_GOFFLOAD reads
 * the mask back.  Turning the header off, or the last close, clears it.
 */
#define BSDTUN_OFFLOAD_CSUM	0x01
#define BSDTUN_OFFLOAD_TSO4	0x02
#define BSDTUN_OFFLOAD_TSO6	0x04
#define BSDTUN_OFFLOAD_TSO_ECN	0x08
#define BSDTUN_OFFLOAD_USO4	0x20
#define BSDTUN_OFFLOAD_USO6	0x40

#define BSDTUN_SOFFLOAD	_IOW('t', 224, unsigned int)
#define BSDTUN_GOFFLOAD	_IOR('t', 224, unsigned int)

/*
 * A unit given to a user and/or group: that user (or a member of that
 * group; both, when both are set) may open the unit's node, read, write
 * and make the tunnel's own requests without CAP_NET_ADMIN.  Changing
 * the interface's configuration still needs it.  The argument points to
 * a __u32 uid or gid as the caller's user namespace numbers it;
 * (__u32)-1 takes the unit back.  Setting needs CAP_NET_ADMIN over the
 * interface's namespace; reading does not (-1 when none).
 */
#define BSDTUN_SOWNER	_IOW('t', 225, __u32)
#define BSDTUN_GOWNER	_IOR('t', 225, __u32)
#define BSDTUN_SGROUP	_IOW('t', 226, __u32)
#define BSDTUN_GGROUP	_IOR('t', 226, __u32)

/*
 * The same through rtnetlink: "ip link add NAME type bsdtun user U group
 * G" (iproute2's link_bsdtun.so), in IFLA_INFO_DATA, reported back to
 * "ip -d link show".  The numbers are Linux tun's IFLA_TUN_OWNER and
 * IFLA_TUN_GROUP.
 */
enum {
	IFLA_BSDTUN_UNSPEC,
	IFLA_BSDTUN_OWNER,	/* __u32 */
	IFLA_BSDTUN_GROUP,	/* __u32 */
	__IFLA_BSDTUN_MAX,
};

#define IFLA_BSDTUN_MAX (__IFLA_BSDTUN_MAX - 1)

/*
 * OpenBSD's offload header, on tun and tap units: TUNSCAP turns struct
 * tun_hdr on with the offloads the reader takes, TUNDCAP turns it off.
 * The header comes before TUNSIFHEAD's family word, in host byte order.
 */
struct tun_capabilities {
	__u32		tun_if_capabilities;	/* OpenBSD's IFCAP_* */
};

#define TUNSCAP		_IOW('t', 196, struct tun_capabilities)
#define TUNGCAP		_IOR('t', 196, struct tun_capabilities)
#define TUNDCAP		_IO('t', 196)

struct tun_hdr {
	__u16		th_flags;
	__u16		th_pad;
	__u16		th_vtag;	/* with TUN_H_VTAG: the 802.1Q tag */
	__u16		th_mss;		/* with TUN_H_TCP_MSS: segment size */
};

#define TUN_H_PRIO_MASK		0x0007
#define TUN_H_VTAG		0x0010
#define TUN_H_TCP_MSS		0x0020
#define TUN_H_IPV4_CSUM		0x0100
#define TUN_H_TCP_CSUM		0x0200
#define TUN_H_UDP_CSUM		0x0400
#define TUN_H_ICMP_CSUM		0x0800

/* OpenBSD's interface capabilities, which Linux's C library lacks. */
#ifndef IFCAP_CSUM_IPv4
#define IFCAP_CSUM_IPv4		0x00000001
#define IFCAP_CSUM_TCPv4	0x00000002
#define IFCAP_CSUM_UDPv4	0x00000004
#define IFCAP_VLAN_MTU		0x00000010
#define IFCAP_VLAN_HWTAGGING	0x00000020
#define IFCAP_VLAN_HWOFFLOAD	0x00000040
#define IFCAP_CSUM_TCPv6	0x00000080
#define IFCAP_CSUM_UDPv6	0x00000100
#define IFCAP_TSOv4		0x00001000
#define IFCAP_TSOv6		0x00002000
#define IFCAP_LRO		0x00004000
#endif

#endif /* _BSDTUN_UAPI_H */
