/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * <net/if_tap.h> for BSD software built on Linux against bsdtun: the BSD
 * name of the header, so sources that include it need no change.
 */
#ifndef _BSDTUN_NET_IF_TAP_H
#define _BSDTUN_NET_IF_TAP_H

#include <bsdtun_uapi.h>

#endif /* _BSDTUN_NET_IF_TAP_H */
