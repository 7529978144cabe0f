#!/bin/bash
# Every AUTH mechanism against tsrv's server side of it (tsrv_sasl.c):
# success, wrong secret, a SCRAM server that lies or sends garbage, -PLUS
# stripped after TLS (downgrade detection), OAuth error challenges, EXTERNAL
# with a client certificate, and -v transcripts that show no secret.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"

# Older build trees made their test PKI before client.pem existed.
CLIENT_PEM=$CERTS/client.pem CLIENT_KEY=$CERTS/client.key
if [ ! -f "$CLIENT_PEM" ]; then
	need_cmd certtool
	printf 'cn = "alice"\ntls_www_client\nsigning_key\n' >"$T/client.tmpl"
	certtool --generate-privkey --key-type=ecdsa --outfile "$T/client.key" \
		>/dev/null 2>&1 &&
		certtool --generate-certificate --load-privkey "$T/client.key" \
			--load-ca-certificate "$CERTS/ca.pem" \
			--load-ca-privkey "$CERTS/ca.key" \
			--template "$T/client.tmpl" --outfile "$T/client.pem" \
			>/dev/null 2>&1 || fail "cannot make a client certificate"
	CLIENT_PEM=$T/client.pem CLIENT_KEY=$T/client.key
fi

# srv AUTH-BEFORE-TLS AUTH-AFTER-TLS [scenario lines...]
srv() {
	local before=$1 after=$2 extra
	shift 2
	extra=$(printf '%s\n' "$@")
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH $before
ehlo-tls PIPELINING
ehlo-tls AUTH $after
auth alice s3cret
auth bob tok123
$extra"
}

# run [tlsmail args...]: as alice with the password s3cret unless the
# arguments give another password source.
run() {
	local pw=(--passwordeval 'echo s3cret')
	case " $* " in
	*" --passwordeval "* | *" --auth=external "*) pw=() ;;
	esac
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org b@example.org \
		"${pw[@]}" "$@" <"$T/mail"
	tsrv_wait
}

# client_first MECH: the decoded initial response of "AUTH MECH ..." as
# tsrv read it.
client_first() {
	local line
	line=$(grep -a -m1 "^C tls AUTH $1 " "$TSRV_LOG") ||
		fail "no AUTH $1 with an initial response in the log"
	line=${line#"C tls AUTH $1 "}
	printf '%s' "${line%%\\r\\n*}" | base64 -d
}

# assert_first MECH PREFIX: the client-first message starts with PREFIX.
assert_first() {
	local got
	got=$(client_first "$1")
	case $got in
	"$2"*) ;;
	*) fail "AUTH $1 began \"$got\", expected \"$2...\"" ;;
	esac
}

assert_delivered() {
	assert_rc 0
	assert_fgrep "AUTH ok $1 $2" "$TSRV_LOG"
	assert_fgrep 'MSG 1 ' "$TSRV_LOG"
}

assert_nothing_sent() {
	assert_no_grep '^G tls .*MAIL' "$TSRV_LOG"
	[ ! -e "$TSRV_MSG" ] || fail "a message was delivered"
}

ALL='EXTERNAL SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1
	PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER'
ALL=$(echo $ALL)

# --- choice: the strongest both sides support, from the list after TLS
srv PLAIN "$ALL"
run --user alice
assert_delivered alice SCRAM-SHA-256-PLUS
assert_first SCRAM-SHA-256-PLUS 'p=tls-exporter,,n=alice,r='

# TLS 1.2: tls-unique (GnuTLS uses the extended master secret)
srv PLAIN "SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN" \
	'priority NORMAL:-VERS-ALL:+VERS-TLS1.2'
run --user alice --report
assert_delivered alice SCRAM-SHA-1-PLUS
assert_first SCRAM-SHA-1-PLUS 'p=tls-unique,,n=alice,r='
assert_grep '^ *auth: +SCRAM-SHA-1-PLUS' "$T/err"

# No -PLUS offered: plain SCRAM, with "y" (we could have bound)
srv "SCRAM-SHA-1 SCRAM-SHA-256" "SCRAM-SHA-1 SCRAM-SHA-256 PLAIN"
run --user alice
assert_delivered alice SCRAM-SHA-256
assert_first SCRAM-SHA-256 'y,,n=alice,r='

