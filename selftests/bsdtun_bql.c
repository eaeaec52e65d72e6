// SPDX-License-Identifier: GPL-2.0
/*
 * Byte queue limits, for every family: the unit's read queue holds only
 * what keeps the reader busy, and a backlog waits in the qdisc.  The
 * limits are the interface's byte_queue_limits in sysfs, settable; a
 * reader that stops lets the unit's queue grow to the limit while the
 * qdisc holds the rest, and once it reads again it gets every packet,
 * both parts, in the order sent, and the limit has grown from where it
 * started.  Without a qdisc (noqueue) nothing is limited, a qdisc
 * changed while counted packets wait leaves the counts whole, and the
 * module's bql parameter turns the limits off.
 */
#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	49
#define PORT	4949
#define COUNT	40
#define PAYLOAD	1000
#define LIMIT	4000
#define PEER_MAC "\x02\x00\x00\x00\x00\x49"
#define BQL	"/sys/class/net/%s/queues/tx-0/byte_queue_limits/%s"

FIXTURE(bql) {
	int fd;
	char name[IFNAMSIZ];
	int l2;		/* bytes read before the IP header */
};

FIXTURE_VARIANT(bql) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(bql, tun) { .fam = &bsdtun_fam_tun };
FIXTURE_VARIANT_ADD(bql, tap) { .fam = &bsdtun_fam_tap };
FIXTURE_VARIANT_ADD(bql, vmnet) { .fam = &bsdtun_fam_vmnet };
FIXTURE_VARIANT_ADD(bql, otun) { .fam = &bsdtun_fam_otun };
FIXTURE_VARIANT_ADD(bql, otap) { .fam = &bsdtun_fam_otap };

FIXTURE_SETUP(bql)
{
	uint8_t buf[2048];

	/* Freshly loaded with the limits on (off by default). */
	ASSERT_EQ(0, bsdtun_reload("bql=1"));
	self->fd = bsdtun_clone_fam(variant->fam, self->name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	self->l2 = variant->fam->ether ? 14 : variant->fam->obsd ? 4 : 0;
	/* The far end's MAC known: each datagram leaves as one frame. */
	if (variant->fam->ether)
		ASSERT_EQ(0, bsdtun_nl_peer_mac(self->name, NET, 0, PEER_MAC));
	bsdtun_nonblock(self->fd);
	/*
	 * An OpenBSD unit comes up at open, before bsdtun_up() turns IPv6
	 * off: its first reports may be queued.  Read them, so the tests'
	 * own datagrams are all the unit and the qdisc hold.
	 */
	while (read(self->fd, buf, sizeof(buf)) > 0)
		;
}

FIXTURE_TEARDOWN(bql)
{
	int on = 1;

	ioctl(self->fd, TUNSTRANSIENT, &on);
	close(self->fd);
}

/* Datagrams [from, to) to the far end, each carrying its number. */
static int bql_send(int from, int to)
{
	uint8_t data[PAYLOAD];

	memset(data, 0, sizeof(data));
	for (int i = from; i < to; i++) {
		memcpy(data, &i, sizeof(i));
		if (bsdtun_send4(NET, data, sizeof(data)) != sizeof(data))
			return -1;
	}
	return 0;
}

/*
 * Read the datagrams numbered [from, to), in order, waiting at most 5 s
 * for each; the number read in order before anything else came.
 */
static int bql_read(int fd, int l2, int from, int to)
{
	uint8_t buf[2048];
	int i, got;
	ssize_t n;

	for (i = from; i < to; i++) {
		if (!bsdtun_readable(fd, 5000))
			break;
		n = read(fd, buf, sizeof(buf));
		if (n != l2 + 28 + PAYLOAD)
			break;
		memcpy(&got, buf + l2 + 28, sizeof(got));
		if (got != i)
			break;
	}
	return i - from;
}

/* Packets the root qdisc holds (tc's "backlog Nb Mp"), or -1. */
static long long bql_qdisc_backlog(const char *name)
{
	return bsdtun_sh_num("/sbin/tc -s qdisc show dev %s | "
			     "sed -n 's/.*backlog [0-9]*b \\([0-9]*\\)p.*/\\1/p' | head -n1",
			     name);
}

static long long bql_attr(const char *name, const char *attr)
{
	return bsdtun_read_num(BQL, name, attr);
}

TEST_F(bql, limits_visible_and_settable)
{
	char path[128];

	snprintf(path, sizeof(path), BQL, self->name, "limit_max");
	ASSERT_EQ(0, bsdtun_write_file(path, "3000"));
	EXPECT_EQ(3000, bql_attr(self->name, "limit_max"));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
	EXPECT_LE(0, bql_attr(self->name, "limit"));
}

TEST_F(bql, stopped_reader_backlog_waits_in_the_qdisc)
{
	long long queued, held, limit0;
	char path[128];

	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo limit 1000",
			       self->name));
	snprintf(path, sizeof(path), BQL, self->name, "limit_max");
	ASSERT_EQ(0, bsdtun_write_file(path, "4000"));
	limit0 = bql_attr(self->name, "limit");

	/* The reader stopped: the unit takes up to the limit, no more. */
	ASSERT_EQ(0, bql_send(0, COUNT));
	queued = bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets", self->name);
	held = bql_qdisc_backlog(self->name);
	EXPECT_LE(1, queued);
	EXPECT_GE(LIMIT / PAYLOAD + 1, queued);
	EXPECT_LE(bql_attr(self->name, "inflight"), LIMIT + self->l2 + 28 + PAYLOAD);
	/* Nothing lost: the qdisc holds the rest. */
	EXPECT_EQ(COUNT, queued + held);

	/* The reader resumes: every packet, both parts, in order. */
	EXPECT_EQ(COUNT, bql_read(self->fd, self->l2, 0, COUNT));
	EXPECT_EQ(0, bql_qdisc_backlog(self->name));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
	/* The reader starved while the limit stopped the queue: it grew. */
	EXPECT_LT(limit0, bql_attr(self->name, "limit"));
}

