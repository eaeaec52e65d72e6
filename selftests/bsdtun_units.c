// SPDX-License-Identifier: GPL-2.0
/*
 * Units, nodes and interfaces, for each family (tun, tap, vmnet and
 * OpenBSD's tun and tap: fixture variants): preallocated nodes, the
 * units and prefix parameters (overlapping prefixes refused, an empty one
 * turns its family off), interfaces made on first open in the opener's
 * namespace and kept on close (destroyed, on OpenBSD's families), the
 * cloning node, TUNGIFNAME (FreeBSD's number, and DragonFly's on tun or
 * NetBSD's on tap and vmnet), ip link add/del (also while open: the file
 * is detached), namespace deletion, renaming, transient units, rmmod
 * with a file open, EBUSY and EPERM on open, units opened from a user
 * namespace, ENXIO for a unit whose interface is in another namespace,
 * boot units coming back from a container, and the limit on units made
 * without privilege in the initial namespace: per user at every level
 * of user namespaces, so that root's containers count apart.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

FIXTURE(unit) {
	int fd;
};

FIXTURE_VARIANT(unit) {
	const struct bsdtun_family *fam;
	const char *param;	/* the module parameter naming its prefix */
	const char *alt;	/* another prefix it may be given */
};

FIXTURE_VARIANT_ADD(unit, tun) {
	.fam = &bsdtun_fam_tun,
	.param = "prefix",
	.alt = "tun",
};

FIXTURE_VARIANT_ADD(unit, tap) {
	.fam = &bsdtun_fam_tap,
	.param = "tap_prefix",
	.alt = "tap",
};

FIXTURE_VARIANT_ADD(unit, vmnet) {
	.fam = &bsdtun_fam_vmnet,
	.param = "vmnet_prefix",
	.alt = "vmnet",
};

FIXTURE_VARIANT_ADD(unit, otun) {
	.fam = &bsdtun_fam_otun,
	.param = "openbsd_prefix",
	.alt = "tun",
};

FIXTURE_VARIANT_ADD(unit, otap) {
	.fam = &bsdtun_fam_otap,
	.param = "openbsd_tap_prefix",
	.alt = "tap",
};

/* A family other than @fam, with the default parameters. */
static const struct bsdtun_family *bsdtun_other(const struct bsdtun_family *fam)
{
	return fam == &bsdtun_fam_tun ? &bsdtun_fam_tap : &bsdtun_fam_tun;
}

/* /dev/<prefix><n>, or the cloning node /dev/<prefix> when @n < 0. */
static const char *bsdtun_node(char *buf, size_t size,
			       const struct bsdtun_family *fam, int n)
{
	if (n < 0)
		snprintf(buf, size, "/dev/%s", fam->prefix);
	else
		snprintf(buf, size, "/dev/%s%d", fam->prefix, n);
	return buf;
}

/* Whether node /dev/<prefix><n> (the cloning node when @n < 0) exists. */
static int bsdtun_has_node(const struct bsdtun_family *fam, int n)
{
	char path[64];

	return access(bsdtun_node(path, sizeof(path), fam, n), F_OK) == 0;
}

/* Whether interface <prefix><n> exists in this namespace (sysfs). */
static int bsdtun_has_if(const struct bsdtun_family *fam, int n)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s%d", fam->prefix, n);
	return access(path, F_OK) == 0;
}

/* Unit @n of @fam opened from inside network namespace @ns. */
static int bsdtun_open_unit_in(const char *ns, const struct bsdtun_family *fam,
			       int n)
{
	char path[64];

	return bsdtun_open_in(ns, bsdtun_node(path, sizeof(path), fam, n));
}

/* "ip link add NAME type KIND" over rtnetlink: 0 or a negative errno. */
static int bsdtun_nl_add(const char *name, const char *kind)
{
	return bsdtun_nl_link_kind(1, name, kind);
}

