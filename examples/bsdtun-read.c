// SPDX-License-Identifier: GPL-2.0
/*
 * A BSD tun program as FreeBSD code is written: open the cloning node,
 * ask for the address-family header, print each packet's family and
 * size.  Build: cc $(pkg-config --cflags bsdtun) -o bsdtun-read bsdtun-read.c
 * (make check builds it so, 64- and 32-bit).
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
	struct ifreq ifr;
	int fd, on = 1;
	ssize_t n;

	fd = open("/dev/bsdtun", O_RDWR);
	if (fd < 0)
		err(1, "open /dev/bsdtun");
	if (ioctl(fd, TUNSIFHEAD, &on) < 0)
		err(1, "TUNSIFHEAD");
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGIFNAME, &ifr) < 0)
		err(1, "TUNGIFNAME");
	printf("reading from %s\n", ifr.ifr_name);
	while ((n = read(fd, buf, sizeof(buf))) > 4) {
		uint32_t af;

		memcpy(&af, buf, sizeof(af));
		printf("family %u, %zd bytes\n", ntohl(af), n - 4);
	}
	return 0;
}
