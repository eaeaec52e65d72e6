/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bsdtun internals shared by its files.
 *
 * Objects:
 *  - struct bsdtun_family: one kind of unit (tun, tap, vmnet, OpenBSD's
 *    tun and tap), with its names, numbers, nodes and rtnl kind, its
 *    link type's table of operations (struct bsdtun_family_ops) and its
 *    personality: ioctl table, header rule and close policy.
 *  - struct bsdtun_unit: one unit of a family, numbered within it, with
 *    its character node.  It exists from module load (preallocated
 *    units), from a clone open or from "ip link add", until "ip link del",
 *    the death of its network namespace, the close of a transient unit
 *    or of an OpenBSD unit whose interface the open made, or rmmod.  A
 *    preallocated unit so destroyed comes back, without an interface,
 *    when another namespace had it or its family is OpenBSD's.
 *  - its net_device, created on first open (or by "ip link add", which
 *    takes an idle preallocated OpenBSD unit of its name) in the opener's
 *    namespace; netdev_priv() is a struct bsdtun_priv pointing
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
 * transient, open_made, dead.  The packet paths do not take it: they read unit->dev
 * under RCU and the queue under its own spinlock; a write larger than a
 * page takes its file's ring mutex (a leaf) to pick its pages.
 *
 * Files, each calling only those after it: bsdtun_main.c (init, exit),
 * bsdtun_family.c (the family tables), bsdtun_chardev.c and
 * bsdtun_ioctl.c (the nodes' file operations), bsdtun_netdev.c (the
 * interface), bsdtun_unit.c (the registry), bsdtun_queue.c,
 * bsdtun_offload.c (the offload headers), bsdtun_alloc.c (memory for
 * written packets) and bsdtun_node.c.
 */
#ifndef _BSDTUN_H
#define _BSDTUN_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "bsdtun_uapi.h"

#define BSDTUN_DRV_NAME		"bsdtun"
/* Kept equal to dkms.conf's PACKAGE_VERSION: make check compares them. */
#define BSDTUN_VERSION		"0.2.0"
/* The other families' rtnl kinds (also their misc devices' names). */
#define BSDTUN_TAP_KIND		"bsdtap"
#define BSDTUN_VMNET_KIND	"bsdvmnet"
#define BSDTUN_OTUN_KIND	"bsdotun"
#define BSDTUN_OTAP_KIND	"bsdotap"
#define BSDTUN_MIN_MTU		72
/*
 * The cloning nodes' misc minors, from the range devices.txt reserves
 * for local use (243-254): a fixed number lets kmod make a static
 * /dev/bsdtun node (the devname alias) whose first open loads the module.
 */
#define BSDTUN_TUN_MINOR	249
#define BSDTUN_TAP_MINOR	248
#define BSDTUN_VMNET_MINOR	247
#define BSDTUN_OTUN_MINOR	246
#define BSDTUN_OTAP_MINOR	245

struct bsdtun_charge;
struct bsdtun_file;
struct bsdtun_unit;

/*
 * What read() puts before a packet and write() expects: nothing (IPv4
 * only, or an Ethernet frame), TUNSIFHEAD's 4-byte family or TUNSLMODE's
 * destination sockaddr.  The two ioctls exclude each other, so the unit
 * keeps one value.
 */
enum bsdtun_hdr_mode {
	BSDTUN_HDR_NONE,
	BSDTUN_HDR_IFHEAD,
	BSDTUN_HDR_LMODE,
};

/*
 * The offload header before the family's (bsdtun_offload.c): none,
 * FreeBSD's virtio-net header of 10 or 12 bytes, or OpenBSD's tun_hdr.
 * A unit keeps the kind and OpenBSD's capabilities in one word.
 */
enum bsdtun_ofl_kind {
	BSDTUN_OFL_NONE,
	BSDTUN_OFL_VNET,
	BSDTUN_OFL_VNET_MRG,
	BSDTUN_OFL_TUNHDR,
};

