// SPDX-License-Identifier: GPL-2.0
/*
 * The BSD ioctls: TUNSIFINFO/TUNGIFINFO, TUNSIFMODE, TUNSDEBUG/TUNGDEBUG,
 * TUNSIFPID, FIONREAD, FIOASYNC with FIOSETOWN/FIOGETOWN, TIOCSPGRP/
 * TIOCGPGRP and F_SETOWN/O_ASYNC, poll/select/epoll readiness, ENOTTY for
 * unknown requests and EFAULT for bad pointers; and, on every family, which
 * requests need CAP_NET_ADMIN over the interface's namespace (those that
 * change its configuration) and which the file's holder makes without
 * it (the tunnel's own).
 */
#include <limits.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	44

FIXTURE(ioc) {
	int fd;
	char name[IFNAMSIZ];
};

FIXTURE_SETUP(ioc)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_clone(self->name);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ioc)
{
	close(self->fd);
}

TEST_F(ioc, tuninfo_defaults_and_set)
{
	struct tuninfo ti;

	memset(&ti, 0xff, sizeof(ti));
	ASSERT_EQ(0, ioctl(self->fd, TUNGIFINFO, &ti));
	EXPECT_EQ(1500, ti.mtu);
	EXPECT_EQ(IFT_PPP, ti.type);
	EXPECT_EQ(0, ti.baudrate);

	ti.mtu = 1280;
	ti.type = 0x06;
	ti.baudrate = 9600;
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFINFO, &ti));
	EXPECT_EQ(1280, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	memset(&ti, 0, sizeof(ti));
	ASSERT_EQ(0, ioctl(self->fd, TUNGIFINFO, &ti));
	EXPECT_EQ(1280, ti.mtu);
	EXPECT_EQ(0x06, ti.type);
	EXPECT_EQ(9600, ti.baudrate);
}

TEST_F(ioc, tuninfo_mtu_range)
{
	struct tuninfo ti;

	ASSERT_EQ(0, ioctl(self->fd, TUNGIFINFO, &ti));
	ti.mtu = 71;
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);
	ti.mtu = TUNMRU + 1;
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFINFO, &ti));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1500, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	ti.mtu = 72;
	EXPECT_EQ(0, ioctl(self->fd, TUNSIFINFO, &ti));
	EXPECT_EQ(72, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	ti.mtu = TUNMRU;
	EXPECT_EQ(0, ioctl(self->fd, TUNSIFINFO, &ti));
	EXPECT_EQ(TUNMRU, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
}

TEST_F(ioc, sifmode_sets_link_flags)
{
	int mode = IFF_BROADCAST;
	long long flags;

	ASSERT_EQ(0, ioctl(self->fd, TUNSIFMODE, &mode));
	flags = bsdtun_flags(self->name);
	EXPECT_TRUE(flags & IFF_BROADCAST);
	EXPECT_FALSE(flags & IFF_POINTOPOINT);
	/* The mode replaces multicast too, as on FreeBSD. */
	EXPECT_FALSE(flags & IFF_MULTICAST);
	mode = IFF_BROADCAST | IFF_MULTICAST;
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFMODE, &mode));
	EXPECT_TRUE(bsdtun_flags(self->name) & IFF_MULTICAST);
	mode = IFF_POINTOPOINT;
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFMODE, &mode));
	flags = bsdtun_flags(self->name);
	EXPECT_TRUE(flags & IFF_POINTOPOINT);
	EXPECT_FALSE(flags & (IFF_MULTICAST | IFF_BROADCAST));
	mode = IFF_POINTOPOINT | IFF_MULTICAST;
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFMODE, &mode));
	flags = bsdtun_flags(self->name);
	EXPECT_FALSE(flags & IFF_BROADCAST);
	EXPECT_TRUE(flags & IFF_POINTOPOINT);
	EXPECT_TRUE(flags & IFF_MULTICAST);
}

