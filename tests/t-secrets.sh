#!/bin/bash
# The setgid install (tlsmail(1), SECURITY): a password in the system file
# that every local user can send with, and that no user can make tlsmail
# reveal.  tlsmail is copied setgid to a test group, the system file made
# root:group 0640, and an unprivileged test user (made here once, kept)
# tries: reading the file, --pretend, -v, -C naming the file or a symlink
# to it, overriding the server on the command line or in a file of their
# own, LD_PRELOAD, and reading tlsmail's memory while it holds the
# password.  Needs root (to make the user, the group and the setgid copy).
. "${srcdir:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to make a test user and a setgid copy"
need_cmd setpriv useradd groupadd flock cc
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"
U=tlsmailu
G=tlsmailg
# tlsmail_t reads its system file here, not in $(sysconfdir), which every
# other test reads (t-secrets-main.c).
sysconfdir=$builddir/t-secrets-etc
SYS=$sysconfdir/tlsmail.conf
SECRET=s3cretSYS

# The user and group, made once per machine, under a lock.
(
	flock 9
	getent group "$G" >/dev/null || groupadd --system "$G" || exit 1
	getent passwd "$U" >/dev/null ||
		useradd --system --user-group --no-create-home \
			--shell /usr/sbin/nologin "$U" || exit 1
) 9>/tmp/tlsmail-t-secrets.users.lock || fail "cannot make $U and $G"

# as_user CMD...: CMD as the test user, its own groups only, a clean
# environment, stdin passed on.
as_user() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin \
		ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
		setpriv --reuid="$U" --regid="$U" --clear-groups "$@"
}

# run_user ARGS...: the setgid tlsmail as the test user; RC, $T/out,
# $T/err as tlsmail_run sets them.
run_user() {
	as_user timeout -k 5 60 "$P/tlsmail" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

certs_dir >/dev/null
chmod 711 "$T"
P=$T/pub			# what the test user may read
W=$T/pubw			# ... and write
mkdir -p "$P" "$W" "$T/home"
chmod 755 "$P"
chmod 1777 "$W"
chown "$U" "$T/home"
cp "$CERTS/ca.pem" "$P/ca.pem"
printf 'Subject: x\n\nbody\n' >"$P/mail"
chmod 644 "$P/ca.pem" "$P/mail"
[ -x "$builddir/tlsmail_t" ] || fail "$builddir/tlsmail_t is not built"
cp "$builddir/tlsmail_t" "$P/tlsmail"
chgrp "$G" "$P/tlsmail"
chmod 2755 "$P/tlsmail"
cp "$builddir/tlsmail_t" "$P/tlsmail-plain"
chmod 755 "$P/tlsmail-plain"

# Is setgid honoured here (not a nosuid mount)?
cp /usr/bin/id "$P/id"
chgrp "$G" "$P/id"
chmod 2755 "$P/id"
[ "$(as_user "$P/id" -gn)" = "$G" ] ||
	skip "setgid is not honoured under $T (nosuid mount?)"

# The system file, this build's own: removed at the end.
mkdir -p "$sysconfdir" || fail "cannot make $sysconfdir"
chmod 755 "$sysconfdir"
trap 'rm -f "$SYS"; lib_cleanup' EXIT
[ "$(as_user sh -c "test -x '$sysconfdir' && echo yes")" = yes ] ||
	skip "the test user cannot reach $sysconfdir"

server() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN LOGIN
auth alice $SECRET
$1"
}

sysconf() {
	printf '# t-secrets.sh\ndefaults\nhost localhost\nport %s\n' "$1" \
		>"$SYS"
	printf 'tls_trust_file %s\ntimeout 10\nuser alice\npassword %s\n' \
		"$P/ca.pem" "$SECRET" >>"$SYS"
	printf 'from sys@example.org\naccount default\n' >>"$SYS"
	chown root:"$G" "$SYS"
	chmod 640 "$SYS"
}

# no_secret FILE...: the password is in none of them, nor its base64
# forms (PLAIN's "\0alice\0secret", LOGIN's "secret").
no_secret() {
	local f b1 b2
	b1=$(printf '\0alice\0%s' "$SECRET" | base64)
	b2=$(printf '%s' "$SECRET" | base64)
	for f; do
		grep -aqF -e "$SECRET" -e "$b1" -e "$b2" "$f" &&
			fail "the password is in $f: $(head -c 300 "$f")"
	done
	return 0
}

