// SPDX-License-Identifier: GPL-2.0
/*
 * Latency under load (issue 29): the bulk rows' relay between units A
 * (namespace bna) and B (bnb), its reading side made the bottleneck by
 * LAT_SPIN_US of CPU per packet read from A, as a daemon that encrypts
 * spends it, and fq_codel as root qdisc on both units.  One bulk TCP
 * flow bna->bnb runs; once it has run LAT_WARMUP seconds, an interactive
 * flow beside it: 64-byte UDP requests to an echo server in bnb, one
 * outstanding at a time, LAT_GAP_MS apart, each round trip timed.
 *
 * Where packets waited is sampled every LAT_SAMPLE_MS meanwhile: the
 * unit's read queue (bsdtun's queued_packets; Linux tun shows none),
 * its byte queue limit, the qdisc's backlog and drops (netlink), the
 * unit's own drops (tx_dropped: Linux tun drops when its ring is full),
 * and the largest receive queue of bnb's TCP sockets (the bulk
 * receiver's) and of its UDP sockets (the echo server's).  The relay's CPU time over
 * the window says that the relay was the bottleneck (near 100%).
 *
 * bsdtun runs twice, with byte queue limits (the bql parameter) on and
 * off: the A/B.  The fairness rows run two bulk flows at once through
 * the same relay and print each one's share of the bytes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/gen_stats.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/*
 * 100 us per packet: the relay then forwards at most 10,000 packets a
 * second (about 14 MB/s of 1448-byte segments), under half of what the
 * plain relay carries under TCG (bulk TCP: about 30 ms/MiB, 23,000
 * packets a second), so the relay, not TCP or the receiver, sets the
 * pace; its CPU share printed per row checks that.  500 packets (a full
 * read queue) then wait about 60 ms, enough against an idle round trip
 * of a few ms for the rows to tell where packets waited.
 */
#define LAT_SPIN_US	100
#define LAT_WARMUP	1.5	/* s of bulk before measuring */
#define LAT_WINDOW	6.0	/* s of measuring, at most */
#define LAT_SAMPLES	300	/* round trips under load, at most */
#define LAT_IDLE	100	/* round trips idle */
#define LAT_GAP_MS	10	/* between a reply and the next request */
#define LAT_TIMEOUT	0.5	/* s: a request lost counts as this late */
#define LAT_SAMPLE_MS	100
#define LAT_FLOWS	2
#define LAT_PORT	7110	/* bulk: LAT_PORT + flow; echo: LAT_PORT + 9 */
#define LAT_SYS		"/tmp/bench-lat-sys"

static const char lat_bql_param[] = "/sys/module/bsdtun/parameters/bql";

/* What the processes of one run share. */
struct lat_shared {
	int stop;				/* measuring ends */
	unsigned long long bytes[LAT_FLOWS];	/* received, per flow */
	unsigned long long b0[LAT_FLOWS], b1[LAT_FLOWS];
	double t0, t1;				/* the window */
	int nrtt, lost;
	double rtt[LAT_SAMPLES];
	/* the sampler's: sums and maxima over nsamp samples */
	int nsamp;
	double uq_sum, bql_sum, ql_sum, bl_sum;
	unsigned int uq_max, ql_max, tcpq_max, udpq_max;
	unsigned long long bl_max;
	long long qdrops[2], txdrops[2];	/* first and last sample */
};

/* One run's figures, as printed. */
struct lat_res {
	double p50, p90, p99, mbps, busy;
	double share[LAT_FLOWS];
	struct lat_shared sh;
};

static void lat_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		bench_die(path);
	close(fd);
}

