// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: offload headers, a header before every packet that carries
 * what a NIC's descriptor would: a checksum the reader (or the stack,
 * for a written packet) still has to fill in, and the segment size of
 * a TCP or UDP super-packet.  Two formats, one at a time per unit:
 *
 *  - FreeBSD's virtio-net header (TAPSVNETHDR, 10 or 12 bytes), on tap
 *    as there and on tun as a bsdtun extension;
 *  - OpenBSD's struct tun_hdr (TUNSCAP, 8 bytes), whose capabilities
 *    say which offloads the reader takes.
 *
 * Both come before the family's own header (TUNSIFHEAD's family word).
 * While one is on, the interface offers the matching features, so the
 * stack hands over super-packets with checksums left partial; a packet
 * the reader's header cannot describe is finished here at transmit.
 * The header of a queued packet is decided when it is queued, as
 * TUNSIFHEAD's is.  Written headers are checked before anything reaches
 * the stack: a header that lies is EINVAL.
 */
#include <linux/icmp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_net.h>
#include <net/ip.h>

#include "bsdtun.h"

/* The OpenBSD capabilities TUNSCAP takes, as OpenBSD's tun. */
#define BSDTUN_TUN_IF_CAPS						\
	(IFCAP_CSUM_IPv4 | IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4 |	\
	 IFCAP_CSUM_TCPv6 | IFCAP_CSUM_UDPv6 | IFCAP_VLAN_MTU |		\
	 IFCAP_VLAN_HWTAGGING | IFCAP_VLAN_HWOFFLOAD | IFCAP_TSOv4 |	\
	 IFCAP_TSOv6 | IFCAP_LRO)

#define BSDTUN_TH_CSUM	(TUN_H_TCP_CSUM | TUN_H_UDP_CSUM | TUN_H_ICMP_CSUM)
#define BSDTUN_TH_FLAGS	(TUN_H_PRIO_MASK | TUN_H_VTAG | TUN_H_TCP_MSS | \
			 TUN_H_IPV4_CSUM | BSDTUN_TH_CSUM)

/* TSO with OpenBSD's capabilities: the TCP checksum's for each version. */
#define BSDTUN_TSOv4	(IFCAP_TSOv4 | IFCAP_CSUM_TCPv4)
#define BSDTUN_TSOv6	(IFCAP_TSOv6 | IFCAP_CSUM_TCPv6)

/* The Linux offloads BSDTUN_SOFFLOAD takes, as TUN_F_* values. */
#define BSDTUN_OFFLOAD_USO	(BSDTUN_OFFLOAD_USO4 | BSDTUN_OFFLOAD_USO6)
#define BSDTUN_OFFLOAD_ALL						\
	(BSDTUN_OFFLOAD_CSUM | BSDTUN_OFFLOAD_TSO4 | BSDTUN_OFFLOAD_TSO6 |	\
	 BSDTUN_OFFLOAD_TSO_ECN | BSDTUN_OFFLOAD_USO)

/* USO takes both versions' bits, as Linux's TUNSETOFFLOAD. */
static bool bsdtun_vnet_uso(u32 extras)
{
	return (extras & BSDTUN_OFFLOAD_USO) == BSDTUN_OFFLOAD_USO;
}

/*
 * A virtio-net header's features: FreeBSD's tap emits TCP and UDP
 * checksums and TSO for IPv4 and IPv6, what a FreeBSD reader parses;
 * Linux's others (@extras, from BSDTUN_SOFFLOAD) only when asked for.
 */
static netdev_features_t bsdtun_vnet_features(u32 extras)
{
	netdev_features_t f = NETIF_F_TSO | NETIF_F_TSO6;

	if (extras & BSDTUN_OFFLOAD_CSUM)
		f |= NETIF_F_HW_CSUM;
	else
		f |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
	if (extras & BSDTUN_OFFLOAD_TSO_ECN)
		f |= NETIF_F_TSO_ECN;
	if (bsdtun_vnet_uso(extras))
		f |= NETIF_F_GSO_UDP_L4;
	return f;
}

