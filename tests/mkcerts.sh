#!/bin/bash
# mkcerts.sh DIR: the test PKI for tlsmail's integration tests, made with
# certtool (gnutls-bin) at test time so that no key is ever committed.
#
# Every leaf differs from good.pem in the one property its name says, and
# otherwise names localhost, 127.0.0.1 and ::1, so a test that expects a
# failure fails for that reason only.  Keys are ECDSA P-256 (fast) except
# rsa1024.  Each NAME.pem has its NAME.key.
#
#   ca.pem           root "tlsmail Test CA", the one trust anchor tests load
#   good.pem         SAN DNS:localhost IP:127.0.0.1 IP:::1, signed by ca
#   wronghost.pem    SAN DNS:wrong.example only
#   expired.pem      valid 2001-01-01 .. 2002-01-01
#   notyet.pem       valid 2090-01-01 .. 2091-01-01
#   selfsigned.pem   self-signed leaf (not a CA)
#   other-ca.pem     root "tlsmail Other CA", not trusted by tests
#   untrusted.pem    leaf signed by other-ca
#   inter.pem        intermediate CA signed by ca
#   chain.pem        leaf signed by inter, then inter.pem (a full chain)
#   chain-missing.pem  the same leaf alone (intermediate not sent)
#   cnonly.pem       CN localhost, no SAN (RFC 6125 6.4.4 lets a client
#                    fall back to the CN, as GnuTLS does; RFC 9525 forbids)
#   ip-in-cn.pem     CN 127.0.0.1, no SAN
#   wildcard.pem     SAN DNS:*.localhost only: a wildcard never matches the
#                    bare parent "localhost" (RFC 6125 6.4.3)
#   rsa1024.pem      RSA 1024-bit key
#   sha1.pem         signed with ECDSA-SHA1 (made only if certtool agrees)
#   client.pem       client certificate CN "alice", tls_www_client, signed
#                    by ca (for AUTH EXTERNAL)
#
# Idempotent: a complete DIR (stamp file .complete) is left as it is.  Quiet
# on success; on failure prints certtool's output and exits non-zero.

set -u
umask 077

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
[ -f "$dir/.complete" ] && exit 0
command -v certtool >/dev/null 2>&1 || {
	echo "mkcerts.sh: certtool not found (install gnutls-bin)" >&2
	exit 1
}
mkdir -p "$dir/.tmpl" || exit 1
log=$dir/.mkcerts.log
: >"$log" || exit 1

die() {
	echo "mkcerts.sh: $*" >&2
	cat "$log" >&2
	exit 1
}

# ct ARGS...: certtool with its chatter kept in the log.
ct() {
	certtool --no-text "$@" >>"$log" 2>&1 || die "certtool $* failed"
}

# key NAME [rsa BITS]
key() {
	if [ "${2:-}" = rsa ]; then
		ct --generate-privkey --key-type=rsa --bits="$3" \
			--outfile "$dir/$1.key"
	else
		ct --generate-privkey --key-type=ecdsa --curve=secp256r1 \
			--outfile "$dir/$1.key"
	fi
}

# tmpl NAME LINE...: writes a certtool template, one line per argument.
tmpl() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$dir/.tmpl/$name" || die "cannot write template"
}

# The SAN set every "good except for one thing" leaf carries.
SAN_LOCAL=('dns_name = "localhost"' 'ip_address = "127.0.0.1"'
	'ip_address = "::1"')
LEAF=('tls_www_server' 'signing_key' 'encryption_key')
CA=('ca' 'cert_signing_key' 'crl_signing_key' 'expiration_days = 3650')

# selfsign NAME TEMPLATE
selfsign() {
	ct --generate-self-signed --load-privkey "$dir/$1.key" \
		--template "$dir/.tmpl/$2" --outfile "$dir/$1.pem"
}

# sign NAME ISSUER TEMPLATE [certtool args...]
sign() {
	local name=$1 issuer=$2 t=$3
	shift 3
	ct --generate-certificate --load-privkey "$dir/$name.key" \
		--load-ca-certificate "$dir/$issuer.pem" \
		--load-ca-privkey "$dir/$issuer.key" \
		--template "$dir/.tmpl/$t" --outfile "$dir/$name.pem" "$@"
}

# Roots and the intermediate.
tmpl ca 'cn = "tlsmail Test CA"' "${CA[@]}"
tmpl other-ca 'cn = "tlsmail Other CA"' "${CA[@]}"
tmpl inter 'cn = "tlsmail Test Intermediate CA"' "${CA[@]}" 'path_len = 0'
key ca && selfsign ca ca
key other-ca && selfsign other-ca other-ca
key inter && sign inter ca inter

# Leaf templates.
tmpl local 'cn = "localhost"' "${SAN_LOCAL[@]}" "${LEAF[@]}" \
	'expiration_days = 3650'
tmpl wronghost 'cn = "wrong.example"' 'dns_name = "wrong.example"' \
	"${LEAF[@]}" 'expiration_days = 3650'
tmpl expired 'cn = "localhost"' "${SAN_LOCAL[@]}" "${LEAF[@]}" \
	'activation_date = "2001-01-01 00:00:00"' \
	'expiration_date = "2002-01-01 00:00:00"'
tmpl notyet 'cn = "localhost"' "${SAN_LOCAL[@]}" "${LEAF[@]}" \
	'activation_date = "2090-01-01 00:00:00"' \
	'expiration_date = "2091-01-01 00:00:00"'
tmpl cnonly 'cn = "localhost"' "${LEAF[@]}" 'expiration_days = 3650'
tmpl ip-in-cn 'cn = "127.0.0.1"' "${LEAF[@]}" 'expiration_days = 3650'
tmpl wildcard 'cn = "*.localhost"' 'dns_name = "*.localhost"' \
	"${LEAF[@]}" 'expiration_days = 3650'
tmpl client 'cn = "alice"' 'tls_www_client' 'signing_key' \
	'expiration_days = 3650'

for n in good wronghost expired notyet selfsigned untrusted chain cnonly \
	ip-in-cn wildcard client; do
	key "$n"
done
key rsa1024 rsa 1024

sign good ca local
sign wronghost ca wronghost
sign expired ca expired
sign notyet ca notyet
selfsign selfsigned local
sign untrusted other-ca local
sign cnonly ca cnonly
sign ip-in-cn ca ip-in-cn
sign wildcard ca wildcard
sign rsa1024 ca local
sign client ca client

# chain.pem is leaf first, then the intermediate (RFC 8446 4.4.2 order).
sign chain inter local
cp "$dir/chain.pem" "$dir/chain-missing.pem" || die "cp failed"
cp "$dir/chain.key" "$dir/chain-missing.key" || die "cp failed"
cat "$dir/inter.pem" >>"$dir/chain.pem" || die "cat failed"

# SHA-1 signatures may be refused by a future certtool; tests that need
# sha1.pem skip when it is absent.
key sha1
if ! certtool --no-text --generate-certificate \
	--load-privkey "$dir/sha1.key" --load-ca-certificate "$dir/ca.pem" \
	--load-ca-privkey "$dir/ca.key" --template "$dir/.tmpl/local" \
	--hash SHA1 --outfile "$dir/sha1.pem" >>"$log" 2>&1; then
	rm -f "$dir/sha1.pem" "$dir/sha1.key"
fi

rm -rf "$dir/.tmpl" "$log"
: >"$dir/.complete" || exit 1
exit 0
