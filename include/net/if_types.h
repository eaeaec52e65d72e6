/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * <net/if_types.h> for BSD software built on Linux against bsdtun: the
 * interface types (IANA's ifType numbers, which every BSD uses) that
 * tunnel code compares with struct tuninfo's type or sets through
 * TUNSIFINFO.  glibc has no such header.  Only IFT_PPP, IFT_ETHER and
 * IFT_TUNNEL are types a bsdtun unit takes; the rest are here so that
 * code naming them compiles.  It stands alone (bsdtun_uapi.h defines the
 * three it needs the same way), so it may come before OpenBSD's
 * <net/if_tun.h>.
 */
#ifndef _BSDTUN_NET_IF_TYPES_H
#define _BSDTUN_NET_IF_TYPES_H

#ifndef IFT_OTHER
#define IFT_OTHER	0x1
#endif
#ifndef IFT_ETHER
#define IFT_ETHER	0x6
#endif
#ifndef IFT_PPP
#define IFT_PPP		0x17
#endif
#ifndef IFT_LOOP
#define IFT_LOOP	0x18
#endif
#ifndef IFT_SLIP
#define IFT_SLIP	0x1c
#endif
#ifndef IFT_PROPVIRTUAL
#define IFT_PROPVIRTUAL	0x35
#endif
#ifndef IFT_IEEE80211
#define IFT_IEEE80211	0x47
#endif
#ifndef IFT_TUNNEL
#define IFT_TUNNEL	0x83
#endif
#ifndef IFT_L2VLAN
#define IFT_L2VLAN	0x87
#endif
#ifndef IFT_BRIDGE
#define IFT_BRIDGE	0xd1
#endif
#ifndef IFT_GIF
#define IFT_GIF		0xf0
#endif

#endif /* _BSDTUN_NET_IF_TYPES_H */
