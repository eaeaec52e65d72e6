// SPDX-License-Identifier: GPL-2.0
/*
 * Module load and unload: the module is loaded, its cloning node is a
 * root-only character device, unloading removes every node, load and
 * unload cycles leave no node and no kernel warning, and opening a static
 * node of the cloning device's number loads the module (kmod's devname
 * alias, as systemd makes such nodes at boot), and programs opening its
 * nodes while the module loads or unloads never make the load fail nor
 * outlive the unload.
 */
#include <pthread.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

/*
 * Twenty module loads take 20 to 30 s on the debug kernel under TCG
 * (KASAN, lockdep, kmemleak): too close to the harness's 30 s default,
 * which one loaded CI run crossed.  TEST() takes its timeout from this.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120

/* Number of lines in the kernel log that carry a kernel report. */
static int bsdtun_kernel_reports(void)
{
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1), count = 0;
	char *p;

	if (n < 0)
		return -1;
	log[n] = 0;
	for (p = log; (p = strstr(p, "WARNING:")); p++)
		count++;
	for (p = log; (p = strstr(p, "BUG:")); p++)
		count++;
	return count;
}

TEST(module_is_loaded)
{
	ASSERT_TRUE(bsdtun_loaded());
	EXPECT_EQ(0, bsdtun_sh("grep -q '^bsdtun ' /proc/modules"));
}

