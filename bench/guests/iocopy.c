/* iocopy: copy SRC to DST with read/write and a 1 MiB buffer.
 * usage: iocopy SRC DST [BUFSIZE]
 * Checksum: total bytes plus an FNV-1a hash of every 4096th byte (cheap, so the
 * measurement stays I/O- and syscall-bound). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: iocopy SRC DST [BUFSIZE]\n");
		return 2;
	}
	size_t bs = argc > 3 ? strtoul(argv[3], 0, 0) : 1 << 20;
	int in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	unsigned char *buf = malloc(bs);
	uint64_t total = 0, h = 0xcbf29ce484222325ull;
	for (;;) {
		ssize_t r = read(in, buf, bs);
		if (r < 0) {
			perror("read");
			return 1;
		}
		if (r == 0)
			break;
		for (uint64_t off = (4096 - total % 4096) % 4096; off < (uint64_t)r; off += 4096)
			h = (h ^ buf[off]) * 0x100000001b3ull;
		for (ssize_t done = 0; done < r;) {
			ssize_t w = write(out, buf + done, r - done);
			if (w <= 0) {
				perror("write");
				return 1;
			}
			done += w;
		}
		total += r;
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	close(in);
	printf("iocopy bytes=%llu hash=%016llx\n", (unsigned long long)total, (unsigned long long)h);
	return 0;
}
