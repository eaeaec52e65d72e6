// SPDX-License-Identifier: GPL-2.0
/*
 * A selftest that fails on purpose.  `make check BSDTUN_NEGATIVE=failtest`
 * runs it to show that the runner turns a failing test into a failed check.
 */
#include "kselftest_harness.h"

TEST(negative_check_fails_on_purpose)
{
	int expected = 1, got = 2;

	EXPECT_EQ(expected, got);
}

TEST_HARNESS_MAIN