#define BSDTUN_OFL_KIND_SHIFT	16
#define BSDTUN_OFL_HDR_MAX	12
/* Largest write with an offload header on: a 64 KiB IP packet, framed. */
#define BSDTUN_OFL_MRU		(IP_MAX_MTU + VLAN_ETH_HLEN)

/* Offloads an offload header can carry, and those it can on any link. */
#define BSDTUN_OFL_L3_FEATURES						\
	(NETIF_F_HW_CSUM | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |	\
	 NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_TSO_ECN | NETIF_F_GSO_UDP_L4)
#define BSDTUN_OFL_FEATURES (BSDTUN_OFL_L3_FEATURES | NETIF_F_HW_VLAN_CTAG_TX)

static inline unsigned int bsdtun_ofl_kind(u32 ofl)
{
	return ofl >> BSDTUN_OFL_KIND_SHIFT;
}

static inline u32 bsdtun_ofl_caps(u32 ofl)
{
	return ofl & (BIT(BSDTUN_OFL_KIND_SHIFT) - 1);
}

/* A unit's offload word: header kind @kind, OpenBSD capabilities @caps. */
static inline u32 bsdtun_ofl_word(unsigned int kind, u32 caps)
{
	return (u32)kind << BSDTUN_OFL_KIND_SHIFT | caps;
}

static inline bool bsdtun_ofl_is_vnet(unsigned int kind)
{
	return kind == BSDTUN_OFL_VNET || kind == BSDTUN_OFL_VNET_MRG;
}

/* What a link type does: layer 3 packets (tun) or Ethernet frames (tap). */
struct bsdtun_family_ops {
	/* rtnl_link_ops->setup: the link type. */
	void (*setup)(struct net_device *dev);
	/* The header mode a packet is read with, -1 to drop it (transmit). */
	int (*xmit_hdr)(const struct bsdtun_unit *unit,
			const struct sk_buff *skb);
	/* Bytes read() puts before @skb, written to @hdr unless NULL. */
	size_t (*read_hdr)(const struct sk_buff *skb, u8 *hdr);
	/*
	 * A write of @len bytes: check its size against @mru, consume its
	 * header from @from and say its protocol (0: in the frame's link
	 * header); the header's length or an errno.
	 */
	int (*write_hdr)(struct bsdtun_unit *unit, struct iov_iter *from,
			 size_t len, size_t mru, __be16 *proto);
	/* The written packet, in @skb on @dev: its protocol and headers. */
	void (*rx_prep)(struct sk_buff *skb, struct net_device *dev,
			__be16 proto);
};

struct bsdtun_family {
	/* rtnl kind, misc device and driver names: "bsdtun", "bsdtap"... */
	const char *kind;
	/* Module parameter: node and interface base name; empty is off. */
	char **prefix;
	int misc_minor;
	const struct bsdtun_family_ops *ops;
	/*
	 * The personality (FreeBSD's or OpenBSD's): its requests beyond the
	 * common ones, -ENOIOCTLCMD for the others; and whether @cmd is a
	 * 32-bit process's number of one of its own interface-name requests
	 * (its ifreq is shorter), which the common path answers (NULL: none).
	 */
	long (*ioctl)(struct file *file, struct bsdtun_unit *unit,
		      unsigned int cmd, void __user *argp);
	bool (*compat_ifname)(unsigned int cmd);
	/* Largest packet a write() takes without an offload header. */
	unsigned int mru;
	/* Module parameter: open brings the interface up (tap), or NULL. */
	const bool *up_on_open;
	/* close leaves the interface up with its addresses (vmnet). */
	bool keep_up;
	/* if_types.h type of a new unit; fixed: TUNSIFINFO may not change it. */
	unsigned char if_type;
	bool if_type_fixed;
	/* A new unit's enum bsdtun_hdr_mode (OpenBSD's tun: always IFHEAD). */
	int hdr_mode;
	/*
	 * OpenBSD: the last close destroys an interface its open made, and
	 * a boot unit's node outlives its interface (OpenBSD's are static).
	 */
	bool close_destroys;

