// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun's FreeBSD-syntax ifconfig and route (tools/bsd/, installed in
 * /usr/lib/bsdtun/bin): a table of command lines, each run on a fresh
 * unit and followed by the state read back with iproute2 (addresses,
 * routes, flags, MTU, alias) compared with what FreeBSD's commands give,
 * for a point-to-point family (tun) and an Ethernet one (tap), which
 * expect their own.  Then, for every family (fixture variants): bad input
 * (a non-zero exit naming the word, and nothing changed), -d (the planned
 * ip commands printed, nothing changed, and the family's kind of link
 * told apart), create and destroy by name and by bare prefix, rename, the
 * Ethernet address, and the show forms.
 */
#include <stdarg.h>

#include "kselftest_harness.h"
#include "bsdtun_lib.h"

#define BSDTUN_BSD_BIN	"/usr/lib/bsdtun/bin/"
#define BSDTUN_IFC_PATH	BSDTUN_BSD_BIN "ifconfig"
#define BSDTUN_RT_PATH	BSDTUN_BSD_BIN "route"
#define BSDTUN_IFC		BSDTUN_IFC_PATH " "
#define BSDTUN_RT		BSDTUN_RT_PATH " "
/* First unit of the table's; each case takes the next. */
#define BSDTUN_BSDCMD_UNIT	10

