// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: units created and destroyed while other threads bring them up
 * and address them (FreeBSD if_clone_test tun_stress, tun_up_stress and
 * tun_ipv6_up_stress); blocked readers and pollers while their file is
 * closed, their unit deleted or its namespace dies; floods in both
 * directions while the interface flaps and its MTU and modes change; a
 * unit nobody reads under a flood; cloning-node loops from several
 * processes; rmmod while traffic flows; a SIGIO owner that exits while
 * packets arrive; a file passed over SCM_RIGHTS whose first holder
 * closes.
 *
 * Each test stops by itself after a number of rounds or
 * BSDTUN_STRESS_SECONDS (default 8) seconds, whichever comes first, and
 * ends by checking that units, nodes and counters agree with what the
 * test did.  Every system call result is checked against the errors that
 * call may give in that race.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	61
#define FIRST	10	/* units 10..17 in the create/destroy races */
#define NUNITS	8

static double bsdtun_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double bsdtun_deadline(void)
{
	const char *s = getenv("BSDTUN_STRESS_SECONDS");

	return bsdtun_now() + (s ? atof(s) : 8.0);
}

/* Shared by the threads of one test. */
struct bsdtun_stress {
	double deadline;
	int stop;		/* __atomic */
	int bad;		/* first unexpected errno, __atomic */
	const char *bad_what;
	int fd;
	char name[IFNAMSIZ];
	long long ops[8];	/* per-thread-role successes, __atomic */
};

static int bsdtun_going(struct bsdtun_stress *st)
{
	return !__atomic_load_n(&st->stop, __ATOMIC_RELAXED) &&
	       bsdtun_now() < st->deadline;
}

