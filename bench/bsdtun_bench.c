// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun_bench: per-packet cost of bsdtun against Linux's tun, measured in
 * one boot with the same user-space loop for each driver.
 *
 * Drivers: bsdtun without and with TUNSIFHEAD; Linux tun with IFF_NO_PI and
 * with its packet-information header.  Rows (64- and 1400-byte payloads):
 *   write      write() of an IPv4 packet with a bad header checksum: the
 *              stack drops it at once, so the cost is syscall + driver
 *   read       a packet sent on an AF_PACKET socket with
 *              PACKET_QDISC_BYPASS (straight to ndo_start_xmit), taken
 *              with read()
 *   e2e-write  write() of a UDP datagram, received on a local socket
 *   e2e-read   a local UDP socket sends through the interface, read()
 *   rtt        ping-pong: send, read it from the unit, write it back, recv
 *   bulk       TCP between two namespaces through two units, relayed
 *   floor      read() of 64 bytes from /dev/zero
 *   bound      the read row's loop with no driver (bench_bound_open())
 * A second table compares bsdtap with Linux's tap (IFF_TAP|IFF_NO_PI) in
 * the write, read and bulk rows' loops, on Ethernet frames: written ones
 * carry the write row's packet to the unit's own MAC (any other is
 * PACKET_OTHERHOST, dropped before IP), read ones go to the peer's MAC,
 * which a permanent neighbour entry holds; the bulk row's two tap units
 * know each other's MAC the same way, so no ARP runs in any row.
 * The latency rows (bench_latency.c) put a bulk TCP flow and small UDP
 * round trips through the bulk relay made slow on purpose, with fq_codel
 * on both units: round-trip percentiles, throughput and where packets
 * waited, for bsdtun with and without byte queue limits and Linux's
 * driver; the fairness rows two bulk flows' shares.
 * Each figure is the median of REPS runs, with the spread (min..max).  The
 * drivers take turns slice by slice within each run (bench_turns()); the
 * ratio is the median over runs of tun time / bsdtun time in the same
 * run, a speed: above 1 means bsdtun is faster.
 * Under QEMU's TCG only these ratios mean anything, not absolute times.
 *
 * This file has the rows' table, the turns, the statistics and main();
 * the loops are in bench_rows.c, units and packets in bench_units.c, the
 * profiler in bench_prof.c.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

unsigned int bench_iters = 20000;

/* Payload sizes of the per-packet rows. */
static const size_t bench_sizes[] = { 64, 1400 };

/* Most drivers a table compares. */
#define BENCH_COLS	4

/*
 * A table's drivers: its columns, in the order they take turns, and the
 * pairs of columns whose times it divides, Linux's by bsdtun's.
 */
struct bench_family {
	const char *intro;	/* printed above the table; NULL: main()'s */
	int ndrv;
	enum bench_drv drv[BENCH_COLS];
	int nratio;
	int ratio[3][2];	/* { bsdtun's column, Linux's column } */
};

static const struct bench_family bench_fam_tun = {
	.ndrv = 4,
	.drv = { DRV_BSD, DRV_BSD_HEAD, DRV_TUN, DRV_TUN_PI },
	.nratio = 2,
	.ratio = { { 0, 2 }, { 1, 3 } },
};

static const struct bench_family bench_fam_tap = {
	.intro =
	"\nbsdtap against Linux tap (/dev/net/tun, IFF_TAP|IFF_NO_PI), the same loops\n"
	"on Ethernet frames: written to the unit's own MAC, read as sent to a\n"
	"permanent neighbour; ratio = median over runs of tap time / bsdtap time\n\n",
	.ndrv = 2,
	.drv = { DRV_BSD_TAP, DRV_TAP },
	.nratio = 1,
	.ratio = { { 0, 1 } },
};

/*
 * Offload headers on both ends of the bulk row's relay: bsdtun with
 * FreeBSD's virtio-net header and with OpenBSD's TUNSCAP (checksums and
 * TSO), Linux tun as wireguard-go opens it, and bsdtun without a header.
 */