FIXTURE_SETUP(unit)
{
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

FIXTURE_TEARDOWN(unit)
{
	if (self->fd >= 0)
		close(self->fd);
	bsdtun_netns_del("bt");
}

TEST_F(unit, preallocated_nodes_without_interfaces)
{
	const struct bsdtun_family *fam = variant->fam;
	struct stat st;
	int i;

	for (i = 0; i < 4; i++) {
		char path[64];

		bsdtun_node(path, sizeof(path), fam, i);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(0600, st.st_mode & 07777);
		EXPECT_EQ(0, st.st_uid);
	}
	EXPECT_FALSE(bsdtun_has_node(fam, 4));
	EXPECT_FALSE(bsdtun_has_if(fam, 0));
}

TEST_F(unit, units_and_prefix_parameters)
{
	const struct bsdtun_family *fam = variant->fam;
	const struct bsdtun_family *other = bsdtun_other(fam);
	const char *p = variant->param;
	char name[IFNAMSIZ], path[64];

	/* <param>=<alt>: /dev/<alt>N and interfaces <alt>N. */
	snprintf(path, sizeof(path), "units=2 %s=%s", p, variant->alt);
	ASSERT_EQ(0, bsdtun_reload(path));
	snprintf(path, sizeof(path), "/dev/%s0", variant->alt);
	EXPECT_EQ(0, access(path, F_OK)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), "/dev/%s1", variant->alt);
	EXPECT_EQ(0, access(path, F_OK)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), "/dev/%s2", variant->alt);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), "/dev/%s", variant->alt);
	EXPECT_EQ(0, access(path, F_OK)) TH_LOG("%s", path);
	EXPECT_FALSE(bsdtun_has_node(fam, 0));
	/* The other families keep their own prefixes; units=2 is theirs too. */
	EXPECT_TRUE(bsdtun_has_node(other, 1));
	EXPECT_FALSE(bsdtun_has_node(other, 2));
	snprintf(path, sizeof(path), "/dev/%s0", variant->alt);
	self->fd = open(path, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_ifname(self->fd, name));
	snprintf(path, sizeof(path), "%s0", variant->alt);
	EXPECT_STREQ(path, name);
	EXPECT_EQ(0, bsdtun_sh("test -e /sys/class/net/%s0", variant->alt));
	close(self->fd);
	self->fd = -1;

	/* A prefix that cannot name an interface is refused. */
	ASSERT_EQ(0, bsdtun_rmmod());
	EXPECT_NE(0, bsdtun_insmod("%s=a/b", p));
	EXPECT_NE(0, bsdtun_insmod("units=9 max_units=4"));
	/*
	 * No prefix may begin another family's: "<prefix>N" must name one
	 * unit of one family.  The same one, one that begins the other's,
	 * and one the other's begins.
	 */
	EXPECT_NE(0, bsdtun_insmod("%s=%s", p, other->prefix));
	EXPECT_NE(0, bsdtun_insmod("%s=bsd", p));
	EXPECT_NE(0, bsdtun_insmod("%s=%sx", p, other->prefix));
	/* Every family off: nothing to load. */
	EXPECT_NE(0, bsdtun_insmod("prefix= tap_prefix= vmnet_prefix= "
				   "openbsd_prefix= openbsd_tap_prefix="));
	EXPECT_FALSE(bsdtun_loaded());

	/* An empty prefix turns this family off, not the others. */
	ASSERT_EQ(0, bsdtun_insmod("%s=", p));
	EXPECT_FALSE(bsdtun_has_node(fam, 0));
	EXPECT_FALSE(bsdtun_has_node(fam, -1));
	EXPECT_TRUE(bsdtun_has_node(other, 0));
	EXPECT_TRUE(bsdtun_has_node(other, -1));
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add %s5 type %s 2>/dev/null",
			       fam->prefix, fam->kind));
	EXPECT_FALSE(bsdtun_has_if(fam, 5));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s5 type %s", other->prefix,
			       other->kind));
	EXPECT_TRUE(bsdtun_has_node(other, 5));
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

/*
 * The interface outlives the file; close brings it down, but a vmnet
 * interface stays up (fam->keep_up).  OpenBSD's open brings it up and
 * its close destroys it: the node stays.  tap and vmnet are Ethernet.
 */
TEST_F(unit, first_open_creates_interface_close_keeps_it)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ], want[IFNAMSIZ];
	int s;

	bsdtun_name(want, sizeof(want), fam, 1);
	self->fd = bsdtun_open_unit(fam, 1, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_ifname(self->fd, name));
	EXPECT_STREQ(want, name);
	EXPECT_TRUE(bsdtun_has_if(fam, 1));
	/* ARPHRD_ETHER (1) for tap and vmnet, ARPHRD_NONE (0xfffe) for tun. */
	EXPECT_EQ(fam->ether ? 1 : 0xfffe,
		  bsdtun_read_num("/sys/class/net/%s/type", want));
	EXPECT_EQ(fam->obsd ? IFF_UP : 0, bsdtun_flags(want) & IFF_UP);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bsdtun_set_up(s, want, 1));
	close(s);
	EXPECT_TRUE(bsdtun_flags(want) & IFF_UP);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(!fam->obsd, bsdtun_has_if(fam, 1));
	EXPECT_TRUE(bsdtun_has_node(fam, 1));
	/* vmnet's rule: its interface stays up; tun's and tap's go down. */
	if (!fam->obsd)
		EXPECT_EQ(fam->keep_up ? IFF_UP : 0, bsdtun_flags(want) & IFF_UP);
	self->fd = bsdtun_open_unit(fam, 1, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", want));
}