TEST_F(ioc, sifmode_rejects_bad_values_and_busy)
{
	int mode = IFF_UP;

	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFMODE, &mode));
	EXPECT_EQ(EINVAL, errno);
	mode = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFMODE, &mode));
	EXPECT_EQ(EINVAL, errno);
	mode = IFF_BROADCAST | IFF_POINTOPOINT;
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFMODE, &mode));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, bsdtun_link_up(self->name, 1));
	mode = IFF_BROADCAST;
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFMODE, &mode));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_TRUE(bsdtun_flags(self->name) & IFF_POINTOPOINT);
}

TEST_F(ioc, debug_level_round_trip)
{
	int val = 3, got = -1;

	ASSERT_EQ(0, ioctl(self->fd, TUNSDEBUG, &val));
	ASSERT_EQ(0, ioctl(self->fd, TUNGDEBUG, &got));
	EXPECT_EQ(3, got);
	EXPECT_EQ(3, bsdtun_read_num("/sys/module/bsdtun/parameters/debug"));
	val = 0;
	ASSERT_EQ(0, ioctl(self->fd, TUNSDEBUG, &val));
	ASSERT_EQ(0, ioctl(self->fd, TUNGDEBUG, &got));
	EXPECT_EQ(0, got);
}

TEST_F(ioc, sifpid_records_caller)
{
	pid_t pid;
	int st;

	EXPECT_EQ(getpid(), bsdtun_read_num("/sys/class/net/%s/bsdtun/pid", self->name));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ioctl(self->fd, TUNSIFPID) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(pid, bsdtun_read_num("/sys/class/net/%s/bsdtun/pid", self->name));
}

/*
 * A controlling process in a PID namespace of its own (a container's
 * daemon): each reader of the pid attribute sees it numbered in its own
 * namespace, as /proc does, here the grandchild's 1 and the host's PID.
 */
