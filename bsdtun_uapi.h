/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * bsdtun: the BSD tun(4) and tap(4) character-device API on Linux.
 *
 * Names and numbers follow FreeBSD's and DragonFly's <net/if_tun.h> and
 * <net/if_tap.h>, encoded with Linux's _IOC() so that BSD sources compile
 * unchanged against this header (installed as both) and talk to
 * /dev/bsdtunN, /dev/bsdtapN and /dev/bsdvmnetN.
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

/*
 * FreeBSD and DragonFly give TUNGIFNAME different numbers; both are
 * accepted.  TUNGIFNAME is FreeBSD's, the name most software uses.
 */
#define TUNGIFNAME		_IOR('t', 93, struct ifreq)
#define BSDTUN_TUNGIFNAME_DFLY	_IOR('t', 98, struct ifreq)

/* tap(4): Ethernet frames, the largest a write() accepts. */
#define TAPMRU		65535

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

#endif /* _BSDTUN_UAPI_H */