/* Run a shell command, its stdout and stderr in @out; its exit status. */
static int bsdtun_bsdcmd_run(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bsdtun_bsdcmd_run(char *out, size_t size, const char *fmt, ...)
{
	char cmd[2048];
	size_t n = 0, r;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = 0;
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < size && (r = fread(out + n, 1, size - 1 - n, f)) > 0)
		n += r;
	out[n] = 0;
	st = pclose(f);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Joined with ";", one entry a line of what the pipeline prints. */
#define BSDTUN_JOIN	" | awk '{ o = o (NR > 1 ? \";\" : \"\") $0 } END { print o }'"
/* The words of "ip -o addr" lines up to "scope". */
#define BSDTUN_WORDS	" | awk '{ s = \"\"; for (i = 3; i <= NF && $i != \"scope\"; i++)" \
			" s = s (s == \"\" ? \"\" : \" \") $i; print s }'"

/* What the table reads back with ip: one line each. */
struct bsdtun_bsdcmd_seen {
	char v4[512];		/* IPv4 addresses, in the kernel's order (primary first) */
	char v6[512];		/* global IPv6 addresses, sorted */
	char routes[512];	/* both families' routes, sorted: destination and gateway */
};

static void bsdtun_bsdcmd_line(char *buf, size_t size, FILE *f)
{
	if (!fgets(buf, size, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

/* All three with one shell: the table runs hundreds of them. */
static int bsdtun_bsdcmd_read(const char *name, struct bsdtun_bsdcmd_seen *seen)
{
	char cmd[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 BSDTUN_IP " -o -4 addr show dev %1$s" BSDTUN_WORDS BSDTUN_JOIN "; "
		 BSDTUN_IP " -o -6 addr show dev %1$s scope global" BSDTUN_WORDS " | sort"
		 BSDTUN_JOIN "; "
		 "{ " BSDTUN_IP " -4 route show dev %1$s; " BSDTUN_IP " -6 route show dev %1$s; }"
		 " | awk '$1 != \"fe80::/64\" { d = $1; for (i = 2; i < NF; i++)"
		 " if ($i == \"via\") d = d \" via \" $(i + 1); print d }' | sort" BSDTUN_JOIN,
		 name);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	bsdtun_bsdcmd_line(seen->v4, sizeof(seen->v4), f);
	bsdtun_bsdcmd_line(seen->v6, sizeof(seen->v6), f);
	bsdtun_bsdcmd_line(seen->routes, sizeof(seen->routes), f);
	return pclose(f) == 0 ? 0 : -1;
}

/* The interface's alias (ifconfig's description). */
static const char *bsdtun_bsdcmd_alias(char *buf, size_t size, const char *name)
{
	char path[128];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifalias", name);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* Everything the table reads back, in one string. */
static const char *bsdtun_bsdcmd_state(char *buf, size_t size, const char *name)
{
	struct bsdtun_bsdcmd_seen seen;
	char al[128];

	if (bsdtun_bsdcmd_read(name, &seen))
		strcpy(seen.v4, "(ip failed)");
	snprintf(buf, size, "v4 [%s] v6 [%s] routes [%s] flags %#llx mtu %lld alias [%s]",
		 seen.v4, seen.v6, seen.routes, bsdtun_flags(name),
		 bsdtun_read_num("/sys/class/net/%s/mtu", name),
		 bsdtun_bsdcmd_alias(al, sizeof(al), name));
	return buf;
}

/*
 * One row: commands run first (each must succeed), the command under
 * test, and what follows it.  Strings are formats whose %1$s is the
 * interface's name.  An *_eth field is for Ethernet families (tap,
 * vmnet), where NULL means the same as the point-to-point families'
 * (tun); NULL elsewhere is not checked, "" is none.
 */
struct bsdtun_bsdcmd_case {
	const char *what;
	const char *setup[3];
	const char *cmd;
	const char *v4, *v4_eth;
	const char *v6;
	const char *routes, *routes_eth;
	int up;			/* BSDTUN_UP, BSDTUN_DOWN; 0 not checked */
	int mtu;		/* 0 not checked */
	const char *alias;
	const char *out[2];	/* lines the output holds; "" for none */
};

#define BSDTUN_UP	1
#define BSDTUN_DOWN	2

static const struct bsdtun_bsdcmd_case bsdtun_bsdcmd_cases[] = {
	{ .what = "address, far end and netmask (iodine's ifconfig)",
	  .cmd = BSDTUN_IFC "%1$s 10.61.0.2 10.61.0.1 netmask 255.255.255.224",
	  .v4 = "inet 10.61.0.2 peer 10.61.0.1/32",
	  .v4_eth = "inet 10.61.0.2/27 brd 10.61.0.1",
	  .v6 = "", .routes = "10.61.0.1", .routes_eth = "10.61.0.0/27", .up = BSDTUN_UP },
	{ .what = "no netmask: class A's",
	  .cmd = BSDTUN_IFC "%1$s 10.62.0.1",
	  .v4 = "inet 10.62.0.1/8", .v4_eth = "inet 10.62.0.1/8 brd 10.255.255.255",
	  .routes = "10.0.0.0/8", .up = BSDTUN_UP },
	{ .what = "no netmask: class B's",
	  .cmd = BSDTUN_IFC "%1$s 172.20.1.1",
	  .v4 = "inet 172.20.1.1/16", .v4_eth = "inet 172.20.1.1/16 brd 172.20.255.255",
	  .routes = "172.20.0.0/16", .up = BSDTUN_UP },
	{ .what = "no netmask: class C's, inet named",
	  .cmd = BSDTUN_IFC "%1$s inet 192.0.2.1",
	  .v4 = "inet 192.0.2.1/24", .v4_eth = "inet 192.0.2.1/24 brd 192.0.2.255",
	  .routes = "192.0.2.0/24", .up = BSDTUN_UP },
	{ .what = "/LEN, then a hexadecimal netmask, which wins",
	  .cmd = BSDTUN_IFC "%1$s 10.63.0.1/24 netmask 0xffff0000",
	  .v4 = "inet 10.63.0.1/16", .v4_eth = "inet 10.63.0.1/16 brd 10.63.255.255",
	  .routes = "10.63.0.0/16", .up = BSDTUN_UP },
	{ .what = "a plain address replaces the first",
	  .setup = { BSDTUN_IFC "%1$s 10.65.0.1/24" },
	  .cmd = BSDTUN_IFC "%1$s 10.66.0.1/24",
	  .v4 = "inet 10.66.0.1/24", .v4_eth = "inet 10.66.0.1/24 brd 10.66.0.255",
	  .routes = "10.66.0.0/24", .up = BSDTUN_UP },
	{ .what = "alias adds",
	  .setup = { BSDTUN_IFC "%1$s 10.65.0.1/24" },
	  .cmd = BSDTUN_IFC "%1$s 10.66.0.1/24 alias",
	  .v4 = "inet 10.65.0.1/24;inet 10.66.0.1/24",
	  .v4_eth = "inet 10.65.0.1/24 brd 10.65.0.255;inet 10.66.0.1/24 brd 10.66.0.255",
	  .routes = "10.65.0.0/24;10.66.0.0/24", .up = BSDTUN_UP },
	{ .what = "-alias removes the first; the one in its subnet stays",
	  .setup = { BSDTUN_IFC "%1$s 10.67.0.1/24", BSDTUN_IFC "%1$s 10.67.0.2/24 alias" },
	  .cmd = BSDTUN_IFC "%1$s 10.67.0.1 -alias",
	  .v4 = "inet 10.67.0.2/24", .v4_eth = "inet 10.67.0.2/24 brd 10.67.0.255",
	  .routes = "10.67.0.0/24", .up = BSDTUN_UP },
	{ .what = "delete without an address removes the first",
	  .setup = { BSDTUN_IFC "%1$s 10.68.0.1/24", BSDTUN_IFC "%1$s 10.69.0.1/24 alias" },
	  .cmd = BSDTUN_IFC "%1$s delete",
	  .v4 = "inet 10.69.0.1/24", .v4_eth = "inet 10.69.0.1/24 brd 10.69.0.255",
	  .routes = "10.69.0.0/24", .up = BSDTUN_UP },
	{ .what = "the same address again takes its new mask",
	  .setup = { BSDTUN_IFC "%1$s 10.70.0.1/24" },
	  .cmd = BSDTUN_IFC "%1$s 10.70.0.1/16 alias",
	  .v4 = "inet 10.70.0.1/16", .v4_eth = "inet 10.70.0.1/16 brd 10.70.255.255",
	  .routes = "10.70.0.0/16", .up = BSDTUN_UP },
	{ .what = "broadcast: the far end on a point-to-point unit, else the broadcast address",
	  .cmd = BSDTUN_IFC "%1$s 10.82.0.1/24 broadcast 10.82.0.127",
	  .v4 = "inet 10.82.0.1 peer 10.82.0.127/32",
	  .v4_eth = "inet 10.82.0.1/24 brd 10.82.0.127",
	  .routes = "10.82.0.127", .routes_eth = "10.82.0.0/24", .up = BSDTUN_UP },
	{ .what = "inet6: prefix length 64 unless given, and up",
	  .cmd = BSDTUN_IFC "%1$s inet6 fd61::1",
	  .v4 = "", .v6 = "inet6 fd61::1/64", .routes = "fd61::/64", .up = BSDTUN_UP },
	{ .what = "inet6: prefixlen",
	  .cmd = BSDTUN_IFC "%1$s inet6 fd62::1/48 prefixlen 80",
	  .v4 = "", .v6 = "inet6 fd62::1/80", .routes = "fd62::/80", .up = BSDTUN_UP },
	{ .what = "inet6: a plain address adds",
	  .setup = { BSDTUN_IFC "%1$s inet6 fd64::1" },
	  .cmd = BSDTUN_IFC "%1$s inet6 fd64::2",
	  .v6 = "inet6 fd64::1/64;inet6 fd64::2/64", .up = BSDTUN_UP },
	{ .what = "inet6: alias adds",
	  .setup = { BSDTUN_IFC "%1$s inet6 fd65::1" },
	  .cmd = BSDTUN_IFC "%1$s inet6 fd65::2/64 alias",
	  .v6 = "inet6 fd65::1/64;inet6 fd65::2/64", .up = BSDTUN_UP },
	{ .what = "inet6: -alias removes",
	  .setup = { BSDTUN_IFC "%1$s inet6 fd63::1", BSDTUN_IFC "%1$s inet6 fd63::2 alias" },
	  .cmd = BSDTUN_IFC "%1$s inet6 fd63::1 -alias",
	  .v6 = "inet6 fd63::2/64", .up = BSDTUN_UP },
	{ .what = "mtu and up",
	  .cmd = BSDTUN_IFC "%1$s mtu 1400 up",
	  .v4 = "", .v6 = "", .up = BSDTUN_UP, .mtu = 1400 },
	{ .what = "down",
	  .setup = { BSDTUN_IFC "%1$s up" },
	  .cmd = BSDTUN_IFC "%1$s down", .up = BSDTUN_DOWN },
	{ .what = "description",
	  .cmd = BSDTUN_IFC "%1$s description 'vpn link'",
	  .v4 = "", .routes = "", .up = BSDTUN_DOWN, .alias = "vpn link" },
	{ .what = "route through the interface's own address (iodine's route)",
	  .setup = { BSDTUN_IFC "%1$s 10.71.0.2 10.71.0.1 netmask 255.255.255.224" },
	  .cmd = BSDTUN_RT "add 10.72.0.0/16 10.71.0.2",
	  .routes = "10.71.0.1;10.72.0.0/16", .routes_eth = "10.71.0.0/27;10.72.0.0/16",
	  .up = BSDTUN_UP, .out = { "add net 10.72.0.0/16: gateway 10.71.0.2" } },
	{ .what = "-net with a short network, -interface",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "add -net 10.74 -interface %1$s",
	  .routes = "10.73.0.0/24;10.74.0.0/16", .out = { "add net 10.74: gateway %1$s" } },
	{ .what = "an address with a host part is a host",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "add 10.75.0.0 10.73.0.9",
	  .routes = "10.73.0.0/24;10.75.0.0 via 10.73.0.9",
	  .out = { "add host 10.75.0.0: gateway 10.73.0.9" } },
	{ .what = "an address without one is a network of its bytes",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "add 192.168.76.0 10.73.0.9",
	  .routes = "10.73.0.0/24;192.168.76.0/24 via 10.73.0.9",
	  .out = { "add net 192.168.76.0: gateway 10.73.0.9" } },
	{ .what = "-host makes a host of a network's address",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "add -host 192.168.84.0 10.73.0.9",
	  .routes = "10.73.0.0/24;192.168.84.0 via 10.73.0.9",
	  .out = { "add host 192.168.84.0: gateway 10.73.0.9" } },
	{ .what = "-n, -inet named",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "-n add -inet 10.85.0.0/16 10.73.0.9",
	  .routes = "10.73.0.0/24;10.85.0.0/16 via 10.73.0.9",
	  .out = { "add net 10.85.0.0/16: gateway 10.73.0.9" } },
	{ .what = "-netmask",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "add -net 10.77.0.0 10.73.0.9 -netmask 255.255.0.0",
	  .routes = "10.73.0.0/24;10.77.0.0/16 via 10.73.0.9" },
	{ .what = "default",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "add default -interface %1$s",
	  .routes = "10.73.0.0/24;default" },
	{ .what = "delete",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24", BSDTUN_RT "add 10.78.0.0/16 -interface %1$s" },
	  .cmd = BSDTUN_RT "delete 10.78.0.0/16",
	  .routes = "10.73.0.0/24", .out = { "delete net 10.78.0.0/16" } },
	{ .what = "change",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24", BSDTUN_RT "add 10.79.0.0/16 10.73.0.9" },
	  .cmd = BSDTUN_RT "change 10.79.0.0/16 10.73.0.8",
	  .routes = "10.73.0.0/24;10.79.0.0/16 via 10.73.0.8" },
	{ .what = "-q says nothing",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "-q add 10.80.0.0/16 10.73.0.9",
	  .routes = "10.73.0.0/24;10.80.0.0/16 via 10.73.0.9", .out = { "" } },
	{ .what = "-inet6",
	  .setup = { BSDTUN_IFC "%1$s inet6 fd70::1" },
	  .cmd = BSDTUN_RT "add -inet6 fd71::/48 -interface %1$s",
	  .routes = "fd70::/64;fd71::/48" },
	{ .what = "get",
	  .setup = { BSDTUN_IFC "%1$s 10.73.0.1/24" },
	  .cmd = BSDTUN_RT "get 10.73.0.77",
	  .out = { "  interface: %1$s", "destination: 10.73.0.0\n       mask: 255.255.255.0" } },
};

/* Bad input: each fails naming its word, and changes nothing. */
static const struct {
	const char *cmd;
	const char *word;
} bsdtun_bsdcmd_bad[] = {
	{ BSDTUN_IFC "%1$s 10.81.0.2/24 frob", "frob" },
	{ BSDTUN_IFC "%1$s mtu 1300 10.81.0.9 netmask 255.0.255.0", "255.0.255.0" },
	{ BSDTUN_IFC "%1$s mtu 1300 10.81.0.300", "10.81.0.300" },
	{ BSDTUN_IFC "%1$s mtu 1300 10.81.0.5 alias -alias", "alias" },
	{ BSDTUN_IFC "%1$s mtu 1300 inet6 fd81::1 broadcast 10.81.0.255", "broadcast" },
	{ BSDTUN_IFC "%1$s mtu 1300 10.81.0.99 delete", "10.81.0.99" },
	{ BSDTUN_IFC "%1$s mtu 1300 name bsdtunren0", "name" },
	{ BSDTUN_IFC "%1$s mtu 20", "20" },
	{ BSDTUN_IFC "%1$s mtu 1300 inet6 fd81::1 fd81::2", "fd81::2" },
	{ BSDTUN_IFC "%1$s mtu 1300 10.81.0.1 10.81.0.2 10.81.0.3", "10.81.0.3" },
	{ BSDTUN_IFC "bsdtunnosuch0 10.81.0.1", "bsdtunnosuch0" },
	{ BSDTUN_RT "add 10.82.0.0/16", "add" },
	{ BSDTUN_RT "add 10.82.0.0/16 bogus", "bogus" },
	{ BSDTUN_RT "add -frob 10.82.0.0/16 10.81.0.9", "-frob" },
	{ BSDTUN_RT "add 10.82.0.0/33 10.81.0.9", "10.82.0.0/33" },
	{ BSDTUN_RT "add -inet6 fd82::/64 -netmask 255.0.0.0 fd81::9", "-netmask" },
	{ BSDTUN_RT "flush", "flush" },
};

/* -d: the plan, one ip command a line (out_eth: NULL if the same). */
static const struct {
	const char *cmd;
	const char *out, *out_eth;
} bsdtun_bsdcmd_dry[] = {
	{ BSDTUN_IFC "-d %1$s 10.85.0.1 10.85.0.2 netmask 255.255.255.0 alias",
	  "/sbin/ip -4 addr add 10.85.0.1 peer 10.85.0.2/32 dev %1$s\n"
	  "/sbin/ip link set dev %1$s up\n",
	  "/sbin/ip -4 addr add 10.85.0.1/24 broadcast 10.85.0.2 dev %1$s\n"
	  "/sbin/ip link set dev %1$s up\n" },
	{ BSDTUN_IFC "-d %1$s 10.85.0.7/24",
	  "/sbin/ip -4 addr del 10.81.0.1/24 dev %1$s\n"
	  "/sbin/ip -4 addr add 10.85.0.7/24 dev %1$s\n"
	  "/sbin/ip link set dev %1$s up\n",
	  "/sbin/ip -4 addr del 10.81.0.1/24 dev %1$s\n"
	  "/sbin/ip -4 addr add 10.85.0.7/24 broadcast + dev %1$s\n"
	  "/sbin/ip link set dev %1$s up\n" },
	{ BSDTUN_IFC "-d %1$s mtu 1300 description 'a b' down",
	  "/sbin/ip link set dev %1$s mtu 1300\n"
	  "/sbin/ip link set dev %1$s alias 'a b'\n"
	  "/sbin/ip link set dev %1$s down\n" },
	{ BSDTUN_IFC "-d %1$s 10.81.0.1 delete", "/sbin/ip -4 addr del 10.81.0.1/24 dev %1$s\n" },
	{ BSDTUN_IFC "-d %1$s destroy", "/sbin/ip link del dev %1$s\n" },
	{ BSDTUN_RT "-d add 10.86.0.0/16 10.81.0.1",
	  "/sbin/ip -4 route add 10.86.0.0/16 dev %1$s\n" },
	{ BSDTUN_RT "-d delete 10.82.0.0/16", "/sbin/ip -4 route del 10.82.0.0/16\n" },
};

/* The commands are there: make check installs them in the guest. */
static int bsdtun_bsdcmd_installed(void)
{
	return !access(BSDTUN_IFC_PATH, X_OK) && !access(BSDTUN_RT_PATH, X_OK);
}

/* A fresh unit @n of @fam, down, no address, its name in @name. */
static int bsdtun_bsdcmd_unit(char *name, const struct bsdtun_family *fam, int n)
{
	if (name[0])
		bsdtun_nl_link_kind(0, name, NULL);
	bsdtun_name(name, IFNAMSIZ, fam, n);
	return bsdtun_nl_link_kind(1, name, fam->kind);
}

/*
 * The table: once for a point-to-point family and once for an Ethernet
 * one, the two behaviours it tells apart (the fixture below checks every
 * family's own).
 */
FIXTURE(bsdcmd_table) {
	char name[IFNAMSIZ];
};

FIXTURE_VARIANT(bsdcmd_table) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(bsdcmd_table, point_to_point) {
	.fam = &bsdtun_fam_tun,
};

FIXTURE_VARIANT_ADD(bsdcmd_table, ethernet) {
	.fam = &bsdtun_fam_tap,
};

FIXTURE_SETUP(bsdcmd_table)
{
	self->name[0] = 0;
	ASSERT_EQ(0, bsdtun_reload(NULL));
	ASSERT_TRUE(bsdtun_bsdcmd_installed()) TH_LOG("no %s, %s", BSDTUN_IFC_PATH, BSDTUN_RT_PATH);
}

FIXTURE_TEARDOWN(bsdcmd_table)
{
	if (self->name[0])
		bsdtun_nl_link_kind(0, self->name, NULL);
}

FIXTURE(bsdcmd) {
	char name[IFNAMSIZ];
	char renamed[IFNAMSIZ];
};

FIXTURE_VARIANT(bsdcmd) {
	const struct bsdtun_family *fam;
};

FIXTURE_VARIANT_ADD(bsdcmd, tun) {
	.fam = &bsdtun_fam_tun,
};

FIXTURE_VARIANT_ADD(bsdcmd, tap) {
	.fam = &bsdtun_fam_tap,
};

FIXTURE_VARIANT_ADD(bsdcmd, vmnet) {
	.fam = &bsdtun_fam_vmnet,
};

FIXTURE_VARIANT_ADD(bsdcmd, otun) {
	.fam = &bsdtun_fam_otun,
};

FIXTURE_VARIANT_ADD(bsdcmd, otap) {
	.fam = &bsdtun_fam_otap,
};

FIXTURE_SETUP(bsdcmd)
{
	self->name[0] = 0;
	self->renamed[0] = 0;
	ASSERT_EQ(0, bsdtun_reload(NULL));
	ASSERT_TRUE(bsdtun_bsdcmd_installed()) TH_LOG("no %s, %s", BSDTUN_IFC_PATH, BSDTUN_RT_PATH);
}

FIXTURE_TEARDOWN(bsdcmd)
{
	if (self->name[0])
		bsdtun_nl_link_kind(0, self->name, NULL);
	if (self->renamed[0])
		bsdtun_nl_link_kind(0, self->renamed, NULL);
}

/* @fmt with the interface's name for %1$s. */
static const char *bsdtun_bsdcmd_fmt(char *buf, size_t size, const char *fmt, const char *name)
{
	snprintf(buf, size, fmt, name);
	return buf;
}

/* A few seconds a row under emulation. */
TEST_F_TIMEOUT(bsdcmd_table, commands_and_state_read_back, 400)
{
	const struct bsdtun_family *fam = variant->fam;
	char cmd[512], want[512], got[1024], out[2048];
	struct bsdtun_bsdcmd_seen seen;
	const char *v4, *routes;
	int eth = fam->ether;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(bsdtun_bsdcmd_cases); i++) {
		const struct bsdtun_bsdcmd_case *c = &bsdtun_bsdcmd_cases[i];
		const char *n = self->name;

		ASSERT_EQ(0, bsdtun_bsdcmd_unit(self->name, fam, BSDTUN_BSDCMD_UNIT + (int)i));
		for (j = 0; j < ARRAY_SIZE(c->setup) && c->setup[j]; j++)
			ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), c->setup[j], n))
				TH_LOG("%s: set-up %s: %s", c->what, c->setup[j], out);
		bsdtun_bsdcmd_fmt(cmd, sizeof(cmd), c->cmd, n);
		EXPECT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), "%s", cmd))
			TH_LOG("%s: %s: %s", c->what, cmd, out);
		v4 = eth && c->v4_eth ? c->v4_eth : c->v4;
		routes = eth && c->routes_eth ? c->routes_eth : c->routes;
		ASSERT_EQ(0, bsdtun_bsdcmd_read(n, &seen));
		if (v4)
			EXPECT_STREQ(v4, seen.v4) TH_LOG("%s: %s", c->what, cmd);
		if (c->v6)
			EXPECT_STREQ(c->v6, seen.v6) TH_LOG("%s: %s", c->what, cmd);
		if (routes)
			EXPECT_STREQ(routes, seen.routes) TH_LOG("%s: %s", c->what, cmd);
		if (c->up)
			EXPECT_EQ(c->up == BSDTUN_UP, !!(bsdtun_flags(n) & IFF_UP))
				TH_LOG("%s: %s", c->what, cmd);
		if (c->mtu)
			EXPECT_EQ(c->mtu, bsdtun_read_num("/sys/class/net/%s/mtu", n))
				TH_LOG("%s: %s", c->what, cmd);
		if (c->alias)
			EXPECT_STREQ(c->alias, bsdtun_bsdcmd_alias(got, sizeof(got), n))
				TH_LOG("%s: %s", c->what, cmd);
		for (j = 0; j < ARRAY_SIZE(c->out) && c->out[j]; j++) {
			bsdtun_bsdcmd_fmt(want, sizeof(want), c->out[j], n);
			if (!want[0]) {
				EXPECT_STREQ("", out) TH_LOG("%s: %s", c->what, cmd);
				continue;
			}
			EXPECT_TRUE(!!strstr(out, want))
				TH_LOG("%s: %s: [%s] not in [%s]", c->what, cmd, want, out);
		}
	}
}

