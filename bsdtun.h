/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bsdtun internals shared by the module, network and character-device
 * parts.
 *
 * Objects:
 *  - struct bsdtun_unit: one BSD tun unit, numbered, with its character
 *    node.  It exists from module load (preallocated units), from a clone
 *    open or from "ip link add", until "ip link del", the death of its
 *    network namespace, the close of a transient unit, or rmmod.
 *  - its net_device, created on first open (or by "ip link add") in the
 *    opener's namespace; netdev_priv() is a struct bsdtun_priv pointing
 *    back at the unit.
 *  - struct bsdtun_file: file->private_data of an open node.
 *
 * Lifetime: a unit is reference counted.  The registry holds one
 * reference while the unit is registered, the net_device one until it is
 * freed, and each open file one.  Destroying a unit marks it dead, so a
 * file that still refers to it is detached and answers -EHOSTDOWN.
 *
 * Locking order: rtnl_lock, then bsdtun_lock.  bsdtun_lock (a mutex)
 * guards the registry and each unit's slow-path state: dev, file,
 * transient, dead.  The packet paths do not take it: they read unit->dev
 * under RCU and the queue under its own spinlock.
 */
#ifndef _BSDTUN_H
#define _BSDTUN_H

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include "bsdtun_uapi.h"

#define BSDTUN_DRV_NAME		"bsdtun"
#define BSDTUN_MIN_MTU		72
/*
 * The cloning node's misc minor, from the range devices.txt reserves for
 * local use (243-254): a fixed number lets kmod make a static /dev/bsdtun
 * node (the devname alias) whose first open loads the module.
 */
#define BSDTUN_MISC_MINOR	249

struct bsdtun_file;

/*
 * What read() puts before a packet and write() expects: nothing (IPv4
 * only), TUNSIFHEAD's 4-byte family or TUNSLMODE's destination sockaddr.
 * The two ioctls exclude each other, so the unit keeps one value.
 */
enum bsdtun_hdr_mode {
	BSDTUN_HDR_NONE,
	BSDTUN_HDR_IFHEAD,
	BSDTUN_HDR_LMODE,
};

struct bsdtun_unit {
	struct kref ref;
	int num;
	struct device *node;

	/*
	 * The unit's interface.  Written under rtnl_lock and bsdtun_lock;
	 * the packet paths read it under rcu_read_lock().
	 */
	struct net_device __rcu *dev;

	/* The open file, or NULL; under bsdtun_lock. */
	struct bsdtun_file *file;
	/* Set once when the unit is destroyed; under bsdtun_lock. */
	bool dead;
	bool transient;
	/*
	 * Made at load: its number comes back, without an interface, when a
	 * namespace other than the initial one deletes its interface.
	 */
	bool boot;
	/*
	 * Made by a process without CAP_NET_ADMIN in the initial user
	 * namespace: counted against @owner's limit.  Under bsdtun_lock.
	 */
	bool charged;
	kuid_t owner;

	/*
	 * enum bsdtun_hdr_mode, changed with one atomic store or exchange;
	 * transmit records it in each packet as it queues it.
	 */
	int hdr_mode;
	pid_t pid;
	int baudrate;
	u8 type;

	/*
	 * Packets from ndo_start_xmit, waiting for read(), and the memory
	 * they hold (the sum of the sizes in their control blocks, written
	 * under queue.lock).
	 */
	struct sk_buff_head queue;
	unsigned int qbytes;
	wait_queue_head_t wq;
	struct fasync_struct *fasync;
};

/* A queued packet's control block: what transmit decided for it. */
struct bsdtun_skb_cb {
	unsigned int size;	/* memory charged to the queue */
	u8 hdr_mode;		/* header read() puts before it */
};

static inline struct bsdtun_skb_cb *bsdtun_skb_cb(const struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct bsdtun_skb_cb) > sizeof(skb->cb));
	return (struct bsdtun_skb_cb *)skb->cb;
}

struct bsdtun_file {
	struct bsdtun_unit *unit;	/* holds a reference */
};

struct bsdtun_pcpu_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	struct u64_stats_sync syncp;
};

struct bsdtun_priv {
	struct bsdtun_unit *unit;	/* holds a reference */
	struct bsdtun_pcpu_stats __percpu *stats;
	atomic_long_t rx_dropped;
	atomic_long_t tx_dropped;
};

extern struct mutex bsdtun_lock;
extern bool bsdtun_live;
extern int bsdtun_debug;
extern char *bsdtun_prefix;
extern unsigned int bsdtun_max_units;
extern unsigned int bsdtun_queue_bytes;
extern struct rtnl_link_ops bsdtun_link_ops;

/*
 * Rate-limited: TUNSDEBUG turns it on for every unit, and a packet path
 * could otherwise flood the log.
 */
#define bsdtun_dbg(dev, fmt, ...)					\
	do {								\
		if (READ_ONCE(bsdtun_debug) && net_ratelimit())		\
			netdev_printk(KERN_DEBUG, dev, fmt, ##__VA_ARGS__); \
	} while (0)

/* bsdtun_main.c: the unit registry. */
struct bsdtun_unit *bsdtun_unit_create(int num, bool charge);
bool bsdtun_must_charge(void);
struct bsdtun_unit *bsdtun_unit_get(int num);
void bsdtun_unit_put(struct bsdtun_unit *unit);
void bsdtun_unit_destroy(struct bsdtun_unit *unit, struct list_head *head);
int bsdtun_unit_num_from_name(const char *name);

/* bsdtun_netdev.c */
struct net_device *bsdtun_netdev_create(struct bsdtun_unit *unit,
					struct net *net);
int bsdtun_netdev_init(void);
void bsdtun_netdev_exit(void);
void bsdtun_count_rx(struct net_device *dev, unsigned int len);
void bsdtun_count_rx_dropped(struct net_device *dev);
void bsdtun_count_tx_dropped(struct net_device *dev);

/* bsdtun_queue.c: the packets waiting for read(). */
int bsdtun_queue_push(struct bsdtun_unit *unit, struct net_device *dev,
		      struct sk_buff *skb, enum bsdtun_hdr_mode mode);
struct sk_buff *bsdtun_queue_pop(struct bsdtun_unit *unit);
int bsdtun_queue_next_size(struct bsdtun_unit *unit);
size_t bsdtun_queue_hdr(const struct sk_buff *skb, u8 *hdr);
bool bsdtun_queue_may_wake(struct bsdtun_unit *unit,
			   const struct net_device *dev);
void bsdtun_queue_purge(struct bsdtun_unit *unit, struct net_device *dev);

/* bsdtun_chardev.c */
int bsdtun_node_add(struct bsdtun_unit *unit);
void bsdtun_node_del(struct bsdtun_unit *unit);
int bsdtun_chardev_init(void);
void bsdtun_chardev_exit(void);

#endif /* _BSDTUN_H */
