// SPDX-License-Identifier: GPL-2.0
/*
 * Delegated units, for every family: a unit given to a user and/or group
 * ("ip link add NAME type KIND user U group G" over rtnetlink, or
 * BSDTUN_SOWNER and BSDTUN_SGROUP on an open unit) may be opened, read,
 * written and driven by that user without CAP_NET_ADMIN; configuring the
 * interface still needs it, and so does giving the unit on.  devtmpfs
 * makes the node of a unit given at creation its owner's; a unit given
 * later tells udev the node's new owner with a change event.  A unit given to no one, or to
 * someone else, is refused (EPERM) even when the node's mode lets the
 * open through.  Ids are those of the caller's user namespace: one that
 * namespace does not map is EINVAL.
 */
#include <linux/capability.h>
#include <linux/netlink.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NUM	40
#define NET	47
#define USER	65534
#define OTHER	65533
#define GROUP	4242

FIXTURE(dlg) {
	char name[IFNAMSIZ];
	char node[32];
};

FIXTURE_VARIANT(dlg) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(dlg, tun) { .fam = &bsdtun_fam_tun };
FIXTURE_VARIANT_ADD(dlg, tap) { .fam = &bsdtun_fam_tap };
FIXTURE_VARIANT_ADD(dlg, vmnet) { .fam = &bsdtun_fam_vmnet };
FIXTURE_VARIANT_ADD(dlg, otun) { .fam = &bsdtun_fam_otun };
FIXTURE_VARIANT_ADD(dlg, otap) { .fam = &bsdtun_fam_otap };

FIXTURE_SETUP(dlg)
{
	if (!bsdtun_loaded())
		ASSERT_EQ(0, bsdtun_reload(NULL));
	bsdtun_name(self->name, sizeof(self->name), variant->fam, NUM);
	snprintf(self->node, sizeof(self->node), "/dev/%s", self->name);
}

FIXTURE_TEARDOWN(dlg)
{
	bsdtun_nl_link_kind(0, self->name, variant->fam->kind);
}

/* The unit's node as udev would leave it: @uid's, mode @mode. */
static int dlg_chown(const char *node, uid_t uid, gid_t gid, mode_t mode)
{
	return chown(node, uid, gid) || chmod(node, mode) ? -1 : 0;
}

/*
 * In a child: become @uid with supplementary group @group (none when
 * negative) and no capabilities, open @node and drive the unit as a
 * daemon does; @want_open the errno the open must fail with (0: it must
 * work).  The exit status is the number of checks that failed.
 */
#define DLG_CHECK(what, cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "# uid %d: %s: %s\n", (int)getuid(), \
				what, strerror(errno));			\
			fails++;					\
		}							\
	} while (0)

static int dlg_as_user(const struct bsdtun_family *fam, const char *node,
		       uid_t uid, long group, int want_open, int opened)
{
	gid_t g = (gid_t)group;
	struct tuninfo ti;
	int fails = 0, fd, n, on = 1;
	uint32_t id = 0;
	uint8_t buf[2048];

	if (setgroups(group >= 0 ? 1 : 0, &g) || setgid(uid) || setuid(uid))
		return 100;
	fd = open(node, O_RDWR);
	if (want_open) {
		DLG_CHECK("open refused", fd < 0 && errno == want_open);
		return fails;
	}
	DLG_CHECK("open", fd >= 0);
	if (fd < 0)
		return fails;
	/* The parent now brings the interface up and sends to the far end. */
	DLG_CHECK("tell the parent", write(opened, "o", 1) == 1);
	DLG_CHECK("FIONREAD", ioctl(fd, FIONREAD, &n) == 0);
	DLG_CHECK("FIOASYNC", ioctl(fd, FIOASYNC, &on) == 0);
	DLG_CHECK("BSDTUN_GOWNER", ioctl(fd, BSDTUN_GOWNER, &id) == 0);
	if (!fam->obsd && !fam->ether)
		DLG_CHECK("TUNSIFHEAD", ioctl(fd, TUNSIFHEAD, &on) == 0);
	/* Configuring the interface still takes privilege. */
	if (!fam->obsd) {
		DLG_CHECK("TUNGIFINFO", ioctl(fd, TUNGIFINFO, &ti) == 0);
		ti.mtu = 1400;
		DLG_CHECK("TUNSIFINFO changing the MTU: EPERM",
			  ioctl(fd, TUNSIFINFO, &ti) < 0 && errno == EPERM);
	}
	/* Nor may the user give the unit on, or take it back. */
	id = OTHER;
	DLG_CHECK("BSDTUN_SOWNER: EPERM",
		  ioctl(fd, BSDTUN_SOWNER, &id) < 0 && errno == EPERM);
	id = (uint32_t)-1;
	DLG_CHECK("BSDTUN_SGROUP: EPERM",
		  ioctl(fd, BSDTUN_SGROUP, &id) < 0 && errno == EPERM);
	/* What the stack sends to the far end is the user's to read. */
	DLG_CHECK("a packet to read", bsdtun_readable(fd, 5000));
	DLG_CHECK("read", read(fd, buf, sizeof(buf)) > 0);
	close(fd);
	return fails;
}