/*
 * The smallest segment a written super-packet may ask for: each segment
 * becomes a packet when the stack segments it, so a tiny one would turn
 * one write into thousands of them.
 */
#define BSDTUN_MIN_GSO_SIZE	64

/* The length of an offload header of kind @kind. */
size_t bsdtun_ofl_hdr_len(unsigned int kind)
{
	switch (kind) {
	case BSDTUN_OFL_VNET:
		return sizeof(struct virtio_net_hdr);
	case BSDTUN_OFL_VNET_MRG:
		return sizeof(struct virtio_net_hdr_mrg_rxbuf);
	case BSDTUN_OFL_TUNHDR:
		return sizeof(struct tun_hdr);
	default:
		return 0;
	}
}

/* The interface features a unit's header lets the stack use. */
netdev_features_t bsdtun_ofl_features(u32 ofl)
{
	netdev_features_t f = 0;
	u32 caps = bsdtun_ofl_caps(ofl);

	switch (bsdtun_ofl_kind(ofl)) {
	case BSDTUN_OFL_VNET:
	case BSDTUN_OFL_VNET_MRG:
		return bsdtun_vnet_features(caps);
	case BSDTUN_OFL_TUNHDR:
		/*
		 * Linux offers TCP's and UDP's checksums as one feature per
		 * IP version: either capability turns it on, and
		 * bsdtun_ofl_fits() finishes the other transport's.
		 */
		if (caps & (IFCAP_CSUM_TCPv4 | IFCAP_CSUM_UDPv4))
			f |= NETIF_F_IP_CSUM;
		if (caps & (IFCAP_CSUM_TCPv6 | IFCAP_CSUM_UDPv6))
			f |= NETIF_F_IPV6_CSUM;
		/* Each segment of a super-packet needs its TCP checksum. */
		if ((caps & BSDTUN_TSOv4) == BSDTUN_TSOv4)
			f |= NETIF_F_TSO;
		if ((caps & BSDTUN_TSOv6) == BSDTUN_TSOv6)
			f |= NETIF_F_TSO6;
		if (caps & IFCAP_VLAN_HWTAGGING)
			f |= NETIF_F_HW_VLAN_CTAG_TX;
		return f;
	default:
		return 0;
	}
}

/*
 * The GSO types the reader of header @ofl takes whole: those of the
 * segmentation features the header offers (each NETIF_F_* GSO feature
 * is its SKB_GSO_* type shifted, as net_gso_ok() reads them).
 */
static unsigned int bsdtun_ofl_gso(u32 ofl)
{
	return (bsdtun_ofl_features(ofl) & NETIF_F_GSO_MASK) >> NETIF_F_GSO_SHIFT;
}

/*
 * Whether the reader of header @ofl finishes @skb's partial checksum:
 * any with Linux's generic checksum; otherwise TCP's or UDP's, over the
 * IP version (and, with tun_hdr, the transport) it took them for.
 */
static bool bsdtun_ofl_csum_fits(const struct sk_buff *skb, u32 ofl)
{
	u32 caps = bsdtun_ofl_caps(ofl);
	bool vnet = bsdtun_ofl_is_vnet(bsdtun_ofl_kind(ofl));
	__be16 proto;
	bool tcp, v6;

	if (vnet && (caps & BSDTUN_OFFLOAD_CSUM))
		return true;
	if (skb->csum_offset == offsetof(struct tcphdr, check))
		tcp = true;
	else if (skb->csum_offset == offsetof(struct udphdr, check))
		tcp = false;
	else
		return false;
	proto = vlan_get_protocol(skb);
	if (proto == htons(ETH_P_IP))
		v6 = false;
	else if (proto == htons(ETH_P_IPV6))
		v6 = true;
	else
		return false;
	if (vnet)
		return true;
	if (bsdtun_ofl_kind(ofl) != BSDTUN_OFL_TUNHDR)
		return false;
	if (tcp)
		return caps & (v6 ? IFCAP_CSUM_TCPv6 : IFCAP_CSUM_TCPv4);
	return caps & (v6 ? IFCAP_CSUM_UDPv6 : IFCAP_CSUM_UDPv4);
}

