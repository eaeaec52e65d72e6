// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the unit registry.
 *
 * Units are numbered per family.  Who may make them, and how many, is
 * decided here: a user without CAP_NET_ADMIN in the initial user
 * namespace is charged for each unit it makes, at every level of user
 * namespaces (bsdtun_charge()), and all such units together may hold at
 * most half of a family's numbers.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "bsdtun.h"

unsigned int bsdtun_units = 4;
module_param_named(units, bsdtun_units, uint, 0444);
MODULE_PARM_DESC(units, "Unit nodes of each family made at load (default 4)");

unsigned int bsdtun_max_units = 1024;
module_param_named(max_units, bsdtun_max_units, uint, 0444);
MODULE_PARM_DESC(max_units, "Highest number of units of each family (default 1024)");

int bsdtun_debug;
module_param_named(debug, bsdtun_debug, int, 0644);
MODULE_PARM_DESC(debug, "Log driver events when not zero (TUNSDEBUG)");

static unsigned int bsdtun_user_units = 64;
module_param_named(user_units, bsdtun_user_units, uint, 0444);
MODULE_PARM_DESC(user_units,
		 "Units one user may make at each level of user namespaces, without CAP_NET_ADMIN in the initial one (default 64)");

/* The registry and the units' slow-path state (see bsdtun.h). */
DEFINE_MUTEX(bsdtun_lock);

/*
 * False until module init can no longer fail; under bsdtun_lock.  The
 * cloning node and the rtnl kind are visible before init makes its first
 * units, and a program may open them in that window (two daemons
 * starting at once, one of them autoloading the module).  Such a clone
 * could take a boot unit's number and fail the load, and any file opened
 * before a failing init would outlive the module.  So until then opens
 * fail with ENXIO and "ip link add" with ENODEV, as if the module were
 * not there yet.
 */
bool bsdtun_live;

/*
 * What units made without CAP_NET_ADMIN in the initial user namespace
 * are charged to, as the kernel's ucounts count what a user holds
 * (ucounts cannot be given a new kind from a module).  One count per
 * user namespace and user in it: a unit counts for its maker's user in
 * the namespace it was made from, then for that namespace's owner in
 * the parent namespace, and so on up to the initial one.  Each count is
 * held to user_units, but that of the initial namespace's root: root
 * makes units without any namespace, and the namespaces it makes for
 * containers are tenants of their own, which must not share one budget.
 * So two containers of root's count apart; a namespace nested in
 * another shares its budget; the namespaces of an unprivileged user
 * share that user's.  The host's ceiling is the family's: at most half
 * of max_units charged in all (bsdtun_family.charged), so the initial
 * namespace always has numbers left.
 *
 * A count exists while units are charged to it, and holds a reference
 * to its namespace: no other namespace can take its address and inherit
 * it.  Each unit holds its own count, the chain up (@parent) holds the
 * others.  All under bsdtun_lock.
 */
struct bsdtun_charge {
	struct hlist_node node;
	struct user_namespace *ns;	/* holds a reference */
	kuid_t uid;
	unsigned int units;
	/* The count of @ns's owner in @ns's parent, or NULL at the top. */
	struct bsdtun_charge *parent;
};

static DEFINE_HASHTABLE(bsdtun_charges, 6);

static unsigned long bsdtun_charge_key(const struct user_namespace *ns,
				       kuid_t uid)
{
	return (unsigned long)ns ^ __kuid_val(uid);
}

/* The count of @uid in @ns, made (with no units) if there is none. */
static struct bsdtun_charge *bsdtun_charge_get(struct user_namespace *ns,
					       kuid_t uid)
{
	unsigned long key = bsdtun_charge_key(ns, uid);
	struct bsdtun_charge *c;

	hash_for_each_possible(bsdtun_charges, c, node, key)
		if (c->ns == ns && uid_eq(c->uid, uid))
			return c;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->ns = get_user_ns(ns);
	c->uid = uid;
	hash_add(bsdtun_charges, &c->node, key);
	return c;
}

static void bsdtun_charge_free(struct bsdtun_charge *c)
{
	hash_del(&c->node);
	put_user_ns(c->ns);
	kfree(c);
}

static unsigned int bsdtun_charge_limit(const struct bsdtun_charge *c)
{
	if (c->ns == &init_user_ns && uid_eq(c->uid, GLOBAL_ROOT_UID))
		return UINT_MAX;
	return bsdtun_user_units;
}

/*
 * Free the counts from @c up that hold no unit: those just made for a
 * charge that failed.  A count that holds units holds its chain up.
 */