/*
 * dlg_as_user() in a child.  Once it has the unit open, the interface
 * goes up (a close took it down) and a datagram leaves for the far end:
 * on tun the datagram, on tap an ARP request, is what the child reads.
 * The number of failed checks, or -1.
 */
static int dlg_child(const struct bsdtun_family *fam, const char *node,
		     uid_t uid, long group, int want_open)
{
	const char *name = node + strlen("/dev/");
	int p[2], st, sent = 1;
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		_exit(dlg_as_user(fam, node, uid, group, want_open, p[1]));
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1 &&
	    (bsdtun_up(name, NET) || bsdtun_send4(NET, "x", 1) != 1)) {
		fprintf(stderr, "# %s: cannot send to the far end\n", name);
		sent = 0;
	}
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || !sent)
		return -1;
	return WEXITSTATUS(st);
}

/* The unit as "ip link add ... user @owner group @group" makes it. */
static int dlg_add(const struct bsdtun_family *fam, const char *name,
		   long long owner, long long group)
{
	return bsdtun_nl_link_req(1, name, fam->kind, owner, group);
}

static long long dlg_attr(const char *name, const char *attr)
{
	return bsdtun_read_num("/sys/class/bsdtun/%s/%s", name, attr);
}

TEST_F(dlg, given_at_creation_the_node_is_the_owners)
{
	struct stat st;

	ASSERT_EQ(0, dlg_add(variant->fam, self->name, USER, -1));
	ASSERT_EQ(0, stat(self->node, &st));
	EXPECT_EQ(USER, st.st_uid);
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(USER, dlg_attr(self->name, "owner"));
	EXPECT_EQ(-1, dlg_attr(self->name, "group"));
	/* The owner runs the tunnel with no capability at all. */
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, -1, 0));
	/* Another user, let through by the node's mode, is not the owner. */
	ASSERT_EQ(0, dlg_chown(self->node, USER, 0, 0666));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, OTHER, -1, EPERM));
}

TEST_F(dlg, given_to_no_one_needs_cap_net_admin)
{
	ASSERT_EQ(0, dlg_add(variant->fam, self->name, -1, -1));
	EXPECT_EQ(-1, dlg_attr(self->name, "owner"));
	ASSERT_EQ(0, dlg_chown(self->node, 0, 0, 0666));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, GROUP, EPERM));
}

TEST_F(dlg, given_to_a_group_its_members_open)
{
	struct stat st;

	ASSERT_EQ(0, dlg_add(variant->fam, self->name, -1, GROUP));
	ASSERT_EQ(0, stat(self->node, &st));
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(GROUP, st.st_gid);
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(GROUP, dlg_attr(self->name, "group"));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, GROUP, 0));
	ASSERT_EQ(0, dlg_chown(self->node, 0, GROUP, 0666));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, -1, EPERM));
}

