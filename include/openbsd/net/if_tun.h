/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * <net/if_tun.h> for OpenBSD software built on Linux against bsdtun
 * (pkg-config bsdtun-openbsd): OpenBSD's names, numbers and struct
 * tuninfo, for /dev/bsdotunN and /dev/bsdotapN.  OpenBSD's tap has no
 * header of its own: its requests are these.
 */
#ifndef _BSDTUN_OPENBSD_NET_IF_TUN_H
#define _BSDTUN_OPENBSD_NET_IF_TUN_H

/* Included first, the uapi header would have given FreeBSD's numbers. */
#ifdef _BSDTUN_UAPI_H
#ifndef BSDTUN_OPENBSD
#error "bsdtun_uapi.h or FreeBSD's <net/if_tun.h> came before OpenBSD's <net/if_tun.h>"
#endif
#endif

#ifndef BSDTUN_OPENBSD
#define BSDTUN_OPENBSD	1
#endif
#include <bsdtun_uapi.h>

#endif /* _BSDTUN_OPENBSD_NET_IF_TUN_H */