	/* Set up at load. */
	bool on;
	struct idr idr;		/* unit number -> unit; under bsdtun_lock */
	unsigned int charged;	/* units charged to users; under bsdtun_lock */
	dev_t devt;
	struct cdev cdev;
	struct miscdevice misc;
	struct rtnl_link_ops link_ops;
	struct device_type devtype;
};

/*
 * Whom a unit is given to (bsdtun_unit_delegated()): INVALID_UID and
 * INVALID_GID when no one.
 */
struct bsdtun_owner {
	kuid_t uid;
	kgid_t gid;
};

struct bsdtun_unit {
	struct kref ref;
	struct bsdtun_family *fam;
	int num;
	struct device *node;

	/*
	 * The unit's interface.  Written under rtnl_lock and bsdtun_lock;
	 * the packet paths read it under rcu_read_lock().
	 */
	struct net_device __rcu *dev;

	/* The open file, or NULL; under bsdtun_lock. */
	struct bsdtun_file *file;
	/*
	 * Set once when the unit is destroyed, under bsdtun_lock; transmit
	 * reads it under queue.lock (bsdtun_queue_push()).
	 */
	bool dead;
	bool transient;
	/* The open file's open made the interface (close_destroys); under bsdtun_lock. */
	bool open_made;
	/*
	 * Made at load: its number comes back, without an interface, when a
	 * namespace other than the initial one deletes its interface.
	 */
	bool boot;
	/*
	 * Made by a process without CAP_NET_ADMIN in the initial user
	 * namespace: the count it is charged to, which it holds (see
	 * bsdtun_unit.c), or NULL.  Under bsdtun_lock.
	 */
	struct bsdtun_charge *charge;
	/*
	 * Given to a user and/or group, who may then open the node without
	 * CAP_NET_ADMIN.  Written under rtnl_lock and bsdtun_lock; read
	 * under either.
	 */
	struct bsdtun_owner owner;

	/*
	 * enum bsdtun_hdr_mode, changed with one atomic store or exchange;
	 * transmit records it in each packet as it queues it.
	 */
	int hdr_mode;
	/* Offload header kind and capabilities; written under rtnl_lock. */
	u32 ofl;
	/*
	 * The controlling process (open, TUNSIFPID), held so that each
	 * reader numbers it in its own PID namespace; under pid_lock.
	 */
	spinlock_t pid_lock;
	struct pid *pid;
	int baudrate;
	u8 type;
	/* tap: the far end's MAC, kept for the program; under bsdtun_lock. */
	u8 remote_mac[ETH_ALEN];

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
	u8 ofl;			/* offload header kind before that */
	bool bql;		/* counted in the byte queue limit */
};

static inline struct bsdtun_skb_cb *bsdtun_skb_cb(const struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct bsdtun_skb_cb) > sizeof(skb->cb));
	return (struct bsdtun_skb_cb *)skb->cb;
}

/*
 * Pages the open file's large writes reuse, in turn (bsdtun_alloc.c):
 * at most 1 MiB (4 KiB pages only), sixteen 64 KiB super-packets, as a
 * receiver that lags a little still holds the last few.  The array comes
 * with the first large write: most files never make one.
 */
#define BSDTUN_RING_PAGES	256
struct bsdtun_ring {
	struct mutex lock;	/* guards the rest */
	unsigned int next;
	unsigned int size;	/* slots in use, up to BSDTUN_RING_PAGES */
	struct page **page;	/* BSDTUN_RING_PAGES slots, or NULL */
};

struct bsdtun_file {
	struct bsdtun_unit *unit;	/* holds a reference */
	struct bsdtun_ring ring;
};

static inline struct bsdtun_unit *bsdtun_file_unit(struct file *file)
{
	struct bsdtun_file *bf = file->private_data;

	return bf->unit;
}

struct bsdtun_pcpu_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	struct u64_stats_sync syncp;
};

/*
 * Written packets go through GRO on the interface's NAPI context, taken
 * by the writer itself (see bsdtun_netdev_rx()); rx_backlog holds those
 * written while another writer or the flush held it.  The context exists
 * while the interface is up and @rx_on says so (see bsdtun_ndo_open()).
 */
