// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the character devices.
 *
 * /dev/<prefix>N is unit N; /dev/<prefix> (a misc device) clones a new
 * unit on open.  read() takes one queued packet, write() injects one, and
 * the ioctls are BSD tun(4)'s.
 */
#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/if_arp.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sockios.h>
#include <linux/termios.h>
#include <linux/uio.h>
#include <net/net_namespace.h>

#include "bsdtun.h"

/* A 32-bit process's struct ifreq is 32 bytes: other ioctl numbers. */
#define BSDTUN_TUNGIFNAME_COMPAT	_IOC(_IOC_READ, 't', 93, 32)
#define BSDTUN_TUNGIFNAME_DFLY_COMPAT	_IOC(_IOC_READ, 't', 98, 32)

static dev_t bsdtun_devt;
static struct cdev bsdtun_cdev;

static char *bsdtun_devnode(BSDTUN_DEVNODE_CONST struct device *dev,
			    umode_t *mode)
{
	/* Root only, as BSD makes its tun nodes; udev rules may widen it. */
	if (mode)
		*mode = 0600;
	return NULL;
}

static struct class bsdtun_class = {
	.name = BSDTUN_DRV_NAME,
	.devnode = bsdtun_devnode,
};

int bsdtun_node_add(struct bsdtun_unit *unit)
{
	struct device *node;

	node = device_create(&bsdtun_class, NULL,
			     MKDEV(MAJOR(bsdtun_devt), unit->num), unit,
			     "%s%d", bsdtun_prefix, unit->num);
	if (IS_ERR(node))
		return PTR_ERR(node);
	unit->node = node;
	return 0;
}

void bsdtun_node_del(struct bsdtun_unit *unit)
{
	device_unregister(unit->node);
	unit->node = NULL;
}

static int bsdtun_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	bool clone = imajor(inode) == MISC_MAJOR;
	struct bsdtun_unit *unit = NULL;
	struct bsdtun_file *bf;
	struct net_device *dev;
	int err;

	bf = kzalloc(sizeof(*bf), GFP_KERNEL);
	if (!bf)
		return -ENOMEM;

	rtnl_lock();
	mutex_lock(&bsdtun_lock);
	/* Still loading: as if the device were not there yet. */
	err = -ENXIO;
	if (!bsdtun_live)
		goto err_unlock;
	if (clone) {
		err = -EPERM;
		if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
			goto err_unlock;
		unit = bsdtun_unit_create(-1, bsdtun_must_charge());
		if (IS_ERR(unit)) {
			err = PTR_ERR(unit);
			unit = NULL;
			goto err_unlock;
		}
		kref_get(&unit->ref);
	} else {
		unit = bsdtun_unit_get(iminor(inode));
		err = -ENXIO;
		if (!unit)
			goto err_unlock;
		/*
		 * A unit whose interface lives in another namespace is not
		 * there for this process, as Linux tun finds devices only in
		 * the caller's namespace: attaching would send its tunnel's
		 * traffic into someone else's namespace.
		 */
		dev = rtnl_dereference(unit->dev);
		if (dev && !net_eq(dev_net(dev), net))
			goto err_put;
		/* Privilege over the namespace the interface lives (or will). */
		err = -EPERM;
		if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
			goto err_put;
		err = -EBUSY;
		if (unit->file)
			goto err_put;
	}

	dev = rtnl_dereference(unit->dev);
	if (!dev) {
		dev = bsdtun_netdev_create(unit, net);
		if (IS_ERR(dev)) {
			err = PTR_ERR(dev);
			goto err_put;
		}
	}

	/* Left by a transmit that raced the last close. */
	bsdtun_queue_purge(unit, dev);
	bf->unit = unit;
	WRITE_ONCE(unit->file, bf);
	WRITE_ONCE(unit->pid, task_tgid_vnr(current));
	netif_carrier_on(dev);
	bsdtun_dbg(dev, "opened by %d\n", unit->pid);
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();

	file->private_data = bf;
	stream_open(inode, file);
	return 0;

err_put:
	if (clone)
		bsdtun_unit_destroy(unit, NULL);
	bsdtun_unit_put(unit);
err_unlock:
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();
	kfree(bf);
	return err;
}

/*
 * BSD close: queued packets are junked, the interface goes down (which
 * also makes the stack drop its IPv6 addresses) and loses its carrier;
 * a transient unit is destroyed.  IPv4 addresses stay: Linux exports no
 * function by which a driver deletes them.
 */
