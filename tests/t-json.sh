#!/bin/bash
# --json: a send and a probe each print one JSON object on stdout whose
# every field is present and of its type (jsoncheck.py holds the schema of
# tlsmail(1)'s JSON OUTPUT), with values compared to what tsrv saw; server
# bytes that are not UTF-8 or are control characters arrive escaped; no
# secret appears.
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd python3 certtool
certs_dir >/dev/null
# expect PATH VALUE: the field at PATH ("a/0/b") has VALUE (strings bare,
# others as JSON); checked with the schema by the next "check KIND".
E=()
expect() {
	E+=("$1=$2")
}
check() {
	python3 "$srcdir/jsoncheck.py" "$1" "$T/out" "${E[@]}" >"$T/check.out" \
		2>&1 || fail "jsoncheck $1: $(head -c 2000 "$T/check.out")"
	E=()
}

# --- a send: two recipients, one refused ---
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN
auth alice s3cret-pw
greeting 220 t\\xffs\\x1b[1m \"q\" \\\\ caf\\xc3\\xa9
reply RCPT bad@ 550 5.1.1 no such user"
printf 's3cret-pw\n' >"$T/pw"
chmod 600 "$T/pw"
printf 'Subject: j\n\nbody\n' |
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" --user alice --password-file "$T/pw" \
		-f a@example.org b@example.net bad@example.net --json
tsrv_wait
assert_rc 65
# one object, nothing else on stdout (jsoncheck loads the whole file);
# the error line stays on stderr
assert_grep '^tlsmail: RCPT: server refused recipient' "$T/err"
expect version 1
expect mode send
expect session/server localhost
expect session/address 127.0.0.1
expect session/port "$TSRV_PORT"
expect session/tls_mode starttls
expect session/reached true
expect session/starttls_offered true
expect session/starttls_code 220
expect session/auth_in_clear true
read -r _ version suite < <(grep '^TLS ' "$TSRV_LOG")
expect session/tls/version "$version"
expect session/tls/cipher "$suite"
expect session/tls/verified true
expect session/tls/chain_complete true
expect session/tls/ocsp none
expect session/tls/chain/0/subject CN=localhost
expect session/tls/chain/0/names 'DNS:localhost, IP:127.0.0.1, IP:::1'
fp=$(certtool --fingerprint --hash sha256 --infile "$CERTS/good.pem" |
	tr a-f A-F | sed 's/../&:/g; s/:$//')
expect session/tls/chain/0/sha256 "$fp"
expect session/tls_versions/TLS1.0 untested
expect session/ehlo_tls '["tsrv.test", "PIPELINING", "AUTH PLAIN"]'
expect session/error/class data
expect session/error/step RCPT
expect session/error/code 550
expect auth PLAIN
expect recipients/0/address b@example.net
expect recipients/0/code 250
expect recipients/1/address bad@example.net
expect recipients/1/code 550
expect recipients/1/text '5.1.1 no such user'
expect final_code null
expect delivered false
# the hostile greeting, byte for byte as JSON text: \xff is \ufffd, ESC is
# \u001b, quote and backslash escaped, valid UTF-8 kept
assert_fgrep '"greeting": "t\ufffds\u001b[1m \"q\" \\ café",' "$T/out"
# no secret: neither the password nor its base64
b64=$(printf '\0alice\0s3cret-pw' | base64)
assert_no_grep 's3cret|'"$b64" "$T/out"
check send

# --- a send that is delivered ---
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo STARTTLS"
printf 'Subject: j\n\nbody\n' |
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org b@example.net --json
tsrv_wait
assert_rc 0
expect delivered true
expect final_code 250
expect final_text '2.0.0 Ok: queued as TSRV1'
expect auth null
expect session/error null
expect session/auth_in_clear false
# the message as MAIL announced it: SIZE= counts what the server stored
expect message/size "$(stat -c %s "$TSRV_MSG")"
expect message/body 7BIT
expect message/smtputf8 false
expect message/converted false
check send

# --- a send that never reached a server still prints its object ---
tlsmail_run --host 127.0.0.1 --port "$TSRV_PORT" -f a@example.org \
	b@example.net --json </dev/null
assert_rc 75
expect message null
expect session/reached false
expect session/tls null
expect session/error/class temporary
expect session/error/step connect
check send

# --- a probe: warn, with reasons ---
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
priority NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1
ehlo STARTTLS
ehlo AUTH PLAIN" -n 5
tlsmail_run --probe "localhost:$TSRV_PORT" --cafile "$CERTS/ca.pem" --json \
	--warn-days 30
tsrv_wait
assert_rc 1
expect mode probe
expect host localhost
expect warn_days 30
expect verdict warn
expect reasons/0/level warn
expect reasons/0/code auth-in-clear
expect reasons/0/port "$TSRV_PORT"
expect reasons/1/code old-tls-version
expect reasons/1/text 'TLS1.1 is accepted (deprecated by RFC 8996)'
expect sessions/0/tls_versions/TLS1.0 refused
expect sessions/0/tls_versions/TLS1.1 accepted
expect sessions/0/tls_versions/TLS1.3 accepted
expect sessions/0/tls/chain_in_order true
expect sessions/0/tls/chain/0/key_type 'ECDSA SECP256R1'
expect sessions/0/tls/chain/0/key_bits 256
expect sessions/0/error null
check probe
days=$(python3 "$srcdir/jsoncheck.py" get "$T/out" \
	sessions/0/tls/chain/0/days_left)
[ "$days" -ge 3640 ] && [ "$days" -le 3650 ] || fail "days_left $days"

# --- a probe of a certificate that fails, and of nothing at all ---
tsrv_start "cert @CERTS@/wronghost.pem
key @CERTS@/wronghost.key
priority NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3
ehlo STARTTLS" -n 5
tlsmail_run --probe "localhost:$TSRV_PORT" --cafile "$CERTS/ca.pem" --json
tsrv_wait
assert_rc 2
expect verdict fail
expect reasons/0/code verify-failed
expect sessions/0/tls/verified false
expect sessions/0/tls/chain/0/subject CN=wrong.example
check probe
tlsmail_run --probe "127.0.0.1:$TSRV_PORT" --json
assert_rc 3
expect verdict unknown
expect reasons/0/level info
expect reasons/0/code unreachable
expect sessions/0/reached false
expect sessions/0/greeting null
check probe
exit 0