# test_setgid_send: the user sends through the system file's account.
server ""
sysconf "$TSRV_PORT"
run_user b@example.org <"$P/mail"
tsrv_wait
assert_rc 0
assert_fgrep 'AUTH ok alice PLAIN' "$TSRV_LOG"
[ -e "$TSRV_MSG" ] || fail "no message delivered"
no_secret "$T/out" "$T/err"

# test_user_cannot_read_system_file
as_user cat "$SYS" >"$T/out" 2>&1 && fail "the user read $SYS"
no_secret "$T/out"

# test_pretend_masks
run_user --pretend b@example.org </dev/null
assert_rc 0
assert_fgrep '******** (in the system configuration)' "$T/out"
no_secret "$T/out" "$T/err"

# test_verbose_masks: the transcript shows AUTH, never its payload.
server ""
sysconf "$TSRV_PORT"
run_user -v b@example.org <"$P/mail"
tsrv_wait
assert_rc 0
assert_grep 'AUTH PLAIN \*+' "$T/err"
no_secret "$T/out" "$T/err"

# test_override_refused: the password never goes where the user says.
# An "evil" server listens; tlsmail must not even connect to it.
server ""
evil=$TSRV_PORT
sysconf 9
for args in "--host 127.0.0.1 --port $evil -a default" \
	"--port $evil -a default" "--tls-verify=off -a default" \
	"--cafile $P/ca.pem -a default" "--user bob -a default"; do
	# shellcheck disable=SC2086
	run_user $args b@example.org <"$P/mail"
	assert_rc 78
	assert_fgrep 'would send the password' "$T/err"
	no_secret "$T/out" "$T/err"
done
printf 'account default\nhost 127.0.0.1\nport %s\n' "$evil" >"$W/rc"
chown "$U" "$W/rc"
chmod 600 "$W/rc"
run_user -C "$W/rc" b@example.org <"$P/mail"
assert_rc 78
assert_fgrep "$W/rc:2: host would send the password" "$T/err"
mkdir -p "$T/home"
cp "$W/rc" "$T/home/.tlsmailrc"
chown "$U" "$T/home/.tlsmailrc"
run_user b@example.org <"$P/mail"
assert_rc 78
rm -f "$T/home/.tlsmailrc"
tsrv_stop
grep -q '^CONNECT' "$TSRV_LOG" && fail "tlsmail connected to the other server"

# test_C_reads_with_user_rights: -C naming the system file, or a symlink
# to it, is opened after the group is given up.
ln -s "$SYS" "$W/link"
for f in "$SYS" "$W/link"; do
	run_user -C "$f" --pretend b@example.org </dev/null
	assert_rc 78
	assert_fgrep 'cannot open configuration file' "$T/err"
	no_secret "$T/out" "$T/err"
done

# test_ld_preload_ignored: the loader ignores LD_PRELOAD for a setgid
# program; the plain copy is the control that the library works.
cat >"$T/evil.c" <<EOF
#include <stdio.h>
__attribute__((constructor)) static void
evil(void)
{
	FILE *o = fopen("$W/preloaded", "w");

	if (o != NULL)
		fclose(o);
}
EOF
cc -shared -fPIC -o "$P/evil.so" "$T/evil.c" || fail "cc failed"
chmod 755 "$P/evil.so"
# (an ASan build wants its runtime first: told not to mind, for this run)
as_user env LD_PRELOAD="$P/evil.so" ASAN_OPTIONS=verify_asan_link_order=0 \
	"$P/tlsmail-plain" --version >/dev/null
[ -e "$W/preloaded" ] || fail "control: the preload library did not run"
rm -f "$W/preloaded"
as_user env LD_PRELOAD="$P/evil.so" "$P/tlsmail" --version >/dev/null
[ -e "$W/preloaded" ] && fail "LD_PRELOAD ran inside the setgid tlsmail"

