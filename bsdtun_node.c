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

#include "bsdtun.h"

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

int bsdtun_node_add(struct bsdtun_unit *unit)
{
	struct bsdtun_family *fam = unit->fam;
	struct device *node;

	node = device_create(&bsdtun_class, NULL,
			     MKDEV(MAJOR(fam->devt), unit->num), unit,
			     "%s%d", *fam->prefix, unit->num);
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

int bsdtun_node_init(void)
{
	return class_register(&bsdtun_class);
}

void bsdtun_node_exit(void)
{
	class_unregister(&bsdtun_class);
}
