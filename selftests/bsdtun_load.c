// SPDX-License-Identifier: GPL-2.0
/*
 * Module load and unload: the module is loaded, its cloning node is a
 * root-only character device, unloading removes every node, and load and
 * unload cycles leave no node and no kernel warning.
 */
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

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
	ASSERT_EQ(0, bsdtun_sh("rmmod bsdtun"));
	EXPECT_FALSE(bsdtun_loaded());
	EXPECT_NE(0, access("/dev/bsdtun", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun0", F_OK));
	EXPECT_NE(0, access("/sys/class/bsdtun", F_OK));
	ASSERT_EQ(0, bsdtun_reload(NULL));
	EXPECT_EQ(0, access("/dev/bsdtun", F_OK));
}

TEST(twenty_load_unload_cycles)
{
	long long tainted = bsdtun_read_num("/proc/sys/kernel/tainted");
	int reports = bsdtun_kernel_reports();
	int i;

	ASSERT_LE(0, reports);
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, bsdtun_sh("rmmod bsdtun")) TH_LOG("cycle %d", i);
		ASSERT_NE(0, access("/dev/bsdtun", F_OK));
		ASSERT_NE(0, access("/dev/bsdtun3", F_OK));
		ASSERT_EQ(0, bsdtun_reload(NULL)) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, access("/dev/bsdtun", F_OK));
		ASSERT_EQ(0, access("/dev/bsdtun3", F_OK));
	}
	ASSERT_EQ(0, bsdtun_sh("rmmod bsdtun"));
	EXPECT_EQ(0, bsdtun_sh("! ls /dev | grep -q bsdtun"));
	EXPECT_EQ(reports, bsdtun_kernel_reports());
	EXPECT_EQ(tainted, bsdtun_read_num("/proc/sys/kernel/tainted"));
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

TEST_HARNESS_MAIN
