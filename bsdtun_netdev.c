// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the network interface of a unit.
 *
 * Transmit queues each packet on the unit for read(); write() hands
 * packets to the stack.  Two link types: a point-to-point layer 3 link
 * (tun) and Ethernet (tap, vmnet); each family registers its own rtnl
 * kind.
 */
#include <linux/ethtool.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <net/dst.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/rtnetlink.h>
#include <net/sch_generic.h>

#include "bsdtun.h"

/*
 * Whether stopping the queue makes the stack hold packets.  Without a
 * queueing discipline (noqueue) it cannot: a stopped device makes it
 * drop each packet with a log line.  Such a unit drops what does not
 * fit itself, counted and quiet.
 */
static bool bsdtun_has_qdisc(struct net_device *dev)
{
	struct netdev_queue *txq = netdev_get_tx_queue(dev, 0);

	/* Never NULL: noop_qdisc stands in while there is none. */
	return rcu_dereference_bh(txq->qdisc)->enqueue;
}

static netdev_tx_t bsdtun_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	struct bsdtun_unit *unit = priv->unit;
	struct bsdtun_pcpu_stats *stats;
	struct sk_buff *next;
	unsigned int kind;
	int mode, full = 0;
	bool bql;
	u32 ofl;

	mode = unit->fam->ops->xmit_hdr(unit, skb);
	if (!READ_ONCE(unit->file) || mode < 0)
		goto drop;
	ofl = READ_ONCE(unit->ofl);
	kind = bsdtun_ofl_kind(ofl);

	/* Software transmit timestamps, while the sender's socket is known. */
	skb_tx_timestamp(skb);

	/*
	 * The packet leaves the stack here and may wait for read() a long
	 * time: copy user pages a zero-copy sender lent, and drop what ties
	 * it to the stack.  Orphaning also frees the sender's socket memory
	 * now, as for any packet gone to the wire: TCP's small-queue limit
	 * would otherwise count it in flight until read.
	 */
	if (unlikely(skb_orphan_frags_rx(skb, GFP_ATOMIC)))
		goto drop;
	skb_orphan(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);

	/* Usually @skb itself; segments if the header cannot carry it. */
	skb = bsdtun_ofl_finish(skb, ofl);
	if (!skb) {
		bsdtun_count_tx_dropped(dev);
		return NETDEV_TX_OK;
	}
	/* Byte queue limits only where a qdisc holds what they stop. */
	bql = READ_ONCE(bsdtun_bql) && bsdtun_has_qdisc(dev);
	for (; skb; skb = next) {
		unsigned int len = skb->len;
		int ret;

		next = skb->next;
		skb_mark_not_on_list(skb);
		ret = bsdtun_queue_push(unit, dev, skb, mode, kind, bql);
		if (ret < 0) {
			bsdtun_count_tx_dropped(dev);
			kfree_skb(skb);
			continue;
		}
		full |= ret;
		stats = this_cpu_ptr(priv->stats);
		u64_stats_update_begin(&stats->syncp);
		u64_stats_inc(&stats->tx_packets);
		u64_stats_add(&stats->tx_bytes, len);
		u64_stats_update_end(&stats->syncp);
	}

	/*
	 * Backpressure: once full, stop the queue so the qdisc holds (or
	 * drops, and counts) what comes next; read() wakes it.  Check again
	 * after stopping, in case read() drained the unit in between and
	 * saw the queue running.
	 */
	if (full && bsdtun_has_qdisc(dev)) {
		netif_stop_queue(dev);
		/* Order the stop before the re-read; pairs with read()'s dequeue. */
		smp_mb__after_atomic();
		if (bsdtun_queue_may_wake(unit, dev))
			netif_wake_queue(dev);
	}

	/*
	 * Most packets find the reader busy: skip the wait queue's lock.  A
	 * synchronous wake-up: the sender usually goes on to sleep or send
	 * more, so the reader need not preempt it for every packet.
	 */
	if (wq_has_sleeper(&unit->wq))
		wake_up_interruptible_sync_poll(&unit->wq, EPOLLIN | EPOLLRDNORM);
	kill_fasync(&unit->fasync, SIGIO, POLL_IN);
	return NETDEV_TX_OK;

