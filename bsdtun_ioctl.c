// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the ioctls of a unit's node.
 *
 * Every family answers the common requests (the queue, the SIGIO owner,
 * the offload headers); a request the common table does not know goes to
 * the family's own table.  FreeBSD's tun and tap share the requests of
 * bsdtun_fbsd_ioctl() and add their own: tun's header and link modes,
 * tap's remote MAC and VMware flags.  OpenBSD's tun and tap have OpenBSD's
 * numbers and rules.  Anything else is ENOTTY, as on BSD.
 *
 * Whoever holds the file runs the tunnel: its headers and modes, its
 * signals, its queue.  Changing the interface's configuration (MTU,
 * flags, type, link address) also takes CAP_NET_ADMIN over the
 * interface's namespace (bsdtun_may_configure()).
 */
#include <linux/compat.h>
#include <linux/etherdevice.h>
#include <linux/fs.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/sockios.h>
#include <linux/termios.h>

#include "bsdtun.h"

/* A 32-bit process's struct ifreq is 32 bytes: other ioctl numbers. */
#define BSDTUN_IFREQ32	32

static unsigned int bsdtun_compat_ifreq(unsigned int cmd)
{
	return _IOC(_IOC_READ, _IOC_TYPE(cmd), _IOC_NR(cmd), BSDTUN_IFREQ32);
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

/*
 * Whether the caller may change @dev's configuration (its MTU, flags,
 * type or link address): CAP_NET_ADMIN over the namespace it lives in,
 * as "ip link set" needs, and FreeBSD's PRIV_NET_SETIFMTU.  Holding the
 * unit's file is not enough: a daemon that drops privileges after its
 * open, or hands the file on, must not leave that power behind.  A
 * request that changes nothing needs no privilege.  Under rtnl_lock.
 */
static bool bsdtun_may_configure(struct net_device *dev)
{
	return ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN);
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
	if (unit->fam->if_type_fixed && ti.type != unit->fam->if_type)
		return -EPROTOTYPE;
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	/* The baud rate alone is the program's own note. */
	if ((ti.mtu != dev->mtu || ti.type != READ_ONCE(unit->type)) &&
	    !bsdtun_may_configure(dev))
		err = -EPERM;
	/* EINVAL outside the link type's range, as before any change. */
	else if (ti.mtu < dev->min_mtu || ti.mtu > dev->max_mtu)
		err = -EINVAL;
	else
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

/* TUNSDEBUG: one level for every unit, the host's to set. */
static long bsdtun_set_debug(int val)
{
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	WRITE_ONCE(bsdtun_debug, val);
	return 0;
}

/* FreeBSD's requests that its tun and tap share. */
static long bsdtun_fbsd_ioctl(struct bsdtun_unit *unit, unsigned int cmd,
			      void __user *argp)
{
	int __user *ip = argp;
	int val;

	switch (cmd) {
	case TUNSDEBUG:
	case TUNSTRANSIENT:
		if (get_user(val, ip))
			return -EFAULT;
		break;
	}

	switch (cmd) {
	case TUNSDEBUG:
		return bsdtun_set_debug(val);
	case TUNGDEBUG:
		return put_user(READ_ONCE(bsdtun_debug), ip);
	case TUNSTRANSIENT:
		WRITE_ONCE(unit->transient, !!val);
		return 0;
	case TUNGTRANSIENT:
		return put_user((int)READ_ONCE(unit->transient), ip);
	case TUNSIFINFO:
		return bsdtun_setinfo(unit, argp);
	case TUNGIFINFO:
		return bsdtun_getinfo(unit, argp);
	default:
		return -ENOIOCTLCMD;
	}
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
		if (bsdtun_may_configure(dev)) {
			dev->flags = (dev->flags & ~link) | mode;
			netdev_state_change(dev);
		} else {
			err = -EPERM;
		}
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

/* tun's own requests: a tap node answers them ENOTTY, as FreeBSD's. */
long bsdtun_tun_ioctl(struct file *file, struct bsdtun_unit *unit,
		      unsigned int cmd, void __user *argp)
{
	int __user *ip = argp;
	long err;
	int val;

	err = bsdtun_fbsd_ioctl(unit, cmd, argp);
	if (err != -ENOIOCTLCMD)
		return err;
	switch (cmd) {
	case TUNSLMODE:
	case TUNSIFHEAD:
	case TUNSIFMODE:
		if (get_user(val, ip))
			return -EFAULT;
		break;
	}

	switch (cmd) {
	case TUNSLMODE:
		bsdtun_set_hdr_mode(unit, BSDTUN_HDR_LMODE, val);
		return 0;
	case TUNSIFHEAD:
		bsdtun_set_hdr_mode(unit, BSDTUN_HDR_IFHEAD, val);
		return 0;
	case TUNGIFHEAD:
		return put_user((int)(READ_ONCE(unit->hdr_mode) == BSDTUN_HDR_IFHEAD), ip);
	case TUNSIFMODE:
		return bsdtun_setmode(unit, val);
	case TUNSIFPID:
		bsdtun_unit_set_pid(unit, get_task_pid(current, PIDTYPE_TGID));
		return 0;
	case BSDTUN_TUNGIFNAME_DFLY:
		return bsdtun_ifname(unit, argp, sizeof(struct ifreq));
	default:
		return -ENOIOCTLCMD;
	}
}

bool bsdtun_tun_compat_ifname(unsigned int cmd)
{
	return cmd == bsdtun_compat_ifreq(BSDTUN_TUNGIFNAME_DFLY);
}

/*
 * VMIO_SIOCSIFFLAGS: FreeBSD takes the low 12 flag bits but not those the
 * driver or stack own, and forces UP.  Of the rest Linux lets a driver's
 * user change UP, DEBUG, NOTRAILERS and NOARP.  The others are kept as
 * the user set them, as SIOCSIFFLAGS keeps them: from dev->flags,
 * a bridge port's or a capture's passing PROMISC would be made the
 * user's, and outlive them.
 */
static long bsdtun_vmio_setflags(struct bsdtun_unit *unit, unsigned long arg)
{
	const unsigned int mine = IFF_UP | IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP;
	struct net_device *dev;
	unsigned int flags;
	long err;

	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	flags = (bsdtun_get_flags(dev) & ~mine) | (arg & 0x0fff & mine) | IFF_UP;
	if (flags != bsdtun_get_flags(dev) && !bsdtun_may_configure(dev))
		err = -EPERM;
	else
		err = dev_change_flags(dev, flags, NULL);
	rtnl_unlock();
	return err;
}

/*
 * SIOCGIFADDR and SIOCSIFADDR on a tap node: the six bytes of the far
 * end's MAC that the program keeps with the unit, as FreeBSD's tap; the
 * interface's own address is "ip link"'s.
 */
static long bsdtun_remote_mac(struct bsdtun_unit *unit, unsigned int cmd,
			      void __user *argp)
{
	u8 mac[ETH_ALEN];

	if (cmd == SIOCSIFADDR) {
		if (copy_from_user(mac, argp, sizeof(mac)))
			return -EFAULT;
		mutex_lock(&bsdtun_lock);
		memcpy(unit->remote_mac, mac, sizeof(mac));
		mutex_unlock(&bsdtun_lock);
		return 0;
	}
	mutex_lock(&bsdtun_lock);
	memcpy(mac, unit->remote_mac, sizeof(mac));
	mutex_unlock(&bsdtun_lock);
	return copy_to_user(argp, mac, sizeof(mac)) ? -EFAULT : 0;
}

long bsdtun_tap_ioctl(struct file *file, struct bsdtun_unit *unit,
		      unsigned int cmd, void __user *argp)
{
	long err = bsdtun_fbsd_ioctl(unit, cmd, argp);

	if (err != -ENOIOCTLCMD)
		return err;
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCSIFADDR:
		return bsdtun_remote_mac(unit, cmd, argp);
	case VMIO_SIOCSIFFLAGS:
		return bsdtun_vmio_setflags(unit, (unsigned long)argp);
	case BSDTUN_TAPGIFNAME_NETBSD:
		return bsdtun_ifname(unit, argp, sizeof(struct ifreq));
	default:
		return -ENOIOCTLCMD;
	}
}

bool bsdtun_tap_compat_ifname(unsigned int cmd)
{
	return cmd == bsdtun_compat_ifreq(BSDTUN_TAPGIFNAME_NETBSD);
}

/*
 * OpenBSD's TUNSIFINFO changes the MTU and the baud rate only: a type or
 * flags other than the interface's own are EINVAL, as is an MTU beyond
 * its TUNMRU, and nothing changes then.
 */
static long bsdtun_obsd_setinfo(struct bsdtun_unit *unit, void __user *argp)
{
	struct bsdtun_obsd_tuninfo ti;
	struct net_device *dev;
	int err = -EINVAL;

	if (copy_from_user(&ti, argp, sizeof(ti)))
		return -EFAULT;
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	if (ti.mtu != dev->mtu && !bsdtun_may_configure(dev))
		err = -EPERM;
	else if (ti.mtu >= dev->min_mtu &&
		 ti.mtu <= min_t(unsigned int, dev->max_mtu, TUNMRU) &&
		 ti.type == READ_ONCE(unit->type) &&
		 ti.flags == (dev->flags & BSDTUN_OBSD_IFF_FLAGS))
		err = dev_set_mtu(dev, ti.mtu);
	if (!err)
		WRITE_ONCE(unit->baudrate, ti.baudrate);
	rtnl_unlock();
	return err;
}

static long bsdtun_obsd_getinfo(struct bsdtun_unit *unit, void __user *argp)
{
	struct bsdtun_obsd_tuninfo ti;
	struct net_device *dev;

	memset(&ti, 0, sizeof(ti));
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	ti.mtu = dev->mtu;
	ti.type = READ_ONCE(unit->type);
	ti.flags = dev->flags & BSDTUN_OBSD_IFF_FLAGS;
	ti.baudrate = READ_ONCE(unit->baudrate);
	rtnl_unlock();
	return copy_to_user(argp, &ti, sizeof(ti)) ? -EFAULT : 0;
}

/* OpenBSD's TUNSIFMODE only checks: the mode must be the link's own. */
static long bsdtun_obsd_checkmode(struct bsdtun_unit *unit, int mode)
{
	struct net_device *dev;
	long err = 0;

	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	if (mode != (dev->flags & BSDTUN_OBSD_IFF_FLAGS))
		err = -EINVAL;
	rtnl_unlock();
	return err;
}

/* OpenBSD's requests that its tun and tap share. */
static long bsdtun_obsd_ioctl(struct bsdtun_unit *unit, unsigned int cmd,
			      void __user *argp)
{
	int __user *ip = argp;
	int val;

	switch (cmd) {
	case BSDTUN_OBSD_TUNSIFMODE:
	case BSDTUN_OBSD_TUNSDEBUG:
		if (get_user(val, ip))
			return -EFAULT;
		break;
	}

	switch (cmd) {
	case BSDTUN_OBSD_TUNSIFINFO:
		return bsdtun_obsd_setinfo(unit, argp);
	case BSDTUN_OBSD_TUNGIFINFO:
		return bsdtun_obsd_getinfo(unit, argp);
	case BSDTUN_OBSD_TUNSIFMODE:
		return bsdtun_obsd_checkmode(unit, val);
	/* OpenBSD builds these out; bsdtun keeps its one debug level. */
	case BSDTUN_OBSD_TUNSDEBUG:
		return bsdtun_set_debug(val);
	case BSDTUN_OBSD_TUNGDEBUG:
		return put_user(READ_ONCE(bsdtun_debug), ip);
	default:
		return -ENOIOCTLCMD;
	}
}

long bsdtun_otun_ioctl(struct file *file, struct bsdtun_unit *unit,
		       unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCSIFADDR:
		/* OpenBSD's tun has no link address to give. */
		return -EINVAL;
	default:
		return bsdtun_obsd_ioctl(unit, cmd, argp);
	}
}

