/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the bsdtun selftests: module reloads, shell commands,
 * sysfs reads, units brought up with addresses, and IPv4/IPv6 UDP packets
 * built by hand for write().
 *
 * The tests run as root in the QEMU guest of tests/qemu/, where iproute2's
 * ip is /sbin/ip (busybox's applet lacks netns) and $BSDTUN_KO names the
 * module for reloads with parameters.
 */
#ifndef _BSDTUN_LIB_H
#define _BSDTUN_LIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_tun.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "bsdtun_net.h"

#define BSDTUN_IP	"/sbin/ip"

/*
 * Fault mode: the test runner's fault pass runs a program with
 * BSDTUN_FAULT=1.  The program then sets make-it-fail (the kernel fails a
 * share of that task's allocations and user copies) in the threads or
 * children that exercise the driver, once past its set-up; they inherit
 * it.  Set from the start, it made the C library's own start-up fail.
 */
static inline int bsdtun_fault_mode(void)
{
	const char *e = getenv("BSDTUN_FAULT");

	return e && e[0] == '1';
}

static inline void bsdtun_fault_write(const char *v)
{
	/*
	 * With failures on, turning them off can itself fail (ENOMEM,
	 * EFAULT from an injected copy): try again, bounded.
	 */
	for (int i = 0; i < 1000 && bsdtun_fault_mode(); i++) {
		int fd = open("/proc/thread-self/make-it-fail", O_WRONLY), ok;

		if (fd < 0)
			continue;
		ok = write(fd, v, 1) == 1;
		close(fd);
		if (ok)
			return;
	}
}

/* From here on, this thread's allocations and copies may fail. */
static inline void bsdtun_fault_on(void)
{
	bsdtun_fault_write("1");
}

static inline void bsdtun_fault_off(void)
{
	bsdtun_fault_write("0");
}

/* Run a shell command; its exit status (-1 when it did not run). */
static inline int bsdtun_sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int bsdtun_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The number a shell command prints first; -1 when there is none. */
static inline long long bsdtun_sh_num(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline long long bsdtun_sh_num(const char *fmt, ...)
{
	long long n = -1;
	char cmd[1024];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

static inline const char *bsdtun_ko(void)
{
	const char *ko = getenv("BSDTUN_KO");

	return ko ? ko : "/bsdtun/bsdtun.ko";
}

static inline int bsdtun_loaded(void)
{
	return access("/sys/module/bsdtun", F_OK) == 0;
}

/*
 * rmmod and insmod by their system calls: most tests start from a fresh
 * module, and a debug kernel takes most of a second to fork and exec one
 * command.  Both 0, or -1 with errno set; @params as insmod takes them.
 */
static inline int bsdtun_rmmod(void)
{
	return syscall(SYS_delete_module, "bsdtun", O_NONBLOCK) ? -1 : 0;
}

static inline int bsdtun_insmod(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int bsdtun_insmod(const char *fmt, ...)
{
	int fd = open(bsdtun_ko(), O_RDONLY | O_CLOEXEC), rc, err;
	char params[512];
	va_list ap;

	if (fd < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	rc = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return rc ? -1 : 0;
}

/* Unload (when loaded) and load with @params: a clean module state. */
static inline int bsdtun_reload(const char *params)
{
	if (bsdtun_loaded() && bsdtun_rmmod())
		return -1;
	return bsdtun_insmod("%s", params ? params : "");
}

/* A number from a file such as a sysfs attribute; -1 on failure. */
static inline long long bsdtun_read_num(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline long long bsdtun_read_num(const char *fmt, ...)
{
	char path[512], buf[64];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 0);
}

static inline long long bsdtun_stat(const char *ifname, const char *what)
{
	return bsdtun_read_num("/sys/class/net/%s/statistics/%s", ifname, what);
}

static inline long long bsdtun_flags(const char *ifname)
{
	return bsdtun_read_num("/sys/class/net/%s/flags", ifname);
}

static inline int bsdtun_ifname(int fd, char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGIFNAME, &ifr) < 0)
		return -1;
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return 0;
}

/*
 * The families of units, for fixture variants: node and interface
 * prefix with the default parameters, rtnl kind, and how they differ.
 */
struct bsdtun_family {
	const char *prefix;	/* /dev/<prefix>N, interface <prefix>N */
	const char *kind;	/* ip link add ... type <kind> */
	int ether;		/* Ethernet frames (tap, vmnet) */
	int keep_up;		/* close leaves the interface up (vmnet) */
	/*
	 * OpenBSD's personality: its requests, and its close destroys an
	 * interface its open made (a boot unit's node stays).
	 */
	int obsd;
};

static const struct bsdtun_family bsdtun_fam_tun = { "bsdtun", "bsdtun", 0, 0, 0 };
static const struct bsdtun_family bsdtun_fam_tap = { "bsdtap", "bsdtap", 1, 0, 0 };
static const struct bsdtun_family bsdtun_fam_vmnet = { "bsdvmnet", "bsdvmnet", 1, 1, 0 };
static const struct bsdtun_family bsdtun_fam_otun = { "bsdotun", "bsdotun", 0, 0, 1 };
static const struct bsdtun_family bsdtun_fam_otap = { "bsdotap", "bsdotap", 1, 0, 1 };

/* "<prefix><n>" of @fam into @buf (a node's or interface's name). */
static inline const char *bsdtun_name(char *buf, size_t size,
				      const struct bsdtun_family *fam, int n)
{
	snprintf(buf, size, "%s%d", fam->prefix, n);
	return buf;
}

/* Open unit @n of @fam: its node /dev/<prefix><n>. */
static inline int bsdtun_open_unit(const struct bsdtun_family *fam, int n,
				   int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/%s%d", fam->prefix, n);
	return open(path, flags);
}

/* Open @fam's cloning node: a new unit; its interface name in @name. */
static inline int bsdtun_clone_fam(const struct bsdtun_family *fam, char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", fam->prefix);
	fd = open(path, O_RDWR);
	if (fd >= 0 && bsdtun_ifname(fd, name) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Open the cloning node: a new unit; its interface name in @name. */
static inline int bsdtun_clone(char *name)
{
	int fd = open("/dev/bsdtun", O_RDWR);

	if (fd >= 0 && bsdtun_ifname(fd, name) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A MAC written as text in @path. */
static inline int bsdtun_mac_file(const char *path, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	FILE *f;
	int n;

	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	fclose(f);
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = b[i];
	return n == ETH_ALEN ? 0 : -1;
}

/* An interface's own MAC, from sysfs. */
static inline int bsdtun_mac(const char *name, uint8_t *mac)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	return bsdtun_mac_file(path, mac);
}

/*
 * One SIOCETHTOOL request carrying a struct ethtool_value (ETHTOOL_GSG,
 * ETHTOOL_SGRO...: what ethtool -k/-K do): the value after it, or -1.
 */
static inline int bsdtun_ethtool(const char *name, unsigned int cmd,
				 unsigned int data)
{
	struct ethtool_value ev = { .cmd = cmd, .data = data };
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	rc = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	return rc < 0 ? -1 : (int)ev.data;
}

/*
 * Wait (bounded) for the interface's operstate to become @want.  Read
 * here rather than by a shell: under emulation each fork costs tens of
 * milliseconds, and nearly every test brings an interface up.
 */
static inline int bsdtun_operstate(const char *ifname, const char *want)
{
	char path[128], state[32];

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");

		state[0] = 0;
		if (f) {
			if (!fgets(state, sizeof(state), f))
				state[0] = 0;
			fclose(f);
		}
		state[strcspn(state, "\n")] = 0;
		if (!strcmp(state, want))
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * Up with 10.<net>.0.1, peer 10.<net>.0.2, and IPv6 off: IPv6 would send
 * its own packets (MLD, router solicitations) that tests reading with a
 * header would have to skip.  By system calls, not ip(8), as nearly
 * every test starts here.  Nor does it wait for the operational state,
 * which linkwatch sets at most once a second: IPv4 needs only the qdisc,
 * which "up" attaches when the unit is open (its carrier on) before it,
 * as every caller has it.  bsdtun_up6() waits, as IPv6 needs the state.
 * 0, or -1 with errno set and the failed step on stderr.
 */
static inline int bsdtun_up(const char *ifname, int net)
{
	const char *step = "disable_ipv6";
	char path[128];
	int err;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	err = bsdtun_write_file(path, "1") ? -errno : 0;
	if (!err) {
		step = "SIOCSIFFLAGS";
		err = bsdtun_link_up(ifname, 1) ? -errno : 0;
	}
	if (!err) {
		step = "RTM_NEWADDR";
		err = bsdtun_nl_addr4(ifname, bsdtun_v4(net, 1), bsdtun_v4(net, 2));
	}
	if (!err)
		return 0;
	fprintf(stderr, "# %s %s: %s: %s\n", __func__, ifname, step,
		strerror(-err));
	errno = -err;
	return -1;
}

/*
 * IPv6 too: fd00:<net in hex>::1, peer fd00:<net in hex>::2.  Even with
 * nodad, IPv6 adds the route to the peer from its DAD work, after "addr
 * add" has returned: wait (bounded) until a UDP socket can connect there,
 * or the first send could fail with ENETUNREACH.
 */
static inline int bsdtun_up6(const char *ifname, int net)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9) };
	int s, r = -1;

	if (!(bsdtun_read_num("/sys/class/net/%s/flags", ifname) & IFF_UP) &&
	    bsdtun_up(ifname, net))
		return -1;
	/* IPv6 configures an interface only once it is operationally up. */
	if (!bsdtun_operstate(ifname, "up"))
		return -1;
	if (bsdtun_sh("echo 0 > /proc/sys/net/ipv6/conf/%s/disable_ipv6 && "
		      BSDTUN_IP " -6 addr add fd00:%x::1 peer fd00:%x::2 dev %s nodad",
		      ifname, net, net, ifname))
		return -1;
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	bsdtun_v6(&to.sin6_addr, net, 2);
	for (int i = 0; i < 500 && r; i++) {
		r = connect(s, (struct sockaddr *)&to, sizeof(to));
		if (r)
			usleep(10000);
	}
	close(s);
	return r;
}

/*
 * Read the next packet that is not IPv6's own chatter (ICMPv6: MLD,
 * router solicitations), @hdr bytes of header before the IP packet;
 * bounded by a 5 s wait per packet.
 */
static inline ssize_t bsdtun_read_skip(int fd, void *buf, size_t size,
				       size_t hdr)
{
	const uint8_t *p = (const uint8_t *)buf + hdr;
	ssize_t n = -1;

	for (int i = 0; i < 50; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) != 1)
			return -1;
		n = read(fd, buf, size);
		if (n < (ssize_t)(hdr + 40) || (p[0] >> 4) != 6 || p[6] != IPPROTO_ICMPV6)
			return n;
	}
	return n;
}

static inline uint32_t bsdtun_sum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

static inline uint16_t bsdtun_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/*
 * An IPv4 header from 10.<net>.0.2 to 10.<net>.0.1 before @l4len bytes of
 * protocol @proto, with IP ID @id and flags/fragment word @frag.
 */
static inline void bsdtun_ip4(struct iphdr *ip, int net, int proto,
			      size_t l4len, uint16_t id, uint16_t frag)
{
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + l4len);
	ip->id = htons(id);
	ip->frag_off = htons(frag);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = bsdtun_v4(net, 2);
	ip->daddr = bsdtun_v4(net, 1);
	ip->check = bsdtun_fold(bsdtun_sum(ip, sizeof(*ip), 0));
}

/* IPv4/UDP from 10.<net>.0.2:9 to 10.<net>.0.1:@port; returns length. */
static inline size_t bsdtun_udp4(uint8_t *buf, int net, uint16_t port,
				 const void *data, size_t len)
{
	struct iphdr *ip = (struct iphdr *)buf;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	uint32_t sum;

	memset(udp, 0, sizeof(*udp));
	bsdtun_ip4(ip, net, IPPROTO_UDP, sizeof(*udp) + len, 0, 0);
	udp->source = htons(9);
	udp->dest = htons(port);
	udp->len = htons(sizeof(*udp) + len);
	memcpy(udp + 1, data, len);
	sum = bsdtun_sum(&ip->saddr, 8, IPPROTO_UDP + sizeof(*udp) + len);
	udp->check = bsdtun_fold(bsdtun_sum(udp, sizeof(*udp) + len, sum));
	return sizeof(*ip) + sizeof(*udp) + len;
}

/* IPv6/UDP from fd00:<net>::2 to fd00:<net>::1 port @port. */
static inline size_t bsdtun_udp6(uint8_t *buf, int net, uint16_t port,
				 const void *data, size_t len)
{
	struct ip6_hdr *ip6 = (struct ip6_hdr *)buf;
	struct udphdr *udp = (struct udphdr *)(ip6 + 1);
	uint32_t sum;

	memset(buf, 0, sizeof(*ip6) + sizeof(*udp));
	ip6->ip6_flow = htonl(6 << 28);
	ip6->ip6_plen = htons(sizeof(*udp) + len);
	ip6->ip6_nxt = IPPROTO_UDP;
	ip6->ip6_hlim = 64;
	bsdtun_v6(&ip6->ip6_src, net, 2);
	bsdtun_v6(&ip6->ip6_dst, net, 1);
	udp->source = htons(9);
	udp->dest = htons(port);
	udp->len = htons(sizeof(*udp) + len);
	memcpy(udp + 1, data, len);
	sum = bsdtun_sum(&ip6->ip6_src, 32, IPPROTO_UDP + sizeof(*udp) + len);
	udp->check = bsdtun_fold(bsdtun_sum(udp, sizeof(*udp) + len, sum));
	return sizeof(*ip6) + sizeof(*udp) + len;
}

/* A UDP socket bound to @port on any address, with a receive timeout. */
static inline int bsdtun_udp_sock(int family, uint16_t port)
{
	struct timeval tv = { .tv_sec = 5 };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int s = socket(family, SOCK_DGRAM, 0);

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (family == AF_INET6 ? bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) :
				 bind(s, (struct sockaddr *)&sin, sizeof(sin))) {
		close(s);
		return -1;
	}
	return s;
}

