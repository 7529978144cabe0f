#!/bin/bash
# STARTTLS stripping and response injection ("Why TLS is better without
# STARTTLS", USENIX Security 2021): with TLS required, tlsmail stops, sends
# nothing but EHLO and STARTTLS in clear, and says what happened.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 's3cret\n' >"$T/pw"
chmod 600 "$T/pw"
printf 'Subject: x\n\nbody\n' >"$T/mail"

# run SCENARIO-EXTRA: one session against a server with a good cert
run() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
$1"
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" --user alice --password-file "$T/pw" \
		-f a@example.org b@example.net <"$T/mail"
	tsrv_wait
	assert_no_plain 'AUTH|MAIL|RCPT|DATA|QUIT|s3cret'
	[ "$RC" = 0 ] || [ ! -e "$TSRV_MSG" ] || fail "a message was delivered"
}

# not advertised
run "ehlo PIPELINING
ehlo AUTH PLAIN"
assert_rc 69
assert_grep '^tlsmail: STARTTLS: server does not offer STARTTLS' "$T/err"

# advertised, then refused in several ways
for answer in '454 4.7.0 TLS not available' '502 5.5.1 no' \
	'500 5.5.2 what' '354 go ahead'; do
	run "ehlo STARTTLS
ehlo AUTH PLAIN
reply STARTTLS $answer"
	assert_rc 69
	assert_fgrep "server refused STARTTLS" "$T/err"
	assert_fgrep "${answer%% *}" "$T/err"
done

# ESMTP refused: only HELO would work, and HELO has no STARTTLS
run "ehlo STARTTLS
reply EHLO 502 5.5.1 no ESMTP here"
assert_rc 69
assert_fgrep "server refused EHLO, so STARTTLS cannot be used" "$T/err"
assert_no_plain 'HELO'

# EHLO after TLS fails
run "ehlo STARTTLS
ehlo-tls PIPELINING
reply EHLO 550 5.7.0 go away"
assert_rc 69

# injection in the same segment as the 220
run "ehlo STARTTLS
ehlo AUTH PLAIN
fault starttls-inject 250-injected"
assert_rc 76
assert_fgrep 'possible STARTTLS command injection' "$T/err"
grep -q '^C tls' "$TSRV_LOG" && fail "went on after the injection"

# injection in a later segment, before the ClientHello is answered
run "ehlo STARTTLS
ehlo AUTH PLAIN
fault starttls-inject-later 250 injected"
assert_rc 76
assert_grep 'not TLS|injection' "$T/err"
grep -q '^C tls' "$TSRV_LOG" && fail "went on after the injection"

# Tampering: what the plaintext EHLO offered does not steer what happens
# after TLS.  In clear only LOGIN is offered; after TLS only PLAIN is.
run "ehlo STARTTLS
ehlo AUTH LOGIN
ehlo-tls AUTH PLAIN
auth alice s3cret"
assert_rc 0
assert_fgrep 'AUTH ok alice PLAIN' "$TSRV_LOG"
exit 0
