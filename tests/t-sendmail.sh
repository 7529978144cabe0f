#!/bin/bash
# The sendmail personality, driven by the programs that really call
# /usr/sbin/sendmail, each with its own argv: Debian's cron (for real, in
# a private mount namespace, and with its exact argv), vixie cron's argv,
# bsd-mailx, s-nail, git send-email, PHP's mail() and Python's
# subprocess.  Each finds tlsmail through a symlink named "sendmail" and
# its smarthost through one configuration file: -C where the caller lets
# us add arguments (s-nail's mta-arguments, git's --sendmail-cmd, PHP's
# sendmail_path), $XDG_CONFIG_HOME where its argv is fixed (cron, mailx,
# Python).  Every message must arrive at tsrv over TLS, authenticated,
# addressed to what the aliases make of "root" (the header left alone),
# with its body intact.  Then the modes sendmail has and tlsmail refuses.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
. "$srcdir/callers.sh"
callers_init
me=$(id -un)
absent=""

tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo 8BITMIME
ehlo AUTH PLAIN LOGIN
auth alice s3cret" -n 9

# write_conf FILE PORT: the one configuration every caller uses.
write_conf() {
	cat >"$1" <<EOF
# the smarthost that every program's mail goes through
defaults
tls_trust_file $CERTS/ca.pem
domain example.org
aliases $T/aliases
logfile $T/log

account smarthost
host localhost
port $2
user alice
password s3cret

account default : smarthost
EOF
	chmod 600 "$1"
}
write_conf "$CONF" "$TSRV_PORT"
cat >"$T/aliases" <<'EOF'
# /etc/aliases, as Debian ships it, plus where root's mail goes
mailer-daemon: postmaster
postmaster: root
nobody: root
root: admin@example.org
alice: alice@example.net
EOF

N=0
# got CALLER RCPTS BODY_FILE: message N+1 arrived from CALLER, addressed
# to RCPTS ("a@x b@y", in order) by MAIL FROM SENDER, over TLS after AUTH,
# and its body (after the header) is BODY_FILE with CRLF line ends.
got() {
	local who=$1 rcpts=$2 body=$3 sender=${4:-$me@example.org} f r
	N=$((N + 1))
	f=$(tsrv_msg "$N")
	for _ in $(seq 200); do [ -f "$f" ] && break; sleep 0.05; done
	[ -f "$f" ] || fail "$who: message $N did not arrive"
	conn_client "$N" >"$T/c$N"
	grep -aq "^AUTH PLAIN " "$T/c$N" || fail "$who: no AUTH over TLS"
	grep -aqF "MAIL FROM:<$sender>" "$T/c$N" ||
		fail "$who: not from <$sender>: $(grep -a MAIL "$T/c$N")"
	[ "$(grep -ao 'RCPT TO:<[^>]*>' "$T/c$N" | tr '\n' ' ')" = \
		"$(printf 'RCPT TO:<%s> ' $rcpts)" ] ||
		fail "$who: recipients $(grep -ao 'RCPT TO:<[^>]*>' "$T/c$N")"
	sed 's/$/\r/' "$body" >"$T/want$N"
	sed $'1,/^\r$/d' "$f" >"$T/body$N"
	assert_same "$T/want$N" "$T/body$N"
	# the header is left as the caller wrote it
	grep -aq $'^To: root\r$' "$f" || fail "$who: the To: field changed"
	echo "ok: $who"
}

# conn_client K: what the client sent over TLS in connection K.
conn_client() {
	local n=0 line
	while IFS= read -r line; do
		case $line in
		"CONNECT "*) n=$((n + 1)) ;;
		"C tls "*) [ "$n" = "$1" ] && printf '%b' "${line#C tls }" ;;
		esac
	done <"$TSRV_LOG"
}