/* Send @len bytes of UDP from the stack to the peer 10.<net>.0.2. */
static inline int bsdtun_send4(int net, const void *data, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4242),
				  .sin_addr.s_addr = bsdtun_v4(net, 2) };
	int s = socket(AF_INET, SOCK_DGRAM, 0), r;

	if (s < 0)
		return -1;
	r = sendto(s, data, len, 0, (struct sockaddr *)&to, sizeof(to));
	close(s);
	return r;
}

static inline int bsdtun_send6(int net, const void *data, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_port = htons(4242) };
	int s = socket(AF_INET6, SOCK_DGRAM, 0), r;

	if (s < 0)
		return -1;
	bsdtun_v6(&to.sin6_addr, net, 2);
	r = sendto(s, data, len, 0, (struct sockaddr *)&to, sizeof(to));
	close(s);
	return r;
}

static inline void bsdtun_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Wait (bounded) until @fd is readable; 1 when it is. */
static inline int bsdtun_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Read /proc/<pid>/task/<tid>/<what> into @buf (NUL-terminated); its length. */
static inline ssize_t bsdtun_task_file(pid_t pid, pid_t tid, const char *what,
				       char *buf, size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", pid, tid, what);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* Wait (bounded, polling /proc) until task @tid sleeps; 1 when it does. */
static inline int bsdtun_wait_sleeping(pid_t pid, pid_t tid)
{
	char buf[256], *p;

	for (int i = 0; i < 5000; i++) {
		if (bsdtun_task_file(pid, tid, "stat", buf, sizeof(buf)) < 0)
			return 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return 1;
		usleep(1000);
	}
	return 0;
}

/*
 * Wait (bounded) until task @tid sleeps inside system call @nr, as
 * /proc/<pid>/task/<tid>/syscall shows: "sleeping" alone could be a
 * thread that has not reached the call yet.  1 when it does.
 */
static inline int bsdtun_wait_blocked_in(pid_t pid, pid_t tid, long nr)
{
	char buf[128];

	for (int i = 0; i < 5000; i++) {
		if (bsdtun_task_file(pid, tid, "syscall", buf, sizeof(buf)) < 0)
			return 0;
		if (strtol(buf, NULL, 10) == nr && strchr(buf, ' ') &&
		    bsdtun_wait_sleeping(pid, tid))
			return 1;
		usleep(1000);
	}
	return 0;
}

/* A thread blocked in read() or poll() on a unit, and what it got. */
struct bsdtun_waiter {
	int fd;
	pid_t tid;		/* set once the thread runs */
	ssize_t ret;
	int err;
	short revents;
	uint8_t buf[2048];
};

static inline void *bsdtun_waiter_read(void *arg)
{
	struct bsdtun_waiter *w = arg;

	__atomic_store_n(&w->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	w->ret = read(w->fd, w->buf, sizeof(w->buf));
	w->err = errno;
	return NULL;
}

static inline void *bsdtun_waiter_poll(void *arg)
{
	struct bsdtun_waiter *w = arg;
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	__atomic_store_n(&w->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	/* Bounded so a missed wake-up fails the test instead of hanging it. */
	w->ret = poll(&p, 1, 20000);
	w->err = errno;
	w->revents = p.revents;
	return NULL;
}

/* Wait (bounded) until @w's thread sleeps in system call @nr; 1 when it does. */
/* The C library's poll() is ppoll() where there is no poll (arm64). */
#ifdef SYS_poll
#define BSDTUN_SYS_POLL SYS_poll
#else
#define BSDTUN_SYS_POLL SYS_ppoll
#endif

static inline int bsdtun_waiter_blocked(struct bsdtun_waiter *w, long nr)
{
	for (int i = 0; i < 5000 && !__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	return w->tid && bsdtun_wait_blocked_in(getpid(), w->tid, nr);
}

/* Open @node from inside network namespace @ns: the interface is made there. */
static inline int bsdtun_open_in(const char *ns, const char *node)
{
	int self, nsfd, fd, err;
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY);
	nsfd = open(path, O_RDONLY);
	if (self < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET))
		return -1;
	fd = open(node, O_RDWR);
	err = errno;
	if (setns(self, CLONE_NEWNET))
		return -1;
	close(self);
	close(nsfd);
	errno = err;
	return fd;
}

/*
 * Byte queue limits off for the packets sent from now on (the module's
 * bql parameter, until the next load): for tests of the hard bounds,
 * txqueuelen and queue_bytes, which the limits otherwise keep the unit
 * far within, the backlog waiting in the qdisc (bsdtun_bql).
 */
static inline int bsdtun_bql_off(void)
{
	return bsdtun_write_file("/sys/module/bsdtun/parameters/bql", "N");
}

/*
 * Become what "unshare -Urn" run by user @uid makes: an unprivileged
 * user, root in a user and a network namespace of its own.  For a forked
 * child; 0 on success.
 */
static inline int bsdtun_unpriv_userns(uid_t uid)
{
	char map[32];

	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return -1;
	/* Changing uid made the process undumpable: its maps need it back. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -1;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	if (bsdtun_write_file("/proc/self/setgroups", "deny") ||
	    bsdtun_write_file("/proc/self/uid_map", map) ||
	    bsdtun_write_file("/proc/self/gid_map", map))
		return -1;
	return 0;
}

/* Wait for SIGIO (blocked), bounded: 1 when it came. */
static inline int bsdtun_got_sigio(void)
{
	struct timespec ts = { .tv_sec = 5 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	return sigtimedwait(&set, NULL, &ts) == SIGIO;
}

static inline void bsdtun_block_sigio(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

#endif /* _BSDTUN_LIB_H */