/*
 * Whether the header @ofl describes @skb as the stack left it: its GSO
 * type, its partial checksum and its VLAN tag out of band.  The stack
 * hands over only what the features allow; this catches a header
 * changed since, and the transports and versions one feature covers.
 */
static bool bsdtun_ofl_fits(const struct sk_buff *skb, u32 ofl)
{
	if (skb_vlan_tag_present(skb) &&
	    bsdtun_ofl_kind(ofl) != BSDTUN_OFL_TUNHDR)
		return false;
	if (skb_is_gso(skb)) {
		unsigned int type = skb_shinfo(skb)->gso_type;
		unsigned int may = bsdtun_ofl_gso(ofl);

		/* One of the types, no tunnel, nothing the header lacks. */
		if (!(type & may) ||
		    (type & ~(may | SKB_GSO_DODGY | SKB_GSO_TCP_FIXEDID)))
			return false;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		return bsdtun_ofl_csum_fits(skb, ofl);
	return true;
}

/*
 * Finish what the reader's header cannot carry: the stack offered a
 * feature that the header was turned off (or changed) under.  Returns
 * the packet, or a list of segments, ready to queue; NULL if dropped.
 */
struct sk_buff *bsdtun_ofl_finish(struct sk_buff *skb, u32 ofl)
{
	struct sk_buff *segs, *seg;

	if (likely(bsdtun_ofl_fits(skb, ofl)))
		return skb;
	if (skb_vlan_tag_present(skb) &&
	    bsdtun_ofl_kind(ofl) != BSDTUN_OFL_TUNHDR) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (!skb)
			return NULL;
	}
	if (skb_is_gso(skb) && !bsdtun_ofl_fits(skb, ofl)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			kfree_skb(skb);
			return NULL;
		}
		consume_skb(skb);
		skb = segs;
	}
	for (seg = skb; seg; seg = seg->next)
		if (seg->ip_summed == CHECKSUM_PARTIAL &&
		    !bsdtun_ofl_fits(seg, ofl) && skb_checksum_help(seg)) {
			kfree_skb_list(skb);
			return NULL;
		}
	return skb;
}

/*
 * A virtio-net header for @skb, as the reader of a tap would get, in @h
 * which the caller zeroed.
 */