# sm ARGS...: runs the sendmail symlink like tlsmail_run does.
sm() {
	timeout -k 5 60 "$SENDMAIL" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# 1. Each caller with its own argv (callers.sh): a body with a lone dot,
#    leading dots and a "From " line, which must arrive as it was.
printf 'Backup done.\n.\n..two dots\n.leading\nFrom here on\nlast line\n' \
	>"$T/body"
for c in "${CALLERS[@]}"; do
	caller_have "$c" || continue
	caller_run "$c" "subject $c" "$T/body" "$T/expect.$c" ||
		fail "$c failed: $(cat "$T/caller.out" 2>/dev/null)"
	got "$c" "admin@example.org" "$T/expect.$c"
done

# 2. Bare names on the command line and a bare -f: aliases, chains,
#    duplicates, and the domain for what no alias names.
printf 'To: root\nSubject: bare\n\nbody\n' >"$T/m2"
printf 'body\n' >"$T/b2"
sm -i -f postmaster root postmaster alice stranger <"$T/m2"
assert_rc 0
got "bare names" "admin@example.org alice@example.net stranger@example.org" \
	"$T/b2" postmaster@example.org

tsrv_stop
[ "$(grep -c 'exitcode=EX_OK$' "$T/log")" = "$N" ] ||
	fail "expected $N log lines: $(cat "$T/log")"

# 3. Debian's cron for real: its own mail path, a job that prints, in a
#    private mount namespace where /usr/sbin/sendmail is the symlink, the
#    crontabs and /etc/crontab are the test's, and /run is empty (cron's
#    pid file).  cron runs jobs at the start of a minute: up to 60 s.
cron_for_real() {
	local pid
	cp "$(command -v cron)" "$T/cron"
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo STARTTLS
ehlo AUTH PLAIN
auth alice s3cret"
	mkdir -p "$T/cronxdg/tlsmail"
	write_conf "$T/cronxdg/tlsmail/config" "$TSRV_PORT"
	: >"$T/empty"
	cat >"$T/cron-ns.sh" <<EOF
set -e
mount -t tmpfs none /usr/sbin
ln -s "$SENDMAIL" /usr/sbin/sendmail
mount -t tmpfs none /etc/cron.d
mount --bind "$T/empty" /etc/crontab
mount -t tmpfs -o mode=1730 none /var/spool/cron/crontabs
chgrp crontab /var/spool/cron/crontabs
mount -t tmpfs none /run
printf '* * * * * echo cron job output; echo line 2\n' \
	>/var/spool/cron/crontabs/root
chmod 600 /var/spool/cron/crontabs/root
echo started >"$T/cron.started"
exec env HOME="$T/home" XDG_CONFIG_HOME="$T/cronxdg" "$T/cron" -f
EOF
	unshare --mount --propagation private sh "$T/cron-ns.sh" \
		>"$T/cron.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[ -f "$T/cron.started" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -f "$T/cron.started" ]; then
		echo "note: no mount namespace ($(head -c 200 "$T/cron.out"))," \
			"cron's argv was tested alone (1.)"
		tsrv_stop
		return 0
	fi
	for _ in $(seq 1600); do
		[ -f "$TSRV_MSG" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -f "$TSRV_MSG" ] || fail "cron's mail did not arrive: $(cat "$T/cron.out")"
	tsrv_wait
	N=0
	printf 'cron job output\nline 2\n' >"$T/b9"
	got "Debian cron (real)" "admin@example.org" "$T/b9" \
		"$me@example.org"
	grep -aq $'^From: root (Cron Daemon)\r$' "$TSRV_MSG" ||
		fail "cron's From: changed"
}
if [ "$(id -u)" = 0 ] && command -v cron >/dev/null &&
	command -v unshare >/dev/null; then
	cron_for_real
else
	absent="$absent cron(real:root,unshare)"
fi

# 4. What sendmail has and tlsmail does not: one line, EX_USAGE.
sm -bi
assert_rc 0
timeout 10 "$T/bin/newaliases"
[ $? = 0 ] || fail "newaliases did not exit 0"
sm -bp
assert_rc 64
assert_fgrep '-bp (list the queue) is not supported' "$T/err"
sm -bs
assert_rc 64
sm -q
assert_rc 64
sm -X /tmp/traffic root </dev/null
assert_rc 64
[ "$(wc -l <"$T/err")" = 1 ] || fail "more than one line: $(cat "$T/err")"
assert_fgrep 'unknown option -X' "$T/err"

callers_valgrind_check
absent="$absent$(callers_absent)"
if [ -n "$absent" ]; then
	skip "not installed:$absent (tests/caller-deps.sh); the rest passed"
fi
exit 0
