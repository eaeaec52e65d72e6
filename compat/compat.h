/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference bsdtun meets, in one place.  Kbuild
 * force-includes this file, so the driver sources test the capability
 * macros below and never a version number.
 *
 * Kbuild probes the kernel's headers for the BSDTUN_HAVE_* macros, since
 * distributions backport interfaces, and refuses kernels older than 5.10
 * from their major and minor numbers (Debian's 5.10 sublevel is above 255
 * and overflows LINUX_VERSION_CODE's last byte).
 */
#ifndef _BSDTUN_COMPAT_H
#define _BSDTUN_COMPAT_H

/* 6.2: device_type->devnode() takes a const struct device. */
#ifdef BSDTUN_HAVE_CONST_DEVNODE
#define BSDTUN_DEVNODE_CONST const
#else
#define BSDTUN_DEVNODE_CONST
#endif

/*
 * 6.12: file->f_owner became a pointer, NULL until an owner is set and
 * published with a release store: read it with the kernel's accessor.
 */
#ifdef BSDTUN_HAVE_FILE_F_OWNER
#define bsdtun_file_fown(file) file_f_owner(file)
#else
#define bsdtun_file_fown(file) (&(file)->f_owner)
#endif

/*
 * Later kernels (7.3, seen in Debian's experimental) name the flags a
 * user set, as SIOCGIFFLAGS reports them, netif_get_flags(): the
 * netif_* functions are those that run under the device's lock.
 */
#ifdef BSDTUN_HAVE_NETIF_GET_FLAGS
#define bsdtun_get_flags(dev) netif_get_flags(dev)
#else
#define bsdtun_get_flags(dev) dev_get_flags(dev)
#endif

/*
 * 6.15: rtnl_link_ops->newlink() takes its arguments in a struct
 * rtnl_newlink_params; before, the source namespace and attribute tables
 * came one by one.  bsdtun's newlink declares its parameters with this
 * macro, which names them dev and extack, and finds its IFLA_INFO_DATA
 * attributes in bsdtun_newlink_data.
 */
#ifdef BSDTUN_HAVE_NEWLINK_PARAMS
#define BSDTUN_NEWLINK_ARGS				\
	struct net_device *dev,						\
	struct rtnl_newlink_params *bsdtun_params,			\
	struct netlink_ext_ack *extack
#define bsdtun_newlink_data (bsdtun_params->data)
#else
#define BSDTUN_NEWLINK_ARGS				\
	struct net *bsdtun_unused_src_net, struct net_device *dev,	\
	struct nlattr *bsdtun_unused_tb[],				\
	struct nlattr *bsdtun_data[],					\
	struct netlink_ext_ack *extack
#define bsdtun_newlink_data bsdtun_data
#endif

/* 6.1: a NAPI context's weight is no longer the driver's to choose. */
#ifdef BSDTUN_HAVE_NAPI_ADD_WEIGHT
#define bsdtun_napi_add(dev, napi, poll) netif_napi_add(dev, napi, poll)
#else
#define bsdtun_napi_add(dev, napi, poll)				\
	netif_napi_add(dev, napi, poll, NAPI_POLL_WEIGHT)
#endif

/*
 * 6.2: the virtio-net header's UDP segmentation type (USO), a number
 * the virtio specification fixed before Linux's header named it.
 */
#ifndef BSDTUN_HAVE_VIRTIO_NET_USO
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

/* 6.4: skb_gso_segment() and its kin moved to their own header. */
#ifdef BSDTUN_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/*
 * 6.16: a new MAC reaches dev_set_mac_address_user() in a struct
 * sockaddr_storage; before, in a struct sockaddr.
 */
#ifdef BSDTUN_HAVE_MAC_SOCKADDR_STORAGE
#define bsdtun_mac_sockaddr	sockaddr_storage
#define bsdtun_mac_family	ss_family
#define bsdtun_mac_data		__data
#else
#define bsdtun_mac_sockaddr	sockaddr
#define bsdtun_mac_family	sa_family
#define bsdtun_mac_data		sa_data
#endif

/*
 * 5.12, and 5.10's stable series: a user's MAC change also takes the
 * lock that SIOCGIFHWADDR readers take, through dev_set_mac_address_user().
 */
#ifdef BSDTUN_HAVE_SET_MAC_USER
#define bsdtun_set_mac_address(dev, sa) dev_set_mac_address_user(dev, sa, NULL)
#else
#define bsdtun_set_mac_address(dev, sa) dev_set_mac_address(dev, sa, NULL)
#endif

#endif /* _BSDTUN_COMPAT_H */
