/* Clocks and sleeping. */
#include <errno.h>
#include <time.h>

#include "../syscall.h"