/* The state every bad-input and -d case starts from. */
static const char * const bsdtun_bsdcmd_base[] = {
	BSDTUN_IFC "%1$s 10.81.0.1/24",
	BSDTUN_IFC "%1$s inet6 fd81::1",
	BSDTUN_RT "add 10.82.0.0/16 -interface %1$s",
};

TEST_F(bsdcmd, bad_input_fails_naming_the_word_and_changes_nothing)
{
	char cmd[512], before[2048], after[2048], out[2048];
	size_t i, j;

	ASSERT_EQ(0, bsdtun_bsdcmd_unit(self->name, variant->fam, BSDTUN_BSDCMD_UNIT));
	for (j = 0; j < ARRAY_SIZE(bsdtun_bsdcmd_base); j++)
		ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), bsdtun_bsdcmd_base[j], self->name))
			TH_LOG("%s", out);
	bsdtun_bsdcmd_state(before, sizeof(before), self->name);
	ASSERT_TRUE(!!strstr(before, "10.82.0.0/16")) TH_LOG("%s", before);
	for (i = 0; i < ARRAY_SIZE(bsdtun_bsdcmd_bad); i++) {
		bsdtun_bsdcmd_fmt(cmd, sizeof(cmd), bsdtun_bsdcmd_bad[i].cmd, self->name);
		EXPECT_NE(0, bsdtun_bsdcmd_run(out, sizeof(out), "%s", cmd)) TH_LOG("%s", cmd);
		EXPECT_TRUE(!!strstr(out, bsdtun_bsdcmd_bad[i].word))
			TH_LOG("%s: no \"%s\" in: %s", cmd, bsdtun_bsdcmd_bad[i].word, out);
		EXPECT_STREQ(before, bsdtun_bsdcmd_state(after, sizeof(after), self->name))
			TH_LOG("%s", cmd);
	}
}

