// SPDX-License-Identifier: GPL-2.0
/*
 * Each BSD's tun and tap code, as that BSD's own is written, against
 * bsdtun's headers: tests/headers/<bsd>.c, built here with the include
 * paths pkg-config gives (make check also builds them against the
 * installed headers, 64- and 32-bit).  Each variant runs one program on
 * one family's node and checks what it printed: the interface the unit
 * got, its type as the program's own header names it, its MTU, and that
 * the interface is there (or, for OpenBSD's close policy, gone) after.
 */
#include <libgen.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

FIXTURE(hdr) {
};

FIXTURE_VARIANT(hdr) {
	const char *prog;	/* bsdtun_hdr_<bsd>, beside this program */
	const char *arg1, *arg2;
	const char *want_name;	/* exact, or a prefix when want_prefix */
	int want_prefix;
	const char *want_type;
	unsigned int want_mtu;
	int stays;		/* the interface outlives the program */
};

FIXTURE_VARIANT_ADD(hdr, freebsd_tun) {
	.prog = "bsdtun_hdr_freebsd", .arg1 = "/dev/bsdtun",
	.want_name = "bsdtun", .want_prefix = 1, .want_type = "ppp",
	.want_mtu = 1500, .stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, freebsd_tap) {
	.prog = "bsdtun_hdr_freebsd", .arg1 = "/dev/bsdtap",
	.want_name = "bsdtap", .want_prefix = 1, .want_type = "ether",
	.want_mtu = 1500, .stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, freebsd_vmnet) {
	.prog = "bsdtun_hdr_freebsd", .arg1 = "/dev/bsdvmnet",
	.want_name = "bsdvmnet", .want_prefix = 1, .want_type = "ether",
	.want_mtu = 1500, .stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, dragonfly_tun) {
	.prog = "bsdtun_hdr_dragonfly", .arg1 = "/dev/bsdtun",
	.want_name = "bsdtun", .want_prefix = 1, .want_type = "ppp",
	.want_mtu = 1500, .stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, dragonfly_tap) {
	.prog = "bsdtun_hdr_dragonfly", .arg1 = "/dev/bsdtap",
	.want_name = "bsdtap", .want_prefix = 1, .want_type = "ether",
	.want_mtu = 1500, .stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, netbsd_tun) {
	.prog = "bsdtun_hdr_netbsd", .arg1 = "tun", .arg2 = "/dev/bsdtun1",
	.want_name = "bsdtun1", .want_type = "ppp", .want_mtu = 1500,
	.stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, netbsd_tap) {
	.prog = "bsdtun_hdr_netbsd", .arg1 = "tap", .arg2 = "/dev/bsdtap",
	.want_name = "bsdtap", .want_prefix = 1, .want_type = "ether",
	.want_mtu = 1500, .stays = 1,
};

FIXTURE_VARIANT_ADD(hdr, openbsd_tun) {
	.prog = "bsdtun_hdr_openbsd", .arg1 = "/dev/bsdotun1",
	.want_name = "bsdotun1", .want_type = "tunnel", .want_mtu = 1400,
};

FIXTURE_VARIANT_ADD(hdr, openbsd_tap) {
	.prog = "bsdtun_hdr_openbsd", .arg1 = "/dev/bsdotap1",
	.want_name = "bsdotap1", .want_type = "ether", .want_mtu = 1400,
};

FIXTURE_SETUP(hdr)
{
	ASSERT_EQ(0, bsdtun_reload(NULL));
}

FIXTURE_TEARDOWN(hdr)
{
}

/* Run @prog (beside this program) with @a1, @a2; its output in @out. */
static int bsdtun_run_hdr(const char *prog, const char *a1, const char *a2,
			  char *out, size_t size)
{
	char exe[512], path[600];
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || pipe(p))
		return -1;
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/%s", dirname(exe), prog);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(path, prog, a1, a2, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got < (ssize_t)size - 1 &&
	       (n = read(p[0], out + got, size - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST_F(hdr, bsd_program_runs_on_its_family)
{
	char out[256], name[IFNAMSIZ + 1], type[16];
	unsigned int mtu;
	int fields;

	ASSERT_EQ(0, bsdtun_run_hdr(variant->prog, variant->arg1, variant->arg2,
				    out, sizeof(out)))
		TH_LOG("%s %s: %s", variant->prog, variant->arg1, out);
	fields = sscanf(out, "%16s %15s %u", name, type, &mtu);
	ASSERT_EQ(3, fields) TH_LOG("output: %s", out);
	if (variant->want_prefix) {
		size_t len = strlen(variant->want_name);

		EXPECT_EQ(0, strncmp(name, variant->want_name, len));
		EXPECT_TRUE(name[len] >= '0' && name[len] <= '9') TH_LOG("%s", name);
	} else {
		EXPECT_STREQ(variant->want_name, name);
	}
	EXPECT_STREQ(variant->want_type, type);
	EXPECT_EQ(variant->want_mtu, mtu);
	if (variant->stays) {
		EXPECT_NE(0, if_nametoindex(name)) TH_LOG("%s gone", name);
		EXPECT_EQ(mtu, bsdtun_read_num("/sys/class/net/%s/mtu", name));
	} else {
		EXPECT_EQ(0, if_nametoindex(name)) TH_LOG("%s left", name);
	}
}

TEST_HARNESS_MAIN
