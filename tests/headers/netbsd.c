// SPDX-License-Identifier: GPL-2.0
/*
 * NetBSD tun and tap code as NetBSD's own is written: a tun unit's
 * numbered node, its interface named after the node, TUNSIFHEAD,
 * TUNSLMODE and TUNSIFMODE set explicitly; a tap unit from the cloning
 * node with TAPGIFNAME.  make check builds it against the installed
 * headers (pkg-config bsdtun), 64- and 32-bit, and bsdtun_headers runs
 * it on the tun and tap families.  Prints "<interface> <ppp|ether|other>
 * <mtu>".
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/if_tun.h>
#include <net/if_tap.h>
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 2 ? argv[2] : "/dev/tun0";
	int tap = argc > 1 && !strcmp(argv[1], "tap");
	int fd, on = 1, off = 0, mode = IFF_POINTOPOINT | IFF_MULTICAST;
	struct tuninfo info;
	struct ifreq ifr;

	fd = open(path, O_RDWR);
	if (fd < 0)
		err(1, "open %s", path);
	memset(&ifr, 0, sizeof(ifr));
	if (tap) {
		if (ioctl(fd, TAPGIFNAME, &ifr) < 0)
			err(1, "TAPGIFNAME");
	} else {
		const char *base = strrchr(path, '/');

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", base ? base + 1 : path);
		if (ioctl(fd, TUNSLMODE, &off) < 0)
			err(1, "TUNSLMODE");
		if (ioctl(fd, TUNSIFHEAD, &on) < 0)
			err(1, "TUNSIFHEAD");
		if (ioctl(fd, TUNSIFMODE, &mode) < 0)
			err(1, "TUNSIFMODE");
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, TUNGIFINFO, &info) < 0)
		err(1, "TUNGIFINFO");
	printf("%s %s %u\n", ifr.ifr_name,
	       info.type == 0x6 ? "ether" : info.type == 0x17 ? "ppp" : "other",
	       (unsigned int)info.mtu);
	close(fd);
	return 0;
}