static void bsdtun_vnet_from_skb(const struct sk_buff *skb,
				 struct virtio_net_hdr *h)
{
	if (skb_is_gso(skb)) {
		const struct skb_shared_info *si = skb_shinfo(skb);
		unsigned int hlen = skb_transport_offset(skb);

		if (si->gso_type & SKB_GSO_UDP_L4) {
			h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
			hlen += sizeof(struct udphdr);
		} else {
			h->gso_type = si->gso_type & SKB_GSO_TCPV6 ?
				      VIRTIO_NET_HDR_GSO_TCPV6 :
				      VIRTIO_NET_HDR_GSO_TCPV4;
			hlen += tcp_hdrlen(skb);
		}
		if (si->gso_type & SKB_GSO_TCP_ECN)
			h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		h->gso_size = __cpu_to_virtio16(true, si->gso_size);
		h->hdr_len = __cpu_to_virtio16(true, hlen);
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = __cpu_to_virtio16(true,
						  skb_checksum_start_offset(skb));
		h->csum_offset = __cpu_to_virtio16(true, skb->csum_offset);
	} else if (skb->ip_summed == CHECKSUM_UNNECESSARY) {
		h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
}

/*
 * OpenBSD's header for @skb, in host byte order as OpenBSD's, in @th
 * which the caller zeroed.
 */
static void bsdtun_th_from_skb(const struct sk_buff *skb, struct tun_hdr *th)
{
	th->th_flags = min_t(u32, skb->priority, TUN_H_PRIO_MASK);
	if (skb_vlan_tag_present(skb)) {
		th->th_flags |= TUN_H_VTAG;
		th->th_vtag = skb_vlan_tag_get(skb);
	}
	if (skb_is_gso(skb)) {
		th->th_flags |= TUN_H_TCP_MSS;
		th->th_mss = skb_shinfo(skb)->gso_size;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		th->th_flags |= skb->csum_offset == offsetof(struct tcphdr, check) ?
				TUN_H_TCP_CSUM : TUN_H_UDP_CSUM;
}

/*
 * The offload header read() puts before @skb, as decided when it was
 * queued; its length, written to @hdr unless NULL.
 */
size_t bsdtun_ofl_read_hdr(const struct sk_buff *skb, u8 *hdr)
{
	unsigned int kind = bsdtun_skb_cb(skb)->ofl;
	size_t len = bsdtun_ofl_hdr_len(kind);
	union {
		struct virtio_net_hdr_mrg_rxbuf vnet;
		struct tun_hdr th;
	} h = {};

	if (!hdr || !len)
		return len;
	/*
	 * Built in place and copied: @hdr is a byte buffer, perhaps not
	 * aligned for the header's fields.  FreeBSD leaves num_buffers 0.
	 */
	if (kind == BSDTUN_OFL_TUNHDR)
		bsdtun_th_from_skb(skb, &h.th);
	else
		bsdtun_vnet_from_skb(skb, &h.vnet.hdr);
	memcpy(hdr, &h, len);
	return len;
}

/* What a written header asks of its packet, whichever the format. */
struct bsdtun_ofl_req {
	unsigned int gso_type;	/* SKB_GSO_*, 0 for none */
	u16 gso_size;
	u16 hdr_len;		/* virtio-net: a hint, checked against the packet */
	bool csum;		/* a partial checksum at csum_start + csum_offset */
	bool csum_at_l4;	/* tun_hdr: at the transport header */
	u8 csum_proto;		/* tun_hdr: the transport it must be */
	u16 csum_start;
	u16 csum_offset;
	bool valid;		/* the sender verified the checksums */
	bool ip_csum;		/* fill in the IPv4 header checksum */
	bool vtag;
	u16 vlan_tci;
	int prio;		/* skb->priority, or -1 */
};

static int bsdtun_vnet_parse(const struct virtio_net_hdr *h,
			     struct bsdtun_ofl_req *r)
{
	u8 type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

	if (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return -EINVAL;
	r->csum = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	r->valid = h->flags & VIRTIO_NET_HDR_F_DATA_VALID;
	r->csum_start = __virtio16_to_cpu(true, h->csum_start);
	r->csum_offset = __virtio16_to_cpu(true, h->csum_offset);
	r->gso_size = __virtio16_to_cpu(true, h->gso_size);
	r->hdr_len = __virtio16_to_cpu(true, h->hdr_len);
	switch (type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		r->gso_type = SKB_GSO_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		r->gso_type = SKB_GSO_TCPV6;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		r->gso_type = SKB_GSO_UDP_L4;
		break;
	default:
		return -EINVAL;
	}
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN) {
		if (!(r->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)))
			return -EINVAL;
		r->gso_type |= SKB_GSO_TCP_ECN;
	}
	return 0;
}

static int bsdtun_th_parse(const struct tun_hdr *th, u32 caps, bool eth,
			   struct bsdtun_ofl_req *r)
{
	u16 csum = th->th_flags & BSDTUN_TH_CSUM;

