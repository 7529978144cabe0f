#!/bin/bash
# Passwords come from a file only its owner can read, an environment
# variable or a command; never from argv, never in clear without asking
# twice.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"

send() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN LOGIN
auth alice s3cret"
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" --user alice -f a@example.org \
		b@example.org "$@" <"$T/mail"
	tsrv_stop
}

printf 's3cret\nsecond line is ignored\n' >"$T/pw"
chmod 600 "$T/pw"
send --password-file "$T/pw"
assert_rc 0

chmod 640 "$T/pw"
send --password-file "$T/pw"
assert_rc 78
assert_fgrep "chmod 600 $T/pw" "$T/err"
assert_no_grep '^AUTH' "$TSRV_LOG"

send --password-file "$T/nonexistent"
assert_rc 66

SMTP_PW=s3cret send --password-env SMTP_PW
assert_rc 0
send --password-env TLSMAIL_UNSET_VARIABLE
assert_rc 78
assert_fgrep 'variable TLSMAIL_UNSET_VARIABLE (from --password-env) is not set; export it' "$T/err"

send --passwordeval "printf 's3cret\nmeta: data\n'"
assert_rc 0
send --passwordeval "exit 3"
assert_rc 78
assert_fgrep 'passwordeval' "$T/err"

# wrong password: 535 is "authentication refused"
send --passwordeval "echo wrong"
assert_rc 77
assert_grep '^tlsmail: AUTH: server refused authentication: 535' "$T/err"

# LOGIN when asked for, and masked
send --passwordeval "echo s3cret" --auth=login -v
assert_rc 0
assert_fgrep 'AUTH ok alice LOGIN' "$TSRV_LOG"
assert_no_grep 's3cret|czNjcmV0' "$T/err"

# no AUTH in clear unless asked twice
tlsmail_run --host 127.0.0.1 --port 9 --tls=off --user alice \
	--password-file "$T/pw" -f a@example.org b@example.org <"$T/mail"
assert_rc 64
assert_fgrep 'allow-plaintext-auth' "$T/err"
exit 0