drop:
	bsdtun_count_tx_dropped(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static void bsdtun_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *tot)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct bsdtun_pcpu_stats *s = per_cpu_ptr(priv->stats, cpu);
		u64 rxp, rxb, txp, txb;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			rxp = u64_stats_read(&s->rx_packets);
			rxb = u64_stats_read(&s->rx_bytes);
			txp = u64_stats_read(&s->tx_packets);
			txb = u64_stats_read(&s->tx_bytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		tot->rx_packets += rxp;
		tot->rx_bytes += rxb;
		tot->tx_packets += txp;
		tot->tx_bytes += txb;
	}
	tot->rx_dropped += atomic_long_read(&priv->rx_dropped);
	tot->tx_dropped += atomic_long_read(&priv->tx_dropped);
}

/*
 * GRO for written packets.  A writer takes the NAPI context itself, as a
 * driver's interrupt handler would, and feeds GRO from its own system
 * call: no softirq round trip per packet.  What GRO holds (TCP segments
 * of a flow it can still extend) waits for the writer's next packet, for
 * PSH or a full super-packet, or at most gro_flush_timeout, whose timer
 * schedules bsdtun_napi_poll() to deliver it: so back-to-back writes of
 * one flow reach TCP as one packet while a lone one waits microseconds.
 */
#define BSDTUN_GRO_FLUSH_NS	200000
/* Packets written while the context was busy: one per concurrent writer. */
#define BSDTUN_RX_BACKLOG	256

static int bsdtun_rx_drain(struct bsdtun_priv *priv, int budget)
{
	struct sk_buff *skb;
	int n = 0;

	while (n < budget && !skb_queue_empty_lockless(&priv->rx_backlog) &&
	       (skb = skb_dequeue(&priv->rx_backlog))) {
		napi_gro_receive(&priv->napi, skb);
		n++;
	}
	return n;
}

static int bsdtun_napi_poll(struct napi_struct *napi, int budget)
{
	struct bsdtun_priv *priv = container_of(napi, struct bsdtun_priv, napi);
	int n = bsdtun_rx_drain(priv, budget);

	/* None taken: the flush timer fired, and GRO gives up what it holds. */
	if (n < budget)
		napi_complete_done(napi, n);
	return n;
}

/*
 * Only TCP gains from GRO here (one flow's segments written back to
 * back); anything else would pay for the NAPI context and GRO's
 * per-protocol lookups for nothing, and goes to the stack directly as
 * before.  VLAN-tagged frames go to GRO, which looks inside the tag.
 */
static bool bsdtun_gro_wanted(const struct sk_buff *skb)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return skb_headlen(skb) >= sizeof(struct iphdr) &&
		       ip_hdr(skb)->protocol == IPPROTO_TCP;
	case htons(ETH_P_IPV6):
		return skb_headlen(skb) >= sizeof(struct ipv6hdr) &&
		       ipv6_hdr(skb)->nexthdr == IPPROTO_TCP;
	case htons(ETH_P_8021Q):
	case htons(ETH_P_8021AD):
		return true;
	default:
		return false;
	}
}

/*
 * A written packet into the stack; bottom halves off.  Whoever owns the
 * NAPI context feeds GRO; a writer that finds it owned leaves its packet
 * on the backlog and marks the context missed, so that its owner polls
 * again and takes it: the backlog is queued before that second try, and
 * packets keep the order they were written in.
 */