/* Record an errno no branch of the race allows. */
static void bsdtun_bad(struct bsdtun_stress *st, const char *what, int err)
{
	int zero = 0;

	if (__atomic_compare_exchange_n(&st->bad, &zero, err ? err : -1, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		st->bad_what = what;
}

static void bsdtun_count(struct bsdtun_stress *st, int role)
{
	__atomic_add_fetch(&st->ops[role], 1, __ATOMIC_RELAXED);
}

/* 0 or the errno; @ok lists the errnos this call may give here. */
static int bsdtun_allowed(int err, const int *ok)
{
	for (; *ok; ok++)
		if (err == *ok)
			return 1;
	return 0;
}

static int bsdtun_count_ifaces(int from, int to)
{
	char path[64];
	int n = 0;

	for (int i = from; i <= to; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/bsdtun%d", i);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* Each unit from @from to @to has a node exactly when it has an interface. */
static int bsdtun_nodes_match(int from, int to)
{
	char a[64], b[64];

	for (int i = from; i <= to; i++) {
		snprintf(a, sizeof(a), "/sys/class/net/bsdtun%d", i);
		snprintf(b, sizeof(b), "/dev/bsdtun%d", i);
		if ((access(a, F_OK) == 0) != (access(b, F_OK) == 0))
			return 0;
	}
	return 1;
}

FIXTURE(stress) {
	struct bsdtun_stress st;
};

FIXTURE_SETUP(stress)
{
	memset(&self->st, 0, sizeof(self->st));
	self->st.fd = -1;
	self->st.deadline = bsdtun_deadline();
	ASSERT_EQ(0, bsdtun_reload(NULL));
	/* Fault mode: the test body under injected failures. */
	bsdtun_fault_on();
}

FIXTURE_TEARDOWN(stress)
{
	bsdtun_fault_off();
	if (self->st.fd >= 0)
		close(self->st.fd);
	bsdtun_netns_del("bst");
}

/* tun_stress: create and destroy units 10..17 by rtnetlink, racing. */
static void *bsdtun_creator(void *arg)
{
	static const int add_ok[] = { EEXIST, ENFILE, 0 };
	static const int del_ok[] = { ENODEV, 0 };
	struct bsdtun_stress *st = arg;
	char name[IFNAMSIZ];
	unsigned int seed = (unsigned int)(uintptr_t)&name;
	int err;

	for (int i = 0; i < 4000 && bsdtun_going(st); i++) {
		snprintf(name, sizeof(name), "bsdtun%d", FIRST + rand_r(&seed) % NUNITS);
		err = bsdtun_nl_link(1, name);
		if (!err)
			bsdtun_count(st, 0);
		else if (!bsdtun_allowed(-err, add_ok))
			bsdtun_bad(st, "create", -err);
		snprintf(name, sizeof(name), "bsdtun%d", FIRST + rand_r(&seed) % NUNITS);
		err = bsdtun_nl_link(0, name);
		if (!err)
			bsdtun_count(st, 1);
		else if (!bsdtun_allowed(-err, del_ok))
			bsdtun_bad(st, "destroy", -err);
	}
	return NULL;
}

/* tun_up_stress and tun_ipv6_up_stress: up, IPv4 and IPv6 addresses. */
static void *bsdtun_upper(void *arg)
{
	static const int ok[] = { ENODEV, ENXIO, EEXIST, EADDRNOTAVAIL, 0 };
	struct bsdtun_stress *st = arg;
	int s4 = socket(AF_INET, SOCK_DGRAM, 0);
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	char name[IFNAMSIZ];
	struct in6_addr a6;
	int err;

	for (int i = 0; i < 40000 && bsdtun_going(st); i++) {
		int u = i % NUNITS;

		snprintf(name, sizeof(name), "bsdtun%d", FIRST + u);
		err = bsdtun_set_up(s4, name, 1);
		if (!err)
			bsdtun_count(st, 2);
		else if (!bsdtun_allowed(-err, ok))
			bsdtun_bad(st, "up", -err);
		err = bsdtun_set_addr4(s4, name, bsdtun_v4(NET + u, 1), bsdtun_v4(NET + u, 2));
		if (err && !bsdtun_allowed(-err, ok))
			bsdtun_bad(st, "IPv4 address", -err);
		bsdtun_v6(&a6, NET + u, 1);
		err = bsdtun_set_addr6(s6, name, &a6);
		if (err && !bsdtun_allowed(-err, ok))
			bsdtun_bad(st, "IPv6 address", -err);
	}
	close(s4);
	close(s6);
	return NULL;
}

/* Open and close the units' nodes while they come and go. */
static void *bsdtun_opener(void *arg)
{
	static const int ok[] = { ENOENT, ENXIO, EBUSY, EHOSTDOWN, 0 };
	struct bsdtun_stress *st = arg;
	char path[32];

	for (int i = 0; i < 40000 && bsdtun_going(st); i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/bsdtun%d", FIRST + i % NUNITS);
		fd = open(path, O_RDWR);
		if (fd < 0) {
			if (!bsdtun_allowed(errno, ok))
				bsdtun_bad(st, "open", errno);
			continue;
		}
		bsdtun_count(st, 3);
		close(fd);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, create_destroy_races_up_and_addresses, 120)
{
	struct bsdtun_stress *st = &self->st;
	pthread_t t[6];
	int n;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, bsdtun_creator, st));
	for (int i = 2; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, bsdtun_upper, st));
	for (int i = 4; i < 6; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, bsdtun_opener, st));
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(0, st->bad) TH_LOG("%s: %s", st->bad_what, strerror(st->bad));
	TH_LOG("%lld created, %lld destroyed, %lld ups, %lld opens",
	       st->ops[0], st->ops[1], st->ops[2], st->ops[3]);
	/* Some of each happened: the race was run, not skipped. */
	EXPECT_LT(0, st->ops[0]);
	EXPECT_LT(0, st->ops[1]);
	/* What is left is what was created and not destroyed, with nodes. */
	n = bsdtun_count_ifaces(FIRST, FIRST + NUNITS - 1);
	EXPECT_EQ(st->ops[0] - st->ops[1], n);
	EXPECT_TRUE(bsdtun_nodes_match(FIRST, FIRST + NUNITS - 1));
	for (int i = FIRST; i < FIRST + NUNITS; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "bsdtun%d", i);
		if (!bsdtun_nl_link(0, name))
			n--;
	}
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, bsdtun_count_ifaces(FIRST, FIRST + NUNITS - 1));
	EXPECT_TRUE(bsdtun_nodes_match(FIRST, FIRST + NUNITS - 1));
}

/* A thread that makes a namespace, opens a unit there and leaves it. */
struct bsdtun_nsopen {
	int fd;
	char name[IFNAMSIZ];
	int ready[2];
	int go[2];
};