# test_memory_unreadable: while tlsmail waits for the server, holding the
# password, the user cannot read its memory (/proc/PID/mem, what ptrace
# reads).  The control: the same scanner finds a string in a process
# that is dumpable.
cat >"$P/scan.py" <<'EOF'
import re, sys
pid, needle = int(sys.argv[1]), sys.argv[2].encode()
try:
    maps = open("/proc/%d/maps" % pid).read().splitlines()
    mem = open("/proc/%d/mem" % pid, "rb", 0)
except OSError:
    print("denied")
    sys.exit(2)
for line in maps:
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
    if "r" not in m.group(3):
        continue
    try:
        mem.seek(int(m.group(1), 16))
        data = mem.read(int(m.group(2), 16) - int(m.group(1), 16))
    except (OSError, ValueError, OverflowError):
        continue
    if needle in data:
        print("found")
        sys.exit(0)
print("absent")
sys.exit(1)
EOF
chmod 644 "$P/scan.py"

# as_user_bg CMD...: as_user in the background, the command's own PID in
# BGPID (exec all the way down: env, setpriv, the command).
as_user_bg() {
	(exec env -i HOME="$T/home" PATH=/usr/bin:/bin \
		ASAN_OPTIONS=detect_leaks=0 \
		setpriv --reuid="$U" --regid="$U" --clear-groups "$@") &
	BGPID=$!
}

as_user_bg "$PY" -c 'import time; s = "s3cret" + "CTRL"; time.sleep(30)'
sleep 0.5
[ "$(as_user "$PY" "$P/scan.py" "$BGPID" s3cretCTRL)" = found ] ||
	fail "control: the scanner cannot read a dumpable process"
kill "$BGPID"
wait "$BGPID" 2>/dev/null

# scan_after_auth CMD...: CMD, a tlsmail as the user, against a server
# that stalls after AUTH; once AUTH is done the user scans its memory for
# the password: SCAN is found, absent or denied.
scan_after_auth() {
	as_user_bg "$@" <"$P/mail" >/dev/null 2>&1
	for _ in $(seq 200); do
		grep -q '^AUTH ok' "$TSRV_LOG" && break
		sleep 0.05
	done
	grep -q '^AUTH ok' "$TSRV_LOG" || fail "tlsmail did not authenticate"
	SCAN=$(as_user "$PY" "$P/scan.py" "$BGPID" "$SECRET")
	kill "$BGPID" 2>/dev/null
	wait "$BGPID" 2>/dev/null
	tsrv_stop
}
# the setgid copy, the system file's password
server "fault stall MAIL"
sysconf "$TSRV_PORT"
scan_after_auth "$P/tlsmail" b@example.org
[ "$SCAN" = denied ] || fail "setgid tlsmail's memory: $SCAN"

# test_passwordeval_child: a passwordeval of the user's own, run while the
# system file's password is in memory: the command runs with the user's
# rights, cannot read tlsmail's memory, and finds no secret in its
# environment.
server ""
sysconf "$TSRV_PORT"
cmd="env >$W/env; $PY $P/scan.py \$PPID $SECRET >$W/scan; echo $SECRET"
printf 'account default\npasswordeval "%s"\n' "$cmd" >"$W/rc"
chown "$U" "$W/rc"
chmod 600 "$W/rc"
run_user -C "$W/rc" b@example.org <"$P/mail"
tsrv_wait
assert_rc 0
[ "$(cat "$W/scan")" = denied ] ||
	fail "passwordeval read tlsmail: $(cat "$W/scan")"
no_secret "$W/env"
assert_grep "^HOME=$T/home\$" "$W/env"

# the plain copy and the user's own password file: PR_SET_DUMPABLE alone
# keeps another process of the same user out
rm -f "$SYS"
printf '%s\n' "$SECRET" >"$W/pw"
chown "$U" "$W/pw"
chmod 600 "$W/pw"
server "fault stall MAIL"
scan_after_auth "$P/tlsmail-plain" --host localhost --port "$TSRV_PORT" \
	--cafile "$P/ca.pem" --user alice --password-file "$W/pw" \
	-f a@example.org b@example.org
[ "$SCAN" = denied ] || fail "tlsmail's memory, same user: $SCAN"
exit 0