/*
 * SIOCGIFADDR and SIOCSIFADDR on an OpenBSD tap node: the interface's own
 * MAC, six bytes, as OpenBSD's tap (FreeBSD's keeps the far end's there).
 */
static long bsdtun_own_mac(struct bsdtun_unit *unit, unsigned int cmd,
			   void __user *argp)
{
	struct bsdtun_mac_sockaddr sa = { };
	struct net_device *dev;
	u8 mac[ETH_ALEN];
	int err;

	if (cmd == SIOCSIFADDR) {
		if (copy_from_user(sa.bsdtun_mac_data, argp, ETH_ALEN))
			return -EFAULT;
		dev = bsdtun_rtnl_dev(unit);
		if (!dev)
			return -EHOSTDOWN;
		/* The stack's checks and notifiers, as "ip link set address". */
		sa.bsdtun_mac_family = dev->type;
		if (!ether_addr_equal(dev->dev_addr, (u8 *)sa.bsdtun_mac_data) &&
		    !bsdtun_may_configure(dev))
			err = -EPERM;
		else
			err = bsdtun_set_mac_address(dev, &sa);
		rtnl_unlock();
		return err;
	}
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	memcpy(mac, dev->dev_addr, ETH_ALEN);
	rtnl_unlock();
	return copy_to_user(argp, mac, sizeof(mac)) ? -EFAULT : 0;
}