static void *bsdtun_ns_opener(void *arg)
{
	struct bsdtun_nsopen *o = arg;
	char c = 'r';

	/* unshare() is per thread: only this one moves. */
	o->fd = unshare(CLONE_NEWNET) ? -1 : bsdtun_clone(o->name);
	if (write(o->ready[1], &c, 1) != 1)
		return NULL;
	/* Hold the namespace until told; exiting drops its last reference. */
	if (read(o->go[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static int bsdtun_count_nodes(int from, int to)
{
	char path[64];
	int n = 0;

	for (int i = from; i <= to; i++) {
		snprintf(path, sizeof(path), "/dev/bsdtun%d", i);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/*
 * Readers blocked in read() and poll() while the file is closed and the
 * unit deleted, the unit is deleted under them, or its namespace dies.
 * Half the rounds act at once, half once both sleep.
 */
TEST_F_TIMEOUT(stress, blocked_readers_while_closed_deleted_or_netns_dies, 240)
{
	int rounds = 0;

	for (int r = 0; r < 60 && bsdtun_going(&self->st); r++, rounds++) {
		struct bsdtun_waiter rd = { .fd = -1 }, pl = { .fd = -1 };
		struct bsdtun_nsopen o = { .fd = -1 };
		int how = r % 3;
		/* Closing under a reader that has not yet entered read() could
		 * hand its fd number to another file: close only once it sleeps.
		 */
		int settle = how == 0 || r / 3 % 2;
		pthread_t tr, tp, tn = 0;
		char name[IFNAMSIZ];
		int fd;

		if (how == 2) {
			char c;

			ASSERT_EQ(0, pipe(o.go));
			ASSERT_EQ(0, pipe(o.ready));
			ASSERT_EQ(0, pthread_create(&tn, NULL, bsdtun_ns_opener, &o));
			ASSERT_EQ(1, read(o.ready[0], &c, 1));
			close(o.ready[0]);
			close(o.ready[1]);
			fd = o.fd;
			memcpy(name, o.name, sizeof(name));
		} else {
			fd = bsdtun_clone(name);
		}
		ASSERT_LE(0, fd);
		rd.fd = fd;
		/*
		 * After close() the poller would look its fd number up again
		 * and might find another file there: it polls a duplicate.
		 */
		pl.fd = how == 0 ? dup(fd) : fd;
		ASSERT_LE(0, pl.fd);
		ASSERT_EQ(0, pthread_create(&tr, NULL, bsdtun_waiter_read, &rd));
		ASSERT_EQ(0, pthread_create(&tp, NULL, bsdtun_waiter_poll, &pl));
		if (settle) {
			ASSERT_TRUE(bsdtun_waiter_blocked(&rd, SYS_read));
			ASSERT_TRUE(bsdtun_waiter_blocked(&pl, BSDTUN_SYS_POLL));
		}
		switch (how) {
		case 0:
			/* Close first: the sleepers keep the file; delete wakes them. */
			close(fd);
			EXPECT_EQ(0, bsdtun_nl_link(0, name));
			break;
		case 1:
			EXPECT_EQ(0, bsdtun_nl_link(0, name));
			break;
		case 2:
			ASSERT_EQ(1, write(o.go[1], "x", 1));
			pthread_join(tn, NULL);
			close(o.go[0]);
			close(o.go[1]);
			break;
		}
		pthread_join(tr, NULL);
		pthread_join(tp, NULL);
		if (how != 0)
			close(fd);
		else
			close(pl.fd);
		EXPECT_EQ(-1, rd.ret);
		EXPECT_EQ(EHOSTDOWN, rd.err)
			TH_LOG("round %d: read gave %s", r, strerror(rd.err));
		EXPECT_EQ(1, pl.ret) TH_LOG("round %d: poll timed out", r);
		EXPECT_EQ(POLLERR | POLLHUP, pl.revents)
			TH_LOG("round %d: revents %#x", r, pl.revents);
		/*
		 * The unit and its node are gone: at once after a delete, and
		 * once the waker ran after a namespace died (its interface was
		 * never visible here, its node is).
		 */
		for (int i = 0; i < 500 && bsdtun_count_nodes(4, 80); i++)
			usleep(10000);
		EXPECT_EQ(0, bsdtun_count_nodes(4, 80));
		EXPECT_EQ(0, bsdtun_count_ifaces(4, 80));
	}
	TH_LOG("%d rounds", rounds);
	EXPECT_LE(3, rounds);
}

/* Packets and drops the root qdisc reports, from tc. */
static int bsdtun_qdisc(const char *ifname, long long *dropped, long long *backlog)
{
	char cmd[256];
	FILE *f;
	int n;

	snprintf(cmd, sizeof(cmd),
		 "/sbin/tc -s qdisc show dev %s | tr '\\n' ' ' | "
		 "sed -n 's/.*dropped \\([0-9]*\\).*backlog [0-9a-zA-Z]* \\([0-9]*\\)p.*/\\1 \\2/p'",
		 ifname);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%lld %lld", dropped, backlog);
	pclose(f);
	return n == 2 ? 0 : -1;
}

static int bsdtun_flap_ok(int err)
{
	static const int ok[] = { EBUSY, 0 };

	return !err || bsdtun_allowed(-err, ok);
}

/* Writes of IPv4/UDP to a local socket: successes in ops[0]. */
static void *bsdtun_flood_writer(void *arg)
{
	static const int ok[] = { EAFNOSUPPORT, 0 };
	struct bsdtun_stress *st = arg;
	uint8_t pkt[256];
	size_t len = bsdtun_udp4(pkt, NET, 5100, "flood-in", 8);

	for (int i = 0; i < 200000 && bsdtun_going(st); i++) {
		ssize_t n = write(st->fd, pkt, len);

		if (n == (ssize_t)len)
			bsdtun_count(st, 0);
		else if (n >= 0 || !bsdtun_allowed(errno, ok))
			bsdtun_bad(st, "write", n < 0 ? errno : -1);
	}
	return NULL;
}

/* Local UDP sends out through the unit: successes in ops[1]. */
static void *bsdtun_flood_sender(void *arg)
{
	static const int ok[] = { ENETUNREACH, ENOBUFS, EHOSTUNREACH, EAGAIN,
				  EMSGSIZE, EINVAL, EADDRNOTAVAIL, 0 };
	struct bsdtun_stress *st = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242),
				  .sin_addr.s_addr = bsdtun_v4(NET, 2) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	char data[1200] = "flood-out";

	for (int i = 0; i < 200000 && bsdtun_going(st); i++) {
		size_t len = 16 + i % 1100;

		if (sendto(s, data, len, MSG_DONTWAIT, (struct sockaddr *)&to,
			   sizeof(to)) == (ssize_t)len)
			bsdtun_count(st, 1);
		else if (!bsdtun_allowed(errno, ok))
			bsdtun_bad(st, "sendto", errno);
	}
	close(s);
	return NULL;
}

/* read() everything: packets in ops[2]. */
static void *bsdtun_flood_reader(void *arg)
{
	struct bsdtun_stress *st = arg;
	uint8_t buf[TUNMRU + 32];

	while (bsdtun_going(st)) {
		ssize_t n = read(st->fd, buf, sizeof(buf));

		if (n > 0)
			bsdtun_count(st, 2);
		else if (n == 0 || errno != EAGAIN)
			bsdtun_bad(st, "read", n < 0 ? errno : -1);
		else
			bsdtun_readable(st->fd, 100);
	}
	return NULL;
}

/* Down and up, MTU by ioctl and TUNSIFINFO, header modes on and off. */
static void *bsdtun_flapper(void *arg)
{
	struct bsdtun_stress *st = arg;
	int s = socket(AF_INET, SOCK_DGRAM, 0), err, v;
	struct tuninfo ti;
	struct ifreq ifr;

	for (int i = 0; i < 20000 && bsdtun_going(st); i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", st->name);
		switch (i % 6) {
		case 0:
			err = bsdtun_set_up(s, st->name, 0);
			break;
		case 1:
			err = bsdtun_set_up(s, st->name, 1);
			break;
		case 2:
			ifr.ifr_mtu = 576 + i % 1000;
			err = ioctl(s, SIOCSIFMTU, &ifr) ? -errno : 0;
			break;
		case 3:
			err = ioctl(st->fd, TUNGIFINFO, &ti) ? -errno : 0;
			if (!err) {
				ti.mtu = 1500 - i % 900;
				err = ioctl(st->fd, TUNSIFINFO, &ti) ? -errno : 0;
			}
			break;
		case 4:
			v = i / 6 % 2;
			err = ioctl(st->fd, TUNSIFHEAD, &v) ? -errno : 0;
			break;
		default:
			v = i / 6 % 2;
			err = ioctl(st->fd, TUNSLMODE, &v) ? -errno : 0;
			break;
		}
		if (!bsdtun_flap_ok(err))
			bsdtun_bad(st, "flap", -err);
		bsdtun_count(st, 3);
	}
	close(s);
	return NULL;
}

/*
 * Floods in both directions while the interface goes down and up and its
 * MTU and header modes change.  At the end every write is accounted for
 * (delivered or dropped while down) and every packet the driver took was
 * read.
 */
TEST_F_TIMEOUT(stress, floods_while_flapping_and_changing_modes, 120)
{
	struct bsdtun_stress *st = &self->st;
	long long rxp, rxd, txp, txd;
	int rcv = bsdtun_udp_sock(AF_INET, 5100), v = 0;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t buf[TUNMRU + 32];
	pthread_t t[4];

	/*
	 * An MTU raised back to 1280 or more gives the interface a new IPv6
	 * configuration from the defaults: keep IPv6 off there too, so every
	 * packet out is IPv4.
	 */
	ASSERT_EQ(0, bsdtun_sh("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"));
	st->fd = bsdtun_clone(st->name);
	ASSERT_LE(0, st->fd);
	ASSERT_EQ(0, bsdtun_up(st->name, NET));
	ASSERT_LE(0, rcv);
	bsdtun_nonblock(st->fd);
	rxp = bsdtun_stat(st->name, "rx_packets");
	rxd = bsdtun_stat(st->name, "rx_dropped");
	txp = bsdtun_stat(st->name, "tx_packets");
	txd = bsdtun_stat(st->name, "tx_dropped");
	ASSERT_EQ(0, pthread_create(&t[0], NULL, bsdtun_flood_writer, st));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, bsdtun_flood_sender, st));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, bsdtun_flood_reader, st));
	ASSERT_EQ(0, pthread_create(&t[3], NULL, bsdtun_flapper, st));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[3], NULL);
	__atomic_store_n(&st->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(t[2], NULL);
	ASSERT_EQ(0, st->bad) TH_LOG("%s: %s", st->bad_what, strerror(st->bad));
	TH_LOG("%lld writes, %lld sends, %lld reads, %lld changes",
	       st->ops[0], st->ops[1], st->ops[2], st->ops[3]);
	EXPECT_LT(0, st->ops[0]);
	EXPECT_LT(0, st->ops[1]);
	EXPECT_LT(0, st->ops[2]);
	/* Every write was delivered or, while down, dropped and counted. */
	EXPECT_EQ(st->ops[0], bsdtun_stat(st->name, "rx_packets") - rxp +
			      bsdtun_stat(st->name, "rx_dropped") - rxd);
	/*
	 * Take the rest: the queue, then what the qdisc releases as reads
	 * make room (bounded: the qdisc holds at most txqueuelen).
	 */
	ASSERT_EQ(0, bsdtun_set_up(s, st->name, 1));
	for (int i = 0; i < 2000; i++) {
		long long qd, ql = -1;

		if (read(st->fd, buf, sizeof(buf)) > 0)
			st->ops[2]++;
		else if (!bsdtun_readable(st->fd, 100) &&
			 !bsdtun_qdisc(st->name, &qd, &ql) && !ql)
			break;
	}
	/* Every packet the driver took was read. */
	EXPECT_EQ(st->ops[2], bsdtun_stat(st->name, "tx_packets") - txp);
	EXPECT_EQ(0, ioctl(st->fd, FIONREAD, &v));
	EXPECT_EQ(0, v);
	/*
	 * Not asserted: since Linux 6.11 what the stack sends while the
	 * interface is down (its noop qdisc) counts in tx_dropped too.
	 */
	TH_LOG("tx_dropped moved by %lld", bsdtun_stat(st->name, "tx_dropped") - txd);
	bsdtun_sh("echo 0 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
	close(s);
	close(rcv);
}

/* Sends, each on its own socket so no send buffer limits the flood. */
static void *bsdtun_many_socket_sender(void *arg)
{
	struct bsdtun_stress *st = arg;

	for (int i = 0; i < 1500 && bsdtun_going(st); i++) {
		if (bsdtun_send4(NET, "unread", 6) == 6)
			bsdtun_count(st, 0);
		else if (errno != ENOBUFS)
			bsdtun_bad(st, "sendto", errno);
	}
	return NULL;
}

/*
 * A unit whose reader never reads holds at most txqueuelen packets, what
 * ever the flood: the rest wait in the qdisc, bounded as well, or are
 * dropped there and counted.  Nothing is lost uncounted.
 */
TEST_F_TIMEOUT(stress, unread_unit_holds_at_most_txqueuelen, 120)
{
	struct bsdtun_stress *st = &self->st;
	long long txp, txd, qdrop, qlen, got = 0;
	uint8_t buf[2048];
	pthread_t t[2];
	int fionread;

	/* The hard bound itself: byte queue limits off. */
	ASSERT_EQ(0, bsdtun_bql_off());
	st->fd = bsdtun_clone(st->name);
	ASSERT_LE(0, st->fd);
	ASSERT_EQ(0, bsdtun_up(st->name, NET));
	ASSERT_EQ(0, bsdtun_link_set(st->name, SIOCSIFTXQLEN, 300));
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo_fast", st->name));
	txp = bsdtun_stat(st->name, "tx_packets");
	txd = bsdtun_stat(st->name, "tx_dropped");
	ASSERT_EQ(0, pthread_create(&t[0], NULL, bsdtun_many_socket_sender, st));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, bsdtun_many_socket_sender, st));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	ASSERT_EQ(0, st->bad) TH_LOG("%s: %s", st->bad_what, strerror(st->bad));
	ASSERT_EQ(0, bsdtun_qdisc(st->name, &qdrop, &qlen));
	TH_LOG("%lld sent, driver holds %lld, qdisc holds %lld, dropped %lld",
	       st->ops[0], bsdtun_stat(st->name, "tx_packets") - txp, qlen, qdrop);
	/*
	 * The driver took txqueuelen and stopped; the qdisc holds as much,
	 * plus the one packet it dequeued, found the driver stopped and put
	 * back (its requeue slot).
	 */
	EXPECT_EQ(300, bsdtun_stat(st->name, "tx_packets") - txp);
	EXPECT_GE(300 + 1, qlen);
	EXPECT_EQ(txd, bsdtun_stat(st->name, "tx_dropped"));
	EXPECT_EQ(st->ops[0], 300 + qlen + qdrop);
	ASSERT_EQ(0, ioctl(st->fd, FIONREAD, &fionread));
	EXPECT_LT(0, fionread);
	/* Reading drains the queue and restarts the qdisc: all of it comes. */
	bsdtun_nonblock(st->fd);
	for (int i = 0; i < 5000 && got < 300 + qlen; i++) {
		if (read(st->fd, buf, sizeof(buf)) > 0)
			got++;
		else if (!bsdtun_readable(st->fd, 2000))
			break;
	}
	EXPECT_EQ(300 + qlen, got);
}

