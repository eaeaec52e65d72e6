// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP half of make demo: "send HOST PORT FILE" streams a file and
 * closes its side; "recv PORT FILE" accepts one connection and writes
 * what arrives until the sender closes.  Busybox's nc does not close its
 * sending side at the end of its input, so the demo carries its own.
 */
#include <arpa/inet.h>
#include <err.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void demo_copy(int from, int to)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0)
		if (write(to, buf, n) != n)
			err(1, "write");
	if (n < 0)
		err(1, "read");
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int s, c, f, one = 1;

	if (argc == 5 && !strcmp(argv[1], "send")) {
		f = open(argv[4], O_RDONLY);
		s = socket(AF_INET, SOCK_STREAM, 0);
		sin.sin_port = htons(atoi(argv[3]));
		if (f < 0 || s < 0 || inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1)
			errx(2, "send: bad arguments");
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			err(1, "connect %s", argv[2]);
		demo_copy(f, s);
		shutdown(s, SHUT_WR);
		/* Wait for the receiver's close: everything was taken. */
		while (read(s, &one, sizeof(one)) > 0)
			;
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "recv")) {
		f = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		s = socket(AF_INET, SOCK_STREAM, 0);
		sin.sin_port = htons(atoi(argv[2]));
		if (f < 0 || s < 0)
			err(1, "recv: %s", argv[3]);
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 1) < 0)
			err(1, "listen");
		printf("listening\n");
		fflush(stdout);
		c = accept(s, NULL, NULL);
		if (c < 0)
			err(1, "accept");
		demo_copy(c, f);
		close(c);
		return 0;
	}
	errx(2, "usage: %s send HOST PORT FILE | recv PORT FILE", argv[0]);
}