	if ((th->th_flags & ~BSDTUN_TH_FLAGS) || (csum & (csum - 1)))
		return -EINVAL;
	r->prio = th->th_flags & TUN_H_PRIO_MASK;
	r->ip_csum = th->th_flags & TUN_H_IPV4_CSUM;
	if (csum) {
		r->csum = true;
		r->csum_at_l4 = true;
		if (csum == TUN_H_TCP_CSUM) {
			r->csum_proto = IPPROTO_TCP;
			r->csum_offset = offsetof(struct tcphdr, check);
		} else if (csum == TUN_H_UDP_CSUM) {
			r->csum_proto = IPPROTO_UDP;
			r->csum_offset = offsetof(struct udphdr, check);
		} else {
			r->csum_proto = IPPROTO_ICMP;
			r->csum_offset = offsetof(struct icmphdr, checksum);
		}
	}
	if (th->th_flags & TUN_H_VTAG) {
		if (!eth)
			return -EINVAL;
		r->vtag = true;
		r->vlan_tci = th->th_vtag;
	}
	if (th->th_flags & TUN_H_TCP_MSS) {
		/* A super-packet's segments each need their TCP checksum. */
		if (csum != TUN_H_TCP_CSUM || !(caps & (IFCAP_TSOv4 | IFCAP_TSOv6)))
			return -EINVAL;
		/* The version, and whether its capability is on, come later. */
		r->gso_type = (caps & IFCAP_TSOv4 ? SKB_GSO_TCPV4 : 0) |
			      (caps & IFCAP_TSOv6 ? SKB_GSO_TCPV6 : 0);
		r->gso_size = th->th_mss;
	}
	return 0;
}

/*
 * Where the packet's IP header is and what it carries.  @proto is the
 * family header's protocol (tun), or 0 for an Ethernet frame, parsed
 * through up to two VLAN tags.
 */
struct bsdtun_l3 {
	__be16 proto;
	unsigned int nhoff;
	unsigned int l4off;
	u8 l4proto;		/* 0: unknown, or an IPv4 fragment */
};

static int bsdtun_l3_parse(struct sk_buff *skb, __be16 proto,
			   struct bsdtun_l3 *l3)
{
	unsigned int off = 0;
	int tags = 0;

	if (!proto) {
		__be16 type, *p;

		off = ETH_HLEN;
		for (;;) {
			p = skb_header_pointer(skb, off - 2, sizeof(type), &type);
			if (!p)
				return -EINVAL;
			proto = *p;
			if (!eth_type_vlan(proto) || tags++ == 2)
				break;
			off += VLAN_HLEN;
		}
	}
	l3->proto = proto;
	l3->nhoff = off;
	if (proto == htons(ETH_P_IP)) {
		struct iphdr _iph, *iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5)
			return -EINVAL;
		l3->l4off = off + iph->ihl * 4;
		l3->l4proto = ip_is_fragment(iph) ? 0 : iph->protocol;
	} else if (proto == htons(ETH_P_IPV6)) {
		struct ipv6hdr _ip6, *ip6;

		ip6 = skb_header_pointer(skb, off, sizeof(_ip6), &_ip6);
		if (!ip6 || ip6->version != 6)
			return -EINVAL;
		l3->l4off = off + sizeof(*ip6);
		l3->l4proto = ip6->nexthdr;
	} else {
		return -EINVAL;
	}
	return 0;
}

/*
 * A super-packet: the transport must be what the GSO type says, right
 * after the IP header, with the partial checksum in its field.
 */
static int bsdtun_gso_check(struct sk_buff *skb, struct bsdtun_ofl_req *r,
			    const struct bsdtun_l3 *l3)
{
	bool v4 = l3->proto == htons(ETH_P_IP);
	unsigned int thlen, payload;
	u8 want;

	if (r->gso_type & SKB_GSO_UDP_L4) {
		want = IPPROTO_UDP;
		thlen = sizeof(struct udphdr);
	} else {
		/* A tun_hdr's type follows the packet, if its capability is on. */
		r->gso_type &= v4 ? ~SKB_GSO_TCPV6 : ~SKB_GSO_TCPV4;
		if (!(r->gso_type & (v4 ? SKB_GSO_TCPV4 : SKB_GSO_TCPV6)))
			return -EINVAL;
		want = IPPROTO_TCP;
		thlen = sizeof(struct tcphdr);
	}
	if (!r->csum || l3->l4proto != want || r->csum_start != l3->l4off ||
	    r->gso_size < BSDTUN_MIN_GSO_SIZE ||
	    r->csum_offset != (want == IPPROTO_TCP ?
			       offsetof(struct tcphdr, check) :
			       offsetof(struct udphdr, check)))
		return -EINVAL;
	if (want == IPPROTO_TCP) {
		struct tcphdr _th, *th;

		th = skb_header_pointer(skb, l3->l4off, sizeof(_th), &_th);
		if (!th || th->doff < 5)
			return -EINVAL;
		thlen = th->doff * 4;
	}
	if (l3->l4off + thlen > skb->len)
		return -EINVAL;
	payload = skb->len - l3->l4off - thlen;
	/* No more than one segment: not a super-packet after all. */
	if (payload <= r->gso_size)
		return 0;
	skb_shinfo(skb)->gso_size = r->gso_size;
	skb_shinfo(skb)->gso_type = r->gso_type | SKB_GSO_DODGY;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(payload, r->gso_size);
	return 0;
}

