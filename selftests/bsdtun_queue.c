// SPDX-License-Identifier: GPL-2.0
/*
 * The queue of packets waiting for read(): the header a packet is read
 * with is the one in force when it was queued (mode changes under a
 * concurrent sender never make FIONREAD and read() disagree, and never
 * give IPv6 without a header); TUNSIFHEAD and TUNSLMODE set at once from
 * two threads never undo each other; the queue stays within its byte
 * bound whatever txqueuelen is and however many flows send; one
 * transmit queue only; without a qdisc a full unit drops quietly; once
 * the unit is destroyed nothing more is queued on it, however long its
 * interface takes to unregister.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	43

FIXTURE(q) {
	int fd;
	char name[IFNAMSIZ];
};

FIXTURE_SETUP(q)
{
	self->fd = -1;
	ASSERT_EQ(0, bsdtun_reload("queue_bytes=131072"));
	self->fd = bsdtun_clone(self->name);
	ASSERT_LE(0, self->fd);
	/* IPv4 only unless a test asks for IPv6: its chatter would be counted. */
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
}

FIXTURE_TEARDOWN(q)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Check one packet as read() returned it, @n bytes: the header it
 * carries must match its IP version.  0 when it is consistent.
 */
static int bsdtun_check_read(const uint8_t *buf, ssize_t n)
{
	uint32_t af;

	if (n < 20)
		return -1;
	switch (buf[0]) {
	case 0x00:		/* TUNSIFHEAD: 4-byte family, big-endian */
		memcpy(&af, buf, 4);
		if (ntohl(af) == AF_INET)
			return (buf[4] >> 4) == 4 ? 0 : -2;
		if (ntohl(af) == AF_INET6)
			return (buf[4] >> 4) == 6 ? 0 : -3;
		return -4;
	case AF_INET:		/* TUNSLMODE: sockaddr_in, family in host order */
		return (buf[sizeof(struct sockaddr_in)] >> 4) == 4 ? 0 : -5;
	case AF_INET6:
		return (buf[sizeof(struct sockaddr_in6)] >> 4) == 6 ? 0 : -6;
	default:
		/* No header: IPv4 only; IPv6 here could not be told apart. */
		return (buf[0] >> 4) == 4 ? 0 : -7;
	}
}

TEST_F(q, header_decided_when_queued)
{
	uint8_t buf[2048];
	int on = 1, off = 0, n = -1;
	uint32_t af;
	ssize_t r;

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &on));
	ASSERT_EQ(6, bsdtun_send6(NET, "queued", 6));
	/* The IPv6 packet waits (behind any of IPv6's own); drop the header. */
	ASSERT_EQ(0, ioctl(self->fd, TUNSIFHEAD, &off));
	ASSERT_EQ(5, bsdtun_send4(NET, "after", 5));
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
		ASSERT_LT(0, n);
		r = read(self->fd, buf, sizeof(buf));
		ASSERT_EQ(n, r);
		ASSERT_EQ(0, bsdtun_check_read(buf, r));
		if (buf[0] == 0 && buf[4 + 6] == IPPROTO_UDP)
			break;
	}
	/* Read with the header it was queued with. */
	memcpy(&af, buf, 4);
	ASSERT_EQ(htonl(AF_INET6), af);
	ASSERT_EQ(4 + 40 + 8 + 6, n);
	EXPECT_EQ(0, memcmp(buf + 4 + 48, "queued", 6));
	/* The IPv4 packet queued after the change comes without one. */
	ASSERT_TRUE(bsdtun_readable(self->fd, 5000));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	ASSERT_EQ(20 + 8 + 5, n);
	ASSERT_EQ(n, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0x45, buf[0]);
}

struct bsdtun_flipper {
	int fd;
	int stop;
	unsigned long flips, sent;
};

static void *bsdtun_flip(void *arg)
{
	struct bsdtun_flipper *f = arg;
	unsigned int s = 12345;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		int val = s & 1;

		s = s * 1103515245 + 12345;
		ioctl(f->fd, (s >> 16) & 1 ? TUNSIFHEAD : TUNSLMODE, &val);
		f->flips++;
	}
	return NULL;
}

static void *bsdtun_send_both(void *arg)
{
	struct bsdtun_flipper *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		bsdtun_send4(NET, "four", 4);
		bsdtun_send6(NET, "six", 3);
		f->sent += 2;
	}
	return NULL;
}

