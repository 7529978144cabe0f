#!/bin/bash
# One refused recipient of several: nobody gets the message, each refusal
# is reported with the server's words, and the status says "permanent".
# Temporary refusals say "try again" (75).
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"

session() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo STARTTLS
$1"
	shift
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org "$@" <"$T/mail"
	tsrv_wait
}

# pipelined: DATA is accepted in the same group, so tlsmail must hang up
# inside DATA without sending the message
session "ehlo PIPELINING
reply RCPT <bad@example.org> 550 5.1.1 <bad@example.org>: no such user" \
	good@example.org bad@example.org other@example.org
assert_rc 65
[ -e "$TSRV_MSG" ] && fail "the message was delivered"
assert_no_grep '^MSG ' "$TSRV_LOG"
assert_no_grep '^C tls Subject' "$TSRV_LOG"
assert_grep '^tlsmail: RCPT: server refused recipient <bad@example\.org>: 550 5\.1\.1' "$T/err"
[ "$(wc -l <"$T/err")" = 1 ] || fail "not one line"

# not pipelined: RSET instead of DATA
session "reply RCPT <bad@example.org> 550 5.1.1 no such user" \
	good@example.org bad@example.org
assert_rc 65
assert_fgrep 'G tls RSET' "$TSRV_LOG"
assert_no_grep 'G tls DATA' "$TSRV_LOG"

# two refused: both counted
session "ehlo PIPELINING
reply RCPT bad 550 5.1.1 no such user" \
	bad1@example.org ok@example.org bad2@example.org
assert_rc 65
assert_fgrep 'and 1 more recipients refused' "$T/err"

# a temporary refusal
session "ehlo PIPELINING
reply RCPT <later@example.org> 450 4.2.0 mailbox busy" later@example.org
assert_rc 75
assert_fgrep '450 4.2.0 mailbox busy' "$T/err"

# refused sender; refused message
session "ehlo PIPELINING
reply MAIL 553 5.7.1 sender not allowed" r@example.org
assert_rc 65
assert_grep '^tlsmail: MAIL: server refused sender: 553' "$T/err"
session "ehlo PIPELINING
reply . 554 5.6.0 content rejected" r@example.org
assert_rc 65
assert_grep '^tlsmail: DATA: server refused the message: 554' "$T/err"
exit 0