TEST_F(bsdcmd, dry_run_prints_the_plan_and_changes_nothing)
{
	int eth = variant->fam->ether;
	char cmd[512], want[1024], before[2048], after[2048], out[2048];
	size_t i, j;

	ASSERT_EQ(0, bsdtun_bsdcmd_unit(self->name, variant->fam, BSDTUN_BSDCMD_UNIT));
	for (j = 0; j < ARRAY_SIZE(bsdtun_bsdcmd_base); j++)
		ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), bsdtun_bsdcmd_base[j], self->name))
			TH_LOG("%s", out);
	bsdtun_bsdcmd_state(before, sizeof(before), self->name);
	for (i = 0; i < ARRAY_SIZE(bsdtun_bsdcmd_dry); i++) {
		const char *o = bsdtun_bsdcmd_dry[i].out_eth;

		bsdtun_bsdcmd_fmt(cmd, sizeof(cmd), bsdtun_bsdcmd_dry[i].cmd, self->name);
		if (!eth || !o)
			o = bsdtun_bsdcmd_dry[i].out;
		bsdtun_bsdcmd_fmt(want, sizeof(want), o, self->name);
		EXPECT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), "%s", cmd)) TH_LOG("%s", cmd);
		EXPECT_STREQ(want, out) TH_LOG("%s", cmd);
		EXPECT_STREQ(before, bsdtun_bsdcmd_state(after, sizeof(after), self->name))
			TH_LOG("%s", cmd);
	}
}