void bsdtun_netdev_rx(struct net_device *dev, struct sk_buff *skb)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	struct napi_struct *napi = &priv->napi;
	int n = 1;

	if (!(dev->features & NETIF_F_GRO) || !bsdtun_gro_wanted(skb)) {
		netif_receive_skb(skb);
		return;
	}
	if (!napi_schedule_prep(napi)) {
		if (skb_queue_len_lockless(&priv->rx_backlog) >= BSDTUN_RX_BACKLOG) {
			bsdtun_count_rx_dropped(dev);
			kfree_skb(skb);
			return;
		}
		skb_queue_tail(&priv->rx_backlog, skb);
		if (!napi_schedule_prep(napi))
			return;
		skb = NULL;
		n = 0;
	}
	n += bsdtun_rx_drain(priv, BSDTUN_RX_BACKLOG);
	if (skb)
		napi_gro_receive(napi, skb);
	napi_complete_done(napi, n);
}

/* The offloads the unit's header can carry, of those asked for. */
static netdev_features_t bsdtun_fix_features(struct net_device *dev,
					     netdev_features_t features)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	u32 ofl = priv->unit ? READ_ONCE(priv->unit->ofl) : 0;

	return features & (~BSDTUN_OFL_FEATURES | bsdtun_ofl_features(ofl));
}

/*
 * The NAPI context exists while the interface is up, as a NIC's rings
 * do: made on "up", before writers may take it (bsdtun_netdev_rx_on()).
 *
 * xmit may have stopped the queue when it filled; a reader that closed
 * then never woke it.  Start it on every "up" so the stack transmits
 * again whatever happened before.
 */
static int bsdtun_ndo_open(struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);

	bsdtun_napi_add(dev, &priv->napi, bsdtun_napi_poll);
	napi_enable(&priv->napi);
	/* Pairs with bsdtun_netdev_rx_on(): writers find the context ready. */
	smp_store_release(&priv->rx_on, true);
	netif_start_queue(dev);
	return 0;
}

/*
 * "down", also before a move to another namespace and before
 * unregistering: writers stop feeding GRO, and what GRO holds for the
 * flush timer is dropped with the NAPI context.  Delivered later, it
 * would reach the stack of a down interface, or another namespace's.
 */
static int bsdtun_ndo_stop(struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	struct sk_buff *skb;

	netif_stop_queue(dev);
	WRITE_ONCE(priv->rx_on, false);
	/* A writer checks rx_on and feeds GRO within one RCU section. */
	synchronize_net();
	napi_disable(&priv->napi);
	netif_napi_del(&priv->napi);
	while ((skb = skb_dequeue(&priv->rx_backlog))) {
		bsdtun_count_rx_dropped(dev);
		kfree_skb(skb);
	}
	return 0;
}

static const struct net_device_ops bsdtun_netdev_ops = {
	.ndo_open		= bsdtun_ndo_open,
	.ndo_stop		= bsdtun_ndo_stop,
	.ndo_start_xmit		= bsdtun_xmit,
	.ndo_get_stats64	= bsdtun_get_stats64,
	.ndo_fix_features	= bsdtun_fix_features,
};

static const struct net_device_ops bsdtun_ether_netdev_ops = {
	.ndo_open		= bsdtun_ndo_open,
	.ndo_stop		= bsdtun_ndo_stop,
	.ndo_start_xmit		= bsdtun_xmit,
	.ndo_get_stats64	= bsdtun_get_stats64,
	.ndo_fix_features	= bsdtun_fix_features,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void bsdtun_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, BSDTUN_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, BSDTUN_VERSION, sizeof(info->version));
	strscpy(info->bus_info, dev->rtnl_link_ops->kind, sizeof(info->bus_info));
}

static const struct ethtool_ops bsdtun_ethtool_ops = {
	.get_drvinfo	= bsdtun_get_drvinfo,
	.get_link	= ethtool_op_get_link,
	.get_ts_info	= ethtool_op_get_ts_info,
};

/*
 * sysfs: /sys/class/net/<name>/bsdtun/{unit,pid,ifhead,lmode,transient,
 * queued_packets,queued_bytes}
 */
static struct bsdtun_unit *bsdtun_attr_unit(struct device *d)
{
	struct bsdtun_priv *priv = netdev_priv(to_net_dev(d));