TEST_F(unit, interface_made_in_openers_namespace)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ];
	pid_t pid;
	int st;

	bsdtun_name(name, sizeof(name), fam, 2);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ns = open("/run/netns/bt", O_RDONLY), fd;

		if (ns < 0 || setns(ns, CLONE_NEWNET))
			_exit(1);
		fd = bsdtun_open_unit(fam, 2, O_RDWR);
		if (fd < 0)
			_exit(2);
		/* Visible here, in the child's namespace... */
		if (!if_nametoindex(name))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	/* ...not in the initial one (OpenBSD's went with the child's close). */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link show %s 2>/dev/null", name));
	EXPECT_EQ(fam->obsd, !!bsdtun_sh(BSDTUN_IP " -n bt link show %s >/dev/null 2>&1",
					 name));
}

TEST_F(unit, clone_takes_lowest_unallocated_unit)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ], want[IFNAMSIZ];
	int fd2;

	self->fd = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, self->fd);
	EXPECT_STREQ(bsdtun_name(want, sizeof(want), fam, 4), name);
	EXPECT_TRUE(bsdtun_has_node(fam, 4));
	EXPECT_TRUE(bsdtun_has_if(fam, 4));
	fd2 = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, fd2);
	EXPECT_STREQ(bsdtun_name(want, sizeof(want), fam, 5), name);
	close(fd2);
	if (fam->obsd) {
		/* The close destroyed the clone: its number is free again. */
		fd2 = bsdtun_clone_fam(fam, name);
		ASSERT_LE(0, fd2);
		EXPECT_STREQ(bsdtun_name(want, sizeof(want), fam, 5), name);
		close(fd2);
		return;
	}
	/* Free a low number: the next clone takes it. */
	fd2 = bsdtun_open_unit(fam, 2, O_RDWR);
	ASSERT_LE(0, fd2);
	close(fd2);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s2", fam->prefix));
	fd2 = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, fd2);
	EXPECT_STREQ(bsdtun_name(want, sizeof(want), fam, 2), name);
	close(fd2);
}

/*
 * FreeBSD's TUNGIFNAME (= TAPGIFNAME) on every family.  DragonFly's
 * number is tun's only, NetBSD's TAPGIFNAME tap's (and vmnet's, an
 * Ethernet family): each is ENOTTY on the other kind of node, and both
 * on OpenBSD's, which answer FreeBSD's number only (a bsdtun extension).
 */
TEST_F(unit, tungifname_freebsd_dragonfly_netbsd_numbers)
{
	const struct bsdtun_family *fam = variant->fam;
	unsigned long yes, no;
	char want[IFNAMSIZ];
	struct ifreq ifr;

	EXPECT_NE(TUNGIFNAME, BSDTUN_TUNGIFNAME_DFLY);
	EXPECT_NE(TUNGIFNAME, BSDTUN_TAPGIFNAME_NETBSD);
	EXPECT_EQ(TUNGIFNAME, TAPGIFNAME);
	bsdtun_name(want, sizeof(want), fam, 3);
	self->fd = bsdtun_open_unit(fam, 3, O_RDWR);
	ASSERT_LE(0, self->fd);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(self->fd, TUNGIFNAME, &ifr));
	EXPECT_STREQ(want, ifr.ifr_name);
	yes = fam->ether ? BSDTUN_TAPGIFNAME_NETBSD : BSDTUN_TUNGIFNAME_DFLY;
	no = fam->ether ? BSDTUN_TUNGIFNAME_DFLY : BSDTUN_TAPGIFNAME_NETBSD;
	memset(&ifr, 0, sizeof(ifr));
	if (fam->obsd) {
		EXPECT_EQ(-1, ioctl(self->fd, yes, &ifr));
		EXPECT_EQ(ENOTTY, errno);
	} else {
		ASSERT_EQ(0, ioctl(self->fd, yes, &ifr));
		EXPECT_STREQ(want, ifr.ifr_name);
	}
	memset(&ifr, 0, sizeof(ifr));
	EXPECT_EQ(-1, ioctl(self->fd, no, &ifr));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, ifr.ifr_name[0]);
}

