#!/bin/bash
# End to end against Exim 4.96 (exim4-daemon-heavy) from Debian 12's
# packages, started by mta.sh on loopback: STARTTLS and implicit TLS, AUTH
# PLAIN and LOGIN, each message delivered byte for byte into the maildir,
# a wrong password (exit 77) and a refused recipient (exit 65).
. "${srcdir:-$(dirname "$0")}/lib.sh"
. "$srcdir/mta.sh"

mta_start exim
mta_matrix
exit 0