	return priv->unit;
}

static ssize_t bsdtun_unit_show(struct device *d, struct device_attribute *a,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", bsdtun_attr_unit(d)->num);
}

static ssize_t bsdtun_pid_show(struct device *d, struct device_attribute *a,
			       char *buf)
{
	/* Numbered in the reader's PID namespace, as /proc numbers it. */
	return sysfs_emit(buf, "%d\n", bsdtun_unit_pid_vnr(bsdtun_attr_unit(d)));
}

static ssize_t bsdtun_ifhead_show(struct device *d, struct device_attribute *a,
				  char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(bsdtun_attr_unit(d)->hdr_mode) == BSDTUN_HDR_IFHEAD);
}

static ssize_t bsdtun_lmode_show(struct device *d, struct device_attribute *a,
				 char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  READ_ONCE(bsdtun_attr_unit(d)->hdr_mode) == BSDTUN_HDR_LMODE);
}

static ssize_t bsdtun_transient_show(struct device *d,
				     struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(bsdtun_attr_unit(d)->transient));
}

static ssize_t bsdtun_queued_packets_show(struct device *d,
					  struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  skb_queue_len_lockless(&bsdtun_attr_unit(d)->queue));
}

static ssize_t bsdtun_queued_bytes_show(struct device *d,
					struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(bsdtun_attr_unit(d)->qbytes));
}

static struct device_attribute bsdtun_attr_num =
	__ATTR(unit, 0444, bsdtun_unit_show, NULL);
static struct device_attribute bsdtun_attr_pid =
	__ATTR(pid, 0444, bsdtun_pid_show, NULL);
static struct device_attribute bsdtun_attr_ifhead =
	__ATTR(ifhead, 0444, bsdtun_ifhead_show, NULL);
static struct device_attribute bsdtun_attr_lmode =
	__ATTR(lmode, 0444, bsdtun_lmode_show, NULL);
static struct device_attribute bsdtun_attr_transient =
	__ATTR(transient, 0444, bsdtun_transient_show, NULL);
static struct device_attribute bsdtun_attr_queued_packets =
	__ATTR(queued_packets, 0444, bsdtun_queued_packets_show, NULL);
static struct device_attribute bsdtun_attr_queued_bytes =
	__ATTR(queued_bytes, 0444, bsdtun_queued_bytes_show, NULL);

static struct attribute *bsdtun_attrs[] = {
	&bsdtun_attr_num.attr,
	&bsdtun_attr_pid.attr,
	&bsdtun_attr_ifhead.attr,
	&bsdtun_attr_lmode.attr,
	&bsdtun_attr_transient.attr,
	&bsdtun_attr_queued_packets.attr,
	&bsdtun_attr_queued_bytes.attr,
	NULL,
};

static const struct attribute_group bsdtun_attr_group = {
	.name = BSDTUN_DRV_NAME,
	.attrs = bsdtun_attrs,
};

/*
 * Free what bsdtun_netdev_register() attached.  The core calls this as
 * the destructor once the interface is gone; register failures call it
 * too, so it may run twice.
 */
static void bsdtun_priv_release(struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);

	free_percpu(priv->stats);
	priv->stats = NULL;
	if (priv->unit)
		bsdtun_unit_put(priv->unit);
	priv->unit = NULL;
}