TEST_F(dlg, given_to_user_and_group_needs_both)
{
	ASSERT_EQ(0, dlg_add(variant->fam, self->name, USER, GROUP));
	ASSERT_EQ(0, dlg_chown(self->node, 0, 0, 0666));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, -1, EPERM));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, OTHER, GROUP, EPERM));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, GROUP, 0));
}

/* A uevent socket: what udev hears. */
static int dlg_uevents(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		       NETLINK_KOBJECT_UEVENT);

	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return s;
}

/*
 * Whether "change@...<name>" comes on @s within 5 s, carrying @var
 * (its variables are NUL-separated).
 */
static int dlg_change_event(int s, const char *name, const char *var)
{
	char buf[4096], want[64];
	ssize_t n, i;

	snprintf(want, sizeof(want), "/bsdtun/%s", name);
	while (bsdtun_readable(s, 5000)) {
		n = recv(s, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			return 0;
		buf[n] = 0;
		if (strncmp(buf, "change@", 7) || !strstr(buf, want))
			continue;
		for (i = 0; i < n; i += strlen(buf + i) + 1)
			if (!strcmp(buf + i, var))
				return 1;
		return 0;
	}
	return 0;
}

/*
 * NetworkManager's way with Linux tun: a privileged process gives an open
 * unit to a user and lets go; the user's daemon opens it later.  udev
 * sets the node's owner from the change event (the guest has no udev:
 * done by hand here, as udev would).
 */
TEST_F(dlg, given_later_by_request)
{
	int ev = dlg_uevents(), fd;
	uint32_t id = USER, got = 0;

	ASSERT_LE(0, ev);
	ASSERT_EQ(0, dlg_add(variant->fam, self->name, -1, -1));
	fd = open(self->node, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, BSDTUN_GOWNER, &got));
	EXPECT_EQ((uint32_t)-1, got);
	ASSERT_EQ(0, ioctl(fd, BSDTUN_SOWNER, &id));
	/* What udev applies to the node: its new owner. */
	EXPECT_TRUE(dlg_change_event(ev, self->name, "DEVUID=65534"));
	ASSERT_EQ(0, ioctl(fd, BSDTUN_GOWNER, &got));
	EXPECT_EQ(USER, got);
	EXPECT_EQ(USER, dlg_attr(self->name, "owner"));
	close(fd);
	ASSERT_EQ(0, dlg_chown(self->node, USER, 0, 0600));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, -1, 0));

	/* Taken back: the user is refused again. */
	fd = open(self->node, O_RDWR);
	ASSERT_LE(0, fd);
	id = (uint32_t)-1;
	ASSERT_EQ(0, ioctl(fd, BSDTUN_SOWNER, &id));
	close(fd);
	EXPECT_EQ(-1, dlg_attr(self->name, "owner"));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, -1, EPERM));
	close(ev);
}

TEST_F(dlg, given_later_through_rtnetlink)
{
	ASSERT_EQ(0, dlg_add(variant->fam, self->name, -1, -1));
	ASSERT_EQ(0, bsdtun_nl_link_req(2, self->name, variant->fam->kind,
					-1, GROUP));
	EXPECT_EQ(GROUP, dlg_attr(self->name, "group"));
	EXPECT_EQ(-1, dlg_attr(self->name, "owner"));
	ASSERT_EQ(0, dlg_chown(self->node, 0, GROUP, 0660));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, GROUP, 0));
	/* 0xffffffff takes it back. */
	ASSERT_EQ(0, bsdtun_nl_link_req(2, self->name, variant->fam->kind,
					-1, 0xffffffffLL));
	EXPECT_EQ(-1, dlg_attr(self->name, "group"));
	EXPECT_EQ(0, dlg_child(variant->fam, self->node, USER, GROUP, EPERM));
}

/*
 * ip(8) with bsdtun's plugin, link_<kind>.so, built beside this program:
 * "ip ARGS", its exit status; its output in @out when not NULL.
 */
