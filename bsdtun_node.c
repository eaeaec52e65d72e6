// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: the units' character-device nodes, /dev/<prefix>N.
 *
 * Each family has its own region of max_units minors, so a minor is a
 * unit number, and all nodes share one class.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "bsdtun.h"

/*
 * Root only, as BSD makes its tun nodes (udev rules may widen it); a
 * unit given to a user or group is theirs, read-write for its group
 * when it has one.  devtmpfs asks when it makes the node, and every
 * uevent carries the answer (DEVUID, DEVGID, DEVMODE) for udev: a unit
 * given away later reaches its node through bsdtun_node_changed().
 */
static char *bsdtun_devnode(BSDTUN_DEVNODE_CONST struct device *d,
			    umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct bsdtun_unit *unit = dev_get_drvdata(d);
	kuid_t owner;
	kgid_t group;

	if (!mode)
		return NULL;
	*mode = 0600;
	if (!unit)
		return NULL;
	owner = READ_ONCE(unit->owner.uid);
	group = READ_ONCE(unit->owner.gid);
	if (uid_valid(owner))
		*uid = owner;
	if (gid_valid(group)) {
		*gid = group;
		*mode = 0660;
	}
	return NULL;
}

/*
 * /sys/class/bsdtun/<node>/{owner,group}: whom the unit is given to, as
 * the reader's user namespace numbers them, -1 for no one.  What a udev
 * rule sets the node's owner from.
 */
static ssize_t bsdtun_node_owner_show(struct device *d, char *buf, bool group)
{
	const struct bsdtun_unit *unit = dev_get_drvdata(d);
	u32 id = bsdtun_owner_id(&unit->owner, group);

	if (id == (u32)-1)
		return sysfs_emit(buf, "-1\n");
	return sysfs_emit(buf, "%u\n", id);
}

static ssize_t owner_show(struct device *d, struct device_attribute *a,
			  char *buf)
{
	return bsdtun_node_owner_show(d, buf, false);
}
static DEVICE_ATTR_RO(owner);

static ssize_t group_show(struct device *d, struct device_attribute *a,
			  char *buf)
{
	return bsdtun_node_owner_show(d, buf, true);
}
static DEVICE_ATTR_RO(group);

static struct attribute *bsdtun_node_attrs[] = {
	&dev_attr_owner.attr,
	&dev_attr_group.attr,
	NULL,
};
ATTRIBUTE_GROUPS(bsdtun_node);

static const struct device_type bsdtun_node_type = {
	.name = "bsdtun_node",
	.groups = bsdtun_node_groups,
	.devnode = bsdtun_devnode,
};

static struct class bsdtun_class = {
	.name = BSDTUN_DRV_NAME,
};

int bsdtun_node_family_add(struct bsdtun_family *fam,
			   const struct file_operations *fops)
{
	int err;

	err = alloc_chrdev_region(&fam->devt, 0, bsdtun_max_units, fam->kind);
	if (err)
		return err;
	cdev_init(&fam->cdev, fops);
	fam->cdev.owner = THIS_MODULE;
	err = cdev_add(&fam->cdev, fam->devt, bsdtun_max_units);
	if (err)
		unregister_chrdev_region(fam->devt, bsdtun_max_units);
	return err;
}

void bsdtun_node_family_del(struct bsdtun_family *fam)
{
	cdev_del(&fam->cdev);
	unregister_chrdev_region(fam->devt, bsdtun_max_units);
}

static void bsdtun_node_release(struct device *node)
{
	kfree(node);
}

/*
 * device_create() without its class-wide defaults: the node's type names
 * its owner (bsdtun_devnode()) before device_add() has devtmpfs make it.
 */
int bsdtun_node_add(struct bsdtun_unit *unit)
{
	struct bsdtun_family *fam = unit->fam;
	struct device *node;
	int err;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return -ENOMEM;
	device_initialize(node);
	node->devt = MKDEV(MAJOR(fam->devt), unit->num);
	node->class = &bsdtun_class;
	node->type = &bsdtun_node_type;
	node->release = bsdtun_node_release;
	dev_set_drvdata(node, unit);
	err = dev_set_name(node, "%s%d", *fam->prefix, unit->num);
	if (!err)
		err = device_add(node);
	if (err) {
		put_device(node);
		return err;
	}
	unit->node = node;
	return 0;
}

void bsdtun_node_del(struct bsdtun_unit *unit)
{
	device_unregister(unit->node);
	unit->node = NULL;
}

/* The unit was given to someone else: udev reads owner and group again. */
void bsdtun_node_changed(struct bsdtun_unit *unit)
{
	if (unit->node)
		kobject_uevent(&unit->node->kobj, KOBJ_CHANGE);
}

int bsdtun_node_init(void)
{
	return class_register(&bsdtun_class);
}

void bsdtun_node_exit(void)
{
	class_unregister(&bsdtun_class);
}