struct bsdtun_priv {
	struct bsdtun_unit *unit;	/* holds a reference */
	struct bsdtun_pcpu_stats __percpu *stats;
	atomic_long_t rx_dropped;
	atomic_long_t tx_dropped;
	struct napi_struct napi;
	struct sk_buff_head rx_backlog;
	bool rx_on;
};

/*
 * Whether a written packet may enter the stack through @dev: only while
 * it is up.  The writer holds rcu_read_lock() from this test until it has
 * handed the packet over, which "down" waits for.
 */
static inline bool bsdtun_netdev_rx_on(struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);

	/* Pairs with bsdtun_ndo_open()'s release: the context is ready. */
	return smp_load_acquire(&priv->rx_on);
}

/*
 * The caller has bottom halves off: transmit updates the same per-cpu
 * counters from softirq, and on 32-bit kernels their sequence count must
 * not be entered twice on one CPU.
 */
static inline void bsdtun_count_rx(struct net_device *dev, unsigned int len)
{
	struct bsdtun_priv *priv = netdev_priv(dev);
	struct bsdtun_pcpu_stats *stats = this_cpu_ptr(priv->stats);

	u64_stats_update_begin(&stats->syncp);
	u64_stats_inc(&stats->rx_packets);
	u64_stats_add(&stats->rx_bytes, len);
	u64_stats_update_end(&stats->syncp);
}

static inline void bsdtun_count_rx_dropped(struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);

	atomic_long_inc(&priv->rx_dropped);
}

static inline void bsdtun_count_tx_dropped(struct net_device *dev)
{
	struct bsdtun_priv *priv = netdev_priv(dev);

	atomic_long_inc(&priv->tx_dropped);
}

extern struct mutex bsdtun_lock;
extern bool bsdtun_live;
extern int bsdtun_debug;
extern unsigned int bsdtun_units;
extern unsigned int bsdtun_max_units;
extern unsigned int bsdtun_queue_bytes;

/*
 * Rate-limited: TUNSDEBUG turns it on for every unit, and a packet path
 * could otherwise flood the log.
 */
#define bsdtun_dbg(dev, fmt, ...)					\
	do {								\
		if (READ_ONCE(bsdtun_debug) && net_ratelimit())		\
			netdev_printk(KERN_DEBUG, dev, fmt, ##__VA_ARGS__); \
	} while (0)

/* bsdtun_family.c: the families, and what tun and tap read and write. */
extern struct bsdtun_family *const bsdtun_families[];
extern const unsigned int bsdtun_nr_families;
int bsdtun_families_check(void);

/* bsdtun_chardev.c: file operations and cloning nodes. */
int bsdtun_chardev_add(struct bsdtun_family *fam);
void bsdtun_chardev_del(struct bsdtun_family *fam);

/* bsdtun_alloc.c: memory for written packets. */
int bsdtun_alloc_init(void);
void bsdtun_alloc_exit(void);
void bsdtun_ring_init(struct bsdtun_ring *ring);
void bsdtun_ring_free(struct bsdtun_ring *ring);
struct sk_buff *bsdtun_alloc_skb(struct bsdtun_ring *ring, size_t plen,
				 int *err);

/* bsdtun_ioctl.c */
long bsdtun_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long bsdtun_compat_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg);
long bsdtun_tun_ioctl(struct file *file, struct bsdtun_unit *unit,
		      unsigned int cmd, void __user *argp);
bool bsdtun_tun_compat_ifname(unsigned int cmd);
long bsdtun_tap_ioctl(struct file *file, struct bsdtun_unit *unit,
		      unsigned int cmd, void __user *argp);
bool bsdtun_tap_compat_ifname(unsigned int cmd);
long bsdtun_otun_ioctl(struct file *file, struct bsdtun_unit *unit,
		       unsigned int cmd, void __user *argp);
long bsdtun_otap_ioctl(struct file *file, struct bsdtun_unit *unit,
		       unsigned int cmd, void __user *argp);

