// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring on a unit, for every family.  A read that finds the queue
 * empty arms poll and completes when a packet comes, with no io-wq
 * worker thread blocked in it (the file is FMODE_NOWAIT); a read or a
 * write that can complete does so inline, its completion posted before
 * io_uring_enter() returns; a multishot read (6.7 and later) with
 * provided buffers posts one completion per packet and stays armed.
 * The ring is driven by raw system calls: no liburing in the guest.  A
 * kernel built without io_uring (the debug kernels) skips, saying so.
 */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <dirent.h>
#include <net/ethernet.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define NET	48
#define PORT	4848
#define PEER_MAC "\x02\x00\x00\x00\x00\x48"

/* 6.7; the host's headers may be older than the guest's kernel. */
#define BSDTUN_OP_READ_MULTISHOT	49
#ifndef IORING_FEAT_NATIVE_WORKERS
#define IORING_FEAT_NATIVE_WORKERS	0x200U
#endif

struct ur {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_ring, *cq_ring;
	size_t sq_len, cq_len, sqes_len;
	unsigned int features;
};

static int ur_setup(struct ur *r, unsigned int entries)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	r->fd = syscall(SYS_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -1;
	r->features = p.features;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ring = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->cq_ring = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sq_ring == MAP_FAILED || r->cq_ring == MAP_FAILED ||
	    r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned int *)((char *)r->sq_ring + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)r->sq_ring + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)r->sq_ring + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)r->cq_ring + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)r->cq_ring + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)r->cq_ring + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ring + p.cq_off.cqes);
	return 0;
}

static void ur_free(struct ur *r)
{
	munmap(r->sqes, r->sqes_len);
	munmap(r->cq_ring, r->cq_len);
	munmap(r->sq_ring, r->sq_len);
	close(r->fd);
}

/* Queue @sqe and submit it; io_uring_enter()'s result. */
static int ur_submit(struct ur *r, const struct io_uring_sqe *sqe)
{
	unsigned int tail = *r->sq_tail, i = tail & *r->sq_mask;

	r->sqes[i] = *sqe;
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	return syscall(SYS_io_uring_enter, r->fd, 1, 0, 0, NULL, 0);
}

/* The next completion into @cqe, waiting at most @ms for it: 1 or 0. */
static int ur_cqe(struct ur *r, struct io_uring_cqe *cqe, int ms)
{
	unsigned int head = *r->cq_head;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
		if (!ms || !bsdtun_readable(r->fd, ms))
			return 0;
		/* The ring's fd is readable: a completion is posted. */
		if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
			return 0;
	}
	*cqe = r->cqes[head & *r->cq_mask];
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return 1;
}

static void ur_rw(struct io_uring_sqe *sqe, int op, int fd, void *buf,
		  unsigned int len, uint64_t data)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = len;
	/* A stream: no offset. */
	sqe->off = (uint64_t)-1;
	sqe->user_data = data;
}