long bsdtun_otap_ioctl(struct file *file, struct bsdtun_unit *unit,
		       unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCSIFADDR:
		return bsdtun_own_mac(unit, cmd, argp);
	default:
		return bsdtun_obsd_ioctl(unit, cmd, argp);
	}
}

/*
 * The offload headers: FreeBSD's virtio-net header and OpenBSD's
 * tun_hdr, on every family; bsdtun_offload.c has their rules.
 */
static long bsdtun_offload_ioctl(struct bsdtun_unit *unit, unsigned int cmd,
				 void __user *argp)
{
	struct tun_capabilities cap;
	struct net_device *dev;
	u32 arg = 0, out = 0;
	int val;
	long err;

	switch (cmd) {
	case TAPSVNETHDR:
	case BSDTUN_SOFFLOAD:
		if (get_user(val, (int __user *)argp))
			return -EFAULT;
		arg = val;
		break;
	case TUNSCAP:
		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		arg = cap.tun_if_capabilities;
		break;
	case TAPGVNETHDR:
	case BSDTUN_GOFFLOAD:
	case TUNGCAP:
	case TUNDCAP:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	err = bsdtun_ofl_ioctl(unit, dev, cmd, arg, &out);
	rtnl_unlock();
	if (err)
		return err;
	if (cmd == TAPGVNETHDR || cmd == BSDTUN_GOFFLOAD)
		return put_user((int)out, (int __user *)argp);
	if (cmd == TUNGCAP) {
		cap.tun_if_capabilities = out;
		return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
	}
	return 0;
}

/*
 * BSDTUN_SOWNER, BSDTUN_SGROUP: give the unit to a user or group.  The
 * power to give it is the power to configure the interface: whoever the
 * unit was given to may not pass it on.
 */
static long bsdtun_set_owner(struct bsdtun_unit *unit, unsigned int cmd,
			     u32 __user *argp)
{
	struct bsdtun_owner owner;
	struct net_device *dev;
	long err = -EPERM;
	u32 id;

	if (get_user(id, argp))
		return -EFAULT;
	dev = bsdtun_rtnl_dev(unit);
	if (!dev)
		return -EHOSTDOWN;
	if (bsdtun_may_configure(dev)) {
		mutex_lock(&bsdtun_lock);
		owner = unit->owner;
		err = bsdtun_owner_parse(&owner, cmd == BSDTUN_SGROUP, id);
		if (!err)
			bsdtun_unit_set_owner(unit, &owner);
		mutex_unlock(&bsdtun_lock);
	}
	rtnl_unlock();
	return err;
}

/*
 * Requests every family answers: the queue, the SIGIO owner, the name,
 * whom the unit is given to.
 */
static long bsdtun_common_ioctl(struct file *file, struct bsdtun_unit *unit,
				unsigned int cmd, void __user *argp)
{
	int __user *ip = argp;
	int val;

	switch (cmd) {
	case FIOSETOWN:
	case TIOCSPGRP:
		if (get_user(val, ip))
			return -EFAULT;
		break;
	}

	switch (cmd) {
	case TUNGIFNAME:
		return bsdtun_ifname(unit, argp, sizeof(struct ifreq));
	case BSDTUN_SOWNER:
	case BSDTUN_SGROUP:
		return bsdtun_set_owner(unit, cmd, argp);
	case BSDTUN_GOWNER:
	case BSDTUN_GGROUP:
		return put_user(bsdtun_owner_id(&unit->owner, cmd == BSDTUN_GGROUP),
				(u32 __user *)argp);
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
		return -ENOIOCTLCMD;
	}
}

long bsdtun_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct bsdtun_unit *unit = bsdtun_file_unit(file);
	void __user *argp = (void __user *)arg;
	long err;

	if (READ_ONCE(unit->dead))
		return -EHOSTDOWN;
	err = bsdtun_common_ioctl(file, unit, cmd, argp);
	if (err == -ENOIOCTLCMD)
		err = bsdtun_offload_ioctl(unit, cmd, argp);
	if (err == -ENOIOCTLCMD)
		err = unit->fam->ioctl(file, unit, cmd, argp);
	return err == -ENOIOCTLCMD ? -ENOTTY : err;
}

#ifdef CONFIG_COMPAT
long bsdtun_compat_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct bsdtun_unit *unit = bsdtun_file_unit(file);

	if (cmd != bsdtun_compat_ifreq(TUNGIFNAME) &&
	    !(unit->fam->compat_ifname && unit->fam->compat_ifname(cmd)))
		/* Every other argument has the same layout in 32 bits. */
		return bsdtun_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
	if (READ_ONCE(unit->dead))
		return -EHOSTDOWN;
	return bsdtun_ifname(unit, compat_ptr(arg), BSDTUN_IFREQ32);
}
#endif
