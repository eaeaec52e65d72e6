// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the packets a unit holds for read().
 *
 * Transmit queues a packet with the header it will be read with, decided
 * there (the family's xmit_hdr), as BSD prepends its header at output: a
 * later TUNSIFHEAD or TUNSLMODE changes what comes next, never what
 * already waits, so FIONREAD and the next read() agree and an IPv6
 * packet accepted with a header is never read without one.
 *
 * The queue is bounded twice: by the interface's txqueuelen in packets,
 * and by the bsdtun_queue_bytes module parameter in memory (skb
 * truesize).  The byte bound holds whatever a namespace's administrator
 * sets txqueuelen to, and whatever size packets are: it is what one unit
 * can pin in the kernel while its reader sleeps.
 *
 * Within those bounds, byte queue limits keep the queue short: a packet
 * queued counts as sent to the "hardware", a packet read as completed,
 * and the limit adapts to how fast the reader reads, so that a backlog
 * waits in the qdisc, where fq_codel and its kind schedule and drop,
 * rather than here in arrival order.  Only with a qdisc to hold it: on
 * a noqueue interface a stopped queue drops, so nothing is counted.
 * Each packet records whether it was counted, and the counts change
 * only under the queue's lock: a qdisc changed in between, or the bql
 * parameter (the A/B switch), never completes bytes that were not sent.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "bsdtun.h"

unsigned int bsdtun_queue_bytes = 4 << 20;
module_param_named(queue_bytes, bsdtun_queue_bytes, uint, 0444);
MODULE_PARM_DESC(queue_bytes,
		 "Memory the packets waiting for read() on one unit may hold, in bytes (default 4 MiB)");

/*
 * Off by default until benchmarks on a quiet host show what the limits
 * cost a fast reader's bulk throughput (issue 29): loaded runs suggest
 * up to a third, and their latency gain is for slow readers.
 */
bool bsdtun_bql;
module_param_named(bql, bsdtun_bql, bool, 0644);
MODULE_PARM_DESC(bql,
		 "Byte queue limits on the read queue: a backlog waits in the qdisc (default off)");

/* Smallest queue_bytes: a few packets of the largest size. */
#define BSDTUN_MIN_QUEUE_BYTES	(64 << 10)

int bsdtun_queue_params_check(void)
{
	if (bsdtun_queue_bytes < BSDTUN_MIN_QUEUE_BYTES) {
		pr_err("bsdtun: queue_bytes must be at least %u\n",
		       BSDTUN_MIN_QUEUE_BYTES);
		return -EINVAL;
	}
	return 0;
}

static unsigned int bsdtun_queue_limit(const struct net_device *dev)
{
	return max_t(unsigned int, READ_ONCE(dev->tx_queue_len), 1);
}

/*
 * Queue @skb, to be read with header @mode after offload header @ofl.  0 when queued; 1 when
 * queued and the unit is now full (a packet of the same size would not
 * fit); -ENOBUFS when the unit was full already, -ENODEV when it is
 * destroyed, and @skb is still the caller's.  The first packet always
 * fits, whatever its size.
 */
int bsdtun_queue_push(struct bsdtun_unit *unit, struct net_device *dev,
		      struct sk_buff *skb, int mode, unsigned int ofl, bool bql)
{
	unsigned int limit = bsdtun_queue_limit(dev);
	unsigned int max = READ_ONCE(bsdtun_queue_bytes);
	unsigned int size = skb->truesize;
	struct bsdtun_skb_cb *cb = bsdtun_skb_cb(skb);
	bool full;

	/*
	 * Bottom halves are off here (the stack transmits with them off)
	 * and read() takes the lock with them off: no need to mask
	 * interrupts as skb_queue_tail() would (netpoll, which could call
	 * us from an interrupt, is refused in bsdtun_setup_common()).
	 */
	spin_lock(&unit->queue.lock);
	/*
	 * A destroyed unit's interface may transmit until its batched
	 * unregistration ends, after the purge that followed marking it
	 * dead.  Checked under the lock the purge takes: nothing is queued
	 * after it, to wait unaccounted, pointing at a freed interface,
	 * until the detached file closes.
	 */
	if (unlikely(READ_ONCE(unit->dead))) {
		spin_unlock(&unit->queue.lock);
		return -ENODEV;
	}
	if (unit->queue.qlen &&
	    (unit->queue.qlen >= limit || unit->qbytes + size > max)) {
		spin_unlock(&unit->queue.lock);
		return -ENOBUFS;
	}
	cb->size = size;
	cb->hdr_mode = mode;
	cb->ofl = ofl;
	cb->bql = bql;
	if (bql)
		netdev_tx_sent_queue(netdev_get_tx_queue(dev, 0), skb->len);
	__skb_queue_tail(&unit->queue, skb);
	WRITE_ONCE(unit->qbytes, unit->qbytes + size);
	full = unit->queue.qlen >= limit || unit->qbytes + size > max;
	spin_unlock(&unit->queue.lock);
	return full;
}

/*
 * A stopped queue starts again only once the unit is down to half, in
 * packets and in bytes.  Waking at every freed slot would cost a softirq
 * and a stop per packet while a fast sender keeps it full; half leaves
 * the reader work while the qdisc refills.
 */
bool bsdtun_queue_may_wake(struct bsdtun_unit *unit,
			   const struct net_device *dev)
{
	return skb_queue_len_lockless(&unit->queue) <= bsdtun_queue_limit(dev) / 2 &&
	       READ_ONCE(unit->qbytes) <= READ_ONCE(bsdtun_queue_bytes) / 2;
}

static void bsdtun_queue_unlink(struct bsdtun_unit *unit, struct sk_buff *skb)
{
	__skb_unlink(skb, &unit->queue);
	WRITE_ONCE(unit->qbytes, unit->qbytes - bsdtun_skb_cb(skb)->size);
}

/*
 * The transmit side only runs with bottom halves off (see
 * bsdtun_queue_push()), so they are all that must be held off here.
 * A packet counted in the byte queue limit completes on the unit's
 * interface, the one that sent it: an interface goes only with its
 * unit, whose queue is then empty.
 */
struct sk_buff *bsdtun_queue_pop(struct bsdtun_unit *unit)
{
	struct net_device *dev;
	struct sk_buff *skb;

	spin_lock_bh(&unit->queue.lock);
	skb = skb_peek(&unit->queue);
	if (skb) {
		bsdtun_queue_unlink(unit, skb);
		dev = rcu_dereference_bh(unit->dev);
		if (bsdtun_skb_cb(skb)->bql && dev)
			netdev_tx_completed_queue(netdev_get_tx_queue(dev, 0),
						  1, skb->len);
	}
	spin_unlock_bh(&unit->queue.lock);
	return skb;
}

/* FIONREAD: what the next read() returns in full, or 0. */
int bsdtun_queue_next_size(struct bsdtun_unit *unit)
{
	struct sk_buff *skb;
	int size = 0;

	spin_lock_bh(&unit->queue.lock);
	skb = skb_peek(&unit->queue);
	if (skb)
		size = bsdtun_ofl_read_hdr(skb, NULL) +
		       unit->fam->ops->read_hdr(skb, NULL) + skb->len;
	spin_unlock_bh(&unit->queue.lock);
	return size;
}

/*
 * Junk what waits for read() (BSD close), counting it as dropped on @dev
 * when there is one: the stack handed it over and nobody will read it.
 */
void bsdtun_queue_purge(struct bsdtun_unit *unit, struct net_device *dev)
{
	struct sk_buff_head junk;
	struct sk_buff *skb;

	__skb_queue_head_init(&junk);
	spin_lock_bh(&unit->queue.lock);
	skb_queue_splice_init(&unit->queue, &junk);
	WRITE_ONCE(unit->qbytes, 0);
	/* Nothing in flight any more: the limit starts again. */
	if (dev)
		netdev_tx_reset_queue(netdev_get_tx_queue(dev, 0));
	spin_unlock_bh(&unit->queue.lock);
	/* The limit may have stopped the qdisc; nothing will complete now. */
	if (dev && netif_running(dev))
		netif_schedule_queue(netdev_get_tx_queue(dev, 0));

	while ((skb = __skb_dequeue(&junk))) {
		if (dev)
			bsdtun_count_tx_dropped(dev);
		kfree_skb(skb);
	}
}
