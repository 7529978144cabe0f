#!/bin/bash
# A certificate that fails verification ends the session inside the
# handshake: exit 69, GnuTLS's reason on stderr, and not one byte of
# application data after the handshake.  Pinning accepts exactly the
# pinned certificate.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"

# try CERT HOST EXPECTED-RC REASON-ERE [tlsmail args...]
try() {
	local cert=$1 host=$2 want=$3 reason=$4
	shift 4
	tsrv_start "cert @CERTS@/$cert.pem
key @CERTS@/$cert.key
ehlo PIPELINING
ehlo STARTTLS"
	tlsmail_run --host "$host" --port "$TSRV_PORT" -f a@example.org \
		b@example.net "$@" <"$T/mail"
	tsrv_wait
	assert_rc "$want"
	if [ "$want" != 0 ]; then
		grep -q '^C tls' "$TSRV_LOG" &&
			fail "$cert: data crossed after a failed verification"
		[ "$(wc -l <"$T/err")" = 1 ] || fail "$cert: not one line"
		assert_grep "^tlsmail: TLS: .*$reason" "$T/err"
		[ -e "$TSRV_MSG" ] && fail "$cert: a message was delivered"
	fi
	return 0
}

ca="--cafile $CERTS/ca.pem"
# shellcheck disable=SC2086
{
try good localhost 0 '' $ca
try wronghost localhost 69 'does not match' $ca
try expired localhost 69 'expired' $ca
try notyet localhost 69 'not yet activated|not yet valid' $ca
try selfsigned localhost 69 'not trusted|NOT trusted|signer' $ca
try untrusted localhost 69 'not trusted|NOT trusted|signer' $ca
# an IP literal matches an iPAddress SAN only, never a CN
try good 127.0.0.1 0 '' $ca
try ip-in-cn 127.0.0.1 69 'does not match' $ca
# the system store does not know the test CA
try good localhost 69 'not trusted|NOT trusted|signer'
}

# Pinning: the pin alone decides, even without the CA.
pin=$(certtool --fingerprint --hash sha256 --infile "$CERTS/good.pem")
try good localhost 0 '' --fingerprint "$pin"
try selfsigned localhost 69 'fingerprint' --fingerprint "$pin"
# and the user can say "do not verify" in plain words
try selfsigned localhost 0 '' --tls-verify=off

# RFC 8996/8997: a server that speaks only TLS 1.0 or 1.1 is refused ...
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
priority NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0
ehlo STARTTLS"
tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	-f a@example.org b@example.net <"$T/mail"
tsrv_wait
assert_rc 69
assert_fgrep 'TLS 1.2' "$T/err"
grep -q '^C tls' "$TSRV_LOG" && fail "data crossed over TLS 1.1"
# ... and --tls-priority is how the user chooses otherwise
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo STARTTLS"
tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	--tls-priority NORMAL:-VERS-ALL:+VERS-TLS1.2 --report \
	-f a@example.org b@example.net <"$T/mail"
tsrv_wait
assert_rc 0
assert_grep '^tls: +TLS1\.2, ' "$T/err"
tlsmail_run --host localhost --port 9 --tls-priority 'NORMAL:+NONSENSE' \
	-f a@example.org b@example.net <"$T/mail"
assert_rc 78
exit 0
