#!/bin/bash
# A hostile or broken server never makes tlsmail hang, crash or claim
# success: stalls end at the timeout, a connection lost mid-message fails,
# a connection lost before the final reply says "delivery unknown", and
# malformed replies are protocol errors.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 70 >"$T/big"
printf 'Subject: x\n\nbody\n' >"$T/mail"

session() {
	local input=$1 extra=$2
	shift 2
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
$extra"
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org b@example.org \
		"$@" <"$input"
	tsrv_stop
}

# stalls, at every step, end at the timeout with "try again"
for verb in GREETING EHLO STARTTLS MAIL DATA .; do
	start=$(date +%s)
	session "$T/mail" "fault stall $verb" --timeout 2
	assert_rc 75
	assert_fgrep 'timed out' "$T/err"
	[ $(($(date +%s) - start)) -lt 20 ] || fail "stall at $verb not bounded"
done

# the connection closes in the middle of the message
session "$T/big" "fault close-mid-data"
assert_rc 75
assert_no_grep '^MSG ' "$TSRV_LOG"

# the connection closes after the message, before the reply to its end
session "$T/mail" "fault close-before-final"
assert_rc 75
assert_fgrep 'delivery unknown' "$T/err"

# closed at MAIL
session "$T/mail" "fault close MAIL"
assert_rc 75
assert_fgrep 'connection closed by the server' "$T/err"
assert_grep '; the server or the network ended the session; try again later$' "$T/err"

# 421 at the greeting, 4xx to MAIL
session "$T/mail" "greeting 421 4.3.2 busy"
assert_rc 75
session "$T/mail" "reply MAIL 451 4.3.0 later"
assert_rc 75
session "$T/mail" "greeting 554 5.3.2 no service"
assert_rc 69

# malformed replies
session "$T/mail" 'fault raw MAIL hello\r\n'
assert_rc 76
assert_fgrep 'not an SMTP reply' "$T/err"
session "$T/mail" 'fault raw MAIL 250-a\r\n550 b\r\n'
assert_rc 76
session "$T/mail" 'fault raw MAIL 700 what\r\n'
assert_rc 76
session "$T/mail" "fault long-line MAIL 100000"
assert_rc 76
assert_fgrep 'longer than' "$T/err"
session "$T/mail" "fault endless EHLO"
assert_rc 76
# control characters from the server are escaped before they are shown
session "$T/mail" 'fault raw MAIL 550 \x1b[2J\x07evil\x00\r\n'
assert_rc 65
grep -q $'\x1b' "$T/err" && fail "ESC reached the terminal"
grep -q $'\x07' "$T/err" && fail "BEL reached the terminal"
assert_fgrep '\x1b[2J\x07evil' "$T/err"
exit 0
