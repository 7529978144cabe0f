#!/bin/bash
# Hostile input: bodies built for SMTP smuggling reach the server with
# exactly one end-of-data sequence and as the normalised input; addresses
# and names with line breaks are refused before anything is sent; -t takes
# recipients from the header and removes Bcc.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null

send() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
$2"
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org "${@:3}" <"$1"
	tsrv_wait
}

# body (printf format) -> expected delivered bytes (printf format)
smuggle() {
	printf "${HDR_FULL}Subject: s\n\n$1" >"$T/in"
	printf "${HDR_FULL_WIRE}Subject: s\r\n\r\n$2" >"$T/want"
	send "$T/in" "" b@example.org
	assert_rc 0
	assert_same "$T/want" "$TSRV_MSG"
	# on the wire: one terminator, at the very end, then QUIT
	local wire
	wire=$(tsrv_bytes C tls | od -An -c | tr -d ' \n')
	[ "$(grep -o '\\r\\n\.\\r\\n' <<<"$wire" | wc -l)" = 1 ] ||
		fail "more than one end-of-data on the wire for '$1'"
}
smuggle 'a\n.\nb\n'		'a\r\n.\r\nb\r\n'
smuggle 'a\n.\r\nb\n'		'a\r\n.\r\nb\r\n'
smuggle 'a\r\n.\rb\n'		'a\r\n.\r\nb\r\n'
smuggle 'a\r.\rb'		'a\r\n.\r\nb\r\n'
smuggle 'bare\rcr\n'		'bare\r\ncr\r\n'
smuggle 'nul\0byte\n'		'nul\0byte\r\n'
smuggle 'last line\n.'		'last line\r\n.\r\n'
smuggle '..two dots\n'		'..two dots\r\n'

# -t: recipients from To, Cc, Bcc; Bcc gone from what is sent
printf 'To: "Doe, Jane" <jane@example.org>, bob@example.org\nCc: team: c1@example.org, c2@example.org;\nBcc: secret@example.org\nSubject: t\n\nhi\n' >"$T/in"
send "$T/in" "" -t
assert_rc 0
for r in jane bob c1 c2 secret; do
	assert_fgrep "RCPT TO:<$r@example.org>" "$TSRV_LOG"
done
grep -qi '^bcc' "$TSRV_MSG" && fail "Bcc was sent"
assert_fgrep 'secret' "$TSRV_LOG"	# only in the envelope
grep -q secret "$TSRV_MSG" && fail "the Bcc address is in the message"

# injection through the command line: refused before connecting
printf 'x\n' >"$T/in"
tlsmail_run --host 127.0.0.1 --port 9 -f "$(printf 'a@example.org\r\nRCPT TO:<evil@x.org>')" \
	b@example.org <"$T/in"
assert_rc 64
assert_fgrep 'control character' "$T/err"
tlsmail_run --host 127.0.0.1 --port 9 -f a@example.org \
	"$(printf 'b@example.org\nDATA')" <"$T/in"
assert_rc 64
assert_fgrep 'control character' "$T/err"
tlsmail_run --host 127.0.0.1 --port 9 -f a@example.org \
	"$(printf 'b@exa\001mple.org')" <"$T/in"
assert_rc 64
tlsmail_run --host 127.0.0.1 --port 9 --ehlo "$(printf 'me\r\nMAIL FROM:<x>')" \
	-f a@example.org b@example.org <"$T/in"
assert_rc 64
assert_fgrep '--ehlo' "$T/err"

# injection through -t header addresses
printf 'To: a@example.org, "x" <b@exa\001mple.org>\n\nhi\n' >"$T/in"
tlsmail_run --host 127.0.0.1 --port 9 -t -f a@example.org <"$T/in"
assert_rc 65

# no recipients at all
printf 'Subject: none\n\nhi\n' >"$T/in"
tlsmail_run --host 127.0.0.1 --port 9 -t -f a@example.org <"$T/in"
assert_rc 65
tlsmail_run --host 127.0.0.1 --port 9 -f a@example.org <"$T/in"
assert_rc 64
assert_fgrep 'no recipients' "$T/err"

# usage errors name the option
tlsmail_run --host h --bogus b@example.org </dev/null
assert_rc 64
assert_fgrep '--bogus' "$T/err"
tlsmail_run --help </dev/null
assert_rc 0
assert_fgrep '--password-file' "$T/out"
tlsmail_run --version </dev/null
assert_rc 0
assert_grep '^tlsmail [0-9]' "$T/out"
exit 0