/* What every unit's interface has, whatever its link type. */
static void bsdtun_setup_common(struct net_device *dev)
{
	dev->ethtool_ops = &bsdtun_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = bsdtun_priv_release;
	dev->sysfs_groups[0] = &bsdtun_attr_group;
	dev->tx_queue_len = 500;
	/* Copied into the NAPI context when it is added (6.13 and later). */
	dev->gro_flush_timeout = BSDTUN_GRO_FLUSH_NS;
	/*
	 * read() copies out of page fragments and fragment lists as easily
	 * as out of a linear buffer: taking them spares the stack a
	 * linearising copy (AF_PACKET builds paged packets) and lets TCP
	 * hand over whole GSO packets, segmented once just before us.  No
	 * checksum offload unless an offload header tells the reader what
	 * is left to do (bsdtun_fix_features()): a BSD reader expects
	 * finished packets.
	 */
	dev->hw_features |= NETIF_F_SG | NETIF_F_FRAGLIST | BSDTUN_OFL_L3_FEATURES;
	dev->features |= NETIF_F_SG | NETIF_F_FRAGLIST;
	dev->vlan_features |= NETIF_F_SG | NETIF_F_FRAGLIST | BSDTUN_OFL_L3_FEATURES;
	/*
	 * Not lockless (LLTX): the core's transmit lock serialises the
	 * byte queue limits' producer side, as they expect, and from 6.11
	 * only such an interface shows byte_queue_limits in sysfs.  With a
	 * qdisc the lock is uncontended.
	 */
	/*
	 * netpoll transmits from any context, interrupts included, and the
	 * queue's lock is only safe against bottom halves.  A console over
	 * a tunnel whose far end is a user-space process helps nobody.
	 */
	dev->priv_flags |= IFF_DISABLE_NETPOLL;
}

/* A BSD tun interface: layer 3, point to point, no link header. */
void bsdtun_tun_setup(struct net_device *dev)
{
	bsdtun_setup_common(dev);
	dev->netdev_ops = &bsdtun_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->mtu = TUNMTU;
	dev->min_mtu = BSDTUN_MIN_MTU;
	dev->max_mtu = TUNMRU;
}

/*
 * A BSD tap interface: Ethernet, with a random locally administered
 * address, as FreeBSD gives one.  A frame up to TAPMRU, so an MTU up to
 * TAPMRU less the Ethernet header.
 */
void bsdtun_ether_setup(struct net_device *dev)
{
	ether_setup(dev);
	bsdtun_setup_common(dev);
	dev->netdev_ops = &bsdtun_ether_netdev_ops;
	/* Queued packets wait for read(): never one skb sent many times. */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	/* OpenBSD's IFCAP_VLAN_HWTAGGING: the tag in the tun_hdr. */
	dev->hw_features |= NETIF_F_HW_VLAN_CTAG_TX;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = TAPMRU - ETH_HLEN;
	eth_hw_addr_random(dev);
}

static struct bsdtun_family *bsdtun_dev_family(const struct net_device *dev)
{
	return container_of(dev->rtnl_link_ops, struct bsdtun_family, link_ops);
}

/*
 * Attach @unit to @dev and register it.  Called with rtnl_lock and
 * bsdtun_lock held; on failure @dev is still the caller's to free.
 */
static int bsdtun_netdev_register(struct net_device *dev,
				  struct bsdtun_unit *unit)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	int err;

	priv->stats = netdev_alloc_pcpu_stats(struct bsdtun_pcpu_stats);
	if (!priv->stats)
		return -ENOMEM;
	skb_queue_head_init(&priv->rx_backlog);
	kref_get(&unit->ref);
	priv->unit = unit;
	dev->rtnl_link_ops = &unit->fam->link_ops;
	SET_NETDEV_DEVTYPE(dev, &unit->fam->devtype);
	netif_carrier_off(dev);

	err = register_netdevice(dev);
	if (err) {
		bsdtun_priv_release(dev);
		return err;
	}
	rcu_assign_pointer(unit->dev, dev);
	bsdtun_dbg(dev, "created as unit %d\n", unit->num);
	return 0;
}

/* A unit's first open: its interface, in namespace @net. */
struct net_device *bsdtun_netdev_create(struct bsdtun_unit *unit,
					struct net *net)
{
	char name[IFNAMSIZ];
	struct net_device *dev;
	int err;