TEST_F(bsdcmd, create_and_destroy_by_name_and_by_prefix)
{
	const struct bsdtun_family *fam = variant->fam;
	char name[IFNAMSIZ], out[512];
	struct stat st;

	bsdtun_name(name, sizeof(name), fam, 30);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s create", name))
		TH_LOG("%s", out);
	strcpy(self->name, name);
	snprintf(out, sizeof(out), "/dev/%s", name);
	ASSERT_EQ(0, stat(out, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(30, bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", name));
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -d link show %s | grep -qw %s", name, fam->kind));
	/* An existing name is refused, saying so. */
	EXPECT_NE(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s create", name));
	EXPECT_TRUE(!!strstr(out, "exists")) TH_LOG("%s", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s destroy", name))
		TH_LOG("%s", out);
	snprintf(out, sizeof(out), "/dev/%s", name);
	EXPECT_NE(0, access(out, F_OK));
	snprintf(out, sizeof(out), "/sys/class/net/%s", name);
	EXPECT_NE(0, access(out, F_OK));
	self->name[0] = 0;

	/* The bare prefix: the lowest free unit, its name printed. */
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s create", fam->prefix))
		TH_LOG("%s", out);
	out[strcspn(out, "\n")] = 0;
	ASSERT_EQ(0, strncmp(out, fam->prefix, strlen(fam->prefix))) TH_LOG("%s", out);
	ASSERT_LT(strlen(out), sizeof(self->name));
	strcpy(self->name, out);
	EXPECT_LE(0, bsdtun_read_num("/sys/class/net/%s/bsdtun/unit", self->name));
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s destroy", self->name));
	snprintf(out, sizeof(out), "/sys/class/net/%s", self->name);
	EXPECT_NE(0, access(out, F_OK));
	self->name[0] = 0;

	/* create, then further words for the new unit. */
	bsdtun_name(name, sizeof(name), fam, 31);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out),
				       BSDTUN_IFC "%s create 10.87.0.1/24 mtu 1280", name))
		TH_LOG("%s", out);
	strcpy(self->name, name);
	EXPECT_EQ(1280, bsdtun_read_num("/sys/class/net/%s/mtu", name));
	EXPECT_TRUE(bsdtun_flags(name) & IFF_UP);
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -o -4 addr show dev %s | grep -q 'inet 10.87.0.1/24'",
			       name));
	/* Not a bsdtun unit's name. */
	EXPECT_NE(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "vpn9 create"));
	EXPECT_TRUE(!!strstr(out, "vpn9")) TH_LOG("%s", out);
	EXPECT_NE(0, access("/sys/class/net/vpn9", F_OK));
}

