#!/bin/sh
# Installs what a fresh Debian 12 lacks to build and test tlsmail: with
# root, through apt-get; otherwise prints the one command that would.
# The real MTAs of the end-to-end tests first (see tests/mta-deps.sh).
sh "$(dirname "$0")/mta-deps.sh" || exit 1
# The programs that call sendmail (see tests/caller-deps.sh).
sh "$(dirname "$0")/caller-deps.sh" || exit 1
pkgs="build-essential autoconf automake pkg-config libgnutls28-dev gnutls-bin
libidn2-dev
check valgrind python3 iproute2 time bc
clang libclang-rt-14-dev util-linux passwd
openssl"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "tlsmail needs:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null