static const struct bench_family bench_fam_ofl = {
	.intro =
	"\nOffload headers on both units of the bulk relay: bsdtun with TAPSVNETHDR (10)\n"
	"and with TUNSCAP (TCP/UDP checksums, TSOv4/v6), Linux tun with IFF_VNET_HDR and\n"
	"TUNSETOFFLOAD(CSUM|TSO4|TSO6); the last ratio is bsdtun without a header\n"
	"against bsdtun with the virtio-net header\n\n",
	.ndrv = 4,
	.drv = { DRV_BSD_VNET, DRV_BSD_CAP, DRV_TUN_VNET, DRV_BSD },
	.nratio = 3,
	.ratio = { { 0, 2 }, { 1, 2 }, { 0, 3 } },
};

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench_stat {
	double med, min, max;
};

/* One table cell: median and spread, in @unit after scaling by @scale. */
static void bench_print_stat(const struct bench_stat *st, double scale,
			     const char *unit)
{
	printf(" %.2f (%.2f..%.2f) %s |", st->med * scale, st->min * scale,
	       st->max * scale, unit);
}

static struct bench_stat bench_stat_of(double *t)
{
	struct bench_stat st;

	qsort(t, REPS, sizeof(t[0]), bench_cmp);
	st.med = t[REPS / 2];
	st.min = t[0];
	st.max = t[REPS - 1];
	return st;
}

/*
 * Runs @fn for each of @n units in turn, REPS runs each.  A run is split
 * into BENCH_SLICES slices and the units take turns slice by slice
 * (bsdtun, bsdtun+HEAD, tun, tun+PI, bsdtun, ...), a few milliseconds
 * each: a slow spell of the emulator, which can last longer than a whole
 * run, then falls on every unit alike instead of on one unit's runs.
 */
static void bench_turns(bench_fn fn, size_t payload, struct bench_unit *u,
			int n, double t[][REPS])
{
	unsigned int iters = bench_iters;
	cpu_set_t all, one;

	/*
	 * The loop is one thread: keep it on one CPU, so that a move to the
	 * other (emulated) CPU mid-row does not land on some units' slices.
	 */
	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		bench_die("sched_getaffinity");
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		bench_die("sched_setaffinity");
	bench_iters = iters / BENCH_SLICES;
	for (int d = 0; d < n; d++)
		fn(&u[d], payload);	/* warm-up */
	for (int r = 0; r < REPS; r++) {
		for (int d = 0; d < n; d++)
			t[d][r] = 0;
		for (int c = 0; c < BENCH_SLICES; c++)
			for (int d = 0; d < n; d++)
				t[d][r] += fn(&u[d], payload) / BENCH_SLICES;
	}
	bench_iters = iters;
	if (sched_setaffinity(0, sizeof(all), &all) < 0)
		bench_die("sched_setaffinity");
}

/*
 * Every driver's figures and the ratios, for the drivers of @fam.  A
 * per-packet row opens one unit per driver and takes turns on them; the
 * bulk row sets up its own pair of units per run, so it takes turns run
 * by run.
 */
static void bench_measure(const struct bench_family *fam, bench_fn fn,
			  size_t payload, int fresh, struct bench_stat *st,
			  double *ratio)
{
	static int idx = 1;
	double t[BENCH_COLS][REPS], q[3][REPS];
	struct bench_unit u[BENCH_COLS];
	int n = fam->ndrv;

	if (fresh) {
		for (int r = 0; r < REPS; r++)
			for (int d = 0; d < n; d++) {
				u[0].drv = fam->drv[d];
				t[d][r] = fn(&u[0], payload);
			}
	} else {
		for (int d = 0; d < n; d++)
			bench_open(&u[d], fam->drv[d], idx++ % 150 + 1, NULL);
		bench_turns(fn, payload, u, n, t);
		for (int d = 0; d < n; d++)
			bench_close(&u[d]);
	}
	/* Each run's ratio against its neighbour in time, then the median. */
	for (int k = 0; k < fam->nratio; k++) {
		for (int r = 0; r < REPS; r++)
			q[k][r] = t[fam->ratio[k][1]][r] / t[fam->ratio[k][0]][r];
		ratio[k] = bench_stat_of(q[k]).med;
	}
	for (int d = 0; d < n; d++)
		st[d] = bench_stat_of(t[d]);
}