static long long lat_read_num(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

/* The relay's CPU time so far, in seconds (utime + stime). */
static double lat_cpu(pid_t pid)
{
	unsigned long ut, st;
	char path[64], buf[512], *p;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/*
 * The root qdisc's queue on interface @ifindex, from a dump on netlink
 * socket @nl: packets in @ql, bytes in @bl, drops returned (-1: none).
 */
static long long lat_qdisc(int nl, int ifindex, unsigned int *ql,
			   unsigned long long *bl)
{
	struct {
		struct nlmsghdr n;
		struct tcmsg t;
	} req = {
		.n = { NLMSG_LENGTH(sizeof(struct tcmsg)), RTM_GETQDISC,
		       NLM_F_REQUEST | NLM_F_DUMP, 1, 0 },
		.t = { .tcm_family = AF_UNSPEC },
	};
	static char buf[32768];
	long long drops = -1;

	if (send(nl, &req, req.n.nlmsg_len, 0) < 0)
		return -1;
	for (;;) {
		ssize_t len = recv(nl, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0)
			return drops;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct tcmsg *t = NLMSG_DATA(h);
			struct rtattr *a = TCA_RTA(t);
			int alen = TCA_PAYLOAD(h);

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				return drops;
			if (h->nlmsg_type != RTM_NEWQDISC || t->tcm_ifindex != ifindex ||
			    t->tcm_parent != TC_H_ROOT)
				continue;
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				struct rtattr *s = RTA_DATA(a);
				int slen = RTA_PAYLOAD(a);

				if (a->rta_type != TCA_STATS2)
					continue;
				for (; RTA_OK(s, slen); s = RTA_NEXT(s, slen)) {
					struct gnet_stats_queue q;

					if (s->rta_type != TCA_STATS_QUEUE ||
					    RTA_PAYLOAD(s) < sizeof(q))
						continue;
					memcpy(&q, RTA_DATA(s), sizeof(q));
					*ql = q.qlen;
					*bl = q.backlog;
					drops = q.drops;
				}
			}
		}
	}
}

/* The largest rx_queue of the sockets in /proc/net/{tcp,udp} file @fd. */
static unsigned int lat_rxq(int fd)
{
	static char buf[16384];
	unsigned int max = 0, rx;
	ssize_t n;
	char *l;

	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (l = strchr(buf, '\n'); l && l[1]; l = strchr(l + 1, '\n'))
		if (sscanf(l + 1, "%*d: %*x:%*x %*x:%*x %*x %*x:%x", &rx) == 1 &&
		    rx > max)
			max = rx;
	return max;
}

/*
 * The sampler: sysfs as namespace bna sees it (mounted in a mount
 * namespace of its own), a netlink socket there, and bnb's socket
 * tables; a sample every LAT_SAMPLE_MS until the run ends.
 */
static void lat_sampler(struct lat_shared *sh, const char *ifname, int bsd)
{
	int uq = -1, lim = -1, txd, nl, tcp, udp, ifindex;
	char path[128];

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		bench_die("sampler: mount namespace");
	bench_setns("bna");
	mkdir(LAT_SYS, 0755);
	if (mount("sysfs", LAT_SYS, "sysfs", 0, NULL) < 0)
		bench_die("sampler: mount sysfs");
	ifindex = (int)if_nametoindex(ifname);
	if (bsd) {
		snprintf(path, sizeof(path), LAT_SYS "/class/net/%s/bsdtun/queued_packets",
			 ifname);
		uq = open(path, O_RDONLY);
		snprintf(path, sizeof(path),
			 LAT_SYS "/class/net/%s/queues/tx-0/byte_queue_limits/limit", ifname);
		lim = open(path, O_RDONLY);
	}
	snprintf(path, sizeof(path), LAT_SYS "/class/net/%s/statistics/tx_dropped", ifname);
	txd = open(path, O_RDONLY);
	nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (nl < 0 || txd < 0)
		bench_die("sampler");
	bench_setns("bnb");
	tcp = open("/proc/net/tcp", O_RDONLY);
	udp = open("/proc/net/udp", O_RDONLY);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		unsigned int ql = 0, u = 0, tq = lat_rxq(tcp), uq2 = lat_rxq(udp);
		unsigned long long bl = 0;
		long long d = lat_qdisc(nl, ifindex, &ql, &bl);
		long long t = lat_read_num(txd);

		if (uq >= 0) {
			u = lat_read_num(uq);
			sh->uq_sum += u;
			sh->bql_sum += lat_read_num(lim);
		}
		if (!sh->nsamp) {
			sh->qdrops[0] = d;
			sh->txdrops[0] = t;
		}
		sh->qdrops[1] = d;
		sh->txdrops[1] = t;
		sh->ql_sum += ql;
		sh->bl_sum += bl;
		sh->uq_max = u > sh->uq_max ? u : sh->uq_max;
		sh->ql_max = ql > sh->ql_max ? ql : sh->ql_max;
		sh->bl_max = bl > sh->bl_max ? bl : sh->bl_max;
		sh->tcpq_max = tq > sh->tcpq_max ? tq : sh->tcpq_max;
		sh->udpq_max = uq2 > sh->udpq_max ? uq2 : sh->udpq_max;
		sh->nsamp++;
		usleep(LAT_SAMPLE_MS * 1000);
	}
	umount(LAT_SYS);
	_exit(0);
}