TEST_F(ioc, sifpid_numbered_in_the_readers_pid_namespace)
{
	char path[96];
	pid_t pid, inner = 0;
	int p[2], st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/bsdtun/pid", self->name);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t g;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		g = fork();
		if (g == 0)
			_exit(ioctl(self->fd, TUNSIFPID) ||
			      bsdtun_read_num("%s", path) != getpid() ? 1 : 0);
		if (g < 0 || write(p[1], &g, sizeof(g)) != sizeof(g) ||
		    waitpid(g, &st, 0) != g || !WIFEXITED(st))
			_exit(2);
		_exit(WEXITSTATUS(st));
	}
	close(p[1]);
	ASSERT_EQ(sizeof(inner), read(p[0], &inner, sizeof(inner)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	/* Inside, it read itself as 1. */
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_LT(1, inner);
	EXPECT_EQ(inner, bsdtun_read_num("%s", path));
}

TEST_F(ioc, fionread_next_packet_size)
{
	int n = -1, on = 1;
	char buf[64];

	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(10, bsdtun_send4(NET, "0123456789", 10));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(38, n);
	/* The header is the one in force when the packet was queued. */
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(38, n);
	ASSERT_EQ(10, bsdtun_send4(NET, "0123456789", 10));
	ASSERT_EQ(38, read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(42, n);
}

TEST_F(ioc, fioasync_sends_sigio_to_owner)
{
	int on = 1, owner = 0;
	struct timespec zero = { 0 };
	sigset_t set;

	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	bsdtun_block_sigio();
	owner = getpid();
	ASSERT_EQ(0, ioctl(self->fd, FIOSETOWN, &owner));
	owner = 0;
	ASSERT_EQ(0, ioctl(self->fd, FIOGETOWN, &owner));
	EXPECT_EQ(getpid(), owner);
	/* Not asked for yet: no signal. */
	ASSERT_EQ(1, bsdtun_send4(NET, "a", 1));
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	EXPECT_EQ(-1, sigtimedwait(&set, NULL, &zero));
	ASSERT_EQ(0, ioctl(self->fd, FIOASYNC, &on));
	ASSERT_EQ(1, bsdtun_send4(NET, "b", 1));
	EXPECT_TRUE(bsdtun_got_sigio());
}

TEST_F(ioc, fcntl_setown_and_o_async)
{
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	bsdtun_block_sigio();
	ASSERT_EQ(0, fcntl(self->fd, F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fcntl(self->fd, F_GETFL) | O_ASYNC));
	ASSERT_EQ(1, bsdtun_send4(NET, "c", 1));
	EXPECT_TRUE(bsdtun_got_sigio());
}

TEST_F(ioc, tiocspgrp_sets_process_group_owner)
{
	int pgrp = getpgrp(), got = 0;

	ASSERT_EQ(0, ioctl(self->fd, TIOCSPGRP, &pgrp));
	ASSERT_EQ(0, ioctl(self->fd, TIOCGPGRP, &got));
	EXPECT_EQ(pgrp, got);
	ASSERT_EQ(0, ioctl(self->fd, FIOGETOWN, &got));
	EXPECT_EQ(-pgrp, got);
	/* A negative FIOSETOWN is a process group too. */
	got = -pgrp;
	ASSERT_EQ(0, ioctl(self->fd, FIOSETOWN, &got));
	ASSERT_EQ(0, ioctl(self->fd, TIOCGPGRP, &got));
	EXPECT_EQ(pgrp, got);
}

TEST_F(ioc, poll_select_epoll_readiness)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	struct timeval tv = { 0 };
	fd_set rd, wr;
	int ep;

	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(self->fd, &rd);
	FD_SET(self->fd, &wr);
	ASSERT_EQ(1, select(self->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_FALSE(FD_ISSET(self->fd, &rd));
	EXPECT_TRUE(FD_ISSET(self->fd, &wr));

	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(EPOLLOUT, out.events);

	ASSERT_EQ(1, bsdtun_send4(NET, "r", 1));
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLIN | POLLOUT, p.revents);
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(EPOLLIN | EPOLLOUT, out.events);
	close(ep);
}

TEST_F(ioc, unknown_ioctl_is_enotty)
{
	int v = 0;

	EXPECT_EQ(-1, ioctl(self->fd, _IOW('t', 120, int), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, 0x1234, &v));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(ioc, bad_pointers_are_efault)
{
	void *bad = (void *)1;

	EXPECT_EQ(-1, ioctl(self->fd, TUNGIFINFO, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFINFO, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNGIFNAME, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, FIONREAD, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNSIFHEAD, bad));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, TUNGDEBUG, bad));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * A TUNSIFMODE that changes nothing announces nothing: the first link
 * message after it is the one of the next real change (an MTU).
 */
TEST_F(ioc, sifmode_unchanged_sends_no_event)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct timeval tv = { .tv_sec = 5 };
	int mode = IFF_POINTOPOINT | IFF_MULTICAST, s;
	char buf[8192];
	ssize_t n;

	s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bind(s, (struct sockaddr *)&sa, sizeof(sa)));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFMODE, &mode));
	ASSERT_EQ(0, bsdtun_link_set(self->name, SIOCSIFMTU, 1400));
	for (;;) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		struct ifinfomsg *ifi;
		struct rtattr *rta;
		int len, mtu = -1;

		n = recv(s, buf, sizeof(buf), 0);
		ASSERT_LT(0, n);
		ifi = NLMSG_DATA(nh);
		if (nh->nlmsg_type != RTM_NEWLINK ||
		    ifi->ifi_index != (int)if_nametoindex(self->name))
			continue;
		len = IFLA_PAYLOAD(nh);
		for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
			if (rta->rta_type == IFLA_MTU)
				memcpy(&mtu, RTA_DATA(rta), sizeof(mtu));
		EXPECT_EQ(1400, mtu);
		break;
	}
	close(s);
}

/*
 * The owner's pid means nothing once it has exited: FIOGETOWN says 0,
 * as fcntl(F_GETOWN) does, not a number another process may get.
 */
