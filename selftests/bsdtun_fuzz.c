// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer: several threads issue random sequences of ioctls
 * (known requests of every family and random numbers of the 't', 'T',
 * 'V' and 'e' types, with good, NULL and bad pointers), reads and writes
 * of random sizes and contents (random families, truncated and malformed
 * IP, random frames), mode changes, offload headers of both formats
 * turned on and off with writes behind headers that are mostly plausible
 * and often lie, closes and reopens of cloned units.
 * The threads take turns at the families: tun, tap, vmnet, OpenBSD's tun
 * and tap (its own requests are known), tun again.  Every
 * call must succeed or fail with an errno the driver defines; at the end
 * every file closes and the module unloads (nothing leaked a reference).
 *
 * BSDTUN_FUZZ_SEED replays a run (the seed is printed);
 * BSDTUN_FUZZ_OPS sets the number of operations (default 200000).
 */
#include <pthread.h>
#include <net/if_tap.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define BSDTUN_FUZZ_THREADS	6

struct bsdtun_fuzz {
	const struct bsdtun_family *fam;
	unsigned int seed;
	long ops;
	long done;
	long idle;
	long bad;
	char what[128];
	/* Reads and writes, up to a tap frame's largest: too big a stack. */
	uint8_t buf[TAPMRU + 64];
};

