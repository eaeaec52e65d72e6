// SPDX-License-Identifier: GPL-2.0
/*
 * FreeBSD tun and tap code as FreeBSD's own is written: <net/if_tun.h>,
 * <net/if_tap.h> and <net/if_types.h>, the cloning node, TUNGIFNAME or
 * TAPGIFNAME for the unit it gave, TUNSIFHEAD on tun.  make check builds
 * it against the installed headers (pkg-config bsdtun), 64- and 32-bit,
 * and bsdtun_headers runs it on the tun, tap and vmnet families.
 * Prints "<interface> <ppp|ether|other> <mtu>".
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/if_types.h>
#include <net/if_tun.h>
#include <net/if_tap.h>
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/tun";
	struct tuninfo info;
	struct ifreq ifr;
	int fd, on = 1;

	fd = open(path, O_RDWR);
	if (fd < 0)
		err(1, "open %s", path);
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, TUNGIFINFO, &info) < 0)
		err(1, "TUNGIFINFO");
	memset(&ifr, 0, sizeof(ifr));
	if (info.type == IFT_ETHER) {
		if (ioctl(fd, TAPGIFNAME, &ifr) < 0)
			err(1, "TAPGIFNAME");
	} else {
		if (ioctl(fd, TUNSIFHEAD, &on) < 0)
			err(1, "TUNSIFHEAD");
		if (ioctl(fd, TUNGIFNAME, &ifr) < 0)
			err(1, "TUNGIFNAME");
	}
	printf("%s %s %u\n", ifr.ifr_name,
	       info.type == IFT_ETHER ? "ether" : info.type == IFT_PPP ? "ppp" : "other",
	       (unsigned int)info.mtu);
	close(fd);
	return 0;
}
