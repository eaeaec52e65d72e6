// SPDX-License-Identifier: GPL-2.0
/*
 * Real BSD tunnel programs, unchanged: Debian's sources of quicktun,
 * tinc, iodine, n2n, gvpe and OpenSSH built with their BSD tun/tap code
 * (tests/programs/build.sh, which make check runs) carry a ping and a
 * TCP transfer between two network namespaces, each scenario a fixture
 * variant run by tests/programs/guest.sh.  The test passes on that
 * script's "RESULT: PASS" line and status, and shows its whole output.
 * Where the programs were not installed (a run of this program outside
 * make check) the test is skipped, saying so; make check installs them
 * on every x86_64 kernel.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define BSDTUN_PROGRAMS	"/bsdtun/programs"

FIXTURE(program) {
};

FIXTURE_VARIANT(program) {
	const char *scenario;
	/* Module parameters the program's fixed node names need. */
	const char *params;
};

/* quicktun: TUNSIFMODE and TUNSIFHEAD 1 (USE_PI=1), IPv6 too. */
FIXTURE_VARIANT_ADD(program, quicktun_ifhead) {
	.scenario = "quicktun-ifhead",
};

/* quicktun: TUNSIFHEAD 0, bare IPv4 packets. */
FIXTURE_VARIANT_ADD(program, quicktun_nohead) {
	.scenario = "quicktun-nohead",
};

/* The BSD build against Debian's own Linux quicktun on Linux tun. */
FIXTURE_VARIANT_ADD(program, quicktun_with_linux_quicktun) {
	.scenario = "quicktun-linux",
};

/* tinc 1.0, router mode on tun units: TUNSIFHEAD, TUNSIFMODE. */
FIXTURE_VARIANT_ADD(program, tinc_tun) {
	.scenario = "tinc-tun",
};

/* tinc 1.0, switch mode on tap units: TAPGIFNAME, Ethernet frames. */
FIXTURE_VARIANT_ADD(program, tinc_tap) {
	.scenario = "tinc-tap",
};

/* iodine: plain open/read/write, bsdtun's BSD ifconfig and route (tools/bsd/). */
FIXTURE_VARIANT_ADD(program, iodine) {
	.scenario = "iodine",
};

/* n2n's FreeBSD edge: the first free /dev/tapN, ifconfig by PATH. */
FIXTURE_VARIANT_ADD(program, n2n) {
	.scenario = "n2n",
	.params = "tap_prefix=tap",
};

/* gvpe's OpenBSD tun: /dev/tun0, the family word, /sbin/ifconfig, if-up. */
FIXTURE_VARIANT_ADD(program, gvpe_openbsd) {
	.scenario = "gvpe-openbsd",
	.params = "prefix=fbtun openbsd_prefix=tun",
};

/* OpenSSH's ssh -w and sshd, FreeBSD build: /dev/tunN, TUNSIFHEAD 1. */
FIXTURE_VARIANT_ADD(program, openssh) {
	.scenario = "openssh",
	.params = "prefix=tun",
};

FIXTURE_SETUP(program)
{
	ASSERT_TRUE(bsdtun_loaded());
	if (access(BSDTUN_PROGRAMS "/guest.sh", X_OK))
		SKIP(return, "%s not installed (make check builds them)",
		     BSDTUN_PROGRAMS);
	if (variant->params)
		ASSERT_EQ(0, bsdtun_reload(variant->params));
}

FIXTURE_TEARDOWN(program)
{
	if (variant->params)
		EXPECT_EQ(0, bsdtun_reload(NULL));
}

TEST_F_TIMEOUT(program, ping_and_transfer_through_the_tunnel, 600)
{
	char cmd[256], line[512];
	int passed = 0, status;
	FILE *out;

	snprintf(cmd, sizeof(cmd), "%s/guest.sh %s 2>&1", BSDTUN_PROGRAMS,
		 variant->scenario);
	out = popen(cmd, "r");
	ASSERT_TRUE(!!out);
	while (fgets(line, sizeof(line), out)) {
		printf("%s%s", line[0] == '#' ? "" : "# ", line);
		if (!strncmp(line, "RESULT: PASS ", 13))
			passed = 1;
	}
	/*
	 * The harness ends a test's process with _exit(): what stdio still
	 * holds (all of it, stdout being a pipe) would be lost.
	 */
	fflush(stdout);
	status = pclose(out);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(passed);
}

TEST_HARNESS_MAIN
