// SPDX-License-Identifier: GPL-2.0
/*
 * Units, nodes and interfaces: preallocated nodes, the units and prefix
 * parameters, interfaces made on first open in the opener's namespace and
 * kept on close, the cloning node, TUNGIFNAME (FreeBSD and DragonFly
 * numbers), ip link add/del (also while open: the file is detached),
 * namespace deletion, renaming, transient units, rmmod with a file open,
 * EBUSY and EPERM on open, units opened from a user namespace, ENXIO for
 * a unit whose interface is in another namespace, boot units coming back
 * from a container, and the per-user limit on units made without
 * privilege in the initial namespace.
 */
#include <pthread.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

FIXTURE(unit) {
	int fd;
};

FIXTURE_SETUP(unit)
{
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

FIXTURE_TEARDOWN(unit)
{
	if (self->fd >= 0)
		close(self->fd);
	bsdtun_sh(BSDTUN_IP " netns del bt 2>/dev/null");
}

TEST_F(unit, preallocated_nodes_without_interfaces)
{
	struct stat st;
	int i;

	for (i = 0; i < 4; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/bsdtun%d", i);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(0600, st.st_mode & 07777);
		EXPECT_EQ(0, st.st_uid);
	}
	EXPECT_NE(0, access("/dev/bsdtun4", F_OK));
	EXPECT_NE(0, access("/sys/class/net/bsdtun0", F_OK));
}

TEST_F(unit, units_and_prefix_parameters)
{
	char name[IFNAMSIZ];

	ASSERT_EQ(0, bsdtun_reload("units=2 prefix=tun"));
	EXPECT_EQ(0, access("/dev/tun0", F_OK));
	EXPECT_EQ(0, access("/dev/tun1", F_OK));
	EXPECT_NE(0, access("/dev/tun2", F_OK));
	EXPECT_EQ(0, access("/dev/tun", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun0", F_OK));
	self->fd = open("/dev/tun0", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_ifname(self->fd, name));
	EXPECT_STREQ("tun0", name);
	EXPECT_EQ(0, access("/sys/class/net/tun0", F_OK));
	close(self->fd);
	self->fd = -1;
	/* A prefix that cannot name an interface is refused. */
	ASSERT_EQ(0, bsdtun_sh("rmmod bsdtun"));
	EXPECT_NE(0, bsdtun_sh("insmod %s prefix=a/b 2>/dev/null", bsdtun_ko()));
	EXPECT_NE(0, bsdtun_sh("insmod %s units=9 max_units=4 2>/dev/null", bsdtun_ko()));
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

TEST_F(unit, first_open_creates_interface_close_keeps_it)
{
	char name[IFNAMSIZ];

	self->fd = open("/dev/bsdtun1", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_ifname(self->fd, name));
	EXPECT_STREQ("bsdtun1", name);
	EXPECT_EQ(0, access("/sys/class/net/bsdtun1", F_OK));
	close(self->fd);
	EXPECT_EQ(0, access("/sys/class/net/bsdtun1", F_OK));
	EXPECT_EQ(0, access("/dev/bsdtun1", F_OK));
	self->fd = open("/dev/bsdtun1", O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/bsdtun1/bsdtun/unit"));
}

TEST_F(unit, interface_made_in_openers_namespace)
{
	pid_t pid;
	int st;

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ns = open("/run/netns/bt", O_RDONLY), fd;

		if (ns < 0 || setns(ns, CLONE_NEWNET))
			_exit(1);
		fd = open("/dev/bsdtun2", O_RDWR);
		if (fd < 0)
			_exit(2);
		/* Visible here, in the child's namespace... */
		if (!if_nametoindex("bsdtun2"))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	/* ...not in the initial one. */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link show bsdtun2 2>/dev/null"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link show bsdtun2 >/dev/null"));
}

TEST_F(unit, clone_takes_lowest_unallocated_unit)
{
	char name[IFNAMSIZ];
	int fd2;

	self->fd = bsdtun_clone(name);
	ASSERT_LE(0, self->fd);
	EXPECT_STREQ("bsdtun4", name);
	EXPECT_EQ(0, access("/dev/bsdtun4", F_OK));
	EXPECT_EQ(0, access("/sys/class/net/bsdtun4", F_OK));
	fd2 = bsdtun_clone(name);
	ASSERT_LE(0, fd2);
	EXPECT_STREQ("bsdtun5", name);
	close(fd2);
	/* Free a low number: the next clone takes it. */
	fd2 = open("/dev/bsdtun2", O_RDWR);
	ASSERT_LE(0, fd2);
	close(fd2);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del bsdtun2"));
	fd2 = bsdtun_clone(name);
	ASSERT_LE(0, fd2);
	EXPECT_STREQ("bsdtun2", name);
	close(fd2);
}

TEST_F(unit, tungifname_freebsd_and_dragonfly_numbers)
{
	struct ifreq ifr;

	EXPECT_NE(TUNGIFNAME, BSDTUN_TUNGIFNAME_DFLY);
	self->fd = open("/dev/bsdtun3", O_RDWR);
	ASSERT_LE(0, self->fd);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(self->fd, TUNGIFNAME, &ifr));
	EXPECT_STREQ("bsdtun3", ifr.ifr_name);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(self->fd, BSDTUN_TUNGIFNAME_DFLY, &ifr));
	EXPECT_STREQ("bsdtun3", ifr.ifr_name);
}

TEST_F(unit, ip_link_add_named_unit)
{
	struct stat st;

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add bsdtun7 type bsdtun"));
	ASSERT_EQ(0, stat("/dev/bsdtun7", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(7, bsdtun_read_num("/sys/class/net/bsdtun7/bsdtun/unit"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -d link show bsdtun7 | grep -q bsdtun"));
	/* An existing unit cannot be added again. */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add bsdtun7 type bsdtun 2>/dev/null"));
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add bsdtun0 type bsdtun 2>/dev/null"));
	/* Beyond max_units. */
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add bsdtun5000 type bsdtun 2>/dev/null"));
	/* Another name takes the lowest free number and keeps its name. */
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add vpn0 type bsdtun"));
	EXPECT_EQ(4, bsdtun_read_num("/sys/class/net/vpn0/bsdtun/unit"));
	EXPECT_EQ(0, access("/dev/bsdtun4", F_OK));
	self->fd = open("/dev/bsdtun7", O_RDWR);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del bsdtun7"));
	EXPECT_NE(0, access("/dev/bsdtun7", F_OK));
	EXPECT_NE(0, access("/sys/class/net/bsdtun7", F_OK));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del vpn0"));
	EXPECT_NE(0, access("/dev/bsdtun4", F_OK));
}

TEST_F(unit, ip_link_del_while_open_detaches_file)
{
	char name[IFNAMSIZ], buf[64];
	struct pollfd p;

	self->fd = bsdtun_clone(name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link del %s", name));
	EXPECT_NE(0, access("/dev/bsdtun4", F_OK));
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

	self->fd = bsdtun_clone(name);
	ASSERT_LE(0, self->fd);
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
	char name[IFNAMSIZ], buf[16];

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link add bsdtun9 type bsdtun"));
	self->fd = bsdtun_clone(name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s netns bt", name));
	EXPECT_EQ(0, access("/dev/bsdtun9", F_OK));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns del bt"));
	/* Namespace cleanup runs in a work queue: wait for it, bounded. */
	for (int i = 0; i < 5000 && !access("/dev/bsdtun9", F_OK); i++)
		usleep(1000);
	EXPECT_NE(0, access("/dev/bsdtun9", F_OK));
	for (int i = 0; i < 5000 && !access("/dev/bsdtun4", F_OK); i++)
		usleep(1000);
	EXPECT_NE(0, access("/dev/bsdtun4", F_OK));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EHOSTDOWN, errno);
}

TEST_F(unit, rename_keeps_unit_and_node)
{
	char name[IFNAMSIZ];

	self->fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set bsdtun0 name wan7"));
	ASSERT_EQ(0, bsdtun_ifname(self->fd, name));
	EXPECT_STREQ("wan7", name);
	EXPECT_EQ(0, access("/dev/bsdtun0", F_OK));
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/wan7/bsdtun/unit"));
}

TEST_F(unit, transient_unit_destroyed_on_close)
{
	char name[IFNAMSIZ];
	int on = 1, val = -1;

	self->fd = bsdtun_clone(name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, TUNGTRANSIENT, &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, ioctl(self->fd, TUNSTRANSIENT, &on));
	ASSERT_EQ(0, ioctl(self->fd, TUNGTRANSIENT, &val));
	EXPECT_EQ(1, val);
	EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/bsdtun/transient", name));
	close(self->fd);
	self->fd = -1;
	EXPECT_NE(0, access("/sys/class/net/bsdtun4", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun4", F_OK));
	/* Not transient: stays. */
	self->fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, access("/sys/class/net/bsdtun0", F_OK));
}

TEST_F(unit, rmmod_refused_while_open_then_cleans_up)
{
	self->fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link add bsdtun8 type bsdtun"));
	EXPECT_NE(0, bsdtun_sh("rmmod bsdtun 2>/dev/null"));
	EXPECT_TRUE(bsdtun_loaded());
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_sh("rmmod bsdtun"));
	EXPECT_NE(0, access("/sys/class/net/bsdtun0", F_OK));
	EXPECT_NE(0, access("/sys/class/net/bsdtun8", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun8", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun", F_OK));
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

TEST_F(unit, second_open_is_ebusy)
{
	int fd2;

	self->fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, self->fd);
	fd2 = open("/dev/bsdtun0", O_RDWR);
	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(EBUSY, errno);
	close(self->fd);
	self->fd = open("/dev/bsdtun0", O_RDWR);
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
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The node is 0600 root: keep uid 0 so only the capability fails. */
		if (bsdtun_drop_caps())
			_exit(10);
		if (open("/dev/bsdtun0", O_RDWR) >= 0 || errno != EPERM)
			_exit(1);
		if (open("/dev/bsdtun", O_RDWR) >= 0 || errno != EPERM)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_NE(0, access("/sys/class/net/bsdtun0", F_OK));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Another user: the node's mode stops it first. */
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (open("/dev/bsdtun0", O_RDWR) >= 0 || errno != EACCES)
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
	char name[IFNAMSIZ];
	pid_t pid;
	int st;

	/* bsdtun0's interface lives in the initial namespace. */
	self->fd = open("/dev/bsdtun0", O_RDWR);
	ASSERT_LE(0, self->fd);
	close(self->fd);
	self->fd = -1;

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
		if (open("/dev/bsdtun0", O_RDWR) >= 0 || errno != ENXIO)
			_exit(1);
		/* bsdtun1 has no interface yet: it is made here. */
		fd = open("/dev/bsdtun1", O_RDWR);
		if (fd < 0 || !if_nametoindex("bsdtun1"))
			_exit(2);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (bsdtun_set_up(s, "bsdtun1", 1))
			_exit(3);
		close(fd);
		fd = bsdtun_clone(name);
		if (fd < 0 || !if_nametoindex(name))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	/* Neither of its interfaces is in the initial namespace. */
	EXPECT_EQ(0, if_nametoindex("bsdtun1"));
	EXPECT_EQ(0, if_nametoindex("bsdtun4"));
	EXPECT_NE(0, if_nametoindex("bsdtun0"));
}

/*
 * A unit whose interface lives in another network namespace is not
 * there for an opener in this one (its traffic would go there), and a
 * boot unit a container opened first comes back to the host, without an
 * interface, when the container deletes the interface or dies.
 */
TEST_F(unit, unit_in_other_namespace_is_enxio_boot_unit_comes_back)
{
	struct ifreq ifr;
	int fd, err;

	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns add bt"));
	fd = bsdtun_open_in("bt", "/dev/bsdtun1");
	ASSERT_LE(0, fd);
	memset(&ifr, 0, sizeof(ifr));
	ASSERT_EQ(0, ioctl(fd, TUNGIFNAME, &ifr));
	EXPECT_STREQ("bsdtun1", ifr.ifr_name);
	close(fd);
	EXPECT_EQ(-1, open("/dev/bsdtun1", O_RDWR));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(0, if_nametoindex("bsdtun1"));

	/* The container deletes the interface: the host's unit is back. */
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -n bt link del bsdtun1"));
	EXPECT_EQ(0, access("/dev/bsdtun1", F_OK));
	self->fd = open("/dev/bsdtun1", O_RDWR);
	err = errno;
	ASSERT_LE(0, self->fd) TH_LOG("%s", strerror(err));
	EXPECT_NE(0, if_nametoindex("bsdtun1"));
	close(self->fd);
	self->fd = -1;

	/* The container holds bsdtun2 and dies with it. */
	fd = bsdtun_open_in("bt", "/dev/bsdtun2");
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, open("/dev/bsdtun2", O_RDWR));
	EXPECT_EQ(ENXIO, errno);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " netns del bt"));
	/* Namespace cleanup runs in a work queue: retry, bounded. */
	for (int i = 0; i < 5000; i++) {
		self->fd = open("/dev/bsdtun2", O_RDWR);
		/* Its node is remade in between: ENOENT for a moment too. */
		if (self->fd >= 0 || (errno != ENXIO && errno != ENOENT))
			break;
		usleep(1000);
	}
	err = errno;
	ASSERT_LE(0, self->fd) TH_LOG("%s", strerror(err));
	EXPECT_NE(0, if_nametoindex("bsdtun2"));
	/* The container's file is detached from the unit it held. */
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EHOSTDOWN, errno);
	close(fd);
}

/* Units a child made before the limit stopped it, and the errno then. */
struct bsdtun_made {
	int units, err, nested_err;
};

/*
 * As "unshare -Urn" run by user @uid: make units with "ip link add" until
 * refused; then, from a user namespace nested in that one, once more.
 * Reports over @out, then waits for a byte on @hold (the units live as
 * long as its namespace).
 */
static void bsdtun_make_units_as(uid_t uid, int out, int hold)
{
	struct bsdtun_made m = { 0 };
	char name[IFNAMSIZ], c;
	int err = 0;

	if (bsdtun_unpriv_userns(uid))
		_exit(10);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		err = bsdtun_nl_link(1, name);
		if (err)
			break;
		m.units++;
	}
	m.err = -err;
	/* Its units live as long as their namespace: keep it while nested. */
	if (open("/proc/self/ns/net", O_RDONLY) < 0 ||
	    unshare(CLONE_NEWUSER | CLONE_NEWNET) ||
	    bsdtun_write_file("/proc/self/uid_map", "0 0 1"))
		_exit(11);
	m.nested_err = -bsdtun_nl_link(1, "nested");
	if (write(out, &m, sizeof(m)) != sizeof(m))
		_exit(12);
	read(hold, &c, 1);
	_exit(0);
}

static pid_t bsdtun_spawn_maker(uid_t uid, struct bsdtun_made *m, int hold[2])
{
	int out[2];
	pid_t pid;

	if (pipe(out))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(out[0]);
		close(hold[1]);
		bsdtun_make_units_as(uid, out[1], hold[0]);
	}
	close(out[1]);
	if (read(out[0], m, sizeof(*m)) != sizeof(*m))
		m->units = -1;
	close(out[0]);
	return pid;
}