	snprintf(name, sizeof(name), "%s%d", *unit->fam->prefix, unit->num);
	dev = alloc_netdev(sizeof(struct bsdtun_priv), name, NET_NAME_ENUM,
			   unit->fam->ops->setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev_net_set(dev, net);
	err = bsdtun_netdev_register(dev, unit);
	if (err) {
		free_netdev(dev);
		return ERR_PTR(err);
	}
	return dev;
}

/* "user U group G": whom a unit is given to (bsdtun_unit_delegated()). */
static const struct nla_policy bsdtun_policy[IFLA_BSDTUN_MAX + 1] = {
	[IFLA_BSDTUN_OWNER]	= { .type = NLA_U32 },
	[IFLA_BSDTUN_GROUP]	= { .type = NLA_U32 },
};

/* IFLA_BSDTUN_OWNER and _GROUP, where given, into @owner. */
static int bsdtun_owner_attrs(struct nlattr *data[], struct bsdtun_owner *owner,
			      struct netlink_ext_ack *extack)
{
	static const int type[] = { IFLA_BSDTUN_OWNER, IFLA_BSDTUN_GROUP };
	int i;

	for (i = 0; data && i < ARRAY_SIZE(type); i++) {
		if (!data[type[i]])
			continue;
		if (bsdtun_owner_parse(owner, type[i] == IFLA_BSDTUN_GROUP,
				       nla_get_u32(data[type[i]]))) {
			NL_SET_ERR_MSG_ATTR(extack, data[type[i]],
					    "not mapped in the caller's user namespace");
			return -EINVAL;
		}
	}
	return 0;
}

/* ip link add NAME type bsdtun (or bsdtap, bsdvmnet, bsdotun, bsdotap) */
static int bsdtun_newlink(BSDTUN_NEWLINK_ARGS)
{
	struct bsdtun_family *fam = bsdtun_dev_family(dev);
	struct bsdtun_owner owner = { INVALID_UID, INVALID_GID };
	struct bsdtun_unit *unit;
	int num, err;

	err = bsdtun_owner_attrs(bsdtun_newlink_data, &owner, extack);
	if (err)
		return err;
	mutex_lock(&bsdtun_lock);
	if (!bsdtun_live) {
		NL_SET_ERR_MSG(extack, "bsdtun is still loading");
		err = -ENODEV;
		goto out;
	}
	/*
	 * One unit queue, one reader: more transmit queues would only let
	 * flows on queues the backpressure does not stop keep coming.
	 */
	if (dev->num_tx_queues > 1) {
		NL_SET_ERR_MSG(extack, "bsdtun has one transmit queue");
		err = -EINVAL;
		goto out;
	}
	if (bsdtun_name_of_other_family(fam, dev->name)) {
		NL_SET_ERR_MSG(extack, "name of another bsdtun family's unit");
		err = -EINVAL;
		goto out;
	}
	num = bsdtun_unit_num_from_name(fam, dev->name);
	unit = bsdtun_unit_idle_boot(fam, num);
	if (unit) {
		/* On failure the unit stays as it was, without an interface. */
		err = bsdtun_netdev_register(dev, unit);
		if (!err)
			bsdtun_unit_set_owner(unit, &owner);
		goto out;
	}
	unit = bsdtun_unit_create(fam, num, bsdtun_must_charge(), &owner);
	if (IS_ERR(unit)) {
		err = PTR_ERR(unit);
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack, "bsdtun unit exists");
		else if (err == -EDQUOT)
			NL_SET_ERR_MSG(extack, "bsdtun unit limit of this user reached");
		goto out;
	}
	/* Without a name the kernel offers "bsdtun%d": name it by unit. */
	if (strchr(dev->name, '%'))
		snprintf(dev->name, IFNAMSIZ, "%s%d", *fam->prefix, unit->num);
	err = bsdtun_netdev_register(dev, unit);
	if (err)
		bsdtun_unit_destroy(unit, NULL);
out:
	mutex_unlock(&bsdtun_lock);
	return err;
}