/*
 * Cloning-node loops from four processes at once: each open gets a unit
 * of its own, numbered as its name says and recorded with the opener's
 * pid; a tenth are kept, the rest transient.  The kept units, and only
 * they, remain, each with its node.
 */
TEST_F_TIMEOUT(stress, clone_loops_from_several_processes, 120)
{
	int p[2], kept = 0, total = 0;
	pid_t pids[4];

	ASSERT_EQ(0, pipe(p));
	for (int c = 0; c < 4; c++) {
		pids[c] = fork();
		ASSERT_LE(0, pids[c]);
		if (pids[c] == 0) {
			int mine = 0, one = 1;

			for (int i = 0; i < 150 && bsdtun_now() < self->st.deadline; i++) {
				char name[IFNAMSIZ];
				int fd = bsdtun_clone(name), num;

				if (fd < 0)
					_exit(1);
				num = atoi(name + strlen("bsdtun"));
				if (bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", name) != num)
					_exit(2);
				if (bsdtun_read_num("/sys/class/net/%s/bsdtun/pid",
						    name) != getpid())
					_exit(3);
				if (i % 10) {
					if (ioctl(fd, TUNSTRANSIENT, &one))
						_exit(4);
				} else {
					mine++;
				}
				close(fd);
			}
			if (write(p[1], &mine, sizeof(mine)) != sizeof(mine))
				_exit(5);
			_exit(0);
		}
	}
	close(p[1]);
	for (int c = 0; c < 4; c++) {
		int st, n;

		ASSERT_EQ(pids[c], waitpid(pids[c], &st, 0));
		EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("process %d failed", c);
		if (read(p[0], &n, sizeof(n)) == sizeof(n)) {
			kept += n;
			total++;
		}
	}
	close(p[0]);
	EXPECT_EQ(4, total);
	EXPECT_LT(0, kept);
	EXPECT_EQ(kept, bsdtun_count_ifaces(0, 1100));
	EXPECT_TRUE(bsdtun_nodes_match(4, 1100));
}

/* rmmod while a file is open and packets flow: refused, never a crash. */
TEST_F_TIMEOUT(stress, rmmod_refused_while_traffic_flows, 120)
{
	struct bsdtun_stress *st = &self->st;
	int rcv = bsdtun_udp_sock(AF_INET, 5100), refused = 0;
	pthread_t t[3];

	st->fd = bsdtun_clone(st->name);
	ASSERT_LE(0, st->fd);
	ASSERT_EQ(0, bsdtun_up(st->name, NET));
	ASSERT_LE(0, rcv);
	bsdtun_nonblock(st->fd);
	ASSERT_EQ(0, pthread_create(&t[0], NULL, bsdtun_flood_writer, st));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, bsdtun_flood_sender, st));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, bsdtun_flood_reader, st));
	/* Until some packets went each way, at least 200 attempts. */
	for (int i = 0; bsdtun_going(st) &&
	     (i < 200 || __atomic_load_n(&st->ops[0], __ATOMIC_RELAXED) < 100 ||
	      __atomic_load_n(&st->ops[2], __ATOMIC_RELAXED) < 100); i++) {
		if (syscall(SYS_delete_module, "bsdtun", O_NONBLOCK) == 0) {
			refused = -1;
			break;
		}
		if (errno == EWOULDBLOCK || errno == EBUSY)
			refused++;
		else
			bsdtun_bad(st, "delete_module", errno);
	}
	__atomic_store_n(&st->stop, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(0, st->bad) TH_LOG("%s: %s", st->bad_what, strerror(st->bad));
	EXPECT_LT(0, refused);
	EXPECT_TRUE(bsdtun_loaded());
	EXPECT_LT(0, st->ops[0]);
	EXPECT_LT(0, st->ops[2]);
	close(st->fd);
	st->fd = -1;
	close(rcv);
	/* With the file closed the module goes. */
	EXPECT_EQ(0, bsdtun_rmmod());
}