static int bsdtun_count_units(void)
{
	return bsdtun_sh("exit $(ls -d /sys/class/bsdtun/* | wc -l)");
}

/*
 * Users without CAP_NET_ADMIN in the initial namespace make units from
 * namespaces of their own, within a per-user limit that nested
 * namespaces share, and all of them together within half of max_units:
 * the initial namespace keeps numbers.  Their units die with their
 * namespaces, and the charge with them.
 */
TEST_F(unit, unprivileged_users_limited_initial_namespace_keeps_units)
{
	struct bsdtun_made a, b, again;
	int hold[2], st;
	char name[IFNAMSIZ];
	pid_t pa, pb;

	/* 4 boot units; users may hold 10 of 20 in all, 8 each. */
	ASSERT_EQ(0, bsdtun_reload("user_units=8 max_units=20"));
	ASSERT_EQ(0, pipe(hold));
	pa = bsdtun_spawn_maker(65534, &a, hold);
	ASSERT_LT(0, pa);
	EXPECT_EQ(8, a.units);
	EXPECT_EQ(EDQUOT, a.err);
	EXPECT_EQ(EDQUOT, a.nested_err);
	pb = bsdtun_spawn_maker(65533, &b, hold);
	ASSERT_LT(0, pb);
	EXPECT_EQ(2, b.units);
	EXPECT_EQ(EDQUOT, b.err);
	EXPECT_EQ(14, bsdtun_count_units());
	/* The initial namespace still makes units. */
	self->fd = bsdtun_clone(name);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link add bsdtun19 type bsdtun"));
	close(self->fd);
	self->fd = -1;

	/* Their namespaces die: their units go, and the charge with them. */
	close(hold[1]);
	ASSERT_EQ(pa, waitpid(pa, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(pb, waitpid(pb, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(hold[0]);
	for (int i = 0; i < 5000 && bsdtun_count_units() != 6; i++)
		usleep(1000);
	EXPECT_EQ(6, bsdtun_count_units());
	ASSERT_EQ(0, pipe(hold));
	pa = bsdtun_spawn_maker(65534, &again, hold);
	ASSERT_LT(0, pa);
	EXPECT_EQ(8, again.units);
	close(hold[1]);
	waitpid(pa, &st, 0);
	close(hold[0]);
}

/*
 * TUNSDEBUG sets one level for every unit: root of a user namespace may
 * read it, not set it.
 */
TEST_F(unit, tunsdebug_needs_privilege_in_initial_namespace)
{
	pid_t pid;
	int st;

	/* What a udev rule might do: let others open the cloning node. */
	ASSERT_EQ(0, chmod("/dev/bsdtun", 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, val = 1;

		if (bsdtun_unpriv_userns(65534))
			_exit(10);
		fd = open("/dev/bsdtun", O_RDWR);
		if (fd < 0)
			_exit(1);
		if (ioctl(fd, TUNSDEBUG, &val) == 0 || errno != EPERM)
			_exit(2);
		if (ioctl(fd, TUNGDEBUG, &val) || val != 0)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, bsdtun_read_num("/sys/module/bsdtun/parameters/debug"));
}

TEST_HARNESS_MAIN
