#!/bin/bash
# Certificates that GnuTLS's defaults would accept, or that need more than
# a chain check to refuse: a name only in the CN (RFC 9525 section 6.3),
# wildcards outside the left-most label or over two labels (RFC 9525
# section 6.3), a chain without its intermediate, SHA-1 signatures and
# RSA keys under 2048 bits (GnuTLS's "medium" verification profile), and a
# certificate revoked by the OCSP response the server staples.  Each ends
# the session inside the handshake: exit 69, the reason on stderr, no byte
# of application data after the handshake, no message delivered.  Each
# refusal has a control that passes, so that a test cannot pass because
# the scenario itself is broken.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"

# try CERT EXPECTED-RC REASON-ERE [tlsmail args...]: a send to localhost
# through a server with CERT (a path under @CERTS@ or $T), EXTRA lines in
# the scenario from $EXTRA.
try() {
	local cert=$1 want=$2 reason=$3
	shift 3
	tsrv_start "cert $cert.pem
key $cert.key
${EXTRA:-}
ehlo PIPELINING
ehlo STARTTLS"
	tlsmail_run --host "${HOST:-localhost}" --port "$TSRV_PORT" \
		-f a@example.org b@example.net "$@" <"$T/mail"
	tsrv_wait
	assert_rc "$want"
	if [ "$want" = 0 ]; then
		[ -e "$TSRV_MSG" ] || fail "$cert: no message delivered"
		return 0
	fi
	grep -q '^C tls' "$TSRV_LOG" &&
		fail "$cert: data crossed after a failed verification"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$cert: not one line"
	assert_grep "^tlsmail: TLS: .*$reason" "$T/err"
	[ -e "$TSRV_MSG" ] && fail "$cert: a message was delivered"
	return 0
}

ca=(--cafile "$CERTS/ca.pem")
C=@CERTS@

# test_cn_only: "localhost" in the CN and nowhere else.
try $C/cnonly 69 'only in its subject CN.*RFC 9525' "${ca[@]}"
try $C/good 0 '' "${ca[@]}"

# test_wildcard_bare_parent: *.localhost never matches localhost.
try $C/wildcard 69 'does not match' "${ca[@]}"

# test_chain_missing_intermediate: the leaf alone, its issuer unsent.
try $C/chain-missing 69 'issuer is unknown' "${ca[@]}"
try $C/chain 0 '' "${ca[@]}"

# test_weak_rsa_1024, with the default priorities and with the user's
# own string (the profile is added to it).
try $C/rsa1024 69 'insecure algorithm' "${ca[@]}"
try $C/rsa1024 69 'insecure algorithm' "${ca[@]}" \
	--tls-priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2'

# test_weak_sha1_signature
if [ -f "$CERTS/sha1.pem" ]; then
	try $C/sha1 69 'insecure algorithm' "${ca[@]}"
else
	echo "note: certtool made no SHA-1 certificate; sha1 case skipped"
fi

# Leaves of our own for names other than localhost, signed by the test
# CA; tls_host_override makes tlsmail check them against a name while
# it connects to 127.0.0.1.
# leaf NAME SAN...: $T/NAME.pem and $T/NAME.key.
leaf() {
	local name=$1 san
	shift
	{
		printf 'cn = "%s"\ntls_www_server\nsigning_key\n' "$name"
		printf 'expiration_days = 30\n'
		for san; do printf 'dns_name = "%s"\n' "$san"; done
	} >"$T/$name.tmpl"
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
		--outfile "$T/$name.key" >/dev/null 2>&1 &&
		certtool --generate-certificate --load-privkey "$T/$name.key" \
			--load-ca-certificate "$CERTS/ca.pem" \
			--load-ca-privkey "$CERTS/ca.key" \
			--template "$T/$name.tmpl" --outfile "$T/$name.pem" \
			>/dev/null 2>&1 || fail "certtool failed for $name"
}

# as NAME: a -C file that connects to 127.0.0.1 and checks NAME.
as() {
	printf 'account default\nhost 127.0.0.1\nport %s\n' "$TSRV_PORT" \
		>"$T/rc"
	printf 'tls_trust_file %s\ntls_host_override %s\n' \
		"$CERTS/ca.pem" "$1" >>"$T/rc"
	chmod 600 "$T/rc"
}

# tryname CERT NAME RC REASON: try with the certificate checked for NAME.
tryname() {
	local cert=$1 name=$2 want=$3 reason=$4
	# the port is known once tsrv runs, so the -C file is written now
	tsrv_start "cert $cert.pem
key $cert.key
ehlo PIPELINING
ehlo STARTTLS"
	as "$name"
	tlsmail_run -C "$T/rc" -f a@example.org b@example.net <"$T/mail"
	tsrv_wait
	assert_rc "$want"
	if [ "$want" = 0 ]; then
		[ -e "$TSRV_MSG" ] || fail "$name: no message delivered"
		return 0
	fi
	grep -q '^C tls' "$TSRV_LOG" &&
		fail "$name: data crossed after a failed verification"
	assert_grep "^tlsmail: TLS: .*$reason" "$T/err"
	return 0
}

leaf wild-left '*.example.org'
leaf wild-inner 'mail.*.example.org'
leaf wild-partial 'm*.example.org'
# test_wildcard_control: the left-most label, one label deep.
tryname "$T/wild-left" mail.example.org 0 ''
# test_wildcard_two_labels: "*" stands for one label only.
tryname "$T/wild-left" a.mail.example.org 69 'does not match'
# test_wildcard_wrong_label: "*" in any label but the left-most.
tryname "$T/wild-inner" mail.x.example.org 69 'does not match'
# test_wildcard_partial_label: "m*" is not a wildcard (RFC 9525 6.3).
tryname "$T/wild-partial" mail.example.org 69 'does not match'

# test_ocsp_revoked: the server staples a response, signed by the CA,
# that says its certificate is revoked; a "good" response is the control.
ocsp_responses
for v in 'NORMAL:-VERS-ALL:+VERS-TLS1.3' 'NORMAL:-VERS-ALL:+VERS-TLS1.2'; do
	EXTRA="ocsp $T/good.ocsp
priority $v" try $C/good 0 '' "${ca[@]}"
	EXTRA="ocsp $T/revoked.ocsp
priority $v" try $C/good 69 'revoked' "${ca[@]}"
done
exit 0
