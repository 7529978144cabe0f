#!/bin/bash
# --probe against tsrv: every finding the verdict knows, the exit statuses
# 0 ok, 1 warn, 2 fail, 3 could not probe, a failed certificate still shown
# in full, nothing but EHLO/STARTTLS/QUIT on the wire, and the facts
# compared with what gnutls-cli and tsrv saw of the same server.
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd certtool gnutls-cli openssl python3
certs_dir >/dev/null
ca="--cafile $CERTS/ca.pem"
MODERN='priority NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3'

# probe CONNS SCENARIO [tlsmail args...]: one tsrv serving CONNS
# connections (the main session and 4 version handshakes make 5), probed
# at localhost:PORT; the report is $T/out.
probe() {
	local conns=$1 scn=$2
	shift 2
	tsrv_start "$scn" -n "$conns"
	# shellcheck disable=SC2086
	tlsmail_run --probe "localhost:$TSRV_PORT" $ca "$@"
	tsrv_wait
}

# reason LEVEL TEXT-ERE: the verdict lists this reason
reason() {
	assert_grep "^  $1 +port $TSRV_PORT: $2" "$T/out"
}

verdict() {
	assert_grep "^verdict: +$1\$" "$T/out"
}

# --- a good server: ok, exit 0, and the facts match gnutls-cli's ---
# Six connections: tlsmail's five, then gnutls-cli's.
tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
$MODERN
ehlo PIPELINING
ehlo STARTTLS
ehlo-tls PIPELINING
ehlo-tls AUTH PLAIN" -n 6
# shellcheck disable=SC2086
tlsmail_run --probe "localhost:$TSRV_PORT" $ca
echo QUIT | timeout 20 gnutls-cli --starttls-proto=smtp --port "$TSRV_PORT" \
	--x509cafile "$CERTS/ca.pem" --save-cert="$T/gc-chain.pem" \
	localhost >"$T/gc.out" 2>&1
tsrv_wait
assert_rc 0
verdict ok
assert_grep '^probe: +port [0-9]+, STARTTLS$' "$T/out"
assert_grep '^starttls: +offered, accepted$' "$T/out"
assert_grep '^auth in clear: +no$' "$T/out"
assert_grep '^verified: +yes' "$T/out"
assert_grep '^chain: +1 certificate, complete, in order$' "$T/out"
assert_grep '^ocsp: +none stapled$' "$T/out"
v='TLS1.0 refused, TLS1.1 refused, TLS1.2 accepted, TLS1.3 accepted'
assert_grep "^tls versions: +$v \\(probe: one extra handshake each\\)\$" \
	"$T/out"