TEST_F(unit, ip_link_add_named_unit)
{
	const struct bsdtun_family *fam = variant->fam;
	const char *pre = fam->prefix, *kind = fam->kind;
	char path[64];
	struct stat st;

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s7 type %s", pre, kind));
	ASSERT_EQ(0, stat(bsdtun_node(path, sizeof(path), fam, 7), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(7, bsdtun_read_num("/sys/class/net/%s7/bsdtun/unit", pre));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -d link show %s7 | grep -q %s", pre, kind));
	/*
	 * An existing unit cannot be added again; but an idle boot unit of
	 * OpenBSD's takes the interface (its "ifconfig tun0 create").
	 */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add %s7 type %s 2>/dev/null", pre, kind));
	EXPECT_EQ(fam->obsd, !bsdtun_sh(BSDTUN_IP " link add %s0 type %s 2>/dev/null",
					pre, kind));
	/* Beyond max_units. */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add %s5000 type %s 2>/dev/null", pre, kind));
	/* Another name takes the lowest free number and keeps its name. */
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add vpn0 type %s", kind));
	EXPECT_EQ(4, bsdtun_read_num("/sys/class/net/vpn0/bsdtun/unit"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -d link show vpn0 | grep -qw %s", kind));
	EXPECT_TRUE(bsdtun_has_node(fam, 4));
	self->fd = bsdtun_open_unit(fam, 7, O_RDWR);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s7", pre));
	EXPECT_FALSE(bsdtun_has_node(fam, 7));
	EXPECT_FALSE(bsdtun_has_if(fam, 7));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del vpn0"));
	EXPECT_FALSE(bsdtun_has_node(fam, 4));
	/*
	 * No name: the kernel offers "<kind>%d", whose number would be the
	 * lowest free among interfaces; the unit's own number names it.
	 */
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add type %s", kind));
	EXPECT_TRUE(bsdtun_has_if(fam, 4));
	EXPECT_TRUE(bsdtun_has_node(fam, 4));
	EXPECT_EQ(4, bsdtun_read_num("/sys/class/net/%s4/bsdtun/unit", pre));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s4", pre));
}

TEST_F(unit, ip_link_del_while_open_detaches_file)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ], buf[64];
	struct pollfd p;

	self->fd = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", name));
	EXPECT_FALSE(bsdtun_has_node(fam, 4));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EHOSTDOWN, errno);
	EXPECT_EQ(-1, write(self->fd, buf, 20));
	EXPECT_EQ(EHOSTDOWN, errno);
	p.fd = self->fd;
	p.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLERR | POLLHUP, p.revents & (POLLERR | POLLHUP | POLLIN | POLLOUT));
}

TEST_F(unit, ip_link_del_wakes_blocked_reader)
{
	struct bsdtun_waiter r = { .tid = 0 };
	char name[IFNAMSIZ];
	pthread_t t;

	self->fd = bsdtun_clone_fam(variant->fam, name);
	ASSERT_LE(0, self->fd);
	if (variant->fam->obsd) {
		/* Up since its open: IPv6's first packets are queued. */
		ASSERT_EQ(0, bsdtun_link_up(name, 0));
		bsdtun_nonblock(self->fd);
		while (read(self->fd, r.buf, sizeof(r.buf)) >= 0)
			;
		ASSERT_EQ(EAGAIN, errno);
		fcntl(self->fd, F_SETFL, fcntl(self->fd, F_GETFL) & ~O_NONBLOCK);
	}
	r.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, bsdtun_waiter_read, &r));
	ASSERT_TRUE(bsdtun_waiter_blocked(&r, SYS_read));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", name));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EHOSTDOWN, r.err);
}

TEST_F(unit, namespace_deletion_removes_its_units)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ], buf[16];

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link add %s9 type %s",
			       fam->prefix, fam->kind));
	self->fd = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s netns bt", name));
	EXPECT_TRUE(bsdtun_has_node(fam, 9));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns del bt"));
	/* Namespace cleanup runs in a work queue: wait for it, bounded. */
	for (int i = 0; i < 5000 && bsdtun_has_node(fam, 9); i++)
		usleep(1000);
	EXPECT_FALSE(bsdtun_has_node(fam, 9));
	for (int i = 0; i < 5000 && bsdtun_has_node(fam, 4); i++)
		usleep(1000);
	EXPECT_FALSE(bsdtun_has_node(fam, 4));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EHOSTDOWN, errno);
}

TEST_F(unit, rename_keeps_unit_and_node)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ];

	self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	/* OpenBSD's open brought it up: Linux renames only one that is down. */
	if (fam->obsd)
		ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s0 down", fam->prefix));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s0 name wan7", fam->prefix));
	ASSERT_EQ(0, bsdtun_ifname(self->fd, name));
	EXPECT_STREQ("wan7", name);
	EXPECT_TRUE(bsdtun_has_node(fam, 0));
	EXPECT_FALSE(bsdtun_has_if(fam, 0));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/wan7/bsdtun/unit"));
}