static void bsdtun_charge_trim(struct bsdtun_charge *c)
{
	struct bsdtun_charge *up;

	for (; c && !c->units; c = up) {
		up = c->parent;
		bsdtun_charge_free(c);
	}
}

/*
 * Whether a unit the current process makes counts against a user's
 * limit: it does unless the process could make units in the initial
 * namespace too.
 */
bool bsdtun_must_charge(void)
{
	return !ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
}

/* Charge @unit to the current process's user, at every level. */
static int bsdtun_charge(struct bsdtun_unit *unit)
{
	struct user_namespace *ns = current_user_ns();
	struct bsdtun_charge *leaf, *c, *up;
	kuid_t uid = current_euid();

	if (unit->fam->charged >= bsdtun_max_units / 2)
		return -EDQUOT;
	leaf = bsdtun_charge_get(ns, uid);
	if (!leaf)
		return -ENOMEM;
	for (c = leaf; ns != &init_user_ns && !c->parent; c = up) {
		up = bsdtun_charge_get(ns->parent, ns->owner);
		if (!up) {
			bsdtun_charge_trim(leaf);
			return -ENOMEM;
		}
		c->parent = up;
		ns = ns->parent;
	}
	for (c = leaf; c; c = c->parent) {
		if (c->units >= bsdtun_charge_limit(c)) {
			bsdtun_charge_trim(leaf);
			return -EDQUOT;
		}
	}
	for (c = leaf; c; c = c->parent)
		c->units++;
	unit->fam->charged++;
	unit->charge = leaf;
	return 0;
}

static void bsdtun_uncharge(struct bsdtun_unit *unit)
{
	struct bsdtun_charge *c = unit->charge, *up;

	if (!c)
		return;
	unit->charge = NULL;
	unit->fam->charged--;
	for (; c; c = up) {
		up = c->parent;
		if (!--c->units)
			bsdtun_charge_free(c);
	}
}

static void bsdtun_unit_release(struct kref *ref)
{
	struct bsdtun_unit *unit = container_of(ref, struct bsdtun_unit, ref);

	bsdtun_queue_purge(unit, NULL);
	put_pid(unit->pid);
	kfree(unit);
}

void bsdtun_unit_put(struct bsdtun_unit *unit)
{
	kref_put(&unit->ref, bsdtun_unit_release);
}

void bsdtun_unit_family_init(struct bsdtun_family *fam)
{
	idr_init(&fam->idr);
}

/*
 * Register a unit of @fam with its node: number @num, or the lowest free
 * one when @num is negative; @charge counts it against the current
 * user's limit (-EDQUOT beyond it); given to @owner when not NULL, before
 * its node appears, so that devtmpfs makes the node theirs.  Called with
 * bsdtun_lock held.
 */
struct bsdtun_unit *bsdtun_unit_create(struct bsdtun_family *fam, int num,
				       bool charge,
				       const struct bsdtun_owner *owner)
{
	struct bsdtun_unit *unit;
	int err, id;

	lockdep_assert_held(&bsdtun_lock);
	if (num >= (int)bsdtun_max_units)
		return ERR_PTR(-EINVAL);

	unit = kzalloc(sizeof(*unit), GFP_KERNEL);
	if (!unit)
		return ERR_PTR(-ENOMEM);
	kref_init(&unit->ref);
	unit->fam = fam;
	skb_queue_head_init(&unit->queue);
	init_waitqueue_head(&unit->wq);
	spin_lock_init(&unit->pid_lock);
	unit->type = fam->if_type;
	unit->hdr_mode = fam->hdr_mode;
	unit->owner.uid = owner ? owner->uid : INVALID_UID;
	unit->owner.gid = owner ? owner->gid : INVALID_GID;
	if (charge) {
		err = bsdtun_charge(unit);
		if (err)
			goto err_free;
	}

	if (num < 0)
		id = idr_alloc(&fam->idr, unit, 0, bsdtun_max_units, GFP_KERNEL);
	else
		id = idr_alloc(&fam->idr, unit, num, num + 1, GFP_KERNEL);
	if (id < 0) {
		/* A taken number is "exists"; no number left is "no space". */
		err = (id == -ENOSPC && num >= 0) ? -EEXIST : id;
		goto err_free;
	}
	unit->num = id;

	err = bsdtun_node_add(unit);
	if (err)
		goto err_idr;
	return unit;

err_idr:
	idr_remove(&fam->idr, id);
err_free:
	bsdtun_uncharge(unit);
	kfree(unit);
	return ERR_PTR(err);
}

