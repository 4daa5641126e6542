/* The guest program of the API unit tests (tests/unit/test_api*.c), built static for arm64 and
 * x86-64. argv[1] picks what it does; exit codes carry the results. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int counter;           /* .bss */
static char data[64] = "data"; /* .data */

/* snap: the snapshot test. State is set up, then the read of stdin is the snapshot point;
 * what follows checks that the state is as it was set up (a restore left no trace of earlier
 * runs: exit 0, else a bit per difference), then changes all of it: memory, brk, mappings,
 * protections, descriptors, the offset and contents of a file. */
static int snap(int fast)
{
	char *heap = malloc(100);
	memset(heap, 'h', 100);
	int fd = open("/in/data", O_RDWR);
	char b[16];
	if (fd < 0 || read(fd, b, 4) != 4)
		return 100;
	void *brk0 = sbrk(0);
	void *probe = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(probe, 1 << 20);
	char c;
	if (read(0, &c, 1) != 1) /* <- the snapshot */
		return 101;
	int bad = 0;
	if (counter != 0 || strcmp(data, "data") || data[16])
		bad |= 1;
	for (int i = 0; i < 100; i++)
		if (heap[i] != 'h')
			bad |= 2;
	if (sbrk(0) != brk0)
		bad |= 4;
	if (lseek(fd, 0, SEEK_CUR) != 4)
		bad |= 8;
	if (pread(fd, b, 16, 0) != 8 || memcmp(b, "ABCDEFGH", 8))
		bad |= 16;
	int nfd = open("/dev/null", O_RDONLY);
	if (nfd != fd + 1)
		bad |= 32;
	/* (fast: no mapping changes at all, so that the restore takes its fast path) */
	char *m = fast ? probe
		       : mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
	if (m != probe)
		bad |= 64;
	if (c != 'x')
		bad |= 128;
	/* Now leave traces everywhere (fast: in memory only, no mapping changes). */
	counter++;
	strcpy(data, "changed");
	memset(heap, 'x', 100);
	if (fast) {
		/* The kernel writes guest memory too. */
		if (pread(fd, data + 16, 8, 0) != 8)
			bad |= 256;
		close(fd);
		close(nfd);
		return bad;
	}
	free(malloc(200000)); /* mmap'ed by malloc */
	static void *keep[100];
	for (int i = 0; i < 100; i++)
		if (!(keep[i] = malloc(1000))) /* brk grows */
			bad |= 256;
	char *s = sbrk(1 << 20);
	for (int i = 0; i < 1 << 20; i += 4096) /* a byte a page: every page becomes resident */
		s[i] = m[i] = 's';
	mprotect(m, 4096, PROT_READ);
	munmap(m + (512 << 10), 4096);
	if (write(fd, "zzzz", 4) != 4)
		bad |= 256;
	if (ftruncate(fd, 6))
		bad |= 256;
	int p[2];
	if (pipe(p))
		bad |= 256;
	dup2(p[1], fd);
	close(nfd);
	int out = open("/out", O_WRONLY | O_TRUNC);
	if (out < 0 || write(out, "run", 3) != 3)
		bad |= 512;
	return bad;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	if (!strcmp(what, "echo")) {
		/* stdin to stdout; the exit code is the number of bytes read */
		char buf[4096];
		ssize_t n, total = 0;
		while ((n = read(0, buf, sizeof buf)) > 0) {
			total += n;
			if (write(1, buf, (size_t)n) != n)
				return 255;
		}
		return (int)(total & 0xff);
	}
	if (!strcmp(what, "file")) {
		/* the length of the file argv[2], and its first byte */
		char buf[4096];
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return 255;
		ssize_t n = read(fd, buf, sizeof buf);
		close(fd);
		return n > 0 ? (int)n + (buf[0] == 'F' ? 100 : 0) : 254;
	}
	if (!strcmp(what, "env"))
		return getenv("SC_TEST") && !strcmp(getenv("SC_TEST"), "yes") ? 7 : 8;
	if (!strcmp(what, "argv"))
		return argc;
	if (!strcmp(what, "crash"))
		*(volatile int *)(size_t)(counter * 8 + 16) = 1;
	if (!strcmp(what, "loop"))
		for (volatile unsigned long i = 0;; i++)
			counter += (int)i & 1;
	if (!strcmp(what, "alloc")) {
		/* argv[2] MiB, touched: 0 when it worked, 1 when the allocation failed */
		size_t n = (size_t)atoi(argv[2]) << 20;
		char *p = malloc(n);
		if (!p)
			return 1;
		memset(p, 1, n);
		return 0;
	}
	if (!strcmp(what, "syscalls")) {
		/* getpid's result as the exit code, after a write the hooks can see */
		if (write(1, "hooked\n", 7) != 7)
			return 255;
		return (int)(getpid() & 0x7f);
	}
	if (!strcmp(what, "forkexec")) {
		/* a child that executes argv[2] with argv[2..]: its exit status, or 200 + errno
		 * when the execve fails */
		pid_t pid = fork();
		if (pid == 0) {
			execv(argv[2], argv + 2);
			_exit(200 + (errno & 0x3f));
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			return 99;
		return WEXITSTATUS(st);
	}
	if (!strcmp(what, "fork")) {
		/* a child that exits 3; the parent's exit code is the child's + 10 */
		pid_t pid = fork();
		if (pid == 0)
			_exit(3);
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			return 99;
		return WEXITSTATUS(st) + 10;
	}
	if (!strcmp(what, "snap"))
		return snap(argc > 2 && !strcmp(argv[2], "fast"));
	return 99;
}