static int bsdtun_release(struct inode *inode, struct file *file)
{
	struct bsdtun_file *bf = file->private_data;
	struct bsdtun_unit *unit = bf->unit;
	struct net_device *dev;

	rtnl_lock();
	mutex_lock(&bsdtun_lock);
	if (!unit->dead && unit->file == bf) {
		WRITE_ONCE(unit->file, NULL);
		WRITE_ONCE(unit->pid, 0);
		dev = rtnl_dereference(unit->dev);
		if (dev) {
			bsdtun_dbg(dev, "closed\n");
			dev_close(dev);
			netif_carrier_off(dev);
			/*
			 * Last: dev_close() waits for transmits in flight,
			 * and one that saw the file still there may have
			 * queued a packet.
			 */
			bsdtun_queue_purge(unit, dev);
		}
		if (unit->transient)
			bsdtun_unit_destroy(unit, NULL);
	}
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();

	bsdtun_unit_put(unit);
	kfree(bf);
	return 0;
}

static struct bsdtun_unit *bsdtun_file_unit(struct file *file)
{
	struct bsdtun_file *bf = file->private_data;

	return bf->unit;
}

/* After a read made room, let the stack transmit again. */
static void bsdtun_wake_tx(struct bsdtun_unit *unit)
{
	struct net_device *dev;

	/* Order the dequeue before the test; pairs with bsdtun_xmit(). */
	smp_mb();
	rcu_read_lock();
	dev = rcu_dereference(unit->dev);
	if (dev && netif_queue_stopped(dev) && bsdtun_queue_may_wake(unit, dev)) {
		/*
		 * Waking raises the transmit softirq.  From process context
		 * that would wake ksoftirqd, a context switch; with bottom
		 * halves off it runs here, at local_bh_enable().
		 */
		local_bh_disable();
		netif_wake_queue(dev);
		local_bh_enable();
	}
	rcu_read_unlock();
}

static ssize_t bsdtun_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct bsdtun_unit *unit = bsdtun_file_unit(file);
	u8 hdr[sizeof(struct sockaddr_in6)];
	size_t hlen, n, rest;
	struct sk_buff *skb;
	int err;

	if (READ_ONCE(unit->dead))
		return -EHOSTDOWN;
	/* A zero-length read consumes nothing (DragonFly loses a packet). */
	if (!iov_iter_count(to))
		return 0;

	while (!(skb = bsdtun_queue_pop(unit))) {
		if (READ_ONCE(unit->dead))
			return -EHOSTDOWN;
		if ((file->f_flags & O_NONBLOCK) || (iocb->ki_flags & IOCB_NOWAIT))
			return -EAGAIN;
		err = wait_event_interruptible(unit->wq,
					       !skb_queue_empty_lockless(&unit->queue) ||
					       READ_ONCE(unit->dead));
		if (err)
			return err;
	}
	bsdtun_wake_tx(unit);

	/* One packet per read; what does not fit is discarded, as on BSD. */
	hlen = bsdtun_queue_hdr(skb, hdr);
	n = min(hlen, iov_iter_count(to));
	if (n && copy_to_iter(hdr, n, to) != n)
		goto err_fault;
	rest = min_t(size_t, skb->len, iov_iter_count(to));
	if (rest && skb_copy_datagram_iter(skb, 0, to, rest))
		goto err_fault;
	consume_skb(skb);
	return n + rest;

err_fault:
	kfree_skb(skb);
	return -EFAULT;
}

/*
 * An skb for a written packet, built as a network driver builds a
 * received one: headroom for the link header of an interface it may be
 * forwarded to.  A packet that fits a page goes in a page fragment,
 * which TCP's receive queue can take over by reference; that allocator
 * is tried without sleeping, but never from the atomic reserves, which
 * are for contexts that cannot sleep.  Otherwise, or when that fails,
 * a sleeping allocation of single pages: a linear part of at most a
 * page and the rest in page fragments, never a high-order block.
 */
static struct sk_buff *bsdtun_alloc_skb(size_t plen, int *err)
{
	const unsigned int pad = NET_SKB_PAD + NET_IP_ALIGN;
	size_t head = min_t(size_t, plen, SKB_MAX_HEAD(pad));
	struct sk_buff *skb = NULL;

