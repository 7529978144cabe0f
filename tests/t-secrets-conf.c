/* src/conf.c with SYSCONFDIR set by tests/Makefile.am (tlsmail_t). */
#include <config.h>

#include "conf.c"