/*
 * Whether @unit was given to the current user: its euid is the owner, or
 * the group is among its effective groups; both when both are set, as
 * Linux tun combines TUNSETOWNER and TUNSETGROUP.  A unit given to no one
 * is given to no one.  Under bsdtun_lock.
 */
bool bsdtun_unit_delegated(const struct bsdtun_unit *unit)
{
	const struct bsdtun_owner *o = &unit->owner;

	lockdep_assert_held(&bsdtun_lock);
	if (!uid_valid(o->uid) && !gid_valid(o->gid))
		return false;
	return (!uid_valid(o->uid) || uid_eq(current_euid(), o->uid)) &&
	       (!gid_valid(o->gid) || in_egroup_p(o->gid));
}

/*
 * Uid @id (group: gid) as the caller's user namespace numbers it into
 * @owner, (u32)-1 for no one; -EINVAL for an id that namespace does not
 * map.
 */
int bsdtun_owner_parse(struct bsdtun_owner *owner, bool group, u32 id)
{
	struct user_namespace *ns = current_user_ns();

	if (group) {
		owner->gid = id == (u32)-1 ? INVALID_GID : make_kgid(ns, id);
		return id == (u32)-1 || gid_valid(owner->gid) ? 0 : -EINVAL;
	}
	owner->uid = id == (u32)-1 ? INVALID_UID : make_kuid(ns, id);
	return id == (u32)-1 || uid_valid(owner->uid) ? 0 : -EINVAL;
}

/* @owner's uid (group: gid) as the caller's user namespace numbers it. */
u32 bsdtun_owner_id(const struct bsdtun_owner *owner, bool group)
{
	struct user_namespace *ns = current_user_ns();
	kuid_t uid = READ_ONCE(owner->uid);
	kgid_t gid = READ_ONCE(owner->gid);

	if (group)
		return gid_valid(gid) ? from_kgid_munged(ns, gid) : (u32)-1;
	return uid_valid(uid) ? from_kuid_munged(ns, uid) : (u32)-1;
}

/*
 * Give @unit to @owner (INVALID_UID, INVALID_GID: take it back).  The
 * node's owner follows through udev: the change event carries it
 * (DEVUID, DEVGID, DEVMODE).  Under rtnl_lock and bsdtun_lock.
 */
void bsdtun_unit_set_owner(struct bsdtun_unit *unit,
			   const struct bsdtun_owner *owner)
{
	ASSERT_RTNL();
	lockdep_assert_held(&bsdtun_lock);
	if (uid_eq(unit->owner.uid, owner->uid) &&
	    gid_eq(unit->owner.gid, owner->gid))
		return;
	WRITE_ONCE(unit->owner.uid, owner->uid);
	WRITE_ONCE(unit->owner.gid, owner->gid);
	bsdtun_node_changed(unit);
}

/* Record @pid as the controlling process, taking over its reference. */
void bsdtun_unit_set_pid(struct bsdtun_unit *unit, struct pid *pid)
{
	struct pid *old;

	spin_lock(&unit->pid_lock);
	old = unit->pid;
	unit->pid = pid;
	spin_unlock(&unit->pid_lock);
	put_pid(old);
}

/*
 * The controlling process as the caller's PID namespace numbers it: 0
 * when none, or when it is not in that namespace's view (sysfs readers
 * in another container).
 */
pid_t bsdtun_unit_pid_vnr(struct bsdtun_unit *unit)
{
	pid_t nr;

	spin_lock(&unit->pid_lock);
	nr = unit->pid ? pid_vnr(unit->pid) : 0;
	spin_unlock(&unit->pid_lock);
	return nr;
}

/*
 * For "ip link add" of unit @num of an OpenBSD family: the unit made at
 * load, when idle (no interface, no file), takes the interface, as
 * OpenBSD's "ifconfig tunN create" makes tunN for the static /dev/tunN.
 * Only for a caller privileged in the initial user namespace: the host's
 * numbers are not a container's to take.  NULL otherwise.
 */
struct bsdtun_unit *bsdtun_unit_idle_boot(struct bsdtun_family *fam, int num)
{
	struct bsdtun_unit *unit;

	ASSERT_RTNL();
	lockdep_assert_held(&bsdtun_lock);
	if (!fam->close_destroys || num < 0 || bsdtun_must_charge())
		return NULL;
	unit = idr_find(&fam->idr, num);
	if (!unit || unit->dead || !unit->boot || unit->file ||
	    rtnl_dereference(unit->dev))
		return NULL;
	return unit;
}

/* A reference to live unit @num of @fam, or NULL. */
struct bsdtun_unit *bsdtun_unit_get(struct bsdtun_family *fam, int num)
{
	struct bsdtun_unit *unit;

