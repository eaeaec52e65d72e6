// SPDX-License-Identifier: GPL-2.0
/*
 * iproute2's plugin for bsdtun's link kinds: "ip link add NAME type bsdtun
 * user U group G", "ip link set NAME type bsdtun user U" and what
 * "ip -d link show" prints of a unit.  ip(8) loads link_<kind>.so from its
 * library directory (IP_LIB_DIR overrides it) for a kind it does not know
 * and takes <kind>_link_util from it; one object serves every family,
 * installed under each kind's name.
 *
 * ip's own headers are not installed anywhere, so the few declarations
 * used are repeated here; those that changed over iproute2's versions
 * (the printing functions) are looked up weakly and used only if found.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "bsdtun_uapi.h"

/*
 * The start of ip's struct link_util, unchanged since iproute2 4.x, and
 * room for the members later versions appended (their hooks, NULL here).
 */
struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void *bsdtun_later_hooks[8];
};

/* ip's JSON-aware printer (iproute2 4.17 and later): PRINT_ANY, COLOR_NONE. */
int print_color_uint(int type, int color, const char *key, const char *fmt,
		     unsigned int value) __attribute__((weak));
#define BSDTUN_PRINT_ANY	4
#define BSDTUN_COLOR_NONE	6

/*
 * ip starts the IFLA_INFO_DATA nest in a request buffer of a kilobyte
 * or more before calling parse_opt; two attributes fit.
 */
static void bsdtun_addattr32(struct nlmsghdr *n, unsigned short type, __u32 v)
{
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(rta), &v, sizeof(v));
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* A user or group name, or a number; -1 when neither. */
static long long bsdtun_id(const char *s, int group)
{
	struct passwd *pw;
	struct group *gr;
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s && !*end && !errno && v <= 0xffffffffUL && s[0] != '-')
		return (long long)v;
	if (group) {
		gr = getgrnam(s);
		return gr ? (long long)gr->gr_gid : -1;
	}
	pw = getpwnam(s);
	return pw ? (long long)pw->pw_uid : -1;
}

static int bsdtun_parse_opt(struct link_util *lu, int argc, char **argv,
			    struct nlmsghdr *n)
{
	long long id;
	int group;

	for (; argc > 0; argc--, argv++) {
		group = !strcmp(*argv, "group");
		if (!group && strcmp(*argv, "user")) {
			fprintf(stderr,
				"%s: unknown option \"%s\"; usage: ... type %s [user USER] [group GROUP]\n",
				lu->id, *argv, lu->id);
			return -1;
		}
		if (argc < 2) {
			fprintf(stderr, "%s: \"%s\" needs a value\n", lu->id, *argv);
			return -1;
		}
		argc--;
		argv++;
		/* "none" takes the unit back, as the requests' -1 does. */
		id = strcmp(*argv, "none") ? bsdtun_id(*argv, group) : 0xffffffffLL;
		if (id < 0) {
			fprintf(stderr, "%s: no such %s \"%s\"\n", lu->id,
				group ? "group" : "user", *argv);
			return -1;
		}
		bsdtun_addattr32(n, group ? IFLA_BSDTUN_GROUP : IFLA_BSDTUN_OWNER,
				 (__u32)id);
	}
	return 0;
}

static void bsdtun_print_id(FILE *f, const char *key, const struct rtattr *rta)
{
	char fmt[16];
	__u32 v;

	if (!rta || RTA_PAYLOAD(rta) < sizeof(v))
		return;
	memcpy(&v, RTA_DATA(rta), sizeof(v));
	snprintf(fmt, sizeof(fmt), "%s %%u ", key);
	if (print_color_uint)
		print_color_uint(BSDTUN_PRINT_ANY, BSDTUN_COLOR_NONE, key, fmt, v);
	else
		fprintf(f, fmt, v);
}

static void bsdtun_print_opt(struct link_util *lu __attribute__((unused)), FILE *f,
			     struct rtattr *tb[])
{
	if (!tb)
		return;
	bsdtun_print_id(f, "user", tb[IFLA_BSDTUN_OWNER]);
	bsdtun_print_id(f, "group", tb[IFLA_BSDTUN_GROUP]);
}

#define BSDTUN_LINK_UTIL(kind)						\
	struct link_util kind##_link_util = {				\
		.id = #kind,						\
		.maxattr = IFLA_BSDTUN_MAX,				\
		.parse_opt = bsdtun_parse_opt,				\
		.print_opt = bsdtun_print_opt,				\
	}

BSDTUN_LINK_UTIL(bsdtun);
BSDTUN_LINK_UTIL(bsdtap);
BSDTUN_LINK_UTIL(bsdvmnet);
BSDTUN_LINK_UTIL(bsdotun);
BSDTUN_LINK_UTIL(bsdotap);
