/*
 * tlsmail_t: tlsmail as shipped (src/main.c and the library), except that
 * its system file is t-secrets-etc/tlsmail.conf in this build directory
 * (t-secrets-conf.c).  t-secrets.sh writes a system file with a password;
 * the real $(sysconfdir)/tlsmail.conf is read by every other test and by
 * every other build on the machine, so it must not be that one.
 */
#include <config.h>

#include "main.c"
