/* A fuzz target with a planted bug, for the fuzzing examples and tests: it reads its input from
 * the file named by argv[1] (AFL's @@), or from stdin, and crashes with a write to NULL when the
 * input starts with the magic "SCRN" and its length byte (the fifth) is over 200 with at least
 * 8 bytes of input. The magic is tested a byte at a time, as parsers often do, so that edge
 * coverage leads a fuzzer to it. Built static for arm64 and x86-64 (examples/meson.build). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int depth; /* keeps the byte tests apart (no merged 32-bit compare) */

static int parse(const unsigned char *buf, size_t n)
{
	if (n < 5)
		return 0;
	if (buf[0] != 'S')
		return 1;
	depth++;
	if (buf[1] != 'C')
		return 2;
	depth++;
	if (buf[2] != 'R')
		return 3;
	depth++;
	if (buf[3] != 'N')
		return 4;
	depth++;
	unsigned len = buf[4];
	/* The planted bug: a write to the first page (an address the compiler cannot prove NULL,
	 * so it stays a store rather than a trap instruction). */
	if (len > 200 && n >= 8)
		*(volatile unsigned *)(size_t)((unsigned)(depth - 4) & 0xf0) = len;
	return 5;
}

int main(int argc, char **argv)
{
	unsigned char buf[4096];
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : 0;
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0)
		return 1;
	parse(buf, (size_t)n);
	return 0;
}