static unsigned int bsdtun_rand(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int bsdtun_errno_ok(int e)
{
	switch (e) {
	case EAGAIN: case EINVAL: case EFAULT: case ENOTTY: case EIO:
	case EAFNOSUPPORT: case EHOSTDOWN: case EBUSY: case EPERM:
	case ESRCH: case ENOSPC: case EEXIST:
	case EPROTOTYPE:	/* TAPSIFINFO with a type other than Ethernet's */
	case ENODEV:		/* TUNGCAP without OpenBSD's header */
	case EADDRNOTAVAIL:	/* OpenBSD tap's SIOCSIFADDR, not a unicast MAC */
		return 1;
	case ENOMEM: case ENOBUFS:
		/* Injected allocation failures (fault mode) only. */
		return bsdtun_fault_mode();
	}
	return 0;
}

static const unsigned long bsdtun_known[] = {
	TUNSDEBUG, TUNGDEBUG, TUNSIFINFO, TUNGIFINFO, TUNSLMODE, TUNSIFMODE,
	TUNSIFPID, TUNSIFHEAD, TUNGIFHEAD, TUNSTRANSIENT, TUNGTRANSIENT,
	TUNGIFNAME, BSDTUN_TUNGIFNAME_DFLY, FIONREAD, FIOSETOWN, FIOGETOWN,
	TIOCSPGRP, TIOCGPGRP, FIOASYNC, FIONBIO,
	SIOCGIFADDR, SIOCSIFADDR, VMIO_SIOCSIFFLAGS, BSDTUN_TAPGIFNAME_NETBSD,
	TAPSVNETHDR, TAPGVNETHDR, TUNSCAP, TUNGCAP, TUNDCAP, BSDTUN_SOFFLOAD,
	BSDTUN_GOFFLOAD,
	BSDTUN_OBSD_TUNSIFINFO, BSDTUN_OBSD_TUNGIFINFO, BSDTUN_OBSD_TUNSIFMODE,
	BSDTUN_OBSD_TUNSDEBUG, BSDTUN_OBSD_TUNGDEBUG,
};

/*
 * Offload headers as the first bytes of a write: a virtio-net header's
 * flags and GSO type, or a tun_hdr's flags, from the values each format
 * knows plus a few it does not; the sizes and offsets stay random.
 */
static void bsdtun_fuzz_ofl_hdr(uint8_t *buf, unsigned int r)
{
	static const uint8_t gso[] = { 0, 1, 4, 5, 3, 0x81, 0x85, 6 };
	static const uint16_t th[] = { 0, 0x0200, 0x0220, 0x0400, 0x0800,
				       0x0100, 0x0010, 0x0603, 0x1000 };

	if (r & 1) {
		buf[0] = (r >> 1) & 3 ? (r >> 3) & 3 : 0x80;
		buf[1] = gso[(r >> 5) % sizeof(gso)];
	} else {
		uint16_t f = th[(r >> 1) % ARRAY_SIZE(th)] | ((r >> 8) & 7);

		memcpy(buf, &f, sizeof(f));
	}
}

/* TAPSVNETHDR's lengths: off, the two it takes, one it refuses. */
static const int bsdtun_vnet_lens[] = { 0, 10, 12, 11 };

static const struct bsdtun_family *const bsdtun_fuzz_fams[] = {
	&bsdtun_fam_tun, &bsdtun_fam_tap, &bsdtun_fam_vmnet,
	&bsdtun_fam_otun, &bsdtun_fam_otap,
};

static void *bsdtun_fuzz_thread(void *arg)
{
	struct bsdtun_fuzz *f = arg;
	uint8_t *buf = f->buf;
	unsigned int s = f->seed | 1;
	char name[IFNAMSIZ];
	int fd;
	long i;

	bsdtun_fault_on();
	fd = bsdtun_clone_fam(f->fam, name);

	for (i = 0; i < f->ops; i++) {
		unsigned int r = bsdtun_rand(&s), op = r % 16;
		ssize_t ret = 0;
		void *p = buf;
		int v;

		if (fd < 0) {
			fd = bsdtun_clone_fam(f->fam, name);
			if (fd < 0) {
				f->idle++;
				continue;
			}
		}
		/* Arguments: a buffer of random ints, NULL, or unmapped. */
		v = bsdtun_rand(&s) % 4 == 0 ? 0 : (int)(bsdtun_rand(&s) % 3) - 1;
		memcpy(buf, &v, sizeof(v));
		if (bsdtun_rand(&s) % 8 == 0)
			p = (bsdtun_rand(&s) & 1) ? NULL : (void *)(uintptr_t)8;
		switch (op) {
		case 0 ... 5: {
			unsigned long cmd = bsdtun_known[bsdtun_rand(&s) %
						ARRAY_SIZE(bsdtun_known)];

			/* OpenBSD's TUNSDEBUG is FreeBSD's TUNSIFMODE's number. */
			if ((cmd == TUNSDEBUG || cmd == FIOSETOWN || cmd == TIOCSPGRP ||
			     (cmd == BSDTUN_OBSD_TUNSDEBUG && f->fam->obsd)) && p == buf)
				memset(buf, 0, sizeof(int));
			ret = ioctl(fd, cmd, p);
			break;
		}
		case 6:
			ret = ioctl(fd, _IOC(bsdtun_rand(&s) % 4, "tTVe"[(r >> 1) & 3],
					     bsdtun_rand(&s) % 256,
					     bsdtun_rand(&s) % 64), p);
			break;
		case 7 ... 9: {
			size_t len = bsdtun_rand(&s) % 3 ? bsdtun_rand(&s) % 1600 :
				     bsdtun_rand(&s) % sizeof(f->buf);

			for (size_t k = 0; k < len && k < 64; k++)
				buf[k] = bsdtun_rand(&s);
			if (len > 4 && (r & 2))
				buf[4] = (r & 4) ? 0x45 : 0x60;
			if (len > 4 && (r & 8)) {
				uint32_t af = htonl((r & 16) ? AF_INET : AF_INET6);

				memcpy(buf, &af, 4);
			}
			if (len > 16 && (r & 64))
				bsdtun_fuzz_ofl_hdr(buf, bsdtun_rand(&s));
			ret = write(fd, p == buf ? (void *)buf : p, len);
			break;
		}
		case 10 ... 12:
			fcntl(fd, F_SETFL, O_NONBLOCK);
			ret = read(fd, p, bsdtun_rand(&s) % 2048);
			break;
		case 13: {
			struct tun_capabilities cap = { bsdtun_rand(&s) };

			v = bsdtun_rand(&s) & 1;
			switch ((r >> 5) & 7) {
			case 0 ... 2:
				ret = ioctl(fd, (r & 32) ? TUNSIFHEAD : TUNSLMODE, &v);
				break;
			case 3 ... 4:
				v = bsdtun_vnet_lens[bsdtun_rand(&s) & 3];
				ret = ioctl(fd, TAPSVNETHDR, &v);
				break;
			case 5 ... 6:
				/* Mostly capabilities OpenBSD knows. */
				if (r & 256)
					cap.tun_if_capabilities &= 0x71f7;
				ret = ioctl(fd, TUNSCAP, &cap);
				break;
			default:
				ret = ioctl(fd, TUNDCAP);
				break;
			}
			break;
		}
		case 14:
			if (bsdtun_rand(&s) % 64 == 0) {
				/*
				 * Mostly transient, so closed clones free
				 * their numbers: the fuzz must not run out of
				 * units and idle.
				 */
				v = bsdtun_rand(&s) % 64 != 0;
				ioctl(fd, TUNSTRANSIENT, &v);
				close(fd);
				fd = -1;
			}
			break;
		case 15: {
			struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

			ret = poll(&pfd, 1, 0);
			break;
		}
		}
		if (ret < 0 && !bsdtun_errno_ok(errno)) {
			__atomic_add_fetch(&f->bad, 1, __ATOMIC_RELAXED);
			snprintf(f->what, sizeof(f->what), "op %u: errno %d (%s)",
				 op, errno, strerror(errno));
		}
	}
	if (fd >= 0)
		close(fd);
	bsdtun_fault_off();
	__atomic_add_fetch(&f->done, i, __ATOMIC_RELAXED);
	return NULL;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/*
 * A million operations on the debug kernel take minutes (about three
 * under TCG here).  The harness's limit stays under the test VM's 900 s
 * per program, so a hang is the harness's own report.
 */
TEST_F_TIMEOUT(fuzz, random_operations_have_defined_results, 800)
{
	struct bsdtun_fuzz f[BSDTUN_FUZZ_THREADS];
	pthread_t t[BSDTUN_FUZZ_THREADS];
	const char *env = getenv("BSDTUN_FUZZ_SEED");
	unsigned int seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	long ops = getenv("BSDTUN_FUZZ_OPS") ? atol(getenv("BSDTUN_FUZZ_OPS")) : 200000;
	long done = 0, idle = 0, bad = 0;
	int i, zero = 0;

	ASSERT_EQ(0, bsdtun_reload("max_units=64"));
	TH_LOG("seed %u (BSDTUN_FUZZ_SEED=%u replays), %ld operations", seed, seed, ops);
	for (i = 0; i < BSDTUN_FUZZ_THREADS; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].fam = bsdtun_fuzz_fams[i % ARRAY_SIZE(bsdtun_fuzz_fams)];
		f[i].seed = seed + i * 7919;
		f[i].ops = ops / BSDTUN_FUZZ_THREADS;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, bsdtun_fuzz_thread, &f[i]));
	}
	for (i = 0; i < BSDTUN_FUZZ_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		done += f[i].done;
		idle += f[i].idle;
		bad += f[i].bad;
		if (f[i].bad)
			TH_LOG("thread %d: %ld undefined results, last %s", i, f[i].bad, f[i].what);
	}
	EXPECT_EQ(ops / BSDTUN_FUZZ_THREADS * BSDTUN_FUZZ_THREADS, done);
	EXPECT_EQ(0, bad);
	/*
	 * Operations without a unit (no clone to be had) test nothing.
	 * Under injected faults many clones fail with ENOMEM, by design.
	 */
	TH_LOG("%ld operations, %ld of them without a unit", done, idle);
	EXPECT_GE(done / (bsdtun_fault_mode() ? 10 : 100), idle);
	/* The debug level is global: leave it as found. */
	i = open("/dev/bsdtun0", O_RDWR);
	if (i >= 0) {
		ioctl(i, TUNSDEBUG, &zero);
		close(i);
	}
	/* Every file is closed: the module must unload. */
	EXPECT_EQ(0, bsdtun_rmmod());
	EXPECT_EQ(0, bsdtun_reload(NULL));
}

TEST_HARNESS_MAIN
