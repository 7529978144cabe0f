#!/bin/bash
# The core send path over STARTTLS: quiet success, the message delivered
# byte for byte after normalisation, every command pipelined to the
# round-trip minimum, no credential in clear or in the transcript.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo SIZE 10000000
ehlo 8BITMIME
ehlo AUTH PLAIN LOGIN
auth alice s3cret"

printf 's3cret\n' >"$T/pw"
chmod 600 "$T/pw"
# A lone dot, a leading dot, a bare CR, a bare LF and no final newline.
printf "$HDR_FULL"'Subject: backup done\nBcc: hidden@example.org\n\nAll good.\n.\n.x\r\nbare\rcr\nlast' >"$T/mail"
printf "$HDR_FULL_WIRE"'Subject: backup done\r\n\r\nAll good.\r\n.\r\n.x\r\nbare\r\ncr\r\nlast\r\n' >"$T/expected"

tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	--user alice --password-file "$T/pw" -f alice@example.org \
	bob@example.net <"$T/mail"
tsrv_wait
assert_rc 0
[ -s "$T/out" ] && fail "stdout is not empty"
[ -s "$T/err" ] && fail "stderr is not empty: quiet by default"
assert_same "$T/expected" "$TSRV_MSG"

# Nothing but EHLO and STARTTLS in clear.
[ "$(sed -n 's/^G plain //p' "$TSRV_LOG" | tr '\n' ' ')" = "EHLO STARTTLS " ] ||
	fail "plaintext commands: $(grep '^G plain' "$TSRV_LOG")"
assert_no_plain 'AUTH|MAIL|s3cret'
# RFC 4954 s4 + RFC 2920: AUTH PLAIN leads the envelope group; the body,
# the end of data and QUIT leave together.
assert_group EHLO tls
assert_group AUTH,MAIL,RCPT,DATA tls
assert_group .,QUIT tls
[ "$(grep -c '^G ' "$TSRV_LOG")" = 5 ] || fail "expected 5 groups"
assert_fgrep 'MAIL FROM:<alice@example.org> SIZE=' "$TSRV_LOG"
assert_fgrep 'AUTH ok alice PLAIN' "$TSRV_LOG"

# The same again with -v: the transcript masks the credential.
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN
auth alice s3cret"
tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	--user alice --password-file "$T/pw" -f alice@example.org -v \
	bob@example.net <"$T/mail"
tsrv_wait
assert_rc 0
assert_fgrep '> AUTH PLAIN ********' "$T/err"
assert_no_grep 's3cret|AGFsaWNl' "$T/err"
assert_fgrep '< 250 2.0.0 Ok: queued as TSRV1' "$T/err"

# RFC 6152: an 8-bit body is declared when the server offers 8BITMIME;
# RFC 3030 + STARTTLS: seven round trips with CHUNKING.
printf 'Subject: caf\303\251\n\nna\303\257ve\n' >"$T/mail8"
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo 8BITMIME
ehlo CHUNKING
ehlo AUTH PLAIN
auth alice s3cret"
tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	--user alice --password-file "$T/pw" -f alice@example.org --report \
	bob@example.net <"$T/mail8"
tsrv_wait
assert_rc 0
assert_fgrep 'MAIL FROM:<alice@example.org> BODY=8BITMIME' "$TSRV_LOG"
assert_group AUTH,MAIL,RCPT,BDAT,QUIT tls
assert_grep '^round trips: +7$' "$T/err"
exit 0
