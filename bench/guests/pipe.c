/* pipe: pipeline throughput between two processes: a child writes MIB MiB into a pipe in
 * 64 KiB writes, the parent reads it in 64 KiB reads and checksums a byte in 64.
 * usage: pipe [MIB]   (default 1024) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	static unsigned char buf[65536];
	int p[2];
	if (pipe(p))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (size_t i = 0; i < sizeof buf; i++)
			buf[i] = (unsigned char)(i * 7);
		for (long k = 0; k < mib * 16; k++) {
			buf[0] = (unsigned char)k;
			for (size_t off = 0; off < sizeof buf;) {
				ssize_t w = write(p[1], buf + off, sizeof buf - off);
				if (w <= 0)
					_exit(1);
				off += (size_t)w;
			}
		}
		_exit(0);
	}
	close(p[1]);
	unsigned long sum = 0, total = 0;
	ssize_t r;
	while ((r = read(p[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < r; i += 64)
			sum += buf[i];
		total += (unsigned long)r;
	}
	int st;
	waitpid(pid, &st, 0);
	printf("pipe bytes=%lu checksum=%lu\n", total, sum);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && total == (unsigned long)mib << 20 ? 0 : 1;
}