/* ip link set NAME type bsdtun user U group G: the unit given anew. */
static int bsdtun_changelink(struct net_device *dev, struct nlattr *tb[],
			     struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct bsdtun_unit *unit = ((struct bsdtun_priv *)netdev_priv(dev))->unit;
	struct bsdtun_owner owner;
	int err = -ENODEV;

	mutex_lock(&bsdtun_lock);
	if (unit && !unit->dead && rtnl_dereference(unit->dev) == dev) {
		owner = unit->owner;
		err = bsdtun_owner_attrs(data, &owner, extack);
		if (!err)
			bsdtun_unit_set_owner(unit, &owner);
	}
	mutex_unlock(&bsdtun_lock);
	return err;
}

static size_t bsdtun_get_size(const struct net_device *dev)
{
	return 2 * nla_total_size(sizeof(u32));
}

/* "ip -d link show": whom the unit is given to, in the reader's numbers. */
static int bsdtun_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct bsdtun_unit *unit =
		((const struct bsdtun_priv *)netdev_priv(dev))->unit;
	u32 uid, gid;

	if (!unit)
		return 0;
	uid = bsdtun_owner_id(&unit->owner, false);
	gid = bsdtun_owner_id(&unit->owner, true);
	if ((uid != (u32)-1 && nla_put_u32(skb, IFLA_BSDTUN_OWNER, uid)) ||
	    (gid != (u32)-1 && nla_put_u32(skb, IFLA_BSDTUN_GROUP, gid)))
		return -EMSGSIZE;
	return 0;
}

/* ip link del, namespace death and module unload. */
static void bsdtun_dellink(struct net_device *dev, struct list_head *head)
{
	struct bsdtun_priv *priv = netdev_priv(dev);

	mutex_lock(&bsdtun_lock);
	if (priv->unit && rtnl_dereference(priv->unit->dev) == dev)
		bsdtun_unit_destroy(priv->unit, head);
	else
		unregister_netdevice_queue(dev, head);
	mutex_unlock(&bsdtun_lock);
}

static bool bsdtun_netdev_is_ours(const struct net_device *dev)
{
	return dev->netdev_ops == &bsdtun_netdev_ops ||
	       dev->netdev_ops == &bsdtun_ether_netdev_ops;
}

/*
 * A unit's interface renamed to another family's unit name ("ip link set
 * bsdtap3 name bsdtun7") would hold that unit's name, as "ip link add"
 * may not (bsdtun_newlink()): refused, and the core renames it back.
 * Called first, so no other notifier sees the name.
 */
static int bsdtun_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event != NETDEV_CHANGENAME || !bsdtun_netdev_is_ours(dev))
		return NOTIFY_DONE;
	if (bsdtun_name_of_other_family(bsdtun_dev_family(dev), dev->name))
		return notifier_from_errno(-EINVAL);
	return NOTIFY_DONE;
}

static struct notifier_block bsdtun_netdev_notifier = {
	.notifier_call = bsdtun_netdev_event,
	.priority = INT_MAX,
};

int bsdtun_netdev_init(void)
{
	return register_netdevice_notifier(&bsdtun_netdev_notifier);
}

void bsdtun_netdev_exit(void)
{
	unregister_netdevice_notifier(&bsdtun_netdev_notifier);
}

/* ip link add ... type <kind>: each family is a kind of link of its own. */
int bsdtun_netdev_add(struct bsdtun_family *fam)
{
	struct rtnl_link_ops *ops = &fam->link_ops;

	fam->devtype.name = fam->kind;
	ops->kind = fam->kind;
	ops->priv_size = sizeof(struct bsdtun_priv);
	ops->setup = fam->ops->setup;
	ops->maxtype = IFLA_BSDTUN_MAX;
	ops->policy = bsdtun_policy;
	ops->newlink = bsdtun_newlink;
	ops->changelink = bsdtun_changelink;
	ops->dellink = bsdtun_dellink;
	ops->get_size = bsdtun_get_size;
	ops->fill_info = bsdtun_fill_info;
	return rtnl_link_register(ops);
}

void bsdtun_netdev_del(struct bsdtun_family *fam)
{
	rtnl_link_unregister(&fam->link_ops);
}
