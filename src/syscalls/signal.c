/* Signal state. Dispositions and the mask are recorded; delivery comes with signals. */
#include <errno.h>
#include <signal.h>

#include "../syscall.h"
