// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the character devices' file operations.
 *
 * /dev/<prefix>N is unit N of a family; /dev/<prefix> (a misc device)
 * clones a new unit on open.  read() takes one queued packet or frame,
 * write() injects one; the ioctls are in bsdtun_ioctl.c.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/net_namespace.h>

#include "bsdtun.h"

static int bsdtun_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	bool clone = imajor(inode) == MISC_MAJOR;
	struct bsdtun_unit *unit = NULL;
	struct bsdtun_family *fam;
	struct bsdtun_file *bf;
	struct net_device *dev;
	bool made;
	int err;

	/* misc_open() points private_data at the cloning node. */
	if (clone)
		fam = container_of(file->private_data, struct bsdtun_family, misc);
	else
		fam = container_of(inode->i_cdev, struct bsdtun_family, cdev);
	bf = kzalloc(sizeof(*bf), GFP_KERNEL);
	if (!bf)
		return -ENOMEM;
	bsdtun_ring_init(&bf->ring);

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
		unit = bsdtun_unit_create(fam, -1, bsdtun_must_charge(), NULL);
		if (IS_ERR(unit)) {
			err = PTR_ERR(unit);
			unit = NULL;
			goto err_unlock;
		}
		kref_get(&unit->ref);
	} else {
		unit = bsdtun_unit_get(fam, iminor(inode));
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
		/*
		 * Privilege over the namespace the interface lives (or will),
		 * or the unit given to this user.  Only a unit with an
		 * interface is given: making one takes privilege.
		 */
		err = -EPERM;
		if (!(dev && bsdtun_unit_delegated(unit)) &&
		    !ns_capable(net->user_ns, CAP_NET_ADMIN))
			goto err_put;
		err = -EBUSY;
		if (unit->file)
			goto err_put;
	}

	dev = rtnl_dereference(unit->dev);
	made = !dev;
	if (!dev) {
		dev = bsdtun_netdev_create(unit, net);
		if (IS_ERR(dev)) {
			err = PTR_ERR(dev);
			goto err_put;
		}
	}
	unit->open_made = made && fam->close_destroys;

	/* Left by a transmit that raced the last close. */
	bsdtun_queue_purge(unit, dev);
	bf->unit = unit;
	WRITE_ONCE(unit->file, bf);
	bsdtun_unit_set_pid(unit, get_task_pid(current, PIDTYPE_TGID));
	netif_carrier_on(dev);
	/* FreeBSD's net.link.tap.up_on_open; a failure leaves it down. */
	if (fam->up_on_open && READ_ONCE(*fam->up_on_open) &&
	    !(dev->flags & IFF_UP))
		dev_open(dev, NULL);
	bsdtun_dbg(dev, "opened by %d\n", task_tgid_vnr(current));
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();

	file->private_data = bf;
	stream_open(inode, file);
	/*
	 * read() and write() honour IOCB_NOWAIT (an empty queue is EAGAIN,
	 * and poll says when to retry): io_uring completes them inline or
	 * arms poll, rather than blocking a worker thread in each read.
	 */
	file->f_mode |= FMODE_NOWAIT;
	return 0;

err_put:
	if (clone)
		bsdtun_unit_destroy(unit, NULL);
	bsdtun_unit_put(unit);
err_unlock:
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();
	bsdtun_ring_free(&bf->ring);
	kfree(bf);
	return err;
}

/*
 * BSD close: queued packets are junked, the interface goes down (which
 * also makes the stack drop its IPv6 addresses) and loses its carrier;
 * a transient unit is destroyed, as is an OpenBSD unit whose interface
 * the open made.  IPv4 addresses stay: Linux exports no function by
 * which a driver deletes them.  A vmnet interface stays up, with its
 * addresses, as on FreeBSD.
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
		bsdtun_unit_set_pid(unit, NULL);
		dev = rtnl_dereference(unit->dev);
		if (dev) {
			bsdtun_dbg(dev, "closed\n");
			/* A new opener starts without an offload header. */
			if (READ_ONCE(unit->ofl))
				bsdtun_ofl_set(unit, dev, 0);
			if (!unit->fam->keep_up)
				dev_close(dev);
			netif_carrier_off(dev);
			/*
			 * Last: dev_close() waits for transmits in flight,
			 * and one that saw the file still there may have
			 * queued a packet.  (Without dev_close(), such a
			 * packet waits for the next open, which purges.)
			 */
			bsdtun_queue_purge(unit, dev);
			/*
			 * An interface left up (vmnet) whose queue backpressure
			 * stopped would keep it stopped past the next open: no
			 * read() is left to wake it, and open does not.  Woken,
			 * the qdisc drains into drops until then.
			 */
			if (netif_running(dev) && netif_queue_stopped(dev)) {
				local_bh_disable();
				netif_wake_queue(dev);
				local_bh_enable();
			}
		}
		/* OpenBSD destroys the interface its open made. */
		if (unit->transient || unit->open_made)
			bsdtun_unit_destroy(unit, NULL);
	}
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();

	bsdtun_unit_put(unit);
	bsdtun_ring_free(&bf->ring);
	kfree(bf);
	return 0;
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
	u8 hdr[BSDTUN_OFL_HDR_MAX + sizeof(struct sockaddr_in6)];
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
	hlen = bsdtun_ofl_read_hdr(skb, hdr);
	hlen += unit->fam->ops->read_hdr(skb, hdr + hlen);
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