/*
 * TUNSTRANSIENT is TAPSTRANSIENT: the same request on FreeBSD's families.
 * OpenBSD has none: its close destroys what its open made anyway.
 */
TEST_F(unit, transient_unit_destroyed_on_close)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ];
	int on = 1, val = -1;

	EXPECT_EQ(TUNSTRANSIENT, TAPSTRANSIENT);
	self->fd = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, self->fd);
	if (fam->obsd) {
		EXPECT_EQ(-1, ioctl(self->fd, TUNSTRANSIENT, &on));
		EXPECT_EQ(ENOTTY, errno);
		EXPECT_EQ(-1, ioctl(self->fd, TUNGTRANSIENT, &val));
		EXPECT_EQ(ENOTTY, errno);
		close(self->fd);
		self->fd = -1;
		EXPECT_FALSE(bsdtun_has_if(fam, 4));
		EXPECT_FALSE(bsdtun_has_node(fam, 4));
		/* A boot unit: the interface goes, the node stays. */
		self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
		ASSERT_LE(0, self->fd);
		close(self->fd);
		self->fd = -1;
		EXPECT_FALSE(bsdtun_has_if(fam, 0));
		EXPECT_TRUE(bsdtun_has_node(fam, 0));
		return;
	}
	ASSERT_EQ(0, ioctl(self->fd, TUNGTRANSIENT, &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, ioctl(self->fd, TUNSTRANSIENT, &on));
	ASSERT_EQ(0, ioctl(self->fd, TUNGTRANSIENT, &val));
	EXPECT_EQ(1, val);
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/bsdtun/transient", name));
	close(self->fd);
	self->fd = -1;
	EXPECT_FALSE(bsdtun_has_if(fam, 4));
	EXPECT_FALSE(bsdtun_has_node(fam, 4));
	/* Not transient: stays. */
	self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = -1;
	EXPECT_TRUE(bsdtun_has_if(fam, 0));
}

TEST_F(unit, rmmod_refused_while_open_then_cleans_up)
{
	const struct bsdtun_family *fam = variant->fam;

	self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s8 type %s",
			       fam->prefix, fam->kind));
	EXPECT_NE(0, bsdtun_rmmod());
	EXPECT_TRUE(bsdtun_loaded());
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_rmmod());
	EXPECT_FALSE(bsdtun_has_if(fam, 0));
	EXPECT_FALSE(bsdtun_has_if(fam, 8));
	EXPECT_FALSE(bsdtun_has_node(fam, 8));
	EXPECT_FALSE(bsdtun_has_node(fam, -1));
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

TEST_F(unit, second_open_is_ebusy)
{
	const struct bsdtun_family *fam = variant->fam;
	int fd2;

	self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	fd2 = bsdtun_open_unit(fam, 0, O_RDWR);
	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(EBUSY, errno);
	close(self->fd);
	self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
	EXPECT_LE(0, self->fd);
}

/* Drop every capability, keep root's uid: only CAP_NET_ADMIN matters. */
static int bsdtun_drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d);
}

