/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's files share.  bsdtun_bench.c has the table of
 * rows, the drivers taking turns, the statistics and main();
 * bench_units.c opens units and builds packets and sockets;
 * bench_rows.c has the measured loops; bench_prof.c the in-guest
 * profiler.
 */
#ifndef BENCH_H
#define BENCH_H

#include <net/ethernet.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define REPS		7
#define BENCH_SLICES	10
#define BULK_BYTES	(32 << 20)

/*
 * The drivers, each a way of opening a unit.  A row's family (struct
 * bench_family, bsdtun_bench.c) says which of them the row measures.
 */
enum bench_drv {
	DRV_BSD, DRV_BSD_HEAD, DRV_TUN, DRV_TUN_PI,	/* IP packets */
	DRV_BSD_TAP, DRV_TAP,				/* Ethernet frames */
	/* IP packets behind an offload header, offloads on */
	DRV_BSD_VNET, DRV_BSD_CAP, DRV_TUN_VNET,
	DRV_NR
};

extern const char * const bench_drv_name[DRV_NR];

/* Ethernet units: what is read and written starts with the frame's header. */
static inline int bench_drv_tap(enum bench_drv drv)
{
	return drv == DRV_BSD_TAP || drv == DRV_TAP;
}

struct bench_unit {
	enum bench_drv drv;
	int fd;
	char name[IFNAMSIZ];
	int hdr;		/* bytes before the IP packet on read/write */
	int idx;		/* address block 10.77.idx.0/24 */
	uint8_t mac[ETH_ALEN];	/* tap: the interface's own address */
};

/* A row's loop: seconds per iteration (bulk: per MiB) for unit @u. */
typedef double (*bench_fn)(struct bench_unit *u, size_t payload);

/* Iterations of a per-packet loop; bench_turns() cuts it into slices. */
extern unsigned int bench_iters;

/* The MAC a tap unit's peer (host 2 of its block) is known at. */
extern const uint8_t bench_peer_mac[ETH_ALEN];

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* bench_units.c */
void bench_die(const char *what) __attribute__((noreturn));
void bench_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_mac_str(const uint8_t *mac, char *buf, size_t len);
void bench_open(struct bench_unit *u, enum bench_drv drv, int idx,
		const char *netns);
void bench_close(struct bench_unit *u);
size_t bench_packet(const struct bench_unit *u, uint8_t *buf, uint32_t src,
		    uint32_t dst, uint16_t dport, size_t payload, int bad_csum);
uint32_t bench_addr(int idx, int host);
int bench_udp_socket(uint32_t addr, uint16_t port);
int bench_bound_open(struct bench_unit *u);

/* bench_rows.c */
double bench_row_write(struct bench_unit *u, size_t payload);
double bench_row_read(struct bench_unit *u, size_t payload);
double bench_row_e2e_write(struct bench_unit *u, size_t payload);
double bench_row_e2e_read(struct bench_unit *u, size_t payload);
double bench_row_rtt(struct bench_unit *u, size_t payload);
double bench_row_bulk(struct bench_unit *unused, size_t payload);
double bench_row_bulk_udp(struct bench_unit *unused, size_t payload);
double bench_row_floor(struct bench_unit *u, size_t payload);
/* Per-packet work of the relay on what it reads from A (0: none). */
extern unsigned int bench_relay_spin_us;
pid_t bench_bulk_up(enum bench_drv drv, struct bench_unit *a,
		    struct bench_unit *b);
void bench_bulk_down(pid_t relay, struct bench_unit *a, struct bench_unit *b,
		     int self, int p0);
void bench_setns(const char *ns);

/* bench_latency.c: latency under load and two-flow fairness */
void bench_latency(int tap, int fairness);

/* bench_prof.c */
int prof_load_syms(void);
void prof_row(const char *row, bench_fn fn, enum bench_drv drv, int fresh);
void prof_mark(int on);

#endif /* BENCH_H */