static ssize_t bsdtun_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct bsdtun_file *bf = iocb->ki_filp->private_data;
	struct bsdtun_unit *unit = bf->unit;
	const struct bsdtun_family_ops *ops = unit->fam->ops;
	size_t len = iov_iter_count(from), plen, olen;
	u8 ohdr[BSDTUN_OFL_HDR_MAX];
	struct net_device *dev;
	struct sk_buff *skb;
	__be16 proto;
	int err, hlen;
	u32 ofl;

	if (READ_ONCE(unit->dead))
		return -EHOSTDOWN;
	if (!len)
		return 0;
	/* The offload header first, then the family's. */
	ofl = READ_ONCE(unit->ofl);
	olen = bsdtun_ofl_hdr_len(bsdtun_ofl_kind(ofl));
	if (len < olen)
		return -EINVAL;
	if (olen && !copy_from_iter_full(ohdr, olen, from))
		return -EFAULT;
	hlen = ops->write_hdr(unit, from, len - olen,
			      olen ? BSDTUN_OFL_MRU : unit->fam->mru, &proto);
	if (hlen < 0)
		return hlen;

	plen = len - olen - hlen;
	skb = bsdtun_alloc_skb(&bf->ring, plen, &err);
	if (!skb)
		return err;
	if (skb_copy_datagram_from_iter(skb, 0, from, plen)) {
		kfree_skb(skb);
		return -EFAULT;
	}
	if (olen) {
		err = bsdtun_ofl_write(ofl, ohdr, skb, proto);
		if (err) {
			kfree_skb(skb);
			return err;
		}
	}

	rcu_read_lock();
	dev = rcu_dereference(unit->dev);
	if (!dev) {
		rcu_read_unlock();
		kfree_skb(skb);
		return -EHOSTDOWN;
	}
	if (!bsdtun_netdev_rx_on(dev)) {
		/*
		 * A packet for a down interface is dropped, as on FreeBSD,
		 * and counted.  FreeBSD's write() then returns 0, which
		 * would spin a program's loop that writes until all is
		 * written: the whole length is returned instead.
		 */
		bsdtun_count_rx_dropped(dev);
		rcu_read_unlock();
		kfree_skb(skb);
		return len;
	}
	skb->dev = dev;
	ops->rx_prep(skb, dev, proto);
	local_bh_disable();
	bsdtun_count_rx(dev, plen);
	bsdtun_netdev_rx(dev, skb);
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

/*
 * Asking for SIGIO (FIOASYNC, O_ASYNC) with packets already queued
 * signals at once.  Byte queue limits keep later packets in the qdisc
 * until these are read, so no arrival would signal them, where BSD's
 * unit would have queued, and signalled, each.
 */
static int bsdtun_fasync(int fd, struct file *file, int on)
{
	struct bsdtun_unit *unit = bsdtun_file_unit(file);
	int ret = fasync_helper(fd, file, on, &unit->fasync);

	if (ret >= 0 && on && !skb_queue_empty_lockless(&unit->queue))
		kill_fasync(&unit->fasync, SIGIO, POLL_IN);
	return ret;
}

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
 * A family's nodes and its cloning node.  The cloning node's device is
 * named as the family's kind ("bsdtun") and only its node follows the
 * prefix: with prefix=tun, /dev/tun must not collide with Linux's tun,
 * whose misc device is named "tun" (node /dev/net/tun).
 */
int bsdtun_chardev_add(struct bsdtun_family *fam)
{
	struct miscdevice *misc = &fam->misc;
	int err;

	err = bsdtun_node_family_add(fam, &bsdtun_fops);
	if (err)
		return err;
	misc->minor = fam->misc_minor;
	misc->name = fam->kind;
	misc->nodename = *fam->prefix;
	misc->fops = &bsdtun_fops;
	misc->mode = 0600;
	err = misc_register(misc);
	if (err == -EBUSY) {
		/*
		 * Another local driver took the minor: work on a dynamic one,
		 * without the autoload through a static node.
		 */
		pr_notice("bsdtun: misc minor %d busy, using a dynamic one\n",
			  fam->misc_minor);
		misc->minor = MISC_DYNAMIC_MINOR;
		err = misc_register(misc);
	}
	if (err)
		bsdtun_node_family_del(fam);
	return err;
}

void bsdtun_chardev_del(struct bsdtun_family *fam)
{
	misc_deregister(&fam->misc);
	bsdtun_node_family_del(fam);
}