/*
 * Modes flip all the time while packets of both families arrive: every
 * FIONREAD equals the next read's size and every packet read carries a
 * header that matches it (never IPv6 without one).
 */
TEST_F_TIMEOUT(q, mode_flips_under_concurrent_sender, 120)
{
	struct bsdtun_flipper f = { .fd = self->fd };
	unsigned long reads = 0;
	pthread_t flip, send;
	time_t end;
	uint8_t buf[2048];
	int n;

	ASSERT_EQ(0, bsdtun_up6(self->name, NET));
	ASSERT_EQ(0, pthread_create(&flip, NULL, bsdtun_flip, &f));
	ASSERT_EQ(0, pthread_create(&send, NULL, bsdtun_send_both, &f));
	/* 20,000 packets, or 30 s on a slow (debug, emulated) kernel. */
	end = time(NULL) + 30;
	while (reads < 20000 && time(NULL) < end) {
		ssize_t r;

		if (!bsdtun_readable(self->fd, 5000))
			break;
		ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
		r = read(self->fd, buf, sizeof(buf));
		ASSERT_EQ(n, r) TH_LOG("FIONREAD said %d, read gave %zd", n, r);
		ASSERT_EQ(0, bsdtun_check_read(buf, r))
			TH_LOG("packet %lu: %02x %02x %02x %02x %02x", reads,
			       buf[0], buf[1], buf[2], buf[3], buf[4]);
		reads++;
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
	pthread_join(flip, NULL);
	pthread_join(send, NULL);
	TH_LOG("%lu packets read, %lu mode changes", reads, f.flips);
	EXPECT_LT(500, reads);
	EXPECT_LT(100, f.flips);
}

struct bsdtun_race {
	int fd;
	pthread_barrier_t go, done;
	int rounds;
};

/* One of the racing threads: @cmd with @val, once a round. */
struct bsdtun_racer {
	struct bsdtun_race *r;
	unsigned long cmd;
	int val;
};

static void *bsdtun_race(void *arg)
{
	struct bsdtun_racer *t = arg;

	for (int i = 0; i < t->r->rounds; i++) {
		pthread_barrier_wait(&t->r->go);
		ioctl(t->r->fd, t->cmd, &t->val);
		pthread_barrier_wait(&t->r->done);
	}
	return NULL;
}

/*
 * From TUNSLMODE, one thread sets TUNSIFHEAD while another clears
 * TUNSLMODE: whatever the order, TUNSIFHEAD ends up on (clearing a mode
 * that is not set changes nothing).
 */
TEST_F_TIMEOUT(q, tunsifhead_and_tunslmode_at_once, 120)
{
	struct bsdtun_race r = { .fd = self->fd, .rounds = 5000 };
	struct bsdtun_racer ifhead = { &r, TUNSIFHEAD, 1 }, lmode_off = { &r, TUNSLMODE, 0 };
	int on = 1, val, lost = 0;
	pthread_t a, b;

	ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, 3));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, 3));
	ASSERT_EQ(0, pthread_create(&a, NULL, bsdtun_race, &ifhead));
	ASSERT_EQ(0, pthread_create(&b, NULL, bsdtun_race, &lmode_off));
	for (int i = 0; i < r.rounds; i++) {
		ioctl(self->fd, TUNSLMODE, &on);
		pthread_barrier_wait(&r.go);
		pthread_barrier_wait(&r.done);
		val = -1;
		ioctl(self->fd, TUNGIFHEAD, &val);
		if (val != 1)
			lost++;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/lmode", self->name));
}

struct bsdtun_flood {
	int net, port, stop;
	unsigned long sent;
};

/* One flow: its own socket and source port. */
static void *bsdtun_flow(void *arg)
{
	struct bsdtun_flood *f = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242),
				  .sin_addr.s_addr = bsdtun_v4(f->net, 2) };
	static const uint8_t data[1400];
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	for (int i = 0; s >= 0 && i < 3000 && !__atomic_load_n(&f->stop, __ATOMIC_RELAXED); i++)
		/* Never block: what waits in the qdisc holds the socket's buffer. */
		if (sendto(s, data, sizeof(data), MSG_DONTWAIT,
			   (struct sockaddr *)&to, sizeof(to)) > 0)
			__atomic_add_fetch(&f->sent, 1, __ATOMIC_RELAXED);
	if (s >= 0)
		close(s);
	return NULL;
}