TEST_F(bql, noqueue_unlimited_and_qdisc_changes_keep_counts)
{
	long long queued;

	/*
	 * Counted under pfifo, then read with no qdisc at all (what pfifo
	 * held goes with it, as on any interface).
	 */
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo limit 1000",
			       self->name));
	ASSERT_EQ(0, bql_send(0, 10));
	queued = bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets", self->name);
	ASSERT_LE(1, queued);
	EXPECT_LT(0, bql_attr(self->name, "inflight"));
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root noqueue", self->name));
	EXPECT_EQ(queued, bql_read(self->fd, self->l2, 0, queued));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
	/* Without a qdisc the unit queues all, counting nothing. */
	ASSERT_EQ(0, bql_send(10, 30));
	EXPECT_EQ(20, bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets",
				      self->name));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
	/* A qdisc again: what was queued uncounted is read uncounted. */
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo limit 1000",
			       self->name));
	EXPECT_EQ(20, bql_read(self->fd, self->l2, 10, 30));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
	ASSERT_EQ(0, bql_send(30, 40));
	EXPECT_EQ(10, bql_read(self->fd, self->l2, 30, 40));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
}

/*
 * The A/B switch: with the bql parameter off the unit takes what the
 * qdisc gives, up to txqueuelen, as before byte queue limits.
 */
TEST_F(bql, parameter_off_fills_the_unit)
{
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo limit 1000",
			       self->name));
	ASSERT_EQ(0, bsdtun_bql_off());
	ASSERT_EQ(0, bql_send(0, COUNT));
	EXPECT_EQ(COUNT, bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets",
					 self->name));
	EXPECT_EQ(0, bql_qdisc_backlog(self->name));
	EXPECT_EQ(0, bql_attr(self->name, "inflight"));
	EXPECT_EQ(COUNT, bql_read(self->fd, self->l2, 0, COUNT));
}

TEST_HARNESS_MAIN