TEST_F(ioc, fiogetown_after_owner_exits_is_zero)
{
	int owner, got = -1;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	owner = pid;
	ASSERT_EQ(0, ioctl(self->fd, FIOSETOWN, &owner));
	ASSERT_EQ(0, ioctl(self->fd, FIOGETOWN, &got));
	EXPECT_EQ(pid, got);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	ASSERT_EQ(0, ioctl(self->fd, FIOGETOWN, &got));
	EXPECT_EQ(0, got);
	ASSERT_EQ(0, ioctl(self->fd, TIOCGPGRP, &got));
	EXPECT_EQ(0, got);
	EXPECT_EQ(0, fcntl(self->fd, F_GETOWN));
}

/* INT_MIN has no negation: TIOCSPGRP refuses it, as F_SETOWN does. */
TEST_F(ioc, tiocspgrp_int_min_is_einval)
{
	int val = INT_MIN, got = -1;

	EXPECT_EQ(-1, ioctl(self->fd, TIOCSPGRP, &val));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->fd, FIOGETOWN, &got));
	EXPECT_EQ(0, got);
}

FIXTURE(priv) {
	int fd;
	char name[IFNAMSIZ];
};

FIXTURE_VARIANT(priv) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(priv, tun) { .fam = &bsdtun_fam_tun };
FIXTURE_VARIANT_ADD(priv, tap) { .fam = &bsdtun_fam_tap };
FIXTURE_VARIANT_ADD(priv, vmnet) { .fam = &bsdtun_fam_vmnet };
FIXTURE_VARIANT_ADD(priv, otun) { .fam = &bsdtun_fam_otun };
FIXTURE_VARIANT_ADD(priv, otap) { .fam = &bsdtun_fam_otap };

FIXTURE_SETUP(priv)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_clone_fam(variant->fam, self->name);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(priv)
{
	close(self->fd);
}

/* In the child: one check, named on stderr when it fails. */
#define PRIV_CHECK(what, cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "# %s: %s\n", what, strerror(errno)); \
			fails++;					\
		}							\
	} while (0)
#define PRIV_EPERM(what, call)	PRIV_CHECK(what, (call) == -1 && errno == EPERM)
#define PRIV_OK(what, call)	PRIV_CHECK(what, (call) == 0)

/* FreeBSD's requests as uid 65534: the number of checks that failed. */
static int priv_fbsd(int fd, const struct bsdtun_family *fam)
{
	uint8_t mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 9 };
	int fails = 0, on = 1, off = 0, mode;
	struct tuninfo ti, want;

	PRIV_OK("TUNGIFINFO", ioctl(fd, TUNGIFINFO, &ti));
	want = ti;
	ti.mtu = 1400;
	PRIV_EPERM("TUNSIFINFO changing the MTU", ioctl(fd, TUNSIFINFO, &ti));
	ti = want;
	if (!fam->ether) {
		ti.type = IFT_TUNNEL;
		PRIV_EPERM("TUNSIFINFO changing the type", ioctl(fd, TUNSIFINFO, &ti));
		ti = want;
	}
	/* The baud rate is the program's note to itself. */
	ti.baudrate = 9600;
	PRIV_OK("TUNSIFINFO changing the baud rate", ioctl(fd, TUNSIFINFO, &ti));
	PRIV_OK("TUNGTRANSIENT", ioctl(fd, TUNGTRANSIENT, &off));
	if (!fam->ether) {
		mode = IFF_BROADCAST;
		PRIV_EPERM("TUNSIFMODE changing the link", ioctl(fd, TUNSIFMODE, &mode));
		mode = IFF_POINTOPOINT | IFF_MULTICAST;
		PRIV_OK("TUNSIFMODE changing nothing", ioctl(fd, TUNSIFMODE, &mode));
		PRIV_OK("TUNSIFHEAD", ioctl(fd, TUNSIFHEAD, &on));
		PRIV_OK("TUNSLMODE", ioctl(fd, TUNSLMODE, &on));
		PRIV_OK("TUNSLMODE off", ioctl(fd, TUNSLMODE, &off));
		PRIV_OK("TUNSIFPID", ioctl(fd, TUNSIFPID));
	} else {
		PRIV_EPERM("VMIO_SIOCSIFFLAGS", ioctl(fd, VMIO_SIOCSIFFLAGS, 0));
		/* The far end's MAC: kept for the program. */
		PRIV_OK("SIOCSIFADDR (the far end's MAC)", ioctl(fd, SIOCSIFADDR, mac));
	}
	return fails;
}

