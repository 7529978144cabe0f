#!/bin/bash
# The sendmail personality against real MTAs: every caller of callers.sh
# (cron's two argvs, bsd-mailx, s-nail, git send-email, PHP's mail(),
# Python) sends through a symlink named sendmail and one configuration
# file to Exim, Postfix and OpenSMTPD in turn (mta.sh: STARTTLS on the
# submission port, AUTH as alice, a CA made at test time).  Each message
# must be delivered once, addressed to what the aliases make of "root"
# (the server's trace fields name bob@example.org), its body as sent.
# cron itself runs for real in t-sendmail.sh; here its argv is used, to
# keep a minute's wait per server out of the suite.
. "${srcdir:-$(dirname "$0")}/lib.sh"
. "$srcdir/mta.sh"
. "$srcdir/callers.sh"

callers_init
printf 'root: bob@example.org\npostmaster: root\n' >"$T/aliases"
printf 'Backup done.\n.\n..two dots\n.leading\nFrom here on\nlast line\n' \
	>"$T/body"

# one_mta NAME: starts NAME, sends through every caller, checks the
# maildir, stops it.
one_mta() {
	local m=$1 c n=0 f subj got
	mta_start "$m"
	cat >"$CONF" <<EOF
defaults
domain example.org
aliases $T/aliases
logfile $T/log.$m

account $m
host 127.0.0.1
port $MTA_SUBMISSION_PORT
tls_trust_file $MTA_CAFILE
user $MTA_USER
password_file $MTA_PASSWORD_FILE

account default : $m
EOF
	for c in "${CALLERS[@]}"; do
		caller_have "$c" || continue
		caller_run "$c" "$m via $c" "$T/body" "$T/expect.$m.$c" ||
			fail "$m: $c failed: $(cat "$T/caller.out" 2>/dev/null)"
		n=$((n + 1))
	done
	for f in $(mta_wait_message "$n" 60); do
		subj=$(sed -n 's/^Subject: \(.*\)$/\1/p' "$f" | head -n 1)
		subj=${subj#"[PATCH] "}	# git format-patch
		c=${subj#"$m via "}
		[ -f "$T/expect.$m.$c" ] || fail "$f: unexpected Subject: $subj"
		[ -f "$T/seen.$m.$c" ] && fail "$m: $c delivered twice"
		: >"$T/seen.$m.$c"
		mta_body "$f" >"$T/got"
		# tlsmail sends To: root as it is (t-sendmail.sh); OpenSMTPD
		# qualifies it itself, as root@localhost
		grep -Eq '^To: root(@localhost)?$' "$T/got" ||
			fail "$m: $c: To: changed"
		sed '1,/^$/d' "$T/got" >"$T/got.body"
		assert_same "$T/expect.$m.$c" "$T/got.body"
		# the trace fields: the envelope recipient, over TLS with AUTH
		got=$(head -c $(($(wc -c <"$f") - $(wc -c <"$T/got"))) "$f")
		printf '%s\n' "$got" | grep -qi 'bob@example\.org' ||
			fail "$m: $c: not addressed to bob@example.org: $got"
		printf '%s\n' "$got" | grep -qi 'with esmtpsa' ||
			fail "$m: $c: no ESMTPSA in the trace: $got"
		echo "$m <- $c: delivered to bob@example.org, body as sent"
	done
	sleep 1
	[ "$(mta_messages | grep -c .)" = "$n" ] ||
		fail "$m: more than $n messages delivered"
	[ "$(grep -c 'exitcode=EX_OK$' "$T/log.$m")" = "$n" ] ||
		fail "$m: log: $(cat "$T/log.$m")"
	mta_stop
}

for m in exim postfix opensmtpd; do
	one_mta "$m"
done
callers_valgrind_check
absent=$(callers_absent)
[ -z "$absent" ] || skip "not installed:$absent (tests/caller-deps.sh)"
exit 0