	if (head == plen) {
		skb = __netdev_alloc_skb(NULL, NET_IP_ALIGN + plen,
					 GFP_NOWAIT | __GFP_NOWARN);
		if (skb)
			skb_reserve(skb, NET_IP_ALIGN);
	}
	if (!skb) {
		skb = alloc_skb_with_frags(pad + head, plen - head, 0, err,
					   GFP_KERNEL);
		if (!skb)
			return NULL;
		skb_reserve(skb, pad);
	}
	skb_put(skb, head);
	skb->data_len = plen - head;
	skb->len += plen - head;
	return skb;
}

static ssize_t bsdtun_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct bsdtun_unit *unit = bsdtun_file_unit(iocb->ki_filp);
	size_t len = iov_iter_count(from), hlen, plen;
	__be16 proto = htons(ETH_P_IP);
	struct net_device *dev;
	struct sk_buff *skb;
	int err;

	if (READ_ONCE(unit->dead))
		return -EHOSTDOWN;
	if (!len)
		return 0;
	hlen = READ_ONCE(unit->hdr_mode) == BSDTUN_HDR_IFHEAD ? sizeof(__be32) : 0;
	if (len > TUNMRU + hlen)
		return -EIO;
	if (len < hlen)
		return -EINVAL;
	if (hlen) {
		__be32 af;

		if (!copy_from_iter_full(&af, sizeof(af), from))
			return -EFAULT;
		switch (ntohl(af)) {
		case AF_INET:
			break;
		case AF_INET6:
			proto = htons(ETH_P_IPV6);
			break;
		default:
			return -EAFNOSUPPORT;
		}
	}

	plen = len - hlen;
	skb = bsdtun_alloc_skb(plen, &err);
	if (!skb)
		return err;
	if (skb_copy_datagram_from_iter(skb, 0, from, plen)) {
		kfree_skb(skb);
		return -EFAULT;
	}
	skb->protocol = proto;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);

	rcu_read_lock();
	dev = rcu_dereference(unit->dev);
	if (!dev) {
		rcu_read_unlock();
		kfree_skb(skb);
		return -EHOSTDOWN;
	}
	if (!(dev->flags & IFF_UP)) {
		/* Current FreeBSD: a packet for a down interface is dropped. */
		bsdtun_count_rx_dropped(dev);
		rcu_read_unlock();
		kfree_skb(skb);
		return len;
	}
	skb->dev = dev;
	/* Straight into the stack, without the backlog's round trip. */
	local_bh_disable();
	bsdtun_count_rx(dev, plen);
	netif_receive_skb(skb);
	local_bh_enable();
	rcu_read_unlock();
	return len;
}

