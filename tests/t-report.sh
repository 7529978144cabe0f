#!/bin/bash
# --report says what protected the message, from the real session; the
# figures are compared with what the server logged.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN
auth alice s3cret"
printf 's3cret\n' >"$T/pw"
chmod 600 "$T/pw"
printf 'Subject: r\n\nbody\n' |
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" --user alice --password-file "$T/pw" \
		-f a@example.org b@example.net --report
tsrv_wait
assert_rc 0
# the server's view of the handshake: "TLS <version> <suite>"
read -r _ version suite < <(grep '^TLS ' "$TSRV_LOG")
assert_grep "^tls: +$version, $suite\$" "$T/err"
assert_grep '^server: +localhost \[127\.0\.0\.1\]:[0-9]+$' "$T/err"
assert_grep '^key exchange: +[A-Z0-9]+' "$T/err"
assert_grep '^signature: +[A-Z]' "$T/err"
assert_grep '^verified: +yes' "$T/err"
assert_grep '^  subject: +CN=localhost$' "$T/err"
assert_grep '^  issuer: +CN=tlsmail Test CA$' "$T/err"
assert_grep '^  names: +DNS:localhost, IP:127\.0\.0\.1, IP:::1$' "$T/err"
assert_grep '^  valid: .*\([0-9]+ days left\)$' "$T/err"
assert_grep '^  key: +ECDSA' "$T/err"
fp=$(certtool --fingerprint --hash sha256 --infile "$CERTS/good.pem" |
	tr a-f A-F | sed 's/../&:/g; s/:$//')
assert_fgrep "sha256:     $fp" "$T/err"
assert_grep '^auth: +PLAIN$' "$T/err"
assert_grep '^result: +250 2\.0\.0 Ok: queued as TSRV1$' "$T/err"
assert_grep '^round trips: +8$' "$T/err"
exit 0