TEST_F(unit, open_without_cap_net_admin_is_eperm)
{
	const struct bsdtun_family *fam = variant->fam;
	char clone[64];
	pid_t pid;
	int st;

	bsdtun_node(clone, sizeof(clone), fam, -1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The node is 0600 root: keep uid 0 so only the capability fails. */
		if (bsdtun_drop_caps())
			_exit(10);
		if (bsdtun_open_unit(fam, 0, O_RDWR) >= 0 || errno != EPERM)
			_exit(1);
		if (open(clone, O_RDWR) >= 0 || errno != EPERM)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_FALSE(bsdtun_has_if(fam, 0));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Another user: the node's mode stops it first. */
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (bsdtun_open_unit(fam, 0, O_RDWR) >= 0 || errno != EACCES)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/*
 * A process that owns a user namespace and a network namespace (root
 * there, nothing outside) opens units whose interface is or will be in
 * its namespace, not those of the initial namespace.
 */
TEST_F(unit, user_namespace_owner_opens_only_its_own_units)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ], if0[IFNAMSIZ], if1[IFNAMSIZ], if4[IFNAMSIZ];
	pid_t pid;
	int st;

	bsdtun_name(if0, sizeof(if0), fam, 0);
	bsdtun_name(if1, sizeof(if1), fam, 1);
	bsdtun_name(if4, sizeof(if4), fam, 4);
	/*
	 * Unit 0's interface lives in the initial namespace (OpenBSD's as
	 * long as the unit is open).
	 */
	self->fd = bsdtun_open_unit(fam, 0, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (!fam->obsd) {
		close(self->fd);
		self->fd = -1;
	}

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, s;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			_exit(10);
		/* Root inside (uid 0 maps to itself), so the 0600 node opens. */
		if (bsdtun_write_file("/proc/self/setgroups", "deny") ||
		    bsdtun_write_file("/proc/self/uid_map", "0 0 1") ||
		    bsdtun_write_file("/proc/self/gid_map", "0 0 1"))
			_exit(11);
		/* Its interface is not in this namespace: not there for us. */
		if (bsdtun_open_unit(fam, 0, O_RDWR) >= 0 || errno != ENXIO)
			_exit(1);
		/* Unit 1 has no interface yet: it is made here. */
		fd = bsdtun_open_unit(fam, 1, O_RDWR);
		if (fd < 0 || !if_nametoindex(if1))
			_exit(2);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (bsdtun_set_up(s, if1, 1))
			_exit(3);
		close(fd);
		fd = bsdtun_clone_fam(fam, name);
		if (fd < 0 || !if_nametoindex(name))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	/* Neither of its interfaces is in the initial namespace. */
	EXPECT_EQ(0, if_nametoindex(if1));
	EXPECT_EQ(0, if_nametoindex(if4));
	EXPECT_NE(0, if_nametoindex(if0));
}

/*
 * A unit whose interface lives in another network namespace is not
 * there for an opener in this one (its traffic would go there), and a
 * boot unit a container opened first comes back to the host, without an
 * interface, when the container deletes the interface or dies.
 */
TEST_F(unit, unit_in_other_namespace_is_enxio_boot_unit_comes_back)
{
	const struct bsdtun_family *fam = variant->fam;
	char if1[IFNAMSIZ], if2[IFNAMSIZ];
	struct ifreq ifr;
	int fd, err;

	bsdtun_name(if1, sizeof(if1), fam, 1);
	bsdtun_name(if2, sizeof(if2), fam, 2);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	fd = bsdtun_open_unit_in("bt", fam, 1);
	ASSERT_LE(0, fd);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(fd, TUNGIFNAME, &ifr));
	EXPECT_STREQ(if1, ifr.ifr_name);
	/* FreeBSD's interface stays there closed; OpenBSD's while open. */
	if (!fam->obsd)
		close(fd);
	EXPECT_EQ(-1, bsdtun_open_unit(fam, 1, O_RDWR));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(0, if_nametoindex(if1));

	/*
	 * The container deletes the interface (OpenBSD's close does): the
	 * host's unit is back.
	 */
	if (fam->obsd)
		close(fd);
	else
		ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link del %s", if1));
	EXPECT_TRUE(bsdtun_has_node(fam, 1));
	self->fd = bsdtun_open_unit(fam, 1, O_RDWR);
	err = errno;
	ASSERT_LE(0, self->fd) TH_LOG("%s", strerror(err));
	EXPECT_NE(0, if_nametoindex(if1));
	close(self->fd);
	self->fd = -1;

	/* The container holds unit 2 and dies with it. */
	fd = bsdtun_open_unit_in("bt", fam, 2);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bsdtun_open_unit(fam, 2, O_RDWR));
	EXPECT_EQ(ENXIO, errno);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns del bt"));
	/* Namespace cleanup runs in a work queue: retry, bounded. */
	for (int i = 0; i < 5000; i++) {
		self->fd = bsdtun_open_unit(fam, 2, O_RDWR);
		/* Its node is remade in between: ENOENT for a moment too. */
		if (self->fd >= 0 || (errno != ENXIO && errno != ENOENT))
			break;
		usleep(1000);
	}
	err = errno;
	ASSERT_LE(0, self->fd) TH_LOG("%s", strerror(err));
	EXPECT_NE(0, if_nametoindex(if2));
	/* The container's file is detached from the unit it held. */
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EHOSTDOWN, errno);
	close(fd);
}

/*
 * Units a child made before the limit stopped it, and the errno then; in
 * its namespace, and in one nested in it.
 */
struct bsdtun_made {
	int units, err, nested_units, nested_err;
};

/* "ip link add" of @prefix<i> for i < @max until refused: how many. */
static int bsdtun_make_units(const char *prefix, const char *kind, int max,
			     int *err)
{
	char name[IFNAMSIZ];
	int n = 0;

	*err = 0;
	for (; n < max; n++) {
		snprintf(name, sizeof(name), "%s%d", prefix, n);
		*err = -bsdtun_nl_add(name, kind);
		if (*err)
			break;
	}
	return n;
}

/*
 * As "unshare -Urn" run by user @uid (root stays root, as a container
 * manager makes a container's namespaces): make at most @first units of
 * rtnl kind @kind with "ip link add", stopping when refused; then, from
 * a user namespace nested in that one, as many as it takes.  Reports over
 * @out, then waits for a byte on @hold (the units live as long as their
 * namespaces).
 */