static __poll_t bsdtun_poll(struct file *file, poll_table *wait)
{
	struct bsdtun_unit *unit = bsdtun_file_unit(file);
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &unit->wq, wait);
	/* Pairs with wq_has_sleeper() in transmit: see the queue it filled. */
	smp_mb();
	if (READ_ONCE(unit->dead))
		return EPOLLERR | EPOLLHUP;
	if (!skb_queue_empty_lockless(&unit->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int bsdtun_fasync(int fd, struct file *file, int on)
{
	return fasync_helper(fd, file, on, &bsdtun_file_unit(file)->fasync);
}

/* The SIGIO owner: a pid, or a process group negated (FIOGETOWN). */
static int bsdtun_getown(struct file *file)
{
	struct fown_struct *fown = bsdtun_file_fown(file);
	int who;

	if (!fown)
		return 0;
	who = 0;
	read_lock_irq(&fown->lock);
	rcu_read_lock();
	/* An owner that has exited is no owner, as fcntl(F_GETOWN) says. */
	if (pid_task(fown->pid, fown->pid_type)) {
		who = pid_vnr(fown->pid);
		if (fown->pid_type == PIDTYPE_PGID)
			who = -who;
	}
	rcu_read_unlock();
	read_unlock_irq(&fown->lock);
	return who;
}

/*
 * The unit's interface for an ioctl that changes it, with rtnl_lock held;
 * NULL (and no lock) when the unit is gone.
 */
static struct net_device *bsdtun_rtnl_dev(struct bsdtun_unit *unit)
{
	struct net_device *dev;

	rtnl_lock();
	dev = rtnl_dereference(unit->dev);
	if (!dev || READ_ONCE(unit->dead)) {
		rtnl_unlock();
		return NULL;
	}
	return dev;
}

static long bsdtun_ifname(struct bsdtun_unit *unit, void __user *argp,
			  size_t size)
{
	struct net_device *dev;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	strscpy(ifr.ifr_name, dev->name, sizeof(ifr.ifr_name));
	rtnl_unlock();
	return copy_to_user(argp, &ifr, size) ? -EFAULT : 0;
}

static long bsdtun_setinfo(struct bsdtun_unit *unit, void __user *argp)
{
	struct net_device *dev;
	struct tuninfo ti;
	int err;

	if (copy_from_user(&ti, argp, sizeof(ti)))
		return -EFAULT;
	if (ti.mtu < BSDTUN_MIN_MTU || ti.mtu > TUNMRU)
		return -EINVAL;
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	err = dev_set_mtu(dev, ti.mtu);
	if (!err) {
		WRITE_ONCE(unit->type, ti.type);
		WRITE_ONCE(unit->baudrate, ti.baudrate);
	}
	rtnl_unlock();
	return err;
}

static long bsdtun_getinfo(struct bsdtun_unit *unit, void __user *argp)
{
	struct net_device *dev;
	struct tuninfo ti;

	memset(&ti, 0, sizeof(ti));
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	ti.mtu = dev->mtu;
	ti.type = unit->type;
	ti.baudrate = unit->baudrate;
	rtnl_unlock();
	return copy_to_user(argp, &ti, sizeof(ti)) ? -EFAULT : 0;
}

/*
 * TUNSIFMODE: the link type and multicast, all three replaced by the new
 * mode as on FreeBSD; only while down.
 */
static long bsdtun_setmode(struct bsdtun_unit *unit, int mode)
{
	const unsigned int link = IFF_POINTOPOINT | IFF_BROADCAST | IFF_MULTICAST;
	struct net_device *dev;
	long err = 0;

	switch (mode & ~IFF_MULTICAST) {
	case IFF_POINTOPOINT:
	case IFF_BROADCAST:
		break;
	default:
		return -EINVAL;
	}
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	if (dev->flags & IFF_UP) {
		err = -EBUSY;
	} else if ((dev->flags & link) != mode) {
		dev->flags = (dev->flags & ~link) | mode;
		netdev_state_change(dev);
	}
	rtnl_unlock();
	return err;
}

/*
 * TUNSIFHEAD and TUNSLMODE exclude each other: turning one on replaces
 * whatever mode was set, turning one off leaves the other alone.  One
 * word, changed atomically, so two threads setting them at once cannot
 * undo each other.
 */
static void bsdtun_set_hdr_mode(struct bsdtun_unit *unit,
				enum bsdtun_hdr_mode mode, bool on)
{
	if (on)
		xchg(&unit->hdr_mode, mode);
	else
		cmpxchg(&unit->hdr_mode, mode, BSDTUN_HDR_NONE);
}

static long bsdtun_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct bsdtun_unit *unit = bsdtun_file_unit(file);
	void __user *argp = (void __user *)arg;
	int __user *ip = argp;
	int val;

	if (READ_ONCE(unit->dead))
		return -EHOSTDOWN;

	/* Requests that take an int. */
	switch (cmd) {
	case TUNSDEBUG:
	case TUNSLMODE:
	case TUNSIFHEAD:
	case TUNSIFMODE:
	case TUNSTRANSIENT:
	case FIOSETOWN:
	case TIOCSPGRP:
		if (get_user(val, ip))
			return -EFAULT;
		break;
	}

	switch (cmd) {
	case TUNSDEBUG:
		/* One level for every unit: the host's to set. */
		if (!capable(CAP_NET_ADMIN))
			return -EPERM;
		WRITE_ONCE(bsdtun_debug, val);
		return 0;
	case TUNGDEBUG:
		return put_user(READ_ONCE(bsdtun_debug), ip);
	case TUNSLMODE:
		bsdtun_set_hdr_mode(unit, BSDTUN_HDR_LMODE, val);
		return 0;
	case TUNSIFHEAD:
		bsdtun_set_hdr_mode(unit, BSDTUN_HDR_IFHEAD, val);
		return 0;
	case TUNGIFHEAD:
		return put_user((int)(READ_ONCE(unit->hdr_mode) == BSDTUN_HDR_IFHEAD), ip);
	case TUNSTRANSIENT:
		WRITE_ONCE(unit->transient, !!val);
		return 0;
	case TUNGTRANSIENT:
		return put_user((int)READ_ONCE(unit->transient), ip);
	case TUNSIFPID:
		WRITE_ONCE(unit->pid, task_tgid_vnr(current));
		return 0;
	case TUNSIFMODE:
		return bsdtun_setmode(unit, val);
	case TUNSIFINFO:
		return bsdtun_setinfo(unit, argp);
	case TUNGIFINFO:
		return bsdtun_getinfo(unit, argp);
	case TUNGIFNAME:
	case BSDTUN_TUNGIFNAME_DFLY:
		return bsdtun_ifname(unit, argp, sizeof(struct ifreq));
	case FIONREAD:
		return put_user(bsdtun_queue_next_size(unit), ip);
	case FIOSETOWN:
		return f_setown(file, val, 1);
	case FIOGETOWN:
		return put_user(bsdtun_getown(file), ip);
	case TIOCSPGRP:
		/* BSD: the argument is a process group; INT_MIN has no negation. */
		if (val == INT_MIN)
			return -EINVAL;
		return f_setown(file, -val, 1);
	case TIOCGPGRP:
		return put_user(-bsdtun_getown(file), ip);
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
static long bsdtun_compat_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	switch (cmd) {
	case BSDTUN_TUNGIFNAME_COMPAT:
	case BSDTUN_TUNGIFNAME_DFLY_COMPAT:
		if (READ_ONCE(bsdtun_file_unit(file)->dead))
			return -EHOSTDOWN;
		return bsdtun_ifname(bsdtun_file_unit(file), compat_ptr(arg),
				     _IOC_SIZE(cmd));
	default:
		/* Every other argument has the same layout in 32 bits. */
		return bsdtun_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
	}
}
#endif

static const struct file_operations bsdtun_fops = {
	.owner		= THIS_MODULE,
	.open		= bsdtun_open,
	.release	= bsdtun_release,
	.read_iter	= bsdtun_read_iter,
	.write_iter	= bsdtun_write_iter,
	.poll		= bsdtun_poll,
	.unlocked_ioctl	= bsdtun_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl	= bsdtun_compat_ioctl,
#endif
	.fasync		= bsdtun_fasync,
};

/*
 * The cloning node.  Its device is always named "bsdtun" and only its
 * node follows the prefix: with prefix=tun, /dev/tun must not collide
 * with Linux's tun, whose misc device is named "tun" (node /dev/net/tun).
 */
static struct miscdevice bsdtun_misc = {
	.minor	= BSDTUN_MISC_MINOR,
	.name	= BSDTUN_DRV_NAME,
	.fops	= &bsdtun_fops,
	.mode	= 0600,
};

int bsdtun_chardev_init(void)
{
	int err;

	err = alloc_chrdev_region(&bsdtun_devt, 0, bsdtun_max_units,
				  BSDTUN_DRV_NAME);
	if (err)
		return err;
	cdev_init(&bsdtun_cdev, &bsdtun_fops);
	bsdtun_cdev.owner = THIS_MODULE;
	err = cdev_add(&bsdtun_cdev, bsdtun_devt, bsdtun_max_units);
	if (err)
		goto err_region;
	err = class_register(&bsdtun_class);
	if (err)
		goto err_cdev;
	bsdtun_misc.nodename = bsdtun_prefix;
	err = misc_register(&bsdtun_misc);
	if (err == -EBUSY) {
		/*
		 * Another local driver took the minor: work on a dynamic one,
		 * without the autoload through a static node.
		 */
		pr_notice("bsdtun: misc minor %d busy, using a dynamic one\n",
			  BSDTUN_MISC_MINOR);
		bsdtun_misc.minor = MISC_DYNAMIC_MINOR;
		err = misc_register(&bsdtun_misc);
	}
	if (err)
		goto err_class;
	return 0;

err_class:
	class_unregister(&bsdtun_class);
err_cdev:
	cdev_del(&bsdtun_cdev);
err_region:
	unregister_chrdev_region(bsdtun_devt, bsdtun_max_units);
	return err;
}

void bsdtun_chardev_exit(void)
{
	misc_deregister(&bsdtun_misc);
	class_unregister(&bsdtun_class);
	cdev_del(&bsdtun_cdev);
	unregister_chrdev_region(bsdtun_devt, bsdtun_max_units);
}