/* The rows, in the tables' order, each table's rows together. */
static const struct bench_row {
	const char *name;
	const struct bench_family *fam;
	bench_fn fn;
	int fresh;	/* sets up its own units */
	int profile;	/* profiled after the table */
	const char *unit;
} bench_rows[] = {
	{ "write (driver)", &bench_fam_tun, bench_row_write, 0, 1, "us" },
	{ "read (driver)", &bench_fam_tun, bench_row_read, 0, 1, "us" },
	{ "e2e write+recv", &bench_fam_tun, bench_row_e2e_write, 0, 0, "us" },
	{ "e2e send+read", &bench_fam_tun, bench_row_e2e_read, 0, 0, "us" },
	{ "round trip", &bench_fam_tun, bench_row_rtt, 0, 0, "us" },
	{ "bulk TCP", &bench_fam_tun, bench_row_bulk, 1, 1, "ms/MiB" },
	{ "tap write (driver)", &bench_fam_tap, bench_row_write, 0, 1, "us" },
	{ "tap read (driver)", &bench_fam_tap, bench_row_read, 0, 0, "us" },
	{ "tap bulk TCP", &bench_fam_tap, bench_row_bulk, 1, 0, "ms/MiB" },
	{ "offload bulk TCP", &bench_fam_ofl, bench_row_bulk, 1, 1, "ms/MiB" },
	{ "offload bulk UDP (GSO sender)", &bench_fam_ofl, bench_row_bulk_udp, 1, 0, "ms/MiB" },
};

/*
 * The read row of @fam's first pair (bsdtun and tun, or bsdtap and tap)
 * and the bound take turns as the drivers do in bench_measure().  Linux's
 * time over the bound's is the ceiling of the read row's ratio; the last
 * column compares the drivers' own parts, each driver's time less the
 * bound.
 */
static void bench_read_bound(const struct bench_family *fam, const char *row)
{
	enum bench_drv bsd = fam->drv[fam->ratio[0][0]];
	enum bench_drv lnx = fam->drv[fam->ratio[0][1]];
	struct bench_unit u[3];

	if (bench_bound_open(&u[2]) < 0) {
		printf("\nno dummy interface: the read row's bound not measured\n");
		return;
	}
	if (bench_drv_tap(bsd)) {
		/* Frames: the dummy's Ethernet header, as many bytes read. */
		u[2].drv = DRV_TAP;
		u[2].hdr = ETH_HLEN;
	}
	bench_open(&u[0], bsd, 160, NULL);
	bench_open(&u[1], lnx, 161, NULL);
	printf("\n%s against its bound: the same loop with a dummy interface,\n", row);
	printf("which frees the packet, and read() of /dev/zero (see bench_bound_open)\n\n");
	printf("| size | %s | %s | bound | %s/%s | bound/%s (best any driver can do) |",
	       bench_drv_name[bsd], bench_drv_name[lnx], bench_drv_name[bsd],
	       bench_drv_name[lnx], bench_drv_name[lnx]);
	printf(" above the bound, %s/%s |\n", bench_drv_name[lnx], bench_drv_name[bsd]);
	printf("|---|---|---|---|---|---|---|\n");
	for (size_t z = 0; z < ARRAY_SIZE(bench_sizes); z++) {
		double t[3][REPS], q[3][REPS];
		struct bench_stat st[3];

		bench_turns(bench_row_read, bench_sizes[z], u, 3, t);
		for (int r = 0; r < REPS; r++) {
			q[0][r] = t[1][r] / t[0][r];
			q[1][r] = t[1][r] / t[2][r];
			/* Noise can put bsdtun at the bound: count that as far ahead. */
			q[2][r] = t[0][r] > t[2][r] ?
				  (t[1][r] - t[2][r]) / (t[0][r] - t[2][r]) : 99;
		}
		for (int d = 0; d < 3; d++)
			st[d] = bench_stat_of(t[d]);
		printf("| %zu |", bench_sizes[z]);
		for (int d = 0; d < 3; d++)
			bench_print_stat(&st[d], 1e6, "us");
		printf(" %.2f | %.2f | %.2f |\n", bench_stat_of(q[0]).med,
		       bench_stat_of(q[1]).med, bench_stat_of(q[2]).med);
		fflush(stdout);
	}
	bench_close(&u[0]);
	bench_close(&u[1]);
	close(u[2].fd);
	bench_sh("/sbin/ip link del bdummy0");
}

