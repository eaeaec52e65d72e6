// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the BSD tun(4) and tap(4) character-device APIs for Linux.
 *
 * Module init and exit, in mirror order: per family, its nodes, its
 * cloning node, its rtnl kind, then its preallocated units.
 */
#include <linux/module.h>
#include <linux/rtnetlink.h>

#include "bsdtun.h"

/* Undo bsdtun_family_add() for every family up to @n. */
static void bsdtun_families_del(unsigned int n)
{
	struct bsdtun_family *fam;

	while (n--) {
		fam = bsdtun_families[n];
		if (!fam->on)
			continue;
		/* Deletes every interface, and with it its unit (dellink). */
		bsdtun_netdev_del(fam);
		/* Units that never had an interface. */
		bsdtun_unit_destroy_all(fam);
		bsdtun_chardev_del(fam);
	}
}

static int bsdtun_family_add(struct bsdtun_family *fam)
{
	int err;

	bsdtun_unit_family_init(fam);
	err = bsdtun_chardev_add(fam);
	if (err)
		return err;
	err = bsdtun_netdev_add(fam);
	if (err)
		bsdtun_chardev_del(fam);
	return err;
}

/* DragonFly makes its first units at boot: so do we, nodes only. */
static int bsdtun_family_boot_units(struct bsdtun_family *fam)
{
	struct bsdtun_unit *unit;
	unsigned int i;

	for (i = 0; i < bsdtun_units; i++) {
		mutex_lock(&bsdtun_lock);
		unit = bsdtun_unit_create(fam, i, false, NULL);
		if (!IS_ERR(unit))
			unit->boot = true;
		mutex_unlock(&bsdtun_lock);
		if (IS_ERR(unit))
			return PTR_ERR(unit);
	}
	return 0;
}

static int __init bsdtun_init(void)
{
	unsigned int i, added = 0;
	int err;

	err = bsdtun_unit_params_check();
	if (!err)
		err = bsdtun_queue_params_check();
	if (!err)
		err = bsdtun_families_check();
	if (err)
		return err;

	err = bsdtun_alloc_init();
	if (err)
		return err;
	err = bsdtun_node_init();
	if (err) {
		bsdtun_alloc_exit();
		return err;
	}
	err = bsdtun_netdev_init();
	if (err) {
		bsdtun_node_exit();
		bsdtun_alloc_exit();
		return err;
	}
	for (added = 0; added < bsdtun_nr_families; added++) {
		if (!bsdtun_families[added]->on)
			continue;
		/* One that fails undoes itself. */
		err = bsdtun_family_add(bsdtun_families[added]);
		if (err)
			goto err_families;
	}
	for (i = 0; i < bsdtun_nr_families; i++) {
		if (!bsdtun_families[i]->on)
			continue;
		err = bsdtun_family_boot_units(bsdtun_families[i]);
		if (err)
			goto err_families;
	}

#ifdef BSDTUN_WARN_ON_LOAD
	/* The test runner's negative check: this warning must fail it. */
	WARN_ON(1);
#endif
	mutex_lock(&bsdtun_lock);
	bsdtun_live = true;
	mutex_unlock(&bsdtun_lock);
	return 0;

err_families:
	bsdtun_families_del(added);
	bsdtun_netdev_exit();
	bsdtun_node_exit();
	bsdtun_unit_exit();
	bsdtun_alloc_exit();
	return err;
}

static void __exit bsdtun_exit(void)
{
	/* No boot unit comes back from here on. */
	mutex_lock(&bsdtun_lock);
	bsdtun_live = false;
	mutex_unlock(&bsdtun_lock);
	bsdtun_families_del(bsdtun_nr_families);
	bsdtun_netdev_exit();
	bsdtun_node_exit();
	bsdtun_unit_exit();
	bsdtun_alloc_exit();
}

module_init(bsdtun_init);
module_exit(bsdtun_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("bsdtun developers");
MODULE_DESCRIPTION("BSD tun(4) and tap(4) character-device APIs for Linux");
MODULE_VERSION(BSDTUN_VERSION);
MODULE_ALIAS_RTNL_LINK(BSDTUN_DRV_NAME);
MODULE_ALIAS_RTNL_LINK(BSDTUN_TAP_KIND);
MODULE_ALIAS_RTNL_LINK(BSDTUN_VMNET_KIND);
MODULE_ALIAS_RTNL_LINK(BSDTUN_OTUN_KIND);
MODULE_ALIAS_RTNL_LINK(BSDTUN_OTAP_KIND);
/*
 * depmod pairs one devname with one char-major alias per module: the
 * static node that loads the module on first open is /dev/bsdtun's.
 */
MODULE_ALIAS_MISCDEV(BSDTUN_TUN_MINOR);
MODULE_ALIAS("devname:" BSDTUN_DRV_NAME);