static int bsdtun_sigio;

static void bsdtun_on_sigio(int sig)
{
	__atomic_add_fetch(&bsdtun_sigio, 1, __ATOMIC_RELAXED);
}

/* Send to the peer until told to stop: ops[1]. */
static void *bsdtun_slow_sender(void *arg)
{
	struct bsdtun_stress *st = arg;

	while (bsdtun_going(st)) {
		if (bsdtun_send4(NET, "sigio", 5) == 5)
			bsdtun_count(st, 1);
	}
	return NULL;
}

/*
 * A child becomes the SIGIO owner of the shared file, takes a signal and
 * exits while packets keep arriving; the parent keeps reading, then
 * takes ownership itself and gets SIGIO.
 */
TEST_F_TIMEOUT(stress, sigio_owner_exits_while_packets_arrive, 120)
{
	struct bsdtun_stress *st = &self->st;
	uint8_t buf[2048];
	int rounds = 0, on = 1, owner;
	pthread_t t;

	st->fd = bsdtun_clone(st->name);
	ASSERT_LE(0, st->fd);
	ASSERT_EQ(0, bsdtun_up(st->name, NET));
	bsdtun_nonblock(st->fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, bsdtun_slow_sender, st));
	for (int r = 0; r < 30 && bsdtun_going(st); r++, rounds++) {
		pid_t pid = fork();
		int status;

		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct timespec ts = { .tv_sec = 10 };
			sigset_t set;
			pid_t me = getpid();

			sigemptyset(&set);
			sigaddset(&set, SIGIO);
			sigprocmask(SIG_BLOCK, &set, NULL);
			if (ioctl(st->fd, FIOSETOWN, &me) || ioctl(st->fd, FIOASYNC, &on))
				_exit(1);
			_exit(sigtimedwait(&set, NULL, &ts) == SIGIO ? 0 : 2);
		}
		/* Keep the queue moving while the owner comes and goes. */
		while (waitpid(pid, &status, WNOHANG) == 0) {
			if (read(st->fd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
				bsdtun_bad(st, "read", errno);
			bsdtun_readable(st->fd, 10);
		}
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("round %d", r);
	}
	/* The parent takes over and gets its own SIGIO. */
	signal(SIGIO, bsdtun_on_sigio);
	owner = getpid();
	ASSERT_EQ(0, ioctl(st->fd, FIOSETOWN, &owner));
	for (int i = 0; i < 500 && !__atomic_load_n(&bsdtun_sigio, __ATOMIC_RELAXED); i++) {
		while (read(st->fd, buf, sizeof(buf)) > 0)
			;
		bsdtun_readable(st->fd, 10);
	}
	__atomic_store_n(&st->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	ASSERT_EQ(0, st->bad) TH_LOG("%s: %s", st->bad_what, strerror(st->bad));
	EXPECT_LT(0, __atomic_load_n(&bsdtun_sigio, __ATOMIC_RELAXED));
	EXPECT_LE(1, rounds);
	signal(SIGIO, SIG_DFL);
}

static int bsdtun_send_fd(int sock, int fd)
{
	char c = 'f', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;

	memset(ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int bsdtun_recv_fd(int sock)
{
	char c, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The opener passes its file over SCM_RIGHTS and closes its copy: the
 * unit stays attached (carrier on) and the receiver moves packets both
 * ways; its close is the real one (carrier off, interface down).
 */
TEST_F_TIMEOUT(stress, scm_rights_then_first_holder_closes, 120)
{
	int rounds = 0;

	for (int r = 0; r < 20 && bsdtun_going(&self->st); r++, rounds++) {
		char name[IFNAMSIZ], c, got[16];
		int sp[2], fd, rcv, st;
		pid_t pid;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			uint8_t pkt[128], buf[2048];
			size_t len = bsdtun_udp4(pkt, NET, 5200, "passed", 6);
			int f = bsdtun_recv_fd(sp[1]);

			if (f < 0)
				_exit(1);
			/* Wait until the opener has closed its copy. */
			if (read(sp[1], &c, 1) != 1)
				_exit(2);
			if (write(f, pkt, len) != (ssize_t)len)
				_exit(3);
			if (bsdtun_read_skip(f, buf, sizeof(buf), 0) != 20 + 8 + 4 ||
			    memcmp(buf + 28, "back", 4))
				_exit(4);
			close(f);
			_exit(0);
		}
		fd = bsdtun_clone(name);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, bsdtun_up(name, NET));
		rcv = bsdtun_udp_sock(AF_INET, 5200);
		ASSERT_LE(0, rcv);
		ASSERT_EQ(0, bsdtun_send_fd(sp[0], fd));
		close(fd);
		/* Still held by the child: attached, carrier on. */
		EXPECT_EQ(1, bsdtun_read_num("/sys/class/net/%s/carrier", name));
		ASSERT_EQ(1, write(sp[0], "c", 1));
		ASSERT_EQ(6, recv(rcv, got, sizeof(got), 0));
		EXPECT_EQ(0, memcmp(got, "passed", 6));
		ASSERT_EQ(4, bsdtun_send4(NET, "back", 4));
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("round %d", r);
		/* The last close was the real one. */
		EXPECT_EQ(0, bsdtun_flags(name) & IFF_UP);
		EXPECT_NE(1, bsdtun_read_num("/sys/class/net/%s/carrier", name));
		close(rcv);
		close(sp[0]);
		close(sp[1]);
		/* Reuse the unit: the next round opens it again by clone. */
		ASSERT_EQ(0, bsdtun_nl_link(0, name));
	}
	EXPECT_LE(1, rounds);
}

TEST_HARNESS_MAIN