srv PLAIN "SCRAM-SHA-1 PLAIN"
run --user alice
assert_delivered alice SCRAM-SHA-1

# Named explicitly; -PLUS offered, so "n": we chose not to bind
srv PLAIN "SCRAM-SHA-256-PLUS SCRAM-SHA-1"
run --user alice --auth=scram-sha-1
assert_delivered alice SCRAM-SHA-1
assert_first SCRAM-SHA-1 'n,,n=alice,r='

# --- -PLUS advertised before TLS, stripped after: what counts is the list
# seen over TLS; the "y" flag lets a server that can bind see the downgrade
srv "SCRAM-SHA-256-PLUS SCRAM-SHA-256" "SCRAM-SHA-256"
run --user alice
assert_delivered alice SCRAM-SHA-256
assert_first SCRAM-SHA-256 'y,,'

srv "SCRAM-SHA-256-PLUS SCRAM-SHA-256" "SCRAM-SHA-256" 'sasl cb-always'
run --user alice
assert_rc 77
assert_fgrep 'AUTH fail SCRAM-SHA-256 downgrade' "$TSRV_LOG"
assert_nothing_sent

# TLS 1.2 without the extended master secret: no safe binding, so no
# -PLUS; "n", since the server does offer it
srv PLAIN "SCRAM-SHA-256-PLUS SCRAM-SHA-256" \
	'priority NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH'
run --user alice
assert_delivered alice SCRAM-SHA-256
assert_first SCRAM-SHA-256 'n,,n=alice,r='

# -PLUS named, but this server cannot bind
srv PLAIN "SCRAM-SHA-256"
run --user alice --auth=scram-sha-256-plus
assert_rc 69
assert_fgrep 'does not offer AUTH SCRAM-SHA-256-PLUS' "$T/err"

# --- wrong password: the server's refusal, exit 77
srv PLAIN "SCRAM-SHA-256-PLUS SCRAM-SHA-256"
run --user alice --passwordeval 'echo wrong'
assert_rc 77
assert_grep '^tlsmail: AUTH: server refused authentication: 535' "$T/err"
assert_fgrep 'AUTH fail SCRAM-SHA-256-PLUS proof' "$TSRV_LOG"
assert_nothing_sent

# --- a server that cannot prove it knows the password
for fault in scram-bad-signature scram-no-final; do
	srv PLAIN "SCRAM-SHA-256" "sasl fault $fault"
	run --user alice
	assert_rc 77
	assert_fgrep 'possible impostor' "$T/err"
	assert_nothing_sent
done
srv PLAIN "SCRAM-SHA-1" 'sasl fault scram-server-error'
run --user alice
assert_rc 77
assert_fgrep 'the SCRAM server reported an error: other-error' "$T/err"

# --- malformed server-first messages: a clean protocol error (76)
for fault in bad-base64 wrong-nonce iter-zero iter-huge no-salt; do
	srv PLAIN "SCRAM-SHA-256" "sasl fault scram-$fault"
	run --user alice
	assert_rc 76
	assert_grep '^tlsmail: AUTH: (malformed SCRAM|server sent a challenge th)' \
		"$T/err"
	assert_nothing_sent
done

# --- a temporary failure on AUTH is 75
srv PLAIN "SCRAM-SHA-256" 'reply AUTH 454 4.7.0 Temporary failure'
run --user alice
assert_rc 75

# --- CRAM-MD5: after PLAIN and LOGIN in the order, and by name
srv PLAIN "CRAM-MD5"
run --user alice
assert_delivered alice CRAM-MD5
srv PLAIN "PLAIN CRAM-MD5"
run --user alice --auth=cram-md5
assert_delivered alice CRAM-MD5
srv PLAIN "CRAM-MD5"
run --user alice --passwordeval 'echo wrong'
assert_rc 77
assert_fgrep 'AUTH fail CRAM-MD5 digest' "$TSRV_LOG"

# --- XOAUTH2 and OAUTHBEARER: only by name, the token from a command
srv PLAIN "XOAUTH2 OAUTHBEARER"
run --user bob --passwordeval 'echo tok123'
assert_rc 69
assert_fgrep 'auth=xoauth2' "$T/err"