/* OpenBSD's requests as uid 65534: the number of checks that failed. */
static int priv_obsd(int fd, const struct bsdtun_family *fam, const char *name)
{
	struct bsdtun_obsd_tuninfo ti, want;
	uint8_t mac[ETH_ALEN];
	int fails = 0;

	PRIV_OK("TUNGIFINFO", ioctl(fd, BSDTUN_OBSD_TUNGIFINFO, &ti));
	want = ti;
	ti.mtu = 1400;
	PRIV_EPERM("TUNSIFINFO changing the MTU", ioctl(fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	ti = want;
	ti.baudrate = 9600;
	PRIV_OK("TUNSIFINFO changing the baud rate",
		ioctl(fd, BSDTUN_OBSD_TUNSIFINFO, &ti));
	/* OpenBSD's TUNSIFMODE only checks. */
	PRIV_OK("TUNSIFMODE", ioctl(fd, BSDTUN_OBSD_TUNSIFMODE, &want.flags));
	if (fam->ether) {
		PRIV_CHECK("own MAC", bsdtun_mac(name, mac) == 0);
		PRIV_OK("SIOCSIFADDR changing nothing", ioctl(fd, SIOCSIFADDR, mac));
		mac[5] ^= 1;
		PRIV_EPERM("SIOCSIFADDR (the interface's MAC)", ioctl(fd, SIOCSIFADDR, mac));
	}
	return fails;
}

/*
 * A daemon opens as root, then drops to another user keeping the file
 * (or hands it to one): that user runs the tunnel (its headers, modes,
 * signals, non-blocking reads) but may not reconfigure the interface,
 * as FreeBSD asks PRIV_NET_SETIFMTU and Linux CAP_NET_ADMIN for it.  A
 * request that changes nothing is not a change.
 */
TEST_F(priv, configuration_needs_cap_net_admin_tunnel_requests_do_not)
{
	const struct bsdtun_family *fam = variant->fam;
	long long mtu = bsdtun_read_num("/sys/class/net/%s/mtu", self->name);
	long long flags = bsdtun_flags(self->name);
	pid_t pid;
	int st;

	ASSERT_LT(0, mtu);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ifreq ifr;
		int fails, on = 1, off = 0, n;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		fails = fam->obsd ? priv_obsd(self->fd, fam, self->name) :
				    priv_fbsd(self->fd, fam);
		PRIV_OK("FIONBIO", ioctl(self->fd, FIONBIO, &on));
		PRIV_OK("FIONBIO off", ioctl(self->fd, FIONBIO, &off));
		PRIV_OK("FIOASYNC", ioctl(self->fd, FIOASYNC, &on));
		PRIV_OK("FIOASYNC off", ioctl(self->fd, FIOASYNC, &off));
		PRIV_OK("FIOSETOWN", ioctl(self->fd, FIOSETOWN, &(int){ getpid() }));
		PRIV_OK("FIONREAD", ioctl(self->fd, FIONREAD, &n));
		memset(&ifr, 0, sizeof(ifr));
		PRIV_OK("TUNGIFNAME", ioctl(self->fd, TUNGIFNAME, &ifr));
		_exit(fails);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(mtu, bsdtun_read_num("/sys/class/net/%s/mtu", self->name));
	EXPECT_EQ(flags, bsdtun_flags(self->name));
}

TEST_HARNESS_MAIN
