// SPDX-License-Identifier: GPL-2.0
/*
 * The UDP half of make demo's layer-2 part: "recv PORT [GROUP IFNAME]"
 * waits (10 s at most) for one datagram, to any address or to the
 * multicast GROUP joined on IFNAME, and prints it; "send ADDR PORT MSG
 * [IFNAME]" sends MSG once, to a broadcast address, or to a multicast
 * group out of IFNAME.
 */
#include <arpa/inet.h>
#include <err.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ip_mreqn mr = { 0 };
	struct timeval tv = { .tv_sec = 10 };
	char buf[256];
	int s, on = 1;
	ssize_t n;

	if (argc < 3)
		errx(2, "usage: recv PORT [GROUP IFNAME] | send ADDR PORT MSG [IFNAME]");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		err(1, "socket");
	if (!strcmp(argv[1], "recv")) {
		sin.sin_port = htons(atoi(argv[2]));
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			err(1, "bind");
		if (argc == 5) {
			inet_pton(AF_INET, argv[3], &mr.imr_multiaddr);
			mr.imr_ifindex = if_nametoindex(argv[4]);
			if (setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
				err(1, "join %s on %s", argv[3], argv[4]);
		}
		printf("listening\n");
		fflush(stdout);
		n = recv(s, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			err(1, "nothing arrived");
		buf[n] = 0;
		printf("got \"%s\"\n", buf);
		return 0;
	}
	if (strcmp(argv[1], "send") || argc < 5)
		errx(2, "usage: send ADDR PORT MSG [IFNAME]");
	inet_pton(AF_INET, argv[2], &sin.sin_addr);
	sin.sin_port = htons(atoi(argv[3]));
	setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
	if (argc == 6) {
		mr.imr_ifindex = if_nametoindex(argv[5]);
		if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0)
			err(1, "multicast out of %s", argv[5]);
	}
	if (sendto(s, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		err(1, "send");
	return 0;
}
