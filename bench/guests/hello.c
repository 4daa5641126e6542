/* hello: start-up cost of a static binary (run many times by bench/run). */
#include <stdio.h>

int main(void)
{
	puts("hello, world");
	return 0;
}