/*
 * A written partial checksum.  The stack wants its field in the
 * packet's head, which bsdtun_alloc.c makes a few hundred bytes long for
 * a packet larger than a page: a field up to the end of the head's room
 * is pulled in, copied from the pages into memory the head already has.
 * One beyond could only be pulled into a new head as large as the
 * packet, an atomic allocation of order 4 for 64 KiB: that checksum is
 * done here instead, from the pages, as the stack would do it before
 * handing the packet on.  A super-packet cannot wait for that (each
 * segment gets its own), but its headers always lie in the head.
 */
static int bsdtun_csum_write(struct sk_buff *skb,
			     const struct bsdtun_ofl_req *r, __be16 proto)
{
	unsigned int start = r->csum_start, field = start + r->csum_offset;
	unsigned int end = field + sizeof(__sum16);
	__sum16 sum;

	/*
	 * Not inside an Ethernet header: eth_type_trans() pulls it, and
	 * the checksum would start before the packet's data.
	 */
	if ((!proto && start < ETH_HLEN) || end > skb->len)
		return -EINVAL;
	/* Neither pull allocates: the skb is not cloned, the room is its own. */
	if (end <= skb_end_pointer(skb) - skb->data)
		return pskb_may_pull(skb, end) &&
		       skb_partial_csum_set(skb, start, r->csum_offset) ?
		       0 : -EINVAL;
	if (r->gso_type)
		return -EINVAL;
	sum = csum_fold(skb_checksum(skb, start, skb->len - start, 0));
	/* As skb_checksum_help(): to UDP, 0 would mean no checksum at all. */
	if (!sum)
		sum = CSUM_MANGLED_0;
	return skb_store_bits(skb, field, &sum, sizeof(sum)) ? -EINVAL : 0;
}

/*
 * Apply a written offload header @hdr to @skb, whose data starts at the
 * packet (an Ethernet frame when @proto is 0): before the family's
 * rx_prep.  -EINVAL, and @skb untouched by the stack, if it lies.
 */
int bsdtun_ofl_write(u32 ofl, const void *hdr, struct sk_buff *skb,
		     __be16 proto)
{
	struct bsdtun_ofl_req r = { .prio = -1 };
	struct bsdtun_l3 l3 = {};
	union {
		struct virtio_net_hdr vnet;
		struct tun_hdr th;
	} h;
	bool need_l3;
	int err;

	/* Copied out: @hdr is a byte buffer, perhaps not aligned for them. */
	if (bsdtun_ofl_kind(ofl) == BSDTUN_OFL_TUNHDR) {
		memcpy(&h.th, hdr, sizeof(h.th));
		err = bsdtun_th_parse(&h.th, bsdtun_ofl_caps(ofl), !proto, &r);
	} else {
		memcpy(&h.vnet, hdr, sizeof(h.vnet));
		err = bsdtun_vnet_parse(&h.vnet, &r);
	}
	if (err)
		return err;
	if (r.hdr_len > skb->len)
		return -EINVAL;

	need_l3 = r.gso_type || r.csum_at_l4 || r.ip_csum;
	if (need_l3) {
		err = bsdtun_l3_parse(skb, proto, &l3);
		if (err)
			return err;
	}
	if (r.csum_at_l4) {
		u8 want = r.csum_proto;

		if (want == IPPROTO_ICMP && l3.proto == htons(ETH_P_IPV6))
			want = IPPROTO_ICMPV6;
		if (l3.l4proto != want)
			return -EINVAL;
		r.csum_start = l3.l4off;
	}
	if (r.ip_csum && l3.proto != htons(ETH_P_IP))
		return -EINVAL;
	if (r.csum) {
		err = bsdtun_csum_write(skb, &r, proto);
		if (err)
			return err;
	}
	if (r.gso_type) {
		err = bsdtun_gso_check(skb, &r, &l3);
		if (err)
			return err;
	}
	if (r.ip_csum) {
		if (!pskb_may_pull(skb, l3.l4off))
			return -EINVAL;
		ip_send_check((struct iphdr *)(skb->data + l3.nhoff));
	}
	if (!r.csum && r.valid)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (r.vtag)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), r.vlan_tci);
	if (r.prio >= 0)
		skb->priority = r.prio;
	return 0;
}