static void bsdtun_make_units_as(uid_t uid, const char *kind, int first,
				 int out, int hold)
{
	struct bsdtun_made m = { 0 };
	char c;

	if (bsdtun_unpriv_userns(uid))
		_exit(10);
	m.units = bsdtun_make_units("u", kind, first, &m.err);
	/* Its units live as long as their namespace: keep it while nested. */
	if (open("/proc/self/ns/net", O_RDONLY) < 0 ||
	    unshare(CLONE_NEWUSER | CLONE_NEWNET) ||
	    bsdtun_write_file("/proc/self/uid_map", "0 0 1"))
		_exit(11);
	m.nested_units = bsdtun_make_units("n", kind, 100, &m.nested_err);
	if (write(out, &m, sizeof(m)) != sizeof(m))
		_exit(12);
	read(hold, &c, 1);
	_exit(0);
}

static pid_t bsdtun_spawn_maker_first(uid_t uid, const char *kind, int first,
				      struct bsdtun_made *m, int hold[2])
{
	int out[2];
	pid_t pid;

	if (pipe(out))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(out[0]);
		close(hold[1]);
		bsdtun_make_units_as(uid, kind, first, out[1], hold[0]);
	}
	close(out[1]);
	if (read(out[0], m, sizeof(*m)) != sizeof(*m))
		m->units = -1;
	close(out[0]);
	return pid;
}

static pid_t bsdtun_spawn_maker(uid_t uid, const char *kind,
				struct bsdtun_made *m, int hold[2])
{
	return bsdtun_spawn_maker_first(uid, kind, 100, m, hold);
}

/*
 * The units of @fam: its nodes in the class all families share.  Read
 * here, not by a shell, as the tests poll it.
 */
static int bsdtun_count_units(const struct bsdtun_family *fam)
{
	DIR *d = opendir("/sys/class/bsdtun");
	size_t len = strlen(fam->prefix);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, fam->prefix, len) &&
		     e->d_name[len] >= '0' && e->d_name[len] <= '9';
	closedir(d);
	return n;
}

/*
 * Users without CAP_NET_ADMIN in the initial namespace make units from
 * namespaces of their own, within a per-user limit that nested
 * namespaces share, and all of them together within half of max_units
 * (of the family): the initial namespace keeps numbers.  Their units die
 * with their namespaces, and the charge with them.
 */