/* io-wq worker threads of this process ("iou-wrk-<tid>"). */
static int ur_workers(void)
{
	struct dirent *de;
	char path[300], comm[32];
	int n = 0;
	DIR *d = opendir("/proc/self/task");

	while (d && (de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk", 7))
			n++;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

FIXTURE(uring) {
	int fd;
	char name[IFNAMSIZ];
	uint8_t mac[ETH_ALEN];
	struct ur r;
	int no_uring;	/* io_uring_setup()'s errno, 0 when the ring is there */
};

FIXTURE_VARIANT(uring) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(uring, tun) { .fam = &bsdtun_fam_tun };
FIXTURE_VARIANT_ADD(uring, tap) { .fam = &bsdtun_fam_tap };
FIXTURE_VARIANT_ADD(uring, vmnet) { .fam = &bsdtun_fam_vmnet };
FIXTURE_VARIANT_ADD(uring, otun) { .fam = &bsdtun_fam_otun };
FIXTURE_VARIANT_ADD(uring, otap) { .fam = &bsdtun_fam_otap };

FIXTURE_SETUP(uring)
{
	self->r.fd = -1;
	if (!bsdtun_loaded())
		ASSERT_EQ(0, bsdtun_reload(NULL));
	self->fd = bsdtun_clone_fam(variant->fam, self->name);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bsdtun_up(self->name, NET));
	/*
	 * Operationally up before the first datagram, as when bsdtun_up()
	 * waited: once (6.12, otun) a datagram sent right after "up" never
	 * completed the read armed for it, and the cause is not yet known.
	 */
	ASSERT_TRUE(bsdtun_operstate(self->name, "up"));
	/* The far end's MAC known: each datagram leaves as one frame. */
	if (variant->fam->ether) {
		ASSERT_EQ(0, bsdtun_mac(self->name, self->mac));
		ASSERT_EQ(0, bsdtun_nl_peer_mac(self->name, NET, 0, PEER_MAC));
	}
	self->no_uring = ur_setup(&self->r, 8) ? errno : 0;
	if (self->no_uring != ENOSYS)
		ASSERT_EQ(0, self->no_uring);
}

FIXTURE_TEARDOWN(uring)
{
	int on = 1;

	if (!self->no_uring)
		ur_free(&self->r);
	ioctl(self->fd, TUNSTRANSIENT, &on);
	close(self->fd);
}

/*
 * A datagram to a local socket as the unit's far end would write it:
 * behind an Ethernet header (tap), OpenBSD's address family (otun), or
 * bare; its length.
 */
static size_t ur_packet(const struct bsdtun_family *fam, const uint8_t *mac,
			uint8_t *buf, const char *text)
{
	size_t l2 = 0;

	if (fam->ether) {
		struct ether_header *eh = (struct ether_header *)buf;

		memcpy(eh->ether_dhost, mac, ETH_ALEN);
		memcpy(eh->ether_shost, PEER_MAC, ETH_ALEN);
		eh->ether_type = htons(ETHERTYPE_IP);
		l2 = sizeof(*eh);
	} else if (fam->obsd) {
		uint32_t af = htonl(AF_INET);

		memcpy(buf, &af, sizeof(af));
		l2 = sizeof(af);
	}
	return l2 + bsdtun_udp4(buf + l2, NET, PORT, text, strlen(text));
}

TEST_F(uring, read_waits_by_poll_not_in_a_worker)
{
	static uint8_t buf[2048];
	struct io_uring_sqe sqe;
	struct io_uring_cqe cqe;

	/* The harness runs a test after a SKIP in set-up: each test skips. */
	if (self->no_uring)
		SKIP(return, "this kernel has no io_uring (CONFIG_IO_URING is off)");
	if (!(self->r.features & IORING_FEAT_NATIVE_WORKERS))
		SKIP(return, "io-wq workers are threads of the process only from 5.12 on");
	ur_rw(&sqe, IORING_OP_READ, self->fd, buf, sizeof(buf), 1);
	ASSERT_EQ(1, ur_submit(&self->r, &sqe));
	/* Nothing queued: poll is armed, no worker thread blocks in read(). */
	EXPECT_EQ(0, ur_workers());
	EXPECT_EQ(0, ur_cqe(&self->r, &cqe, 0));
	ASSERT_EQ(1, bsdtun_send4(NET, "x", 1));
	ASSERT_EQ(1, ur_cqe(&self->r, &cqe, 5000));
	EXPECT_EQ(1, cqe.user_data);
	EXPECT_LT(28, cqe.res);
	EXPECT_EQ(0, ur_workers());
}

TEST_F(uring, ready_read_and_write_complete_inline)
{
	static uint8_t buf[2048], pkt[256];
	int s = bsdtun_udp_sock(AF_INET, PORT), n = 0;
	struct io_uring_sqe sqe;
	struct io_uring_cqe cqe;
	size_t len;
	char got[16];

	/* The harness runs a test after a SKIP in set-up: each test skips. */
	if (self->no_uring)
		SKIP(return, "this kernel has no io_uring (CONFIG_IO_URING is off)");
	ASSERT_LE(0, s);
	ASSERT_EQ(3, bsdtun_send4(NET, "abc", 3));
	ASSERT_TRUE(bsdtun_readable(self->fd, 5000));
	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	ur_rw(&sqe, IORING_OP_READ, self->fd, buf, sizeof(buf), 2);
	ASSERT_EQ(1, ur_submit(&self->r, &sqe));
	/* Posted before io_uring_enter() returned: no waiting at all. */
	ASSERT_EQ(1, ur_cqe(&self->r, &cqe, 0));
	EXPECT_EQ(2, cqe.user_data);
	EXPECT_EQ(n, cqe.res);

	len = ur_packet(variant->fam, self->mac, pkt, "uring");
	ur_rw(&sqe, IORING_OP_WRITE, self->fd, pkt, len, 3);
	ASSERT_EQ(1, ur_submit(&self->r, &sqe));
	ASSERT_EQ(1, ur_cqe(&self->r, &cqe, 0));
	EXPECT_EQ(3, cqe.user_data);
	EXPECT_EQ((int)len, cqe.res);
	ASSERT_TRUE(bsdtun_readable(s, 5000));
	ASSERT_EQ(5, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(0, memcmp(got, "uring", 5));
	close(s);
}

TEST_F(uring, multishot_read_one_completion_per_packet)
{
	static uint8_t bufs[4][2048];
	unsigned int bid, used = 0;
	struct io_uring_sqe sqe;
	struct io_uring_cqe cqe;
	int i;

	/* The harness runs a test after a SKIP in set-up: each test skips. */
	if (self->no_uring)
		SKIP(return, "this kernel has no io_uring (CONFIG_IO_URING is off)");
	/* Four buffers of group 7, ids 0 to 3. */
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_PROVIDE_BUFFERS;
	sqe.fd = 4;
	sqe.addr = (uintptr_t)bufs;
	sqe.len = sizeof(bufs[0]);
	sqe.buf_group = 7;
	sqe.user_data = 10;
	ASSERT_EQ(1, ur_submit(&self->r, &sqe));
	ASSERT_EQ(1, ur_cqe(&self->r, &cqe, 5000));
	ASSERT_LE(0, cqe.res);

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = BSDTUN_OP_READ_MULTISHOT;
	sqe.fd = self->fd;
	sqe.flags = IOSQE_BUFFER_SELECT;
	sqe.buf_group = 7;
	sqe.off = (uint64_t)-1;
	sqe.user_data = 11;
	ASSERT_EQ(1, ur_submit(&self->r, &sqe));
	if (ur_cqe(&self->r, &cqe, 0) && cqe.res == -EINVAL)
		SKIP(return, "no multishot read before 6.7");
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, bsdtun_send4(NET, "m", 1));
		ASSERT_EQ(1, ur_cqe(&self->r, &cqe, 5000));
		EXPECT_EQ(11, cqe.user_data);
		EXPECT_LT(28, cqe.res);
		/* Still armed for the next one, into a buffer of its own. */
		EXPECT_TRUE(cqe.flags & IORING_CQE_F_MORE);
		ASSERT_TRUE(cqe.flags & IORING_CQE_F_BUFFER);
		bid = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
		ASSERT_GT(4, bid);
		EXPECT_FALSE(used & 1u << bid);
		used |= 1u << bid;
	}
	EXPECT_EQ(0, ur_workers());
}

TEST_HARNESS_MAIN