static int lat_socket(int type, int port, int listen_too)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = inet_addr("10.78.0.2"),
	};
	int s = socket(AF_INET, type, 0), one = 1;

	if (s < 0)
		bench_die("socket");
	if (listen_too) {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    (type == SOCK_STREAM && listen(s, 1) < 0))
			bench_die("bind");
	} else if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		bench_die("connect");
	}
	return s;
}

/* bnb: the bulk receiver of flow @f, counting what arrives. */
static void lat_receiver(struct lat_shared *sh, int f, int ready)
{
	static char buf[65536];
	int l, c;
	ssize_t n;

	bench_setns("bnb");
	l = lat_socket(SOCK_STREAM, LAT_PORT + f, 1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	c = accept(l, NULL, NULL);
	while ((n = read(c, buf, sizeof(buf))) > 0)
		__atomic_add_fetch(&sh->bytes[f], n, __ATOMIC_RELAXED);
	_exit(0);
}

/* bnb: the echo server of the interactive flow. */
static void lat_echo(int ready)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	char buf[2048];
	int s;

	bench_setns("bnb");
	s = lat_socket(SOCK_DGRAM, LAT_PORT + 9, 1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n > 0)
			sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

/* bna: a bulk sender, writing until the run is killed. */
static void lat_sender(int f)
{
	static char buf[65536];
	int s;

	bench_setns("bna");
	s = lat_socket(SOCK_STREAM, LAT_PORT + f, 0);
	for (;;)
		if (write(s, buf, sizeof(buf)) <= 0)
			_exit(0);
}

static void lat_snap(struct lat_shared *sh, unsigned long long *b, double *t)
{
	*t = bench_now();
	for (int f = 0; f < LAT_FLOWS; f++)
		b[f] = __atomic_load_n(&sh->bytes[f], __ATOMIC_RELAXED);
}

/*
 * bna: up to @max round trips of 64-byte requests, LAT_GAP_MS apart,
 * for at most LAT_WINDOW seconds; a request without its reply in
 * LAT_TIMEOUT is lost and counts as that late.  The bulk flows' bytes at
 * the window's ends go to @sh too.
 */
static void lat_pinger(struct lat_shared *sh, int max)
{
	uint32_t seq, buf[16] = { 0 }, in[512];
	int s;

	bench_setns("bna");
	s = lat_socket(SOCK_DGRAM, LAT_PORT + 9, 0);
	lat_snap(sh, sh->b0, &sh->t0);
	for (seq = 1; sh->nrtt < max && bench_now() - sh->t0 < LAT_WINDOW; seq++) {
		struct pollfd pf = { s, POLLIN, 0 };
		double t = bench_now(), left;

		buf[0] = seq;
		if (send(s, buf, sizeof(buf), 0) != sizeof(buf))
			bench_die("probe send");
		for (;;) {
			left = t + LAT_TIMEOUT - bench_now();
			if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) != 1) {
				sh->rtt[sh->nrtt++] = LAT_TIMEOUT;
				sh->lost++;
				break;
			}
			if (recv(s, in, sizeof(in), 0) >= 4 && in[0] == seq) {
				sh->rtt[sh->nrtt++] = bench_now() - t;
				break;
			}
		}
		usleep(LAT_GAP_MS * 1000);
	}
	lat_snap(sh, sh->b1, &sh->t1);
	_exit(0);
}

static int lat_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile (0..1) of @n sorted values. */
static double lat_q(const double *v, int n, double q)
{
	double x = q * n;
	int i = (int)x;

	/* Nearest rank: the ceiling of q * n, counted from 1. */
	i += i < x;
	return n ? v[i < 1 ? 0 : i - 1] : 0;
}

static pid_t lat_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork");
	return pid;
}

/*
 * One run: driver @drv through the slow relay, fq_codel on both units;
 * @flows bulk flows (0: idle) and, when @probes, the interactive flow.
 * Without probes (fairness) the window is LAT_WINDOW seconds of bulk.
 */
