// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest profile: where a row's time goes, per driver.  Samples on the
 * software cpu-clock (timer driven, so it works under TCG with no PMU)
 * and names each address from /proc/kallsyms (module symbols included);
 * see prof_row() for which tasks and which side are sampled.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define PROF_PAGES	1024	/* a bulk row drains once, at its end */
#define PROF_CPUS	8
#define PROF_TOP	16
#define PROF_LEAVES	3	/* functions whose callers are listed */
#define PROF_CALLERS	4

struct prof_sym {
	unsigned long addr;
	char name[64];
	unsigned long hits;
};

static struct prof_sym *prof_syms;
static size_t prof_nsyms;

/*
 * (leaf, caller) pairs of the samples, as symbol addresses: a library
 * function (memset, a copy) says little until its caller is known.
 */
struct prof_pair {
	unsigned long leaf, caller, hits;
};

#define PROF_PAIRS	4096
static struct prof_pair prof_pairs[PROF_PAIRS];
static size_t prof_npairs;

/* A bulk row's counters, which prof_mark() turns on for its transfer. */
static int prof_fds[PROF_CPUS];
static int prof_nfds;

void prof_mark(int on)
{
	for (int c = 0; c < prof_nfds; c++)
		ioctl(prof_fds[c], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

static int prof_sym_cmp(const void *a, const void *b)
{
	const struct prof_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int prof_hits_cmp(const void *a, const void *b)
{
	const struct prof_sym *x = a, *y = b;

	return x->hits > y->hits ? -1 : x->hits < y->hits;
}

int prof_load_syms(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct prof_sym sym = { 0 };
		char type;

		if (sscanf(line, "%lx %c %63s", &sym.addr, &type, sym.name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (prof_nsyms == cap) {
			cap = cap ? cap * 2 : 65536;
			prof_syms = realloc(prof_syms, cap * sizeof(*prof_syms));
			if (!prof_syms)
				bench_die("realloc");
		}
		prof_syms[prof_nsyms++] = sym;
	}
	fclose(f);
	if (!prof_nsyms || prof_nsyms == cap)
		return -1;
	/* Entry 0 (sorted first at address 0) counts user-space samples. */
	prof_syms[prof_nsyms++] = (struct prof_sym){ .addr = 0, .name = "[user space]" };
	qsort(prof_syms, prof_nsyms, sizeof(*prof_syms), prof_sym_cmp);
	/* Addresses hidden (kptr_restrict) read as zero: no profile then. */
	return prof_syms[prof_nsyms - 1].addr ? 0 : -1;
}

/* The symbol @ip is in; user-space addresses go to the first (dummy) entry. */
static struct prof_sym *prof_sym_of(unsigned long ip)
{
	size_t lo = 0, hi = prof_nsyms;

	if ((long)ip >= 0)
		return &prof_syms[0];
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (prof_syms[mid].addr <= ip)
			lo = mid;
		else
			hi = mid;
	}
	return &prof_syms[lo];
}

static void prof_hit(unsigned long ip, unsigned long caller)
{
	struct prof_sym *leaf = prof_sym_of(ip);
	unsigned long c = caller ? prof_sym_of(caller)->addr : 0;
	size_t i;

	leaf->hits++;
	if (!caller)
		return;
	for (i = 0; i < prof_npairs; i++)
		if (prof_pairs[i].leaf == leaf->addr && prof_pairs[i].caller == c)
			break;
	if (i == prof_npairs) {
		if (i == PROF_PAIRS)
			return;
		prof_pairs[prof_npairs++] = (struct prof_pair){ leaf->addr, c, 0 };
	}
	prof_pairs[i].hits++;
}

/* The 8-byte word at @off of the ring, which may wrap. */
static uint64_t prof_word(const unsigned char *data, uint64_t size, uint64_t off)
{
	uint64_t w;

	for (size_t i = 0; i < sizeof(w); i++)
		((unsigned char *)&w)[i] = data[(off + i) % size];
	return w;
}

/* Takes the samples the kernel wrote since the last call. */
static unsigned long prof_drain(struct perf_event_mmap_page *pg)
{
	unsigned char *data = (unsigned char *)pg + pg->data_offset;
	uint64_t size = pg->data_size, tail = pg->data_tail, head;
	unsigned long n = 0;

	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	while (tail < head) {
		struct perf_event_header eh;
		uint64_t ip;

		memcpy(&eh, data + tail % size, sizeof(eh));
		if (eh.type == PERF_RECORD_SAMPLE) {
			uint64_t off = tail + sizeof(eh), nr, caller = 0;

			ip = prof_word(data, size, off);
			/*
			 * The call chain: context markers (the top 4095
			 * values), the sampled address, then its callers.
			 */
			nr = prof_word(data, size, off + 8);
			for (uint64_t k = 0, seen = 0; k < nr; k++) {
				uint64_t a = prof_word(data, size, off + 16 + 8 * k);

				if (a >= (uint64_t)-4095)
					continue;
				if (seen++) {
					caller = a;
					break;
				}
			}
			prof_hit(ip, caller);
			n++;
		}
		tail += eh.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

/* The root qdisc's kind: the transmit path up to the driver is its. */
static void prof_qdisc(const char *ifname, char *kind, size_t len)
{
	char cmd[128], line[256];
	FILE *p;

	snprintf(kind, len, "?");
	snprintf(cmd, sizeof(cmd), "/sbin/tc qdisc show dev %s", ifname);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(line, sizeof(line), p))
		sscanf(line, "qdisc %31s", kind);
	pclose(p);
}

static int prof_pair_cmp(const void *a, const void *b)
{
	const struct prof_pair *x = a, *y = b;

	return x->hits > y->hits ? -1 : x->hits < y->hits;
}

/*
 * The busiest callers of @leaf, from the pairs sorted by hits; the
 * symbol table is sorted by hits too at this point.
 */
static void prof_callers(const struct prof_sym *leaf, unsigned long total)
{
	int shown = 0;

	for (size_t i = 0; i < prof_npairs && shown < PROF_CALLERS; i++) {
		const char *name = "?";

		if (prof_pairs[i].leaf != leaf->addr)
			continue;
		for (size_t k = 0; k < prof_nsyms; k++)
			if (prof_syms[k].addr == prof_pairs[i].caller) {
				name = prof_syms[k].name;
				break;
			}
		printf("%s `%s` %.1f", shown++ ? "," : "", name,
		       100.0 * prof_pairs[i].hits / total);
	}
}

/*
 * Samples while @fn runs for @drv and prints the busiest functions.  A
 * per-packet row samples this thread alone (kernel side); the bulk row,
 * three processes and the idle loop sharing the CPUs, samples every CPU
 * and counts user time as one entry.
 */
void prof_row(const char *row, bench_fn fn, enum bench_drv drv, int fresh)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = fresh ? 50000 : 20000,	/* ns */
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN,
		.sample_max_stack = 3,
		.exclude_callchain_user = 1,
		.exclude_user = !fresh,
		/* A bulk row's CPUs wait on each other: count busy time only. */
		.exclude_idle = fresh,
		.exclude_hv = 1,
		.disabled = 1,
	};
	int ncpu = fresh ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	struct perf_event_mmap_page *pg[PROF_CPUS];
	size_t len = (PROF_PAGES + 1) * 4096;
	unsigned int iters = bench_iters;
	unsigned long total = 0;
	int fd[PROF_CPUS], c;
	struct bench_unit u;
	char qdisc[32] = "per unit";

	if (ncpu > PROF_CPUS)
		ncpu = PROF_CPUS;
	for (size_t i = 0; i < prof_nsyms; i++)
		prof_syms[i].hits = 0;
	prof_npairs = 0;
	for (c = 0; c < ncpu; c++) {
		fd[c] = syscall(SYS_perf_event_open, &attr, fresh ? -1 : 0,
				fresh ? c : -1, -1, 0);
		if (fd[c] < 0)
			bench_die("perf_event_open");
		pg[c] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd[c], 0);
		if (pg[c] == MAP_FAILED)
			bench_die("perf mmap");
	}
	if (fresh) {
		/* Not the set-up: the row marks its transfer (prof_mark()). */
		u.drv = drv;
		memcpy(prof_fds, fd, sizeof(fd[0]) * ncpu);
		prof_nfds = ncpu;
		fn(&u, 0);
		prof_nfds = 0;
		for (c = 0; c < ncpu; c++)
			total += prof_drain(pg[c]);
	} else {
		bench_open(&u, drv, 200, NULL);
		prof_qdisc(u.name, qdisc, sizeof(qdisc));
		bench_iters = 2000;	/* short runs, drained in between */
		fn(&u, 64);
		for (int r = 0; r < 10; r++) {
			ioctl(fd[0], PERF_EVENT_IOC_ENABLE, 0);
			fn(&u, 64);
			ioctl(fd[0], PERF_EVENT_IOC_DISABLE, 0);
			total += prof_drain(pg[0]);
		}
		bench_iters = iters;
		bench_close(&u);
	}
	for (c = 0; c < ncpu; c++) {
		munmap(pg[c], len);
		close(fd[c]);
	}
	if (!total)
		return;
	qsort(prof_syms, prof_nsyms, sizeof(*prof_syms), prof_hits_cmp);
	qsort(prof_pairs, prof_npairs, sizeof(*prof_pairs), prof_pair_cmp);
	printf("\n%s, %s, %s (root qdisc %s): %lu samples%s\n\n", row,
	       fresh ? "MSS" : "64 bytes", bench_drv_name[drv], qdisc, total,
	       fresh ? " on every CPU, idle excluded" : " of this thread, kernel side");
	printf("| %% | function | its callers (%% of all samples) |\n|---|---|---|\n");
	for (size_t i = 0; i < PROF_TOP && i < prof_nsyms && prof_syms[i].hits; i++) {
		printf("| %.1f | `%s` |", 100.0 * prof_syms[i].hits / total,
		       prof_syms[i].name);
		if (i < PROF_LEAVES && prof_syms[i].addr)
			prof_callers(&prof_syms[i], total);
		printf(" |\n");
	}
	qsort(prof_syms, prof_nsyms, sizeof(*prof_syms), prof_sym_cmp);
}

