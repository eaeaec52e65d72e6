// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the unit registry.
 *
 * Units are numbered per family.  Who may make them, and how many, is
 * decided here: a user without CAP_NET_ADMIN in the initial user
 * namespace is charged for each unit it makes, and all such units
 * together may hold at most half of a family's numbers.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>
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
		 "Units one user may make from user namespaces, without CAP_NET_ADMIN in the initial one (default 64)");

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
 * Units made without CAP_NET_ADMIN in the initial user namespace, per
 * owning user (kuid -> count, as xarray values), whatever their family.
 * Under bsdtun_lock.  Those of one family together may hold at most half
 * of max_units (bsdtun_family.charged), so the initial namespace always
 * has numbers left.
 */
static DEFINE_XARRAY(bsdtun_charges);

/*
 * Whether a unit the current process makes counts against a user's
 * limit: it does unless the process could make units in the initial
 * namespace too.
 */
bool bsdtun_must_charge(void)
{
	return !ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
}

/*
 * The user of the initial namespace a unit is charged to: the owner of
 * the outermost user namespace around the current process, as the
 * kernel's own ucounts charge the top level.  Nested namespaces, and
 * every uid a namespace maps, so share one budget.
 */
static kuid_t bsdtun_charge_owner(void)
{
	const struct user_namespace *ns = current_user_ns();

	if (ns == &init_user_ns)
		return current_euid();
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}

static int bsdtun_charge(struct bsdtun_unit *unit)
{
	kuid_t owner = bsdtun_charge_owner();
	unsigned long key = __kuid_val(owner);
	unsigned long n = xa_to_value(xa_load(&bsdtun_charges, key));
	int err;

	if (n >= bsdtun_user_units || unit->fam->charged >= bsdtun_max_units / 2)
		return -EDQUOT;
	err = xa_err(xa_store(&bsdtun_charges, key, xa_mk_value(n + 1),
			      GFP_KERNEL));
	if (err)
		return err;
	unit->fam->charged++;
	unit->charged = true;
	unit->owner = owner;
	return 0;
}

static void bsdtun_uncharge(struct bsdtun_unit *unit)
{
	unsigned long key = __kuid_val(unit->owner);
	unsigned long n;

	if (!unit->charged)
		return;
	unit->charged = false;
	unit->fam->charged--;
	n = xa_to_value(xa_load(&bsdtun_charges, key));
	if (n > 1)
		xa_store(&bsdtun_charges, key, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&bsdtun_charges, key);
}

static void bsdtun_unit_release(struct kref *ref)
{
	struct bsdtun_unit *unit = container_of(ref, struct bsdtun_unit, ref);

	bsdtun_queue_purge(unit, NULL);
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
 * user's limit (-EDQUOT beyond it).  Called with bsdtun_lock held.
 */
struct bsdtun_unit *bsdtun_unit_create(struct bsdtun_family *fam, int num,
				       bool charge)
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
	unit->type = fam->if_type;
	unit->hdr_mode = fam->hdr_mode;
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
		again = bsdtun_unit_create(unit->fam, unit->num, false);
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
	xa_destroy(&bsdtun_charges);
}
