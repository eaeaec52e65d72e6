// SPDX-License-Identifier: GPL-2.0
/*
 * An OpenBSD tun program: set unit 0's MTU with OpenBSD's struct tuninfo
 * and print each packet's family (OpenBSD's tun always puts the family
 * word first) and size.  Build: cc $(pkg-config --cflags bsdtun-openbsd)
 * -o bsdtun-openbsd-read bsdtun-openbsd-read.c (make check builds it so,
 * 64- and 32-bit).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/if_tun.h>
#include <arpa/inet.h>
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	unsigned char buf[TUNMRU + 4];
	struct tuninfo info;
	ssize_t n;
	int fd;

	fd = open("/dev/bsdotun0", O_RDWR);
	if (fd < 0)
		err(1, "open /dev/bsdotun0");
	if (ioctl(fd, TUNGIFINFO, &info) < 0)
		err(1, "TUNGIFINFO");
	info.mtu = 1400;
	if (ioctl(fd, TUNSIFINFO, &info) < 0)
		err(1, "TUNSIFINFO");
	while ((n = read(fd, buf, sizeof(buf))) > 4) {
		uint32_t af;

		memcpy(&af, buf, sizeof(af));
		printf("family %u, %zd bytes\n", ntohl(af), n - 4);
	}
	return 0;
}