static void lat_run(enum bench_drv drv, int flows, int probes,
		    struct lat_res *res)
{
	struct lat_shared *sh;
	struct bench_unit a, b;
	pid_t relay, kids[8], pinger, sampler;
	int nk = 0, p[2], self;
	double c0, c1;
	char r;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		bench_die("mmap");
	memset(sh, 0, sizeof(*sh));
	bench_relay_spin_us = LAT_SPIN_US;
	relay = bench_bulk_up(drv, &a, &b);
	bench_relay_spin_us = 0;
	bench_sh("/sbin/tc -n bna qdisc replace dev %s root fq_codel && "
		 "/sbin/tc -n bnb qdisc replace dev %s root fq_codel", a.name, b.name);
	if (pipe(p) < 0)
		bench_die("pipe");
	for (int f = 0; f < flows; f++) {
		kids[nk] = lat_fork();
		if (!kids[nk++])
			lat_receiver(sh, f, p[1]);
	}
	kids[nk] = lat_fork();
	if (!kids[nk++])
		lat_echo(p[1]);
	for (int i = 0; i < flows + 1; i++)
		if (read(p[0], &r, 1) != 1)
			bench_die("servers' start");
	for (int f = 0; f < flows; f++) {
		kids[nk] = lat_fork();
		if (!kids[nk++])
			lat_sender(f);
	}
	sampler = lat_fork();
	if (!sampler)
		lat_sampler(sh, a.name, drv == DRV_BSD || drv == DRV_BSD_TAP);
	if (flows)
		usleep(LAT_WARMUP * 1e6);
	c0 = lat_cpu(relay);
	if (probes) {
		pinger = lat_fork();
		if (!pinger)
			lat_pinger(sh, flows ? LAT_SAMPLES : LAT_IDLE);
		waitpid(pinger, NULL, 0);
	} else {
		lat_snap(sh, sh->b0, &sh->t0);
		usleep(LAT_WINDOW * 1e6);
		lat_snap(sh, sh->b1, &sh->t1);
	}
	c1 = lat_cpu(relay);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	waitpid(sampler, NULL, 0);
	for (int k = 0; k < nk; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	close(p[1]);
	self = open("/proc/self/ns/net", O_RDONLY);
	bench_bulk_down(relay, &a, &b, self, p[0]);

	memset(res->share, 0, sizeof(res->share));
	res->mbps = 0;
	for (int f = 0; f < flows; f++)
		res->mbps += (double)(sh->b1[f] - sh->b0[f]);
	for (int f = 0; f < flows && res->mbps > 0; f++)
		res->share[f] = (sh->b1[f] - sh->b0[f]) / res->mbps;
	res->mbps = res->mbps * 8 / 1e6 / (sh->t1 - sh->t0);
	res->busy = (c1 - c0) / (sh->t1 - sh->t0);
	qsort(sh->rtt, sh->nrtt, sizeof(sh->rtt[0]), lat_cmp);
	res->p50 = lat_q(sh->rtt, sh->nrtt, 0.5);
	res->p90 = lat_q(sh->rtt, sh->nrtt, 0.9);
	res->p99 = lat_q(sh->rtt, sh->nrtt, 0.99);
	res->sh = *sh;
	munmap(sh, sizeof(*sh));
}

/* bsdtun's byte queue limits on or off; the value before. */
static int lat_bql(int on)
{
	char old = 'Y';
	int fd = open(lat_bql_param, O_RDONLY);

	if (fd < 0 || read(fd, &old, 1) != 1)
		bench_die(lat_bql_param);
	close(fd);
	lat_write_file(lat_bql_param, on ? "Y" : "N");
	return old == 'Y' || old == '1';
}

/* A column's driver: bsdtun (BQL on, off) or Linux's. */
struct lat_col {
	enum bench_drv drv;
	int bql;
	const char *name;
};

/* Where packets waited; with @full the BQL limit and socket queues too. */
static void lat_print_waits(const struct lat_res *r, int bsd, int full)
{
	const struct lat_shared *sh = &r->sh;
	int n = sh->nsamp ? sh->nsamp : 1;

	if (bsd)
		printf(" %.0f / %u |", sh->uq_sum / n, sh->uq_max);
	else
		printf(" n/a |");
	if (full && bsd)
		printf(" %.0f |", sh->bql_sum / n);
	else if (full)
		printf(" n/a |");
	printf(" %.0f / %u (%.0f KiB max) | %lld | %lld |",
	       sh->ql_sum / n, sh->ql_max, sh->bl_max / 1024.0,
	       sh->qdrops[1] - sh->qdrops[0], sh->txdrops[1] - sh->txdrops[0]);
	if (full)
		printf(" %u / %u KiB |", sh->tcpq_max / 1024, sh->udpq_max / 1024);
}

/*
 * The latency (or, @fairness, the two-flow) table for the tun or the
 * tap pair: bsdtun with BQL, bsdtun without, Linux's driver, one run
 * each in that order, and the ratios the issue targets.
 */
void bench_latency(int tap, int fairness)
{
	const struct lat_col cols[] = {
		{ tap ? DRV_BSD_TAP : DRV_BSD, 1, tap ? "bsdtap" : "bsdtun" },
		{ tap ? DRV_BSD_TAP : DRV_BSD, 0, tap ? "bsdtap, bql=N" : "bsdtun, bql=N" },
		{ tap ? DRV_TAP : DRV_TUN, 1, tap ? "tap" : "tun" },
	};
	struct lat_res res[ARRAY_SIZE(cols)];
	int old = lat_bql(1);

	if (fairness) {
		printf("\nTwo-flow fairness (%s): two bulk TCP flows at once through the\n"
		       "latency rows' relay (%d us of work per packet, fq_codel on both units),\n"
		       "each one's share of the bytes over %.0f s; target: each within 10%% of\n"
		       "half (45%% to 55%%)\n\n", tap ? "tap" : "tun", LAT_SPIN_US, LAT_WINDOW);
		printf("| row | driver | flow 1 | flow 2 | together | relay CPU |");
		printf(" unit queue avg / max | qdisc avg / max pkts | qdisc drops |");
		printf(" unit drops |\n");
		printf("|---|---|---|---|---|---|---|---|---|---|\n");
	} else {
		printf("\nLatency under load (%s): bulk TCP bna->bnb through a relay that spends\n"
		       "%d us of CPU per packet it reads from A (the bottleneck: relay CPU near\n"
		       "100%%), fq_codel as root qdisc on both units, and beside the bulk flow\n"
		       "64-byte UDP requests echoed back from bnb, one at a time, %d ms apart,\n"
		       "up to %d or %.0f s (a loss counts as %.0f ms).  Where packets waited:\n"
		       "averages / maxima of samples every %d ms; rx = the largest receive\n"
		       "queue of bnb's TCP sockets (the bulk receiver) and UDP sockets (the\n"
		       "echo server).  Targets: p99 under load at most 1/5 of Linux's; bulk\n"
		       "within 5%% of bql=N\n\n",
		       tap ? "tap" : "tun", LAT_SPIN_US, LAT_GAP_MS, LAT_SAMPLES, LAT_WINDOW,
		       LAT_TIMEOUT * 1e3, LAT_SAMPLE_MS);
		printf("| row | driver | idle p50 | p50 | p90 | p99 | lost / n | bulk |");
		printf(" relay CPU | unit queue avg / max | BQL limit avg |");
		printf(" qdisc avg / max pkts | qdisc drops | unit drops | rx TCP / UDP |\n");
		printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	}
	fflush(stdout);
	for (size_t c = 0; c < ARRAY_SIZE(cols); c++) {
		struct lat_res idle;
		int bsd = c < 2;

		lat_bql(cols[c].bql);
		if (fairness) {
			lat_run(cols[c].drv, 2, 0, &res[c]);
			printf("| fairness %s | %s | %.1f%% | %.1f%% | %.1f Mbit/s | %.0f%% |",
			       tap ? "tap" : "tun", cols[c].name, res[c].share[0] * 100,
			       res[c].share[1] * 100, res[c].mbps, res[c].busy * 100);
		} else {
			lat_run(cols[c].drv, 0, 1, &idle);
			lat_run(cols[c].drv, 1, 1, &res[c]);
			printf("| latency %s | %s | %.2f ms | %.2f ms |",
			       tap ? "tap" : "tun", cols[c].name, idle.p50 * 1e3,
			       res[c].p50 * 1e3);
			printf(" %.2f ms | %.2f ms | %d / %d | %.1f Mbit/s | %.0f%% |",
			       res[c].p90 * 1e3, res[c].p99 * 1e3, res[c].sh.lost, res[c].sh.nrtt,
			       res[c].mbps, res[c].busy * 100);
		}
		lat_print_waits(&res[c], bsd, !fairness);
		printf("\n");
		fflush(stdout);
	}
	lat_bql(old);
	if (fairness)
		return;
	printf("\np99 under load, %s / %s: %.2f (target >= 5); %s / %s: %.2f.\n"
	       "p50 under load, %s / %s: %.2f; %s / %s: %.2f.\n"
	       "bulk, %s / %s: %.3f (target >= 0.95).\n",
	       cols[2].name, cols[0].name, res[2].p99 / res[0].p99,
	       cols[1].name, cols[0].name, res[1].p99 / res[0].p99,
	       cols[2].name, cols[0].name, res[2].p50 / res[0].p50,
	       cols[1].name, cols[0].name, res[1].p50 / res[0].p50,
	       cols[0].name, cols[1].name, res[0].mbps / res[1].mbps);
	fflush(stdout);
}