static int dlg_ip(char *out, size_t size, const char *fmt, ...)
{
	char exe[256], args[256], cmd[768];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	va_list ap;
	FILE *f;
	int st;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "IP_LIB_DIR=%s " BSDTUN_IP " %s 2>&1", exe, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = out ? fread(out, 1, size - 1, f) : 0;
	if (out)
		out[n > 0 ? n : 0] = 0;
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The README's commands: iproute2 gives and shows, by name or number. */
TEST_F(dlg, ip_link_gives_and_shows_the_owner)
{
	const char *kind = variant->fam->kind;
	char out[4096];
	struct stat st;

	ASSERT_EQ(0, dlg_ip(out, sizeof(out), "link add %s type %s user nobody group %d",
			    self->name, kind, GROUP));
	ASSERT_EQ(0, stat(self->node, &st));
	EXPECT_EQ(USER, st.st_uid);
	EXPECT_EQ(GROUP, st.st_gid);
	EXPECT_EQ(0, dlg_ip(out, sizeof(out), "-d link show %s", self->name));
	EXPECT_TRUE(!!strstr(out, "user 65534 group 4242"));
	EXPECT_EQ(0, dlg_ip(out, sizeof(out), "-j -d link show %s", self->name));
	EXPECT_TRUE(!!strstr(out, "\"user\":65534"));

	/* Given anew; "none" takes the group back. */
	EXPECT_EQ(0, dlg_ip(NULL, 0, "link set %s type %s user %d group none",
			    self->name, kind, OTHER));
	EXPECT_EQ(OTHER, dlg_attr(self->name, "owner"));
	EXPECT_EQ(-1, dlg_attr(self->name, "group"));
	EXPECT_EQ(0, dlg_ip(out, sizeof(out), "-d link show %s", self->name));
	EXPECT_TRUE(!!strstr(out, "user 65533"));
	/* ("group default" is the link group ip prints for every link.) */
	EXPECT_TRUE(!strstr(out, "group 4242"));

	/* What ip cannot send, it refuses, and nothing changes. */
	EXPECT_NE(0, dlg_ip(out, sizeof(out), "link set %s type %s user no-such-user",
			    self->name, kind));
	EXPECT_TRUE(!!strstr(out, "no such user"));
	EXPECT_NE(0, dlg_ip(out, sizeof(out), "link set %s type %s owner 1",
			    self->name, kind));
	EXPECT_TRUE(!!strstr(out, "unknown option"));
	EXPECT_EQ(OTHER, dlg_attr(self->name, "owner"));
}

/* Drop every capability: a daemon that runs with none. */
static int dlg_drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d);
}

/*
 * Inside an unprivileged user namespace with its own network namespace,
 * as "unshare -Urn" gives: its root makes a unit there, gives it to its
 * own uid 0 (the host's USER), and a process of that namespace with no
 * capability opens it.  A uid the namespace does not map is EINVAL.
 * The exit status is the first failed step.
 */
static int dlg_in_userns(const struct bsdtun_family *fam, const char *name,
			 const char *node)
{
	uint32_t id = 5;
	struct stat st;
	int fd;

	if (bsdtun_unpriv_userns(USER))
		return 1;
	if (bsdtun_nl_link_req(1, name, fam->kind, 5, -1) != -EINVAL)
		return 2;
	if (bsdtun_nl_link_req(1, name, fam->kind, 0, -1))
		return 3;
	/* devtmpfs made the node the host's USER's: uid 0 here. */
	if (bsdtun_read_num("/sys/class/bsdtun/%s/owner", name) != 0 ||
	    stat(node, &st) || st.st_uid != 0)
		return 4;
	fd = open(node, O_RDWR);
	if (fd < 0)
		return 5;
	if (ioctl(fd, BSDTUN_SGROUP, &id) == 0 || errno != EINVAL)
		return 6;
	close(fd);
	if (dlg_drop_caps())
		return 7;
	fd = open(node, O_RDWR);
	if (fd < 0)
		return 8;
	/* Given to no one, the same process is refused. */
	id = (uint32_t)-1;
	if (ioctl(fd, BSDTUN_SOWNER, &id) == 0 || errno != EPERM)
		return 9;
	close(fd);
	return 0;
}

TEST_F(dlg, user_namespaces_give_their_own_ids)
{
	pid_t pid = fork();
	int st;

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dlg_in_userns(variant->fam, self->name, self->node));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
