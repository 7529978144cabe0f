#!/bin/sh
# mta-deps.sh: what the end-to-end tests against real MTAs (mta.sh,
# t-mta-*.sh) need on Debian 12, installed as root; deps.sh runs it.
#
# Exim (exim4-daemon-heavy), Postfix and OpenSMTPD conflict with each
# other through apt (each provides mail-transport-agent), and installing
# one would start it as the system's MTA on port 25.  So none of them is
# installed: each package is fetched with "apt-get download" and unpacked
# with "dpkg -x" into $MTA_ROOT/<package> (no maintainer script runs, no
# service starts); the libraries those binaries link, and the tools the
# tests use, are installed with apt-get.  The system users the packages'
# own maintainer scripts would create are created here, with the same
# names, because the daemons look them up by name: Debian-exim, postfix
# (and the group postdrop), opensmtpd, opensmtpq.  Nothing else outside
# $MTA_ROOT is touched.  Run it again to add what is missing; remove
# $MTA_ROOT to fetch newer packages.
#
# Without root it changes nothing, says what it would do, and exits 0:
# the MTA tests then skip, naming what is missing.
set -u
MTA_ROOT=${TLSMAIL_MTA_ROOT:-/var/cache/tlsmail-test}
PATH=$PATH:/usr/sbin:/sbin
mtas="exim4-daemon-heavy postfix opensmtpd"
# saslpasswd2 makes the sasldb; the Cyrus plugins give Postfix and Exim
# PLAIN, LOGIN and SCRAM-SHA-256; the PKCS#11 engine is what lets
# OpenSMTPD 6.8 sign its handshakes under OpenSSL 3 (see mta.sh).
tools="sasl2-bin libsasl2-modules libsasl2-modules-db
libengine-pkcs11-openssl python3 iproute2 util-linux passwd"

missing=""
for p in $tools; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
trees=""
for p in $mtas; do
	[ -f "$MTA_ROOT/$p/.complete" ] || trees="$trees $p"
done
users=""
for u in Debian-exim postfix opensmtpd opensmtpq; do
	getent passwd "$u" >/dev/null || users="$users $u"
done
getent group postdrop >/dev/null || users="$users postdrop(group)"
[ -z "$missing$trees$users" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "the real-MTA tests need, as root: tests/mta-deps.sh" >&2
	[ -n "$missing" ] && echo "  packages:$missing" >&2
	[ -n "$trees" ] && echo "  unpacked in $MTA_ROOT:$trees" >&2
	[ -n "$users" ] && echo "  system users:$users" >&2
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
die() {
	echo "mta-deps.sh: $*" >&2
	tail -n 20 "$log" >&2
	exit 1
}

if [ -n "$missing$trees" ]; then
	apt-get update -qq >"$log" 2>&1 || die "apt-get update failed"
fi
if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -qq $missing >"$log" 2>&1 ||
		die "apt-get install failed"
fi

# sysuser NAME: a system user with its own group, as the packages make.
sysuser() {
	getent group "$1" >/dev/null || groupadd --system "$1" ||
		die "groupadd $1 failed"
	getent passwd "$1" >/dev/null ||
		useradd --system --gid "$1" --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin "$1" ||
		die "useradd $1 failed"
}
for u in Debian-exim postfix opensmtpd opensmtpq; do
	sysuser "$u"
done
getent group postdrop >/dev/null || groupadd --system postdrop ||
	die "groupadd postdrop failed"

# unpack PACKAGE: downloads it, installs the libraries it depends on
# (the lib* names of its Depends, first of each alternative), and unpacks
# it into $MTA_ROOT/PACKAGE, renamed into place once complete.
unpack() {
	p=$1
	mkdir -p "$MTA_ROOT/debs" || die "cannot create $MTA_ROOT"
	rm -f "$MTA_ROOT/debs/${p}_"*.deb
	# apt's sandbox user cannot write here: root downloads, quietly
	(cd "$MTA_ROOT/debs" && apt-get download -qq \
		-o APT::Sandbox::User=root "$p") >"$log" 2>&1 ||
		die "apt-get download $p failed"
	deb=$(ls "$MTA_ROOT/debs/${p}_"*.deb 2>/dev/null | tail -n 1)
	[ -n "$deb" ] || die "apt-get download $p made no .deb"
	libs=$(dpkg-deb -f "$deb" Pre-Depends Depends | tr ',' '\n' |
		sed 's/|.*//; s/(.*//; s/[[:space:]]//g; s/^[A-Za-z-]*://' |
		grep '^lib' | sort -u | tr '\n' ' ')
	if [ -n "$libs" ]; then
		# shellcheck disable=SC2086 # a list of package names
		apt-get install -y -qq $libs >"$log" 2>&1 ||
			die "apt-get install of $p's libraries failed"
	fi
	tmp="$MTA_ROOT/$p.tmp"
	rm -rf "$tmp" && mkdir -p "$tmp" && dpkg -x "$deb" "$tmp" ||
		die "dpkg -x $deb failed"
	basename "$deb" >"$tmp/.complete"
	rm -rf "${MTA_ROOT:?}/$p" && mv "$tmp" "$MTA_ROOT/$p" ||
		die "cannot move $tmp into place"
}
for p in $trees; do
	echo "unpacking $p into $MTA_ROOT/$p" >&2
	unpack "$p"
done
exit 0
