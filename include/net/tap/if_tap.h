/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * <net/tap/if_tap.h>: where DragonFly keeps its tap header, for DragonFly
 * software built on Linux against bsdtun.  DragonFly's tap requests have
 * FreeBSD's numbers.
 */
#ifndef _BSDTUN_NET_TAP_IF_TAP_H
#define _BSDTUN_NET_TAP_IF_TAP_H

#include <bsdtun_uapi.h>

#endif /* _BSDTUN_NET_TAP_IF_TAP_H */
