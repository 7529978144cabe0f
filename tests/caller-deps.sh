#!/bin/sh
# caller-deps.sh: the programs that call sendmail, which t-sendmail.sh
# drives with their own argv: Debian's cron, bsd-mailx, s-nail, git
# send-email, PHP's mail() and Python; deps.sh runs it.
#
# They are installed with --no-install-recommends, because cron and the
# mail readers recommend (and bsd-mailx depends on) a mail-transport-
# agent, which apt would satisfy by installing and starting Exim as the
# system's MTA.  bsd-mailx's hard dependency is the reason it is not
# installed but fetched with "apt-get download" and unpacked with
# "dpkg -x" into $ROOT/bsd-mailx (no maintainer script runs), as
# mta-deps.sh does for the MTAs; the libraries it links are installed.
# git send-email needs Mail::Address (libmailtools-perl) and, on its
# error path, Email::Valid (libemail-valid-perl); the real cron
# run needs unshare (util-linux).
#
# Without root it changes nothing, says what it would do, and exits 0:
# t-sendmail.sh then skips the callers it lacks, naming them.
set -u
ROOT=${TLSMAIL_MTA_ROOT:-/var/cache/tlsmail-test}
pkgs="cron s-nail git git-email libmailtools-perl libemail-valid-perl php-cli
python3
util-linux liblockfile1 libbsd0"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
mailx=""
[ -f "$ROOT/bsd-mailx/.complete" ] || mailx=bsd-mailx
[ -z "$missing$mailx" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "the sendmail caller tests need, as root: tests/caller-deps.sh" >&2
	[ -n "$missing" ] && echo "  packages:$missing" >&2
	[ -n "$mailx" ] && echo "  unpacked in $ROOT: bsd-mailx" >&2
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
die() {
	echo "caller-deps.sh: $*" >&2
	tail -n 20 "$log" >&2
	exit 1
}

apt-get update -qq >"$log" 2>&1 || die "apt-get update failed"
if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1 ||
		die "apt-get install failed"
fi
if [ -n "$mailx" ]; then
	echo "unpacking bsd-mailx into $ROOT/bsd-mailx" >&2
	mkdir -p "$ROOT/debs" || die "cannot create $ROOT"
	rm -f "$ROOT/debs/bsd-mailx_"*.deb
	(cd "$ROOT/debs" && apt-get download -qq \
		-o APT::Sandbox::User=root bsd-mailx) >"$log" 2>&1 ||
		die "apt-get download bsd-mailx failed"
	deb=$(ls "$ROOT/debs/bsd-mailx_"*.deb 2>/dev/null | tail -n 1)
	[ -n "$deb" ] || die "apt-get download made no .deb"
	tmp="$ROOT/bsd-mailx.tmp"
	rm -rf "$tmp" && mkdir -p "$tmp" && dpkg -x "$deb" "$tmp" ||
		die "dpkg -x $deb failed"
	basename "$deb" >"$tmp/.complete"
	rm -rf "$ROOT/bsd-mailx" && mv "$tmp" "$ROOT/bsd-mailx" ||
		die "cannot move $tmp into place"
fi
exit 0