TEST_F(unit, unprivileged_users_limited_initial_namespace_keeps_units)
{
	const struct bsdtun_family *fam = variant->fam;
	struct bsdtun_made a, b, again;
	int hold[2], st, want;
	char name[IFNAMSIZ];
	pid_t pa, pb;

	/* 4 boot units; users may hold 10 of 20 in all, 8 each. */
	ASSERT_EQ(0, bsdtun_reload("user_units=8 max_units=20"));
	ASSERT_EQ(0, pipe(hold));
	pa = bsdtun_spawn_maker(65534, fam->kind, &a, hold);
	ASSERT_LT(0, pa);
	EXPECT_EQ(8, a.units);
	EXPECT_EQ(EDQUOT, a.err);
	EXPECT_EQ(EDQUOT, a.nested_err);
	pb = bsdtun_spawn_maker(65533, fam->kind, &b, hold);
	ASSERT_LT(0, pb);
	EXPECT_EQ(2, b.units);
	EXPECT_EQ(EDQUOT, b.err);
	EXPECT_EQ(14, bsdtun_count_units(fam));
	/* The initial namespace still makes units. */
	self->fd = bsdtun_clone_fam(fam, name);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link add %s19 type %s",
			       fam->prefix, fam->kind));
	close(self->fd);
	self->fd = -1;

	/* Their namespaces die: their units go, and the charge with them. */
	close(hold[1]);
	ASSERT_EQ(pa, waitpid(pa, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(pb, waitpid(pb, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(hold[0]);
	/* Boot units, unit 19 and (but OpenBSD's, closed) the clone. */
	want = fam->obsd ? 5 : 6;
	for (int i = 0; i < 5000 && bsdtun_count_units(fam) != want; i++)
		usleep(1000);
	EXPECT_EQ(want, bsdtun_count_units(fam));
	ASSERT_EQ(0, pipe(hold));
	pa = bsdtun_spawn_maker(65534, fam->kind, &again, hold);
	ASSERT_LT(0, pa);
	EXPECT_EQ(8, again.units);
	close(hold[1]);
	waitpid(pa, &st, 0);
	close(hold[0]);
}

/*
 * Units are counted per user at every level of user namespaces, as the
 * kernel's ucounts count: in the namespace a unit is made from, then,
 * charged to the namespace's owner, in its parent, up to the initial
 * one.  Each level lets a user make user_units.  Two containers whose
 * namespaces root made (LXC, Incus, nspawn -U) count apart, as root is
 * not held to user_units in the initial namespace; a namespace nested in
 * one shares its budget; the namespaces of another user share that
 * user's.  Counts go back down as units are destroyed.
 */
TEST_F(unit, sibling_user_namespaces_count_apart_nested_share)
{
	const struct bsdtun_family *fam = variant->fam;
	struct bsdtun_made a, b, c, d, e;
	pid_t pa, pb, pc, pd, pe;
	int hold[2], st;

	ASSERT_EQ(0, bsdtun_reload("user_units=8 max_units=128"));
	ASSERT_EQ(0, pipe(hold));
	/* Two containers of root's: each makes its 8. */
	pa = bsdtun_spawn_maker(0, fam->kind, &a, hold);
	ASSERT_LT(0, pa);
	EXPECT_EQ(8, a.units);
	EXPECT_EQ(EDQUOT, a.err);
	EXPECT_EQ(0, a.nested_units);
	EXPECT_EQ(EDQUOT, a.nested_err);
	/* 3 in the second, and its nested namespace takes the other 5. */
	pb = bsdtun_spawn_maker_first(0, fam->kind, 3, &b, hold);
	ASSERT_LT(0, pb);
	EXPECT_EQ(3, b.units);
	EXPECT_EQ(0, b.err);
	EXPECT_EQ(5, b.nested_units);
	EXPECT_EQ(EDQUOT, b.nested_err);
	pc = bsdtun_spawn_maker(0, fam->kind, &c, hold);
	ASSERT_LT(0, pc);
	EXPECT_EQ(8, c.units);
	/* An unprivileged user's two namespaces share its 8. */
	pd = bsdtun_spawn_maker(65534, fam->kind, &d, hold);
	ASSERT_LT(0, pd);
	EXPECT_EQ(8, d.units);
	pe = bsdtun_spawn_maker(65534, fam->kind, &e, hold);
	ASSERT_LT(0, pe);
	EXPECT_EQ(0, e.units);
	EXPECT_EQ(EDQUOT, e.err);
	EXPECT_EQ(4 + 32, bsdtun_count_units(fam));

	close(hold[1]);
	ASSERT_EQ(pa, waitpid(pa, &st, 0));
	ASSERT_EQ(pb, waitpid(pb, &st, 0));
	ASSERT_EQ(pc, waitpid(pc, &st, 0));
	ASSERT_EQ(pd, waitpid(pd, &st, 0));
	ASSERT_EQ(pe, waitpid(pe, &st, 0));
	close(hold[0]);
	for (int i = 0; i < 5000 && bsdtun_count_units(fam) != 4; i++)
		usleep(1000);
	EXPECT_EQ(4, bsdtun_count_units(fam));

	/* Every count went back: a container and a user make 8 again. */
	ASSERT_EQ(0, pipe(hold));
	pa = bsdtun_spawn_maker(0, fam->kind, &a, hold);
	ASSERT_LT(0, pa);
	EXPECT_EQ(8, a.units);
	pd = bsdtun_spawn_maker(65534, fam->kind, &d, hold);
	ASSERT_LT(0, pd);
	EXPECT_EQ(8, d.units);
	close(hold[1]);
	waitpid(pa, &st, 0);
	waitpid(pd, &st, 0);
	close(hold[0]);
}

/*
 * TUNSDEBUG sets one level for every unit: root of a user namespace may
 * read it, not set it.
 */
TEST_F(unit, tunsdebug_needs_privilege_in_initial_namespace)
{
	const struct bsdtun_family *fam = variant->fam;
	char clone[64];
	pid_t pid;
	int st;

	/* What a udev rule might do: let others open the cloning node. */
	ASSERT_EQ(0, chmod(bsdtun_node(clone, sizeof(clone), fam, -1), 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, val = 1;

		if (bsdtun_unpriv_userns(65534))
			_exit(10);
		fd = open(clone, O_RDWR);
		if (fd < 0)
			_exit(1);
		if (ioctl(fd, fam->obsd ? BSDTUN_OBSD_TUNSDEBUG : TUNSDEBUG,
			  &val) == 0 || errno != EPERM)
			_exit(2);
		if (ioctl(fd, fam->obsd ? BSDTUN_OBSD_TUNGDEBUG : TUNGDEBUG, &val) ||
		    val != 0)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, bsdtun_read_num("/sys/module/bsdtun/parameters/debug"));
}

TEST_HARNESS_MAIN