/* bsdtun_netdev.c */
void bsdtun_tun_setup(struct net_device *dev);
void bsdtun_ether_setup(struct net_device *dev);
void bsdtun_netdev_rx(struct net_device *dev, struct sk_buff *skb);
struct net_device *bsdtun_netdev_create(struct bsdtun_unit *unit,
					struct net *net);
int bsdtun_netdev_init(void);
void bsdtun_netdev_exit(void);
int bsdtun_netdev_add(struct bsdtun_family *fam);
void bsdtun_netdev_del(struct bsdtun_family *fam);

/* bsdtun_unit.c: the unit registry. */
void bsdtun_unit_family_init(struct bsdtun_family *fam);
struct bsdtun_unit *bsdtun_unit_create(struct bsdtun_family *fam, int num,
				       bool charge,
				       const struct bsdtun_owner *owner);
bool bsdtun_must_charge(void);
bool bsdtun_unit_delegated(const struct bsdtun_unit *unit);
int bsdtun_owner_parse(struct bsdtun_owner *owner, bool group, u32 id);
u32 bsdtun_owner_id(const struct bsdtun_owner *owner, bool group);
void bsdtun_unit_set_owner(struct bsdtun_unit *unit,
			   const struct bsdtun_owner *owner);
void bsdtun_unit_set_pid(struct bsdtun_unit *unit, struct pid *pid);
pid_t bsdtun_unit_pid_vnr(struct bsdtun_unit *unit);
struct bsdtun_unit *bsdtun_unit_get(struct bsdtun_family *fam, int num);
struct bsdtun_unit *bsdtun_unit_idle_boot(struct bsdtun_family *fam, int num);
void bsdtun_unit_put(struct bsdtun_unit *unit);
void bsdtun_unit_destroy(struct bsdtun_unit *unit, struct list_head *head);
void bsdtun_unit_destroy_all(struct bsdtun_family *fam);
int bsdtun_unit_num_from_name(const struct bsdtun_family *fam,
			      const char *name);
bool bsdtun_name_of_other_family(const struct bsdtun_family *fam,
				 const char *name);
int bsdtun_unit_params_check(void);
void bsdtun_unit_exit(void);

/* bsdtun_queue.c: the packets waiting for read(). */
extern bool bsdtun_bql;
int bsdtun_queue_push(struct bsdtun_unit *unit, struct net_device *dev,
		      struct sk_buff *skb, int mode, unsigned int ofl, bool bql);
struct sk_buff *bsdtun_queue_pop(struct bsdtun_unit *unit);
int bsdtun_queue_next_size(struct bsdtun_unit *unit);
bool bsdtun_queue_may_wake(struct bsdtun_unit *unit,
			   const struct net_device *dev);
void bsdtun_queue_purge(struct bsdtun_unit *unit, struct net_device *dev);
int bsdtun_queue_params_check(void);

/* bsdtun_offload.c: the offload headers. */
size_t bsdtun_ofl_hdr_len(unsigned int kind);
netdev_features_t bsdtun_ofl_features(u32 ofl);
struct sk_buff *bsdtun_ofl_finish(struct sk_buff *skb, u32 ofl);
size_t bsdtun_ofl_read_hdr(const struct sk_buff *skb, u8 *hdr);
int bsdtun_ofl_write(u32 ofl, const void *hdr, struct sk_buff *skb,
		     __be16 proto);
void bsdtun_ofl_set(struct bsdtun_unit *unit, struct net_device *dev, u32 ofl);
long bsdtun_ofl_ioctl(struct bsdtun_unit *unit, struct net_device *dev,
		      unsigned int cmd, u32 arg, u32 *out);

/* bsdtun_node.c: the units' character-device nodes. */
int bsdtun_node_family_add(struct bsdtun_family *fam,
			   const struct file_operations *fops);
void bsdtun_node_family_del(struct bsdtun_family *fam);
int bsdtun_node_add(struct bsdtun_unit *unit);
void bsdtun_node_del(struct bsdtun_unit *unit);
void bsdtun_node_changed(struct bsdtun_unit *unit);
int bsdtun_node_init(void);
void bsdtun_node_exit(void);

#endif /* _BSDTUN_H */
