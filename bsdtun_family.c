// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the families of units, and what each reads and writes.
 *
 * A family is a kind of unit with its own names and numbers: tun (layer
 * 3 packets), tap and vmnet (Ethernet frames; vmnet keeps its interface
 * up when closed, as FreeBSD's), and OpenBSD's tun and tap.  Everything
 * else, from the registry to the queue, is one implementation: a family
 * is a row of this file's tables, and the code below it reaches the row
 * only through a unit.  A personality (FreeBSD's or OpenBSD's) is a
 * family's ioctl table, its header rule and its close policy.
 */
#include <linux/ctype.h>
#include <linux/etherdevice.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/uio.h>

#include "bsdtun.h"

static char *bsdtun_prefix = "bsdtun";
module_param_named(prefix, bsdtun_prefix, charp, 0444);
MODULE_PARM_DESC(prefix, "Base name of tun nodes and interfaces (default bsdtun; empty: no tun units)");

static char *bsdtun_tap_prefix = "bsdtap";
module_param_named(tap_prefix, bsdtun_tap_prefix, charp, 0444);
MODULE_PARM_DESC(tap_prefix, "Base name of tap nodes and interfaces (default bsdtap; empty: no tap units)");

static char *bsdtun_vmnet_prefix = "bsdvmnet";
module_param_named(vmnet_prefix, bsdtun_vmnet_prefix, charp, 0444);
MODULE_PARM_DESC(vmnet_prefix, "Base name of vmnet nodes and interfaces (default bsdvmnet; empty: no vmnet units)");

static char *bsdtun_otun_prefix = "bsdotun";
module_param_named(openbsd_prefix, bsdtun_otun_prefix, charp, 0444);
MODULE_PARM_DESC(openbsd_prefix,
		 "Base name of OpenBSD tun nodes and interfaces (default bsdotun; empty: none)");

static char *bsdtun_otap_prefix = "bsdotap";
module_param_named(openbsd_tap_prefix, bsdtun_otap_prefix, charp, 0444);
MODULE_PARM_DESC(openbsd_tap_prefix,
		 "Base name of OpenBSD tap nodes and interfaces (default bsdotap; empty: none)");

/* OpenBSD's open always brings the interface up. */
static const bool bsdtun_always = true;

static bool bsdtun_tap_up_on_open;
module_param_named(tap_up_on_open, bsdtun_tap_up_on_open, bool, 0644);
MODULE_PARM_DESC(tap_up_on_open,
		 "Bring a tap or vmnet interface up when its node is opened (default off)");

/*
 * tun: the header a packet gets is decided at transmit, as BSD prepends
 * it at output; -1 when the reader could not be told its family (IPv6
 * without a header looks like IPv4).
 */
static int bsdtun_tun_xmit_hdr(const struct bsdtun_unit *unit,
			       const struct sk_buff *skb)
{
	int mode = READ_ONCE(unit->hdr_mode);

	if (skb->protocol == htons(ETH_P_IP))
		return mode;
	if (skb->protocol == htons(ETH_P_IPV6) && mode != BSDTUN_HDR_NONE)
		return mode;
	return -1;
}

static size_t bsdtun_tun_read_hdr(const struct sk_buff *skb, u8 *hdr)
{
	bool v6 = skb->protocol == htons(ETH_P_IPV6);

	switch (bsdtun_skb_cb(skb)->hdr_mode) {
	case BSDTUN_HDR_IFHEAD: {
		__be32 af = htonl(v6 ? AF_INET6 : AF_INET);

		if (hdr)
			memcpy(hdr, &af, sizeof(af));
		return sizeof(af);
	}
	case BSDTUN_HDR_LMODE:
		if (v6) {
			struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

			if (hdr) {
				skb_copy_bits(skb, offsetof(struct ipv6hdr, daddr),
					      &sin6.sin6_addr,
					      sizeof(sin6.sin6_addr));
				memcpy(hdr, &sin6, sizeof(sin6));
			}
			return sizeof(sin6);
		}
		if (hdr) {
			struct sockaddr_in sin = { .sin_family = AF_INET };

			skb_copy_bits(skb, offsetof(struct iphdr, daddr),
				      &sin.sin_addr, sizeof(sin.sin_addr));
			memcpy(hdr, &sin, sizeof(sin));
		}
		return sizeof(struct sockaddr_in);
	default:
		return 0;
	}
}

/* TUNSIFHEAD's family word picks the protocol; without it, IPv4. */
static int bsdtun_tun_write_hdr(struct bsdtun_unit *unit,
				struct iov_iter *from, size_t len, size_t mru,
				__be16 *proto)
{
	size_t hlen = 0;
	__be32 af;

	*proto = htons(ETH_P_IP);
	if (READ_ONCE(unit->hdr_mode) == BSDTUN_HDR_IFHEAD)
		hlen = sizeof(af);
	if (len > mru + hlen)
		return -EIO;
	if (len < hlen)
		return -EINVAL;
	if (!hlen)
		return 0;
	if (!copy_from_iter_full(&af, sizeof(af), from))
		return -EFAULT;
	switch (ntohl(af)) {
	case AF_INET:
		return hlen;
	case AF_INET6:
		*proto = htons(ETH_P_IPV6);
		return hlen;
	default:
		return -EAFNOSUPPORT;
	}
}

static void bsdtun_tun_rx_prep(struct sk_buff *skb, struct net_device *dev,
			       __be16 proto)
{
	skb->protocol = proto;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
}

/* tap: whole Ethernet frames both ways, nothing before them. */
static int bsdtun_tap_xmit_hdr(const struct bsdtun_unit *unit,
			       const struct sk_buff *skb)
{
	return BSDTUN_HDR_NONE;
}

static size_t bsdtun_tap_read_hdr(const struct sk_buff *skb, u8 *hdr)
{
	return 0;
}

static int bsdtun_tap_write_hdr(struct bsdtun_unit *unit,
				struct iov_iter *from, size_t len, size_t mru,
				__be16 *proto)
{
	*proto = 0;
	if (len > mru)
		return -EIO;
	if (len < ETH_HLEN)
		return -EINVAL;
	return 0;
}

/*
 * A frame for another host's MAC is marked PACKET_OTHERHOST: the stack
 * drops it unless a bridge the interface belongs to forwards it.
 */
static void bsdtun_tap_rx_prep(struct sk_buff *skb, struct net_device *dev,
			       __be16 proto)
{
	skb->protocol = eth_type_trans(skb, dev);
	skb_reset_network_header(skb);
}

static const struct bsdtun_family_ops bsdtun_tun_ops = {
	.setup		= bsdtun_tun_setup,
	.xmit_hdr	= bsdtun_tun_xmit_hdr,
	.read_hdr	= bsdtun_tun_read_hdr,
	.write_hdr	= bsdtun_tun_write_hdr,
	.rx_prep	= bsdtun_tun_rx_prep,
};

static const struct bsdtun_family_ops bsdtun_tap_ops = {
	.setup		= bsdtun_ether_setup,
	.xmit_hdr	= bsdtun_tap_xmit_hdr,
	.read_hdr	= bsdtun_tap_read_hdr,
	.write_hdr	= bsdtun_tap_write_hdr,
	.rx_prep	= bsdtun_tap_rx_prep,
};

static struct bsdtun_family bsdtun_tun_family = {
	.kind		= BSDTUN_DRV_NAME,
	.prefix		= &bsdtun_prefix,
	.misc_minor	= BSDTUN_TUN_MINOR,
	.ops		= &bsdtun_tun_ops,
	.ioctl		= bsdtun_tun_ioctl,
	.compat_ifname	= bsdtun_tun_compat_ifname,
	.mru		= TUNMRU,
	/* DragonFly's tun takes whatever type TUNSIFINFO gives. */
	.if_type	= IFT_PPP,
};

static struct bsdtun_family bsdtun_tap_family = {
	.kind		= BSDTUN_TAP_KIND,
	.prefix		= &bsdtun_tap_prefix,
	.misc_minor	= BSDTUN_TAP_MINOR,
	.ops		= &bsdtun_tap_ops,
	.ioctl		= bsdtun_tap_ioctl,
	.compat_ifname	= bsdtun_tap_compat_ifname,
	.mru		= TAPMRU,
	.up_on_open	= &bsdtun_tap_up_on_open,
	/* FreeBSD's tap refuses another type: its interface is Ethernet. */
	.if_type	= IFT_ETHER,
	.if_type_fixed	= true,
};

static struct bsdtun_family bsdtun_vmnet_family = {
	.kind		= BSDTUN_VMNET_KIND,
	.prefix		= &bsdtun_vmnet_prefix,
	.misc_minor	= BSDTUN_VMNET_MINOR,
	.ops		= &bsdtun_tap_ops,
	.ioctl		= bsdtun_tap_ioctl,
	.compat_ifname	= bsdtun_tap_compat_ifname,
	.mru		= TAPMRU,
	.up_on_open	= &bsdtun_tap_up_on_open,
	.keep_up	= true,
	.if_type	= IFT_ETHER,
	.if_type_fixed	= true,
};

/*
 * OpenBSD's: the same packets and frames, OpenBSD's requests.  Its tun
 * always has the family word (the unit starts with it and no request
 * turns it off) and takes a packet as large as IP's.
 */
static struct bsdtun_family bsdtun_otun_family = {
	.kind		= BSDTUN_OTUN_KIND,
	.prefix		= &bsdtun_otun_prefix,
	.misc_minor	= BSDTUN_OTUN_MINOR,
	.ops		= &bsdtun_tun_ops,
	.ioctl		= bsdtun_otun_ioctl,
	.mru		= IP_MAX_MTU,
	.up_on_open	= &bsdtun_always,
	.if_type	= IFT_TUNNEL,
	.if_type_fixed	= true,
	.hdr_mode	= BSDTUN_HDR_IFHEAD,
	.close_destroys	= true,
};

static struct bsdtun_family bsdtun_otap_family = {
	.kind		= BSDTUN_OTAP_KIND,
	.prefix		= &bsdtun_otap_prefix,
	.misc_minor	= BSDTUN_OTAP_MINOR,
	.ops		= &bsdtun_tap_ops,
	.ioctl		= bsdtun_otap_ioctl,
	.mru		= TAPMRU,
	.up_on_open	= &bsdtun_always,
	.if_type	= IFT_ETHER,
	.if_type_fixed	= true,
	.close_destroys	= true,
};

struct bsdtun_family *const bsdtun_families[] = {
	&bsdtun_tun_family,
	&bsdtun_tap_family,
	&bsdtun_vmnet_family,
	&bsdtun_otun_family,
	&bsdtun_otap_family,
};

const unsigned int bsdtun_nr_families = ARRAY_SIZE(bsdtun_families);

/*
 * Node and interface names are "<prefix><unit>": every one up to
 * max_units - 1 must fit an interface name whole, or two units' names
 * would be cut to the same one.
 */
static bool bsdtun_prefix_valid(const char *prefix)
{
	size_t len = strlen(prefix), i;
	char last[12];

	snprintf(last, sizeof(last), "%u", bsdtun_max_units - 1);
	if (len + strlen(last) >= IFNAMSIZ) {
		pr_err("bsdtun: prefix \"%s\" with max_units=%u gives names longer than %d characters\n",
		       prefix, bsdtun_max_units, IFNAMSIZ - 1);
		return false;
	}
	for (i = 0; i < len; i++)
		if (!isalnum(prefix[i]) && prefix[i] != '_' && prefix[i] != '-') {
			pr_err("bsdtun: prefix \"%s\" is not a valid interface name base\n",
			       prefix);
			return false;
		}
	return true;
}

/*
 * Check the prefixes and turn on the families that have one.  No prefix
 * may begin another: "<prefix><N>" must name one unit of one family.
 */
int bsdtun_families_check(void)
{
	unsigned int i, j, on = 0;

	for (i = 0; i < bsdtun_nr_families; i++) {
		struct bsdtun_family *fam = bsdtun_families[i];
		const char *prefix = *fam->prefix;

		fam->on = prefix && *prefix;
		if (!fam->on)
			continue;
		if (!bsdtun_prefix_valid(prefix))
			return -EINVAL;
		for (j = 0; j < i; j++) {
			const char *other = *bsdtun_families[j]->prefix;

			if (!bsdtun_families[j]->on ||
			    (strncmp(prefix, other, strlen(other)) &&
			     strncmp(other, prefix, strlen(prefix))))
				continue;
			pr_err("bsdtun: prefixes \"%s\" and \"%s\" overlap\n",
			       other, prefix);
			return -EINVAL;
		}
		on++;
	}
	if (!on) {
		pr_err("bsdtun: every family's prefix is empty\n");
		return -EINVAL;
	}
	return 0;
}