/*
 * Turn a header on or off (@ofl), with rtnl held: the features the stack
 * may use follow it, each back on as a new header asks, and "ethtool -K"
 * can turn them off one by one.
 */
void bsdtun_ofl_set(struct bsdtun_unit *unit, struct net_device *dev, u32 ofl)
{
	WRITE_ONCE(unit->ofl, ofl);
	dev->wanted_features |= bsdtun_ofl_features(ofl) & dev->hw_features;
	netdev_update_features(dev);
}

/*
 * TAPSVNETHDR, TAPGVNETHDR, BSDTUN_SOFFLOAD, BSDTUN_GOFFLOAD, TUNSCAP,
 * TUNGCAP, TUNDCAP; rtnl held.
 */
long bsdtun_ofl_ioctl(struct bsdtun_unit *unit, struct net_device *dev,
		      unsigned int cmd, u32 arg, u32 *out)
{
	u32 ofl = READ_ONCE(unit->ofl);
	unsigned int kind = bsdtun_ofl_kind(ofl);
	bool vnet = bsdtun_ofl_is_vnet(kind);

	switch (cmd) {
	case TAPSVNETHDR:
		if (arg == sizeof(struct virtio_net_hdr))
			arg = BSDTUN_OFL_VNET;
		else if (arg == sizeof(struct virtio_net_hdr_mrg_rxbuf))
			arg = BSDTUN_OFL_VNET_MRG;
		else if (arg)
			return -EINVAL;
		/* One header at a time; 0 leaves OpenBSD's alone. */
		if (kind == BSDTUN_OFL_TUNHDR)
			return arg ? -EBUSY : 0;
		/* A new length keeps the offloads asked for; off clears them. */
		bsdtun_ofl_set(unit, dev, bsdtun_ofl_word(arg, arg && vnet ?
							  bsdtun_ofl_caps(ofl) : 0));
		return 0;
	case TAPGVNETHDR:
		*out = vnet ? bsdtun_ofl_hdr_len(kind) : 0;
		return 0;
	case BSDTUN_SOFFLOAD:
		if (!vnet)
			return kind == BSDTUN_OFL_TUNHDR ? -EBUSY : -ENODEV;
		if (arg & ~BSDTUN_OFFLOAD_ALL)
			return -EINVAL;
		bsdtun_ofl_set(unit, dev, bsdtun_ofl_word(kind, arg));
		return 0;
	case BSDTUN_GOFFLOAD:
		if (!vnet)
			return -ENODEV;
		*out = bsdtun_ofl_caps(ofl);
		return 0;
	case TUNSCAP:
		if (arg & ~BSDTUN_TUN_IF_CAPS)
			return -EINVAL;
		if (vnet)
			return -EBUSY;
		bsdtun_ofl_set(unit, dev, bsdtun_ofl_word(BSDTUN_OFL_TUNHDR, arg));
		return 0;
	case TUNGCAP:
		if (kind != BSDTUN_OFL_TUNHDR)
			return -ENODEV;
		*out = bsdtun_ofl_caps(ofl);
		return 0;
	case TUNDCAP:
		if (kind == BSDTUN_OFL_TUNHDR)
			bsdtun_ofl_set(unit, dev, 0);
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}
