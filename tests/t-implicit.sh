#!/bin/bash
# Implicit TLS (RFC 8314): TLS from the first byte, the greeting inside;
# six round trips; and a CHUNKING server gets MAIL, RCPT, BDAT LAST with
# the message and QUIT in one flight (RFC 3030), five round trips.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 's3cret\n' >"$T/pw"
chmod 600 "$T/pw"
printf "$HDR_FULL"'Subject: implicit\n\n.leading dot stays\n' >"$T/mail"
printf "$HDR_FULL_WIRE"'Subject: implicit\r\n\r\n.leading dot stays\r\n' >"$T/expected"

tsrv_start "mode implicit
cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo AUTH PLAIN
auth alice s3cret"
tlsmail_run --host 127.0.0.1 --port "$TSRV_PORT" --tls=implicit \
	--cafile "$CERTS/ca.pem" --user alice --password-file "$T/pw" \
	-f a@example.org b@example.net --report <"$T/mail"
tsrv_wait
assert_rc 0
assert_same "$T/expected" "$TSRV_MSG"
grep -q '^C plain' "$TSRV_LOG" && fail "the client sent plaintext"
assert_group AUTH,MAIL,RCPT,DATA tls
assert_group .,QUIT tls
assert_grep '^round trips: +6$' "$T/err"
# an IP literal is matched against the iPAddress SAN, and gets no SNI
assert_fgrep 'SNI -' "$TSRV_LOG"

tsrv_start "mode implicit
cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo CHUNKING
ehlo AUTH PLAIN
auth alice s3cret"
tlsmail_run --host localhost --port "$TSRV_PORT" --tls=implicit \
	--cafile "$CERTS/ca.pem" --user alice --password-file "$T/pw" \
	-f a@example.org b@example.net --report <"$T/mail"
tsrv_wait
assert_rc 0
assert_same "$T/expected" "$TSRV_MSG"
assert_group AUTH,MAIL,RCPT,BDAT,QUIT tls
assert_fgrep 'SNI localhost' "$TSRV_LOG"
assert_grep '^round trips: +5$' "$T/err"
exit 0
