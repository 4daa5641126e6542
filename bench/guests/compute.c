/* compute: integer + floating-point loops, no syscalls in the hot path.
 * usage: compute [SCALE]   (default 100; work is linear in SCALE) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t int_part(long n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, h = 0;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		h += x * 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		h += (x % 1000003u) + (uint32_t)(h / ((x & 0xffff) | 1));
	}
	return h;
}

/* Mandelbrot over a width x width grid, max 256 iterations. */
static uint64_t fp_part(int width)
{
	uint64_t total = 0;
	double acc = 0.0;
	for (int py = 0; py < width; py++) {
		double ci = -1.25 + 2.5 * py / width;
		for (int px = 0; px < width; px++) {
			double cr = -2.0 + 2.5 * px / width;
			double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
			int it = 0;
			while (it < 256 && zr2 + zi2 <= 4.0) {
				zi = 2 * zr * zi + ci;
				zr = zr2 - zi2 + cr;
				zr2 = zr * zr;
				zi2 = zi * zi;
				it++;
			}
			total += it;
			acc += zr2 + zi2 < 4.0 ? zr * 0.5 : 1.0 / (1.0 + zr2 + zi2);
		}
	}
	uint64_t bits;
	memcpy(&bits, &acc, sizeof bits);
	return total * 31 + bits;
}

int main(int argc, char **argv)
{
	long scale = argc > 1 ? atol(argv[1]) : 100;
	uint64_t a = int_part(scale * 400000L);
	uint64_t b = fp_part((int)(scale * 6));
	printf("compute scale=%ld int=%016llx fp=%016llx\n", scale, (unsigned long long)a,
	       (unsigned long long)b);
	return 0;
}
