/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * <net/tun/if_tun.h>: where DragonFly keeps its tun header, for DragonFly
 * software built on Linux against bsdtun.  The requests are FreeBSD's but
 * for TUNGIFNAME, which DragonFly numbers differently; bsdtun answers
 * both numbers, so this header gives DragonFly's to keep such code as it
 * would be on DragonFly.
 */
#ifndef _BSDTUN_NET_TUN_IF_TUN_H
#define _BSDTUN_NET_TUN_IF_TUN_H

#include <bsdtun_uapi.h>

#ifndef BSDTUN_OPENBSD
/* tap's is FreeBSD's number on DragonFly too: kept before TUNGIFNAME changes. */
#undef TAPGIFNAME
#define TAPGIFNAME	_IOR('t', 93, struct ifreq)
#undef TUNGIFNAME
#define TUNGIFNAME	BSDTUN_TUNGIFNAME_DFLY
#endif

#endif /* _BSDTUN_NET_TUN_IF_TUN_H */