TEST(clone_node_is_root_only_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/bsdtun", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

TEST(rmmod_removes_the_node)
{
	ASSERT_EQ(0, bsdtun_rmmod());
	EXPECT_FALSE(bsdtun_loaded());
	EXPECT_NE(0, access("/dev/bsdtun", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun0", F_OK));
	EXPECT_NE(0, access("/sys/class/bsdtun", F_OK));
	ASSERT_EQ(0, bsdtun_reload(NULL));
	EXPECT_EQ(0, access("/dev/bsdtun", F_OK));
}

/*
 * Every name up to <prefix><max_units - 1> must fit an interface name
 * (15 characters): a prefix too long for max_units is refused at load,
 * saying why, instead of cutting names into each other.
 */
TEST(prefix_too_long_for_max_units_is_refused)
{
	ASSERT_EQ(0, bsdtun_rmmod());
	/* "abcdefghij999999" is 16 characters. */
	EXPECT_NE(0, bsdtun_insmod("prefix=abcdefghij max_units=1000000"));
	EXPECT_FALSE(bsdtun_loaded());
	EXPECT_EQ(0, bsdtun_sh("dmesg | tail -n 5 | grep -q 'longer than 15 characters'"));
	/* "abcdefghij99999" fits. */
	ASSERT_EQ(0, bsdtun_insmod("prefix=abcdefghij max_units=100000"));
	EXPECT_EQ(0, access("/dev/abcdefghij3", F_OK));
	ASSERT_EQ(0, bsdtun_rmmod());
	/* A queue bound below a few of the largest packets is refused too. */
	EXPECT_NE(0, bsdtun_insmod("queue_bytes=4096"));
	EXPECT_FALSE(bsdtun_loaded());
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

TEST(twenty_load_unload_cycles)
{
	long long tainted = bsdtun_read_num("/proc/sys/kernel/tainted");
	int reports = bsdtun_kernel_reports();
	int i;

	ASSERT_LE(0, reports);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, bsdtun_rmmod()) TH_LOG("cycle %d", i);
		ASSERT_NE(0, access("/dev/bsdtun", F_OK));
		ASSERT_NE(0, access("/dev/bsdtun3", F_OK));
		ASSERT_EQ(0, bsdtun_reload(NULL)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, access("/dev/bsdtun", F_OK));
		ASSERT_EQ(0, access("/dev/bsdtun3", F_OK));
	}
	ASSERT_EQ(0, bsdtun_rmmod());
	EXPECT_EQ(0, bsdtun_sh("! ls /dev | grep -q bsdtun"));
	EXPECT_EQ(reports, bsdtun_kernel_reports());
	EXPECT_EQ(tainted, bsdtun_read_num("/proc/sys/kernel/tainted"));
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

/* Threads opening and closing one node over and over. */
struct bsdtun_opener {
	const char *path;
	int threads;
	int stop;
	long opened;
	pthread_t t[2];
};

static void *bsdtun_opener_thread(void *arg)
{
	struct bsdtun_opener *o = arg;
	int fd;

	while (!__atomic_load_n(&o->stop, __ATOMIC_RELAXED)) {
		fd = open(o->path, O_RDWR);
		if (fd >= 0) {
			__atomic_add_fetch(&o->opened, 1, __ATOMIC_RELAXED);
			close(fd);
		}
	}
	return NULL;
}

static int bsdtun_openers_start(struct bsdtun_opener *o)
{
	int k;

	__atomic_store_n(&o->stop, 0, __ATOMIC_RELAXED);
	for (k = 0; k < o->threads; k++)
		if (pthread_create(&o->t[k], NULL, bsdtun_opener_thread, o))
			return -1;
	return 0;
}

static int bsdtun_openers_stop(struct bsdtun_opener *o)
{
	int k, err = 0;

	__atomic_store_n(&o->stop, 1, __ATOMIC_RELAXED);
	for (k = 0; k < o->threads; k++)
		err |= pthread_join(o->t[k], NULL);
	return err;
}

/*
 * Two daemons starting at once: the cloning node appears while init is
 * still making the boot units, and a clone taken then used to grab a boot
 * unit's number and fail the load, leaving the early opener's file on a
 * freed module.  Clones racing each load must leave it loaded with its
 * boot units, and the debug kernel sees no report.
 */
TEST(opens_racing_the_load_never_fail_it)
{
	struct bsdtun_opener o = { .path = "/dev/bsdtun", .threads = 2 };
	int reports = bsdtun_kernel_reports();
	int i, rc;

	ASSERT_LE(0, reports);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, bsdtun_rmmod()) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, bsdtun_openers_start(&o));
		rc = bsdtun_insmod("%s", "");
		ASSERT_EQ(0, bsdtun_openers_stop(&o));
		ASSERT_EQ(0, rc) TH_LOG("cycle %d: the load failed", i);
		ASSERT_TRUE(bsdtun_loaded());
		ASSERT_EQ(0, access("/dev/bsdtun0", F_OK));
		ASSERT_EQ(0, access("/dev/bsdtun3", F_OK));
	}
	/* The openers ran across every load: they reached the driver. */
	EXPECT_LT(0, o.opened);
	EXPECT_EQ(reports, bsdtun_kernel_reports());
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

/*
 * The other end: unloads while a thread keeps opening unit 0.  Each
 * delete_module either finds the file open (EBUSY) or removes everything;
 * after the one that succeeds no node is left, the opens fail, and a
 * reload works.  The system call, not rmmod, so that the attempts are
 * quick even on the debug kernel, where the unload has taken up to
 * ~40,000 tries: a million is far above it.
 */
TEST(unload_racing_opens_leaves_nothing)
{
	struct bsdtun_opener o = { .path = "/dev/bsdtun0", .threads = 1 };
	int reports = bsdtun_kernel_reports();
	long tries, want;
	int i, rc;

	ASSERT_LE(0, reports);
	for (i = 0; i < 5; i++) {
		want = __atomic_load_n(&o.opened, __ATOMIC_RELAXED) + 20;
		ASSERT_EQ(0, bsdtun_openers_start(&o));
		/* Unload only once it is opening (the harness bounds this). */
		while (__atomic_load_n(&o.opened, __ATOMIC_RELAXED) < want)
			sched_yield();
		for (tries = 0; tries < 1000000; tries++) {
			rc = syscall(SYS_delete_module, "bsdtun", O_NONBLOCK);
			if (!rc || errno != EWOULDBLOCK)
				break;
		}
		EXPECT_EQ(0, rc) TH_LOG("cycle %d: %ld tries, %s", i, tries, strerror(errno));
		/* Nothing of the module is reachable while it goes on. */
		EXPECT_FALSE(bsdtun_loaded());
		EXPECT_NE(0, access("/dev/bsdtun0", F_OK));
		EXPECT_NE(0, access("/sys/class/bsdtun", F_OK));
		ASSERT_EQ(0, bsdtun_openers_stop(&o));
		ASSERT_EQ(0, bsdtun_reload(NULL)) TH_LOG("cycle %d", i);
	}
	EXPECT_EQ(reports, bsdtun_kernel_reports());
}

/*
 * The installed module names its cloning node for kmod (modules.devname)
 * with a fixed misc number, so a static node opened while the module is
 * not loaded loads it.  Needs the module installed and depmod run for
 * the running kernel, as make install, DKMS and the test VM do.
 */
TEST(static_node_open_loads_module)
{
	char path[256], line[256];
	struct utsname u;
	int found = 0, fd;
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, uname(&u));
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.devname", u.release);
	f = fopen(path, "r");
	if (!f)
		SKIP(return, "%s: module not installed for this kernel", path);
	while (fgets(line, sizeof(line), f))
		found |= !strcmp(line, "bsdtun bsdtun c10:249\n");
	fclose(f);
	if (!found)
		SKIP(return, "%s names no bsdtun node: not installed", path);

	ASSERT_EQ(0, stat("/dev/bsdtun", &st));
	EXPECT_EQ(makedev(10, 249), st.st_rdev);
	ASSERT_EQ(0, bsdtun_rmmod());
	ASSERT_FALSE(bsdtun_loaded());
	unlink("/tmp/bsdtun-static");
	ASSERT_EQ(0, mknod("/tmp/bsdtun-static", S_IFCHR | 0600, makedev(10, 249)));
	fd = open("/tmp/bsdtun-static", O_RDWR);
	EXPECT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	EXPECT_TRUE(bsdtun_loaded());
	if (fd >= 0) {
		char name[IFNAMSIZ];

		/* It is the cloning device: the open made a unit. */
		EXPECT_EQ(0, bsdtun_ifname(fd, name));
		close(fd);
	}
	unlink("/tmp/bsdtun-static");
}

TEST_HARNESS_MAIN