/*
 * A reader that sleeps under a flood from eight flows, with txqueuelen
 * as large as a namespace's administrator can set it: the unit never
 * holds more than queue_bytes (128 KiB here), whatever the moment it is
 * looked at, and what it holds is read back whole.
 */
TEST_F_TIMEOUT(q, byte_bound_holds_under_flood_and_huge_txqueuelen, 120)
{
	struct bsdtun_flood f = { .net = NET };
	long long b, p, max_b = 0, max_p = 0;
	pthread_t t[8];
	uint8_t buf[2048];
	int n, got = 0;

	/* The hard bound itself: byte queue limits off. */
	ASSERT_EQ(0, bsdtun_bql_off());
	/*
	 * A qdisc whose size does not follow txqueuelen (pfifo_fast would
	 * try to allocate a ring that large), then the largest txqueuelen
	 * the kernel takes: recent ones stop at 32767, older ones take what
	 * ip can say (a signed int).
	 */
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root pfifo limit 100000",
			       self->name));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s txqueuelen 2147483647 2>/dev/null || "
			       BSDTUN_IP " link set %s txqueuelen 32767", self->name, self->name));
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, bsdtun_flow, &f));
	for (int i = 0; i < 8; i++) {
		/* Sample while the flows run: the bound holds at every moment. */
		while (pthread_tryjoin_np(t[i], NULL)) {
			b = bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_bytes", self->name);
			p = bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets", self->name);
			ASSERT_LE(0, b);
			ASSERT_LE(0, p);
			max_b = b > max_b ? b : max_b;
			max_p = p > max_p ? p : max_p;
		}
	}
	b = bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_bytes", self->name);
	p = bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets", self->name);
	TH_LOG("%lu sent; unit holds %lld packets, %lld bytes (most seen %lld, %lld)",
	       f.sent, p, b, max_p, max_b);
	EXPECT_GE(131072, max_b);
	EXPECT_GE(131072, b);
	/* Full, not empty: the bound is what stopped it, not a lack of traffic. */
	EXPECT_LT(131072 / 2, b);
	/* Far more was sent than it holds (the rest waits in the qdisc). */
	EXPECT_LT(4 * p, (long long)f.sent);
	/* What it holds comes out whole. */
	bsdtun_nonblock(self->fd);
	while (got < p) {
		ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
		ASSERT_EQ(20 + 8 + 1400, n);
		ASSERT_EQ(n, read(self->fd, buf, sizeof(buf)));
		got++;
	}
}

/* One transmit queue: more would be flows the backpressure cannot stop. */
TEST_F(q, more_than_one_tx_queue_refused)
{
	EXPECT_NE(0, bsdtun_sh(BSDTUN_IP " link add bsdtun40 numtxqueues 8 type bsdtun"
			       " 2>/dev/null"));
	EXPECT_NE(0, access("/sys/class/net/bsdtun40", F_OK));
	EXPECT_NE(0, access("/dev/bsdtun40", F_OK));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link add bsdtun40 numtxqueues 1 type bsdtun"));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " link del bsdtun40"));
}

static int bsdtun_dmesg_count(const char *what)
{
	return bsdtun_sh_num("dmesg | grep -c '%s'", what);
}

/*
 * Without a qdisc nothing can wait before the driver: a full unit drops
 * what does not fit and counts it, and the log stays quiet (a stopped
 * queue would have the stack log a line per packet).
 */
TEST_F(q, noqueue_full_unit_drops_counts_and_logs_nothing)
{
	long long txp, txd;
	int before;

	ASSERT_EQ(0, bsdtun_link_set(self->name, SIOCSIFTXQLEN, 4));
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root noqueue", self->name));
	before = bsdtun_dmesg_count("asks to queue");
	ASSERT_LE(0, before);
	txp = bsdtun_stat(self->name, "tx_packets");
	txd = bsdtun_stat(self->name, "tx_dropped");
	for (int i = 0; i < 20; i++)
		bsdtun_send4(NET, "noqueue", 7);
	EXPECT_EQ(4, bsdtun_read_num("/sys/class/net/%s/bsdtun/queued_packets", self->name));
	EXPECT_EQ(txp + 4, bsdtun_stat(self->name, "tx_packets"));
	EXPECT_EQ(txd + 16, bsdtun_stat(self->name, "tx_dropped"));
	EXPECT_EQ(before, bsdtun_dmesg_count("asks to queue"));
}