TEST_F(bsdcmd, name_renames_a_down_interface)
{
	char out[512];

	ASSERT_EQ(0, bsdtun_bsdcmd_unit(self->name, variant->fam, BSDTUN_BSDCMD_UNIT));
	snprintf(self->renamed, sizeof(self->renamed), "bsdren%d", BSDTUN_BSDCMD_UNIT);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s name %s 10.88.0.1/24",
				       self->name, self->renamed)) TH_LOG("%s", out);
	snprintf(out, sizeof(out), "/sys/class/net/%s", self->name);
	EXPECT_NE(0, access(out, F_OK));
	/* Later words applied to the new name. */
	EXPECT_EQ(0, bsdtun_sh(BSDTUN_IP " -o -4 addr show dev %s | grep -q 'inet 10.88.0.1/24'",
			       self->renamed));
	EXPECT_TRUE(bsdtun_flags(self->renamed) & IFF_UP);
}

TEST_F(bsdcmd, ether_sets_a_tap_units_address)
{
	const struct bsdtun_family *fam = variant->fam;
	char out[512], addr[64];

	ASSERT_EQ(0, bsdtun_bsdcmd_unit(self->name, fam, BSDTUN_BSDCMD_UNIT));
	snprintf(addr, sizeof(addr), "/sys/class/net/%s/address", self->name);
	if (!fam->ether) {
		/* tun has no Ethernet address: refused before anything runs. */
		EXPECT_NE(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s ether %s",
					       self->name, "02:00:5e:10:00:01"));
		EXPECT_TRUE(!!strstr(out, "ether")) TH_LOG("%s", out);
		return;
	}
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s ether 02:00:5e:10:00:01",
				       self->name)) TH_LOG("%s", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), "cat %s", addr));
	EXPECT_STREQ("02:00:5e:10:00:01\n", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s lladdr 02:00:5e:10:00:02",
				       self->name)) TH_LOG("%s", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), "cat %s", addr));
	EXPECT_STREQ("02:00:5e:10:00:02\n", out);
}