srv PLAIN "XOAUTH2 OAUTHBEARER PLAIN"
run --user bob --auth=xoauth2 --passwordeval 'echo tok123'
assert_delivered bob XOAUTH2
[ "$(client_first XOAUTH2 | od -An -c | tr -s ' ')" = \
	"$(printf 'user=bob\001auth=Bearer tok123\001\001' | od -An -c |
		tr -s ' ')" ] || fail "XOAUTH2 initial response: $(client_first XOAUTH2)"

srv PLAIN "XOAUTH2"
run --user bob --auth=xoauth2 --passwordeval 'echo expired'
assert_rc 77
# the client answered the JSON challenge with an empty line, as Google's
# format wants, and the server's 535 came after it
assert_fgrep 'AUTH fail XOAUTH2 token' "$TSRV_LOG"
assert_fgrep "the server's XOAUTH2 error: 401" "$T/err"

srv PLAIN "OAUTHBEARER"
run --user bob --auth=oauthbearer --passwordeval 'echo tok123'
assert_delivered bob OAUTHBEARER
assert_first OAUTHBEARER "$(printf 'n,a=bob,\001host=localhost\001port=%s%b' \
	"$TSRV_PORT" '\001auth=Bearer tok123\001\001')"

srv PLAIN "OAUTHBEARER" 'sasl fault oauth-error'
run --user bob --auth=oauthbearer --passwordeval 'echo tok123'
assert_rc 77
# RFC 7628 3.2.3: the exchange ends with the client's lone ^A
assert_fgrep 'AUTH fail OAUTHBEARER token' "$TSRV_LOG"
assert_fgrep "the server's OAUTHBEARER error: invalid_token" "$T/err"

# --- EXTERNAL: the client certificate, checked by the server against
# its client CA
srv PLAIN "EXTERNAL PLAIN" "sasl client-ca @CERTS@/ca.pem"
run --auth=external --tls-cert-file "$CLIENT_PEM" --tls-key-file \
	"$CLIENT_KEY"
assert_delivered alice EXTERNAL

# "auth on" with a certificate presented: EXTERNAL first
srv PLAIN "SCRAM-SHA-256 EXTERNAL" "sasl client-ca @CERTS@/ca.pem"
run --user alice --tls-cert-file "$CLIENT_PEM" --tls-key-file "$CLIENT_KEY"
assert_delivered alice EXTERNAL

# the server did not ask for a certificate: EXTERNAL cannot be used
srv PLAIN "EXTERNAL"
run --auth=external --tls-cert-file "$CLIENT_PEM" --tls-key-file \
	"$CLIENT_KEY"
assert_rc 69
assert_fgrep 'no client certificate was presented' "$T/err"

tlsmail_run --host localhost --port 9 --auth=external -f a@example.org \
	b@example.org <"$T/mail"
assert_rc 64
assert_fgrep 'tls-cert-file' "$T/err"

# --- -v masks every credential and token; server messages stay visible
srv PLAIN "SCRAM-SHA-256-PLUS"
run --user alice -v
assert_rc 0
assert_fgrep '> AUTH SCRAM-SHA-256-PLUS ********' "$T/err"
assert_grep '^< 334 [A-Za-z0-9+/=]+$' "$T/err"
assert_no_grep 's3cret|czNjcmV0|YWxpY2U|biws|cD10bHMtZXhwb3J0ZXIs' "$T/err"
assert_no_grep '^> [A-Za-z0-9+/]{16,}=*$' "$T/err"

srv PLAIN "OAUTHBEARER" 'sasl fault oauth-error'
run --user bob --auth=oauthbearer --passwordeval 'echo tok123' -v
assert_rc 77
assert_fgrep '> AUTH OAUTHBEARER ********' "$T/err"
assert_fgrep '> ********' "$T/err"
assert_no_grep 'tok123|dG9rMTIz|AQ==' "$T/err"

srv PLAIN "XOAUTH2"
run --user bob --auth=xoauth2 --passwordeval 'echo tok123' -v
assert_rc 0
assert_no_grep 'tok123|dG9rMTIz' "$T/err"
exit 0