static int bench_selected(const char *name, const char *only);

/*
 * Each profiled row among @only (NULL: all), for its table's first pair:
 * bsdtun and tun, say.
 */
static void prof_rows(const char *only)
{
	if (prof_load_syms() < 0) {
		printf("\nno profile: /proc/kallsyms gives no addresses\n");
		return;
	}
	printf("\n## Profile (cpu-clock samples, in the guest)\n");
	for (size_t r = 0; r < ARRAY_SIZE(bench_rows); r++) {
		const struct bench_row *row = &bench_rows[r];
		const struct bench_family *fam = row->fam;

		if (!row->profile || !bench_selected(row->name, only))
			continue;
		prof_row(row->name, row->fn, fam->drv[fam->ratio[0][0]], row->fresh);
		prof_row(row->name, row->fn, fam->drv[fam->ratio[0][1]], row->fresh);
	}
}

/*
 * Is row @name among @only, a comma-separated list of name prefixes?  An
 * '_' in a prefix stands for a space, which BENCH= cannot carry on the
 * kernel command line: tap_bulk selects "tap bulk TCP".
 */
static int bench_selected(const char *name, const char *only)
{
	while (only && *only) {
		size_t n = strcspn(only, ","), i;

		for (i = 0; i < n; i++)
			if (name[i] != (only[i] == '_' ? ' ' : only[i]))
				break;
		if (n && i == n)
			return 1;
		only += n + (only[n] == ',');
	}
	return !only;
}

/* @fam's table: its header and each of its rows @only selects, if any. */
static void bench_table(const struct bench_family *fam, const char *only)
{
	const struct bench_row *rows = bench_rows;
	int any = 0;

	for (size_t r = 0; r < ARRAY_SIZE(bench_rows); r++)
		any |= rows[r].fam == fam && bench_selected(rows[r].name, only);
	if (!any)
		return;
	if (fam->intro)
		printf("%s", fam->intro);
	printf("| row | size |");
	for (int d = 0; d < fam->ndrv; d++)
		printf(" %s |", bench_drv_name[fam->drv[d]]);
	for (int k = 0; k < fam->nratio; k++)
		printf(" %s/%s |", bench_drv_name[fam->drv[fam->ratio[k][0]]],
		       bench_drv_name[fam->drv[fam->ratio[k][1]]]);
	printf("\n|---|---|");
	for (int c = 0; c < fam->ndrv + fam->nratio; c++)
		printf("---|");
	printf("\n");
	for (size_t r = 0; r < ARRAY_SIZE(bench_rows); r++) {
		if (rows[r].fam != fam)
			continue;
		for (size_t z = 0; z < ARRAY_SIZE(bench_sizes); z++) {
			struct bench_stat st[BENCH_COLS];
			double ratio[3];
			double scale = rows[r].fresh ? 1e3 : 1e6;

			if ((rows[r].fresh && z) ||
			    !bench_selected(rows[r].name, only))
				break;
			if (rows[r].fresh)
				printf("| %s | MSS |", rows[r].name);
			else
				printf("| %s | %zu |", rows[r].name, bench_sizes[z]);
			bench_measure(fam, rows[r].fn, bench_sizes[z], rows[r].fresh,
				      st, ratio);
			for (int d = 0; d < fam->ndrv; d++)
				bench_print_stat(&st[d], scale, rows[r].unit);
			for (int k = 0; k < fam->nratio; k++)
				printf(" %.2f |", ratio[k]);
			printf("\n");
			fflush(stdout);
		}
	}
}