/* A sender that keeps the unit's transmit path busy until told to stop. */
static void *bsdtun_sender(void *arg)
{
	struct bsdtun_flood *f = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242),
				  .sin_addr.s_addr = bsdtun_v4(f->net, 2) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	while (s >= 0 && !__atomic_load_n(&f->stop, __ATOMIC_RELAXED))
		if (sendto(s, "late", 4, MSG_DONTWAIT, (struct sockaddr *)&to,
			   sizeof(to)) > 0)
			__atomic_add_fetch(&f->sent, 1, __ATOMIC_RELAXED);
	if (s >= 0)
		close(s);
	return NULL;
}

static void *bsdtun_del_group(void *arg)
{
	*(int *)arg = bsdtun_sh(BSDTUN_IP " link del group 77");
	return NULL;
}

#define LATE_UNITS	200

/*
 * "ip link del group" destroys every unit of the group, then unregisters
 * all their interfaces at once: the first unit's interface stays up, and
 * transmits, while the others are destroyed.  Once its unit is dead
 * (its detached file says so) and its queue was junked, nothing may be
 * queued on it again: packets queued then would wait, unaccounted, on a
 * unit whose interface is gone until the file closes.
 */
TEST_F_TIMEOUT(q, nothing_queued_once_destroyed, 300)
{
	struct bsdtun_flood f = { .net = NET };
	long long after_zero = 0, late = 0, samples = 0, last = -1;
	int del = -1, sysfs, saw_zero = 0;
	pthread_t sender, deleter;
	char path[128], buf[32];
	FILE *batch;

	/* No qdisc: a full unit drops, and never stops its queue. */
	ASSERT_EQ(0, bsdtun_sh("/sbin/tc qdisc replace dev %s root noqueue", self->name));
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " link set %s group 77", self->name));
	/* Units registered after this one: their destruction is the window. */
	batch = fopen("/tmp/bsdtun_late.batch", "w");
	ASSERT_TRUE(!!batch);
	for (int i = 0; i < LATE_UNITS; i++)
		fprintf(batch, "link add late%d type bsdtun\nlink set late%d group 77\n",
			i, i);
	fclose(batch);
	ASSERT_EQ(0, bsdtun_sh(BSDTUN_IP " -batch /tmp/bsdtun_late.batch"));
	snprintf(path, sizeof(path), "/sys/class/net/%s/bsdtun/queued_packets",
		 self->name);
	sysfs = open(path, O_RDONLY);
	ASSERT_LE(0, sysfs);

	ASSERT_EQ(0, pthread_create(&sender, NULL, bsdtun_sender, &f));
	while (!__atomic_load_n(&f.sent, __ATOMIC_RELAXED))
		usleep(1000);
	ASSERT_EQ(0, pthread_create(&deleter, NULL, bsdtun_del_group, &del));
	for (;;) {
		struct pollfd p = { .fd = self->fd };
		ssize_t n;
		long long v;

		/* Read while the interface is there; it goes last. */
		n = pread(sysfs, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			break;
		buf[n] = 0;
		v = strtoll(buf, NULL, 10);
		/* Dead: the file is detached (checked after the read). */
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLHUP))
			continue;
		samples++;
		last = v;
		if (!v)
			saw_zero = 1;
		else if (saw_zero)
			late = v > late ? v : late;
		if (saw_zero)
			after_zero++;
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(deleter, NULL));
	ASSERT_EQ(0, pthread_join(sender, NULL));
	close(sysfs);
	TH_LOG("%lu sent; %lld dead samples, %lld after the purge; then at most %lld, last %lld",
	       f.sent, samples, after_zero, late, last);
	EXPECT_EQ(0, del);
	/* The window was seen: otherwise the test proves nothing. */
	EXPECT_LT(0, samples);
	/*
	 * Nothing came after the purge, which may be seen or not (the
	 * sender can refill the queue before the next sample): the queue
	 * stays empty once the purge came, and so is at its last sample,
	 * taken as the interface went, long after the unit died.
	 */
	EXPECT_EQ(0, late);
	EXPECT_EQ(0, last);
	EXPECT_NE(0, access("/sys/class/net/late0", F_OK));
}

TEST_HARNESS_MAIN
