#!/bin/bash
# A hostile server and hostile input, the cases t-starttls.sh, t-faults.sh
# and t-input.sh leave out: stalls at the remaining steps, a partial line
# injected after the 220 to STARTTLS, a reply to a command that was not
# sent, and CR, LF and NUL smuggled in through configuration values and
# -t header addresses.  (check_session covers the stalls a scenario cannot
# make: inside the TLS handshake, and a server that stops reading the
# message; and the limit on the whole session.)
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"
printf 's3cret\n' >"$T/pw"
chmod 600 "$T/pw"

# session SCENARIO-EXTRA [tlsmail args...]
session() {
	local extra=$1
	shift
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo STARTTLS
$extra"
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org b@example.org \
		"$@" <"$T/mail"
	tsrv_stop
}

# test_stall_rcpt, test_stall_auth: bounded by --timeout, exit 75.
for verb in RCPT AUTH; do
	start=$(date +%s)
	session "ehlo PIPELINING
ehlo AUTH PLAIN
auth alice s3cret
fault stall $verb" --timeout 2 --user alice --password-file "$T/pw"
	assert_rc 75
	assert_fgrep 'timed out' "$T/err"
	[ $(($(date +%s) - start)) -lt 15 ] || fail "stall at $verb not bounded"
	[ -e "$TSRV_MSG" ] && fail "a message was delivered despite the stall"
done

# test_stall_quit: the message was accepted; a server that never answers
# QUIT costs one timeout, and the exit status is still 0.
start=$(date +%s)
session "ehlo PIPELINING
fault stall QUIT" --timeout 2
assert_rc 0
[ $(($(date +%s) - start)) -lt 15 ] || fail "stall at QUIT not bounded"
[ -e "$TSRV_MSG" ] || fail "the message was not delivered"

# test_stall_ehlo_over_tls: EHLO under TLS never answered (implicit TLS:
# tsrv cannot tell the two EHLOs of a STARTTLS session apart, and the
# client's code path after the handshake is the same).
start=$(date +%s)
tsrv_start "mode implicit
cert @CERTS@/good.pem
key @CERTS@/good.key
fault stall EHLO"
tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	--tls=implicit --timeout 2 -f a@example.org b@example.org <"$T/mail"
tsrv_stop
[ $(($(date +%s) - start)) -lt 15 ] || fail "stall after TLS not bounded"
assert_rc 75
assert_fgrep 'timed out' "$T/err"
grep -q '^TLS ' "$TSRV_LOG" || fail "the stall was not after the handshake"

# test_injection_partial_line: "250 inj" without CR LF in the same write
# as the 220 to STARTTLS.  Named as injection; no TLS byte follows.
session 'fault raw STARTTLS 220 go\r\n250 inj' --user alice \
	--password-file "$T/pw"
assert_rc 76
assert_fgrep 'possible STARTTLS command injection' "$T/err"
grep -q '^C tls' "$TSRV_LOG" && fail "went on after the partial line"
assert_no_plain 'AUTH|MAIL|s3cret'

# test_reply_to_command_not_sent: no PIPELINING, yet MAIL gets two replies;
# the second answers nothing tlsmail asked, so it stops before RCPT leaves.
session 'fault raw MAIL 250 ok\r\n250 extra\r\n'
assert_rc 76
assert_fgrep 'reply to a command that was not sent' "$T/err"
tsrv_bytes C tls | grep -aq 'RCPT' && fail "RCPT was sent after the extra reply"
[ -e "$TSRV_MSG" ] && fail "a message was delivered"

# test_nul_in_ehlo_reply: NUL bytes inside a multi-line EHLO reply once
# crashed the capability walk (found by fuzz_reply); now they are text.
session 'fault raw EHLO 250-tsrv\x00evil\r\n250-x\x00y\r\n250 STARTTLS\r\n'
assert_rc 0
[ -e "$TSRV_MSG" ] || fail "the message was not delivered"

# test_config_injection: a control character in any value of a -C file is
# refused with exit 78 before a connection is made (port 9 has no server:
# a connection would fail with 75 instead).
conf_try() {
	printf 'account default\nhost 127.0.0.1\nport 9\ntls off\n' >"$T/rc"
	printf '%b\n' "$1" >>"$T/rc"
	chmod 600 "$T/rc"
	tlsmail_run -C "$T/rc" b@example.org <"$T/mail"
	assert_rc 78
	assert_grep "^tlsmail: .*rc:5: .*(control character|NUL)" "$T/err"
}
conf_try 'from a@example.org\rRCPT TO:<evil@example.net>'
conf_try 'user alice\rMAIL FROM:<x>'
conf_try 'domain example.org\x01'
conf_try 'tls_host_override mail\x1b.example.org'
conf_try 'from a@example.org\x00RCPT TO:<evil@example.net>'

# test_t_header_nul: a NUL inside a -t address is refused, exit 65.
printf 'To: a@exa\0mple.org\n\nhi\n' >"$T/in"
tlsmail_run --host 127.0.0.1 --port 9 -t -f a@example.org <"$T/in"
assert_rc 65
exit 0