	lockdep_assert_held(&bsdtun_lock);
	unit = idr_find(&fam->idr, num);
	if (!unit || unit->dead)
		return NULL;
	kref_get(&unit->ref);
	return unit;
}

/*
 * Destroy a unit: its node, its interface (queued on @head when given, as
 * rtnl_link_ops->dellink does) and the registry's reference.  An open file
 * is detached: it keeps its reference but finds the unit dead.  Called
 * with rtnl_lock and bsdtun_lock held.
 */
void bsdtun_unit_destroy(struct bsdtun_unit *unit, struct list_head *head)
{
	struct bsdtun_unit *again;
	struct net_device *dev;
	bool respawn;

	ASSERT_RTNL();
	lockdep_assert_held(&bsdtun_lock);
	if (unit->dead)
		return;
	WRITE_ONCE(unit->dead, true);
	idr_remove(&unit->fam->idr, unit->num);
	bsdtun_uncharge(unit);
	bsdtun_node_del(unit);

	dev = rtnl_dereference(unit->dev);
	/*
	 * A boot unit belongs to the host: a container that opened it first
	 * (its interface then lives there) must not take the number with
	 * it when its namespace dies or deletes the interface.  OpenBSD's
	 * nodes are static: its boot units' come back whoever deletes.
	 */
	respawn = unit->boot && bsdtun_live && dev &&
		  (!net_eq(dev_net(dev), &init_net) || unit->fam->close_destroys);
	if (dev) {
		bsdtun_dbg(dev, "destroyed\n");
		RCU_INIT_POINTER(unit->dev, NULL);
		unregister_netdevice_queue(dev, head);
	}
	/*
	 * Transmit refuses a dead unit under the queue's lock, which the
	 * purge takes after @dead was set: the queue stays empty, though
	 * the interface, unregistered in a batch, transmits a while longer.
	 */
	bsdtun_queue_purge(unit, NULL);
	/* Blocked readers and pollers see the unit gone. */
	wake_up_interruptible_poll(&unit->wq, EPOLLERR | EPOLLHUP);
	if (respawn) {
		again = bsdtun_unit_create(unit->fam, unit->num, false, NULL);
		if (IS_ERR(again))
			pr_warn("bsdtun: cannot make boot unit %d again: %ld\n",
				unit->num, PTR_ERR(again));
		else
			again->boot = true;
	}
	bsdtun_unit_put(unit);
}

/* The unit number in an interface name "<prefix><N>" of @fam, or -1. */
int bsdtun_unit_num_from_name(const struct bsdtun_family *fam,
			      const char *name)
{
	size_t len = strlen(*fam->prefix);
	const char *p = name + len;
	unsigned int num;

	if (strncmp(name, *fam->prefix, len) || !*p)
		return -1;
	/* "bsdtun07" is not unit 7: a name has one spelling per unit. */
	if (p[0] == '0' && p[1])
		return -1;
	if (kstrtouint(p, 10, &num) || num > INT_MAX)
		return -1;
	return num;
}

/*
 * Whether @name is a unit name of a family other than @fam: an interface
 * of @fam so named would keep that unit from making its own.
 */
bool bsdtun_name_of_other_family(const struct bsdtun_family *fam,
				 const char *name)
{
	unsigned int i;

	for (i = 0; i < bsdtun_nr_families; i++) {
		const struct bsdtun_family *other = bsdtun_families[i];

		if (other != fam && other->on &&
		    bsdtun_unit_num_from_name(other, name) >= 0)
			return true;
	}
	return false;
}

/* Every unit of @fam, at unload or a failed load. */
void bsdtun_unit_destroy_all(struct bsdtun_family *fam)
{
	struct bsdtun_unit *unit;
	int id;

	rtnl_lock();
	mutex_lock(&bsdtun_lock);
	idr_for_each_entry(&fam->idr, unit, id)
		bsdtun_unit_destroy(unit, NULL);
	mutex_unlock(&bsdtun_lock);
	rtnl_unlock();
	idr_destroy(&fam->idr);
}

int bsdtun_unit_params_check(void)
{
	if (!bsdtun_max_units || bsdtun_max_units > MINORMASK + 1 ||
	    bsdtun_units > bsdtun_max_units) {
		pr_err("bsdtun: need 0 < units <= max_units <= %u\n", MINORMASK + 1);
		return -EINVAL;
	}
	return 0;
}

void bsdtun_unit_exit(void)
{
	/* Every unit is gone, and its charge with it. */
	WARN_ON(!hash_empty(bsdtun_charges));
}