TEST_F(bsdcmd, show_list_and_all)
{
	const struct bsdtun_family *fam = variant->fam;
	char out[4096], want[128];

	ASSERT_EQ(0, bsdtun_bsdcmd_unit(self->name, fam, BSDTUN_BSDCMD_UNIT));
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out),
				       BSDTUN_IFC "%s 10.89.0.1/24 mtu 1400 description 'a tunnel'",
				       self->name)) TH_LOG("%s", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "%s", self->name));
	snprintf(want, sizeof(want), "%s: flags=", self->name);
	EXPECT_EQ(0, strncmp(out, want, strlen(want))) TH_LOG("%s", out);
	EXPECT_TRUE(!!strstr(out, fam->ether ? "<UP,BROADCAST," : "<UP,POINTOPOINT,"))
		TH_LOG("%s", out);
	EXPECT_TRUE(!!strstr(out, " mtu 1400\n")) TH_LOG("%s", out);
	EXPECT_TRUE(!!strstr(out, "\tdescription: a tunnel\n")) TH_LOG("%s", out);
	EXPECT_TRUE(!!strstr(out, fam->ether ?
			   "\tinet 10.89.0.1 netmask 0xffffff00 broadcast 10.89.0.255\n" :
			   "\tinet 10.89.0.1 netmask 0xffffff00\n")) TH_LOG("%s", out);
	EXPECT_EQ(fam->ether, !!strstr(out, "\tether ")) TH_LOG("%s", out);
	/* No reader: no carrier. */
	EXPECT_TRUE(!!strstr(out, "\tstatus: no carrier\n")) TH_LOG("%s", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "-l"));
	snprintf(want, sizeof(want), " %s", self->name);
	EXPECT_TRUE(!!strstr(out, want)) TH_LOG("%s", out);
	ASSERT_EQ(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "-a"));
	snprintf(want, sizeof(want), "\n%s: flags=", self->name);
	EXPECT_TRUE(!!strstr(out, want)) TH_LOG("%s", out);
	EXPECT_NE(0, bsdtun_bsdcmd_run(out, sizeof(out), BSDTUN_IFC "bsdtunnosuch0"));
	EXPECT_TRUE(!!strstr(out, "does not exist")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