/* Is @word one of the comma-separated words of @only? */
static int bench_word(const char *only, const char *word)
{
	size_t n = strlen(word);

	while (only && *only) {
		size_t k = strcspn(only, ",");

		if (k == n && !strncmp(only, word, n))
			return 1;
		only += k + (only[k] == ',');
	}
	return 0;
}

/*
 * Every table's rows @only selects (NULL: all), in order; the latency
 * rows (bench_latency.c) last, as they take longest.
 */
static void bench_tables(const char *only)
{
	static const char * const lat[] = {
		"latency under load tun", "latency under load tap",
		"latency fairness tun", "latency fairness tap",
	};
	struct bench_stat fl;

	bench_table(&bench_fam_tun, only);
	if (bench_selected("read (driver)", only))
		bench_read_bound(&bench_fam_tun, "read (driver)");
	if (!only) {
		double t[REPS];

		for (int r = 0; r < REPS; r++)
			t[r] = bench_row_floor(NULL, 64);
		fl = bench_stat_of(t);
		printf("| floor: read /dev/zero | 64 |");
		bench_print_stat(&fl, 1e6, "us");
		printf(" | | | | |\n");
		fflush(stdout);
	}
	bench_table(&bench_fam_tap, only);
	if (bench_selected("tap read (driver)", only))
		bench_read_bound(&bench_fam_tap, "tap read (driver)");
	bench_table(&bench_fam_ofl, only);
	for (size_t k = 0; k < ARRAY_SIZE(lat); k++)
		if (bench_selected(lat[k], only))
			bench_latency(k % 2, k / 2);
}

int main(int argc, char **argv)
{
	const char *only;

	if (argc > 1)
		bench_iters = strtoul(argv[1], NULL, 0);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * BSDTUN_BENCH=profile: the profile only (profile,<word>...: of
	 * those rows); =<word>[,<word>...]: the rows whose names start so;
	 * a word bql_ab: those rows twice, bsdtun's byte queue limits on,
	 * then off (the bql module parameter).
	 */
	only = getenv("BSDTUN_BENCH");
	if (only && !strncmp(only, "profile", 7) && (!only[7] || only[7] == ',')) {
		prof_rows(only[7] ? only + 8 : NULL);
		return 0;
	}
	printf("bsdtun against Linux tun, one boot, same loop; %u iterations, median of %d.\n",
	       bench_iters, REPS);
	printf("QEMU TCG: only the ratios mean anything, not the times.\n");
	printf("ratio = median over runs of tun time / bsdtun time, the drivers taking\n");
	printf("turns every %u iterations (a speed: > 1 means bsdtun is faster)\n\n",
	       bench_iters / BENCH_SLICES);
	if (bench_word(only, "bql_ab")) {
		/* The selected rows with bsdtun's byte queue limits, then without. */
		bench_sh("echo Y > /sys/module/bsdtun/parameters/bql");
		printf("### bql=Y (bsdtun's byte queue limits on)\n\n");
		bench_tables(only);
		bench_sh("echo N > /sys/module/bsdtun/parameters/bql");
		printf("\n### bql=N (bsdtun's byte queue limits off, the default)\n\n");
		bench_tables(only);
		return 0;
	}
	bench_tables(only);
	if (only)
		return 0;
	prof_rows(NULL);
	return 0;
}
