// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun_relay: a BSD-style tunnel end, as FreeBSD's if_tun test uses.
 * Opens a unit, with TUNSIFHEAD on a tun unit (a tap unit refuses it
 * with ENOTTY and carries Ethernet frames as they are), and forwards what
 * the unit reads to a UDP peer and what arrives from the peer to the
 * unit, until killed.
 *
 *   bsdtun_relay /dev/bsdtun[N] LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT
 *   bsdtun_relay /dev/bsdtap[N] ...
 *
 * It prints the interface name and "ready" once it listens.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_tap.h>
#include <net/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	struct sockaddr_in peer = { .sin_family = AF_INET };
	static unsigned char buf[TAPMRU];
	struct pollfd p[2];
	struct ifreq ifr;
	int fd, s, on = 1;

	if (argc != 6)
		errx(2, "usage: %s NODE LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT", argv[0]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		err(1, "open %s", argv[1]);
	if (ioctl(fd, TUNSIFHEAD, &on) < 0 && errno != ENOTTY)
		err(1, "TUNSIFHEAD");
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGIFNAME, &ifr) < 0)
		err(1, "TUNGIFNAME");
	inet_pton(AF_INET, argv[2], &me.sin_addr);
	me.sin_port = htons(atoi(argv[3]));
	inet_pton(AF_INET, argv[4], &peer.sin_addr);
	peer.sin_port = htons(atoi(argv[5]));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) < 0)
		err(1, "udp");
	printf("%s ready\n", ifr.ifr_name);
	fflush(stdout);

	p[0].fd = fd;
	p[1].fd = s;
	p[0].events = POLLIN;
	p[1].events = POLLIN;
	for (;;) {
		ssize_t n;

		if (poll(p, 2, -1) < 0)
			err(1, "poll");
		if (p[0].revents & (POLLERR | POLLHUP))
			errx(1, "unit gone");
		if (p[0].revents & POLLIN) {
			n = read(fd, buf, sizeof(buf));
			if (n > 0)
				sendto(s, buf, n, 0, (struct sockaddr *)&peer, sizeof(peer));
		}
		if (p[1].revents & POLLIN) {
			n = recv(s, buf, sizeof(buf), 0);
			if (n > 0 && write(fd, buf, n) != n)
				warn("write");
		}
	}
}
