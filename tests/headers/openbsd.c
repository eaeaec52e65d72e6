// SPDX-License-Identifier: GPL-2.0
/*
 * OpenBSD tun and tap code as OpenBSD's own is written: <net/if_tun.h>
 * with OpenBSD's numbers and struct tuninfo (pkg-config bsdtun-openbsd),
 * a numbered node whose interface carries the node's name, TUNGIFINFO
 * then TUNSIFINFO with a new MTU.  make check builds it against the
 * installed headers, 64- and 32-bit, and bsdtun_headers runs it on the
 * OpenBSD tun and tap families.  Prints "<interface> <tunnel|ether|other>
 * <mtu>", the MTU read back after setting it.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/if_types.h>
#include <net/if_tun.h>
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/tun0";
	const char *base = strrchr(path, '/');
	struct tuninfo info;
	int fd;

	if (sizeof(struct tuninfo) != 12)
		errx(1, "struct tuninfo is not OpenBSD's");
	fd = open(path, O_RDWR);
	if (fd < 0)
		err(1, "open %s", path);
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, TUNGIFINFO, &info) < 0)
		err(1, "TUNGIFINFO");
	info.mtu = 1400;
	if (ioctl(fd, TUNSIFINFO, &info) < 0)
		err(1, "TUNSIFINFO");
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, TUNGIFINFO, &info) < 0)
		err(1, "TUNGIFINFO");
	printf("%s %s %u\n", base ? base + 1 : path,
	       info.type == IFT_ETHER ? "ether" : info.type == IFT_TUNNEL ? "tunnel" : "other",
	       (unsigned int)info.mtu);
	close(fd);
	return 0;
}