assert_grep '^ehlo \(tls\): +tsrv.test, PIPELINING, AUTH PLAIN$' "$T/out"
# the server's view of the main handshake: "TLS <version> <suite>"
read -r _ version suite < <(grep '^TLS ' "$TSRV_LOG" | head -n 1)
assert_grep "^tls: +$version, $suite\$" "$T/out"
# gnutls-cli's: "- Description: (TLS1.3-X.509)-(ECDHE-GROUP)-(SIG)-(CIPHER)"
desc=$(sed -n 's/^- Description: //p' "$T/gc.out")
[ -n "$desc" ] || fail "gnutls-cli printed no description: $(cat "$T/gc.out")"
IFS=')' read -r gv gkx gsig gcipher _ <<<"${desc//(/}"
gv=${gv%-X.509}
gkx=${gkx#-ECDHE-}
gsig=${gsig#-}
gcipher=${gcipher#-}
[ "$gv" = "$version" ] || fail "gnutls-cli says $gv, tlsmail $version"
assert_grep "^key exchange: +$gkx\$" "$T/out"
assert_grep "^signature: +$gsig\$" "$T/out"
assert_fgrep "${gcipher//-/_}" <(printf '%s\n' "$suite")
fp=$(certtool --fingerprint --hash sha256 --infile "$T/gc-chain.pem" |
	tr a-f A-F | sed 's/../&:/g; s/:$//')
assert_fgrep "  sha256:     $fp" "$T/out"
pin=$(sed -n 's/.*pin-sha256="\([^"]*\)".*/\1/p' "$T/gc.out" | head -n 1)
assert_fgrep "  pin-sha256: $pin" "$T/out"
# the wire: the main session and 4 version sessions, each EHLO, STARTTLS,
# EHLO, QUIT; nothing else, never MAIL or AUTH
[ "$(grep -c '^CONNECT' "$TSRV_LOG")" = 6 ] || fail "not 6 connections"
assert_no_grep '^G .*(MAIL|RCPT|AUTH|DATA)' "$TSRV_LOG"
[ "$(grep -c '^G tls QUIT' "$TSRV_LOG")" -ge 3 ] ||
	fail "QUIT not sent after each accepted handshake"

# --- warn (exit 1): AUTH in clear, TLS 1.0 and 1.1 accepted ---
probe 5 "cert @CERTS@/good.pem
key @CERTS@/good.key
priority NORMAL:+VERS-TLS1.0:+VERS-TLS1.1
ehlo STARTTLS
ehlo AUTH PLAIN LOGIN"
assert_rc 1
verdict warn
assert_grep '^auth in clear: +yes' "$T/out"
reason warn 'AUTH is offered before TLS'
reason warn 'TLS1.0 is accepted'
reason warn 'TLS1.1 is accepted'
v='TLS1.0 accepted, TLS1.1 accepted, TLS1.2 accepted, TLS1.3 accepted'
assert_grep "^tls versions: +$v " "$T/out"
# the version handshakes were the ones the server logged
assert_grep '^TLS TLS1.0 ' "$TSRV_LOG"
assert_grep '^TLS TLS1.1 ' "$TSRV_LOG"

# --- warn: a certificate with 5 days left (< --warn-days 14) ---
cat >"$T/expiring.tmpl" <<'EOF'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
expiration_days = 5
EOF
certtool --generate-privkey --key-type=ecdsa --outfile "$T/expiring.key" \
	>/dev/null 2>&1 &&
	certtool --generate-certificate --load-privkey "$T/expiring.key" \
		--load-ca-certificate "$CERTS/ca.pem" \
		--load-ca-privkey "$CERTS/ca.key" \
		--template "$T/expiring.tmpl" --outfile "$T/expiring.pem" \
		>/dev/null 2>&1 || fail "cannot make expiring.pem"
expiring_scn="cert $T/expiring.pem
key $T/expiring.key
$MODERN
ehlo STARTTLS"
probe 5 "$expiring_scn"
assert_rc 1
reason warn \
	'certificate 0 \(CN=localhost\) expires in [45] days \(fewer than 14\)'
assert_grep '^  valid: .*\([45] days left\)$' "$T/out"
# the threshold is the user's
probe 5 "$expiring_scn" --warn-days 3
assert_rc 0
verdict ok

# --- warn: incomplete chain; out-of-order chain ---
probe 5 "cert @CERTS@/chain-missing.pem
key @CERTS@/chain-missing.key
$MODERN
ehlo STARTTLS"
assert_rc 2	# the intermediate is missing, so it does not verify either
assert_grep '^chain: +1 certificate, incomplete, in order$' "$T/out"
reason warn 'the chain sent does not lead to a trust anchor'
reason fail 'certificate not trusted: .*issuer is unknown'
# leaf, root, intermediate: complete, not in order (chain-as-is keeps it)
sed -n '1,/END CERTIFICATE/p' "$CERTS/chain.pem" >"$T/disorder.pem"
cat "$CERTS/ca.pem" "$CERTS/inter.pem" >>"$T/disorder.pem"
probe 5 "cert $T/disorder.pem
key @CERTS@/chain.key
chain-as-is
$MODERN
ehlo STARTTLS"
assert_rc 1
assert_grep '^chain: +3 certificates, complete, not in order$' "$T/out"
reason warn 'the chain is not in order'
[ "$(grep -c '^  subject:' "$T/out")" = 3 ] || fail "not 3 certificates"
# the order shown is the order sent: leaf, root, intermediate
sed -n 's/^  subject: *//p' "$T/out" >"$T/subjects"
printf '%s\n' 'CN=localhost' 'CN=tlsmail Test CA' \
	'CN=tlsmail Test Intermediate CA' >"$T/subjects.want"
assert_same "$T/subjects.want" "$T/subjects"

# --- fail (exit 2): a certificate that fails verification, shown in full ---
probe 5 "cert @CERTS@/untrusted.pem
key @CERTS@/untrusted.key
$MODERN
ehlo STARTTLS"
assert_rc 2
verdict fail
assert_grep '^verified: +no: .*NOT trusted' "$T/out"
assert_grep '^  subject: +CN=localhost$' "$T/out"
assert_grep '^  issuer: +CN=tlsmail Other CA$' "$T/out"
fp=$(certtool --fingerprint --hash sha256 --infile "$CERTS/untrusted.pem" |
	tr a-f A-F | sed 's/../&:/g; s/:$//')
assert_fgrep "  sha256:     $fp" "$T/out"
assert_grep '^  pin-sha256: [A-Za-z0-9+/]{43}=$' "$T/out"
# the probe went on past the bad certificate: EHLO after TLS, then QUIT
assert_grep '^G tls EHLO' "$TSRV_LOG"
assert_grep '^G tls QUIT' "$TSRV_LOG"
reason fail 'certificate not trusted'

# expired; a weak key; a SHA-1 signature (when certtool made one)
probe 5 "cert @CERTS@/expired.pem
key @CERTS@/expired.key
$MODERN
ehlo STARTTLS"
assert_rc 2
reason fail 'certificate 0 \(CN=localhost\) has expired'
probe 5 "cert @CERTS@/rsa1024.pem
key @CERTS@/rsa1024.key
$MODERN
ehlo STARTTLS"
assert_rc 2
reason fail 'certificate 0 .* has a weak key: RSA 1024 bits'
if [ -f "$CERTS/sha1.pem" ]; then
	probe 5 "cert @CERTS@/sha1.pem
key @CERTS@/sha1.key
$MODERN
ehlo STARTTLS"
	assert_rc 2
	reason fail 'certificate 0 .* is signed with ECDSA-SHA1'
fi

# --- fail: no STARTTLS (one connection: nothing to hand-shake with) ---
probe 1 "ehlo PIPELINING
ehlo AUTH PLAIN"
assert_rc 2
assert_grep '^starttls: +not offered$' "$T/out"
assert_grep '^tls: +none \(plaintext\)$' "$T/out"
reason fail 'STARTTLS is not offered'
reason warn 'AUTH is offered before TLS'
# the session still ended politely, in clear
assert_grep '^G plain QUIT' "$TSRV_LOG"
assert_no_grep '^G .*(MAIL|AUTH)' "$TSRV_LOG"

# --- fail: STARTTLS refused ---
probe 1 "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo STARTTLS
reply STARTTLS 454 4.7.0 TLS not available"
assert_rc 2
assert_grep '^starttls: +offered, refused with 454$' "$T/out"
reason fail 'STARTTLS refused with 454'

# --- fail: only TLS 1.0 (the main handshake fails; the probes say why) ---
probe 5 "cert @CERTS@/good.pem
key @CERTS@/good.key
priority NORMAL:-VERS-ALL:+VERS-TLS1.0
ehlo STARTTLS"
assert_rc 2
assert_grep '^tls: +handshake failed' "$T/out"
v='TLS1.0 accepted, TLS1.1 refused, TLS1.2 refused, TLS1.3 refused'
assert_grep "^tls versions: +$v " "$T/out"
reason fail 'TLS: server offers only TLS versions below the minimum'
reason warn 'TLS1.0 is accepted'

# --- OCSP stapling: good, then revoked (responses made by openssl) ---
ocsp_responses
for v in 'NORMAL:-VERS-ALL:+VERS-TLS1.3' 'NORMAL:-VERS-ALL:+VERS-TLS1.2'; do
	probe 5 "cert @CERTS@/good.pem
key @CERTS@/good.key
ocsp $T/good.ocsp
priority $v
ehlo STARTTLS"
	assert_rc 0
	assert_grep '^ocsp: +stapled, good$' "$T/out"
	probe 5 "cert @CERTS@/good.pem
key @CERTS@/good.key
ocsp $T/revoked.ocsp
priority $v
ehlo STARTTLS"
	assert_rc 2
	assert_grep '^ocsp: +stapled, revoked$' "$T/out"
	reason fail 'the stapled OCSP response says the certificate is revoked'
done

# a response for another certificate (good.pem's, served with chain.pem)
probe 5 "cert @CERTS@/chain.pem
key @CERTS@/chain.key
ocsp $T/good.ocsp
$MODERN
ehlo STARTTLS"
assert_grep '^ocsp: +stapled, invalid$' "$T/out"
reason warn 'the stapled OCSP response is invalid or stale'

# --- implicit TLS (465 style), and IPv6 [::1]:PORT ---
tsrv_start "mode implicit
cert @CERTS@/good.pem
key @CERTS@/good.key
$MODERN" -n 5 -6
# shellcheck disable=SC2086
tlsmail_run --probe "[::1]:$TSRV_PORT" --tls=implicit $ca
tsrv_wait
assert_rc 0
assert_grep "^probe: +port $TSRV_PORT, implicit TLS\$" "$T/out"
assert_grep "^server: +::1 \[::1\]:$TSRV_PORT\$" "$T/out"
assert_grep '^starttls: +not used \(implicit TLS\)$' "$T/out"
assert_grep '^verified: +yes' "$T/out"

# --- -v: each extra handshake is announced as a probe, on stderr ---
probe 5 "cert @CERTS@/good.pem
key @CERTS@/good.key
$MODERN
ehlo STARTTLS" -v
assert_rc 0
for v in 1.0 1.1 1.2 1.3; do
	assert_grep \
		"^\* probe: extra handshake, TLS$v only, port $TSRV_PORT\$" \
		"$T/err"
done
assert_grep '^\* probe: TLS1.0 refused$' "$T/err"
assert_grep '^\* probe: TLS1.3 accepted$' "$T/err"
assert_no_grep '^(greeting|verdict):' "$T/err"

# --- 3: nothing answered; a bad command line ---
port=$TSRV_PORT		# that tsrv has exited: nothing listens there now
tlsmail_run --probe "127.0.0.1:$port"
assert_rc 3
assert_grep '^verdict: +unknown: no port answered$' "$T/out"
tlsmail_run --probe "localhost:$port" someone@example.org
assert_rc 3
assert_grep 'it takes no recipients' "$T/err"
tlsmail_run --probe "localhost:$port" --port 1
assert_rc 3
tlsmail_run --probe "[::1"
assert_rc 3
assert_grep 'wants HOST, HOST:PORT or \[IPv6\]:PORT' "$T/err"
tlsmail_run --probe localhost --warn-days x
assert_rc 3
exit 0
