#!/bin/bash
# --probe against the real MTAs that mta.sh starts on loopback (Exim,
# Postfix, OpenSMTPD): on the submission port (STARTTLS) and the smtps port
# (implicit TLS), the report says what gnutls-cli says of the same port:
# TLS version, key exchange group, signature algorithm, cipher, the leaf's
# SHA-256 fingerprint and pin-sha256, and which of TLS 1.0 to 1.3 the
# server accepts (one gnutls-cli handshake each); the certificate
# verifies, the chain
# is complete and in order, and the verdict's exit status matches its
# line (0 ok, 1 warn: these servers may accept TLS 1.0 or 1.1, or offer
# AUTH before TLS).  The JSON report of the same probe validates.
. "${srcdir:-$(dirname "$0")}/lib.sh"
. "$srcdir/mta.sh"

need_cmd gnutls-cli certtool python3

# gnutls_cli_facts PORT STARTTLS(1|0): gnutls-cli's view, into $T/gc.out
# and the leaf into $T/gc-chain.pem.
gnutls_cli_facts() {
	local opt=()
	[ "$2" = 1 ] && opt=(--starttls-proto=smtp)
	echo QUIT | timeout 20 gnutls-cli "${opt[@]}" --port "$1" \
		--x509cafile "$MTA_CAFILE" --save-cert="$T/gc-chain.pem" \
		localhost >"$T/gc.out" 2>&1
	grep -q '^- Description: ' "$T/gc.out" ||
		fail "$MTA_NAME: gnutls-cli: no session: $(tail -n 5 \
			"$T/gc.out")"
}

# compare: the report in $T/out against $T/gc.out.
compare() {
	local desc gv gkx gsig gcipher fp pin
	desc=$(sed -n 's/^- Description: //p' "$T/gc.out")
	IFS=')' read -r gv gkx gsig gcipher _ <<<"${desc//(/}"
	gv=${gv%-X.509}
	gkx=${gkx#-ECDHE-}
	gkx=${gkx#-DHE-}
	gsig=${gsig#-}
	gcipher=${gcipher#-}
	assert_grep "^tls: +$gv, [A-Z0-9_]*${gcipher//-/_}" "$T/out"
	assert_grep "^key exchange: +$gkx\$" "$T/out"
	assert_grep "^signature: +$gsig\$" "$T/out"
	fp=$(certtool --fingerprint --hash sha256 --infile "$T/gc-chain.pem" |
		tr a-f A-F | sed 's/../&:/g; s/:$//')
	assert_fgrep "  sha256:     $fp" "$T/out"
	pin=$(sed -n 's/.*pin-sha256="\([^"]*\)".*/\1/p' "$T/gc.out" |
		head -n 1)
	assert_fgrep "  pin-sha256: $pin" "$T/out"
}

# versions PORT STARTTLS(1|0): one gnutls-cli handshake per version says
# which the server accepts; the report's "tls versions" must say the same.
versions() {
	local v st line= opt=()
	[ "$2" = 1 ] && opt=(--starttls-proto=smtp)
	for v in 1.0 1.1 1.2 1.3; do
		st=refused
		# gnutls-cli's status also reflects how the server closed
		# after QUIT: the Description line is the handshake's proof.
		echo QUIT | timeout 20 gnutls-cli "${opt[@]}" --port "$1" \
			--priority "NORMAL:-VERS-ALL:+VERS-TLS$v" \
			--x509cafile "$MTA_CAFILE" localhost >"$T/gcv.out" 2>&1
		grep -q '^- Description: ' "$T/gcv.out" && st=accepted
		line="$line${line:+, }TLS$v $st"
	done
	assert_grep "^tls versions: +$line \\(probe" "$T/out"
}

# verdict_matches_rc: the verdict line and the exit status agree.
verdict_matches_rc() {
	local v
	v=$(sed -n 's/^verdict: *//p' "$T/out")
	case $v:$RC in
	ok:0 | warn:1) ;;
	*) fail "$MTA_NAME: verdict '$v' with exit status $RC" ;;
	esac
}

# probe_port PORT MODE(starttls|implicit)
probe_port() {
	local port=$1 mode=$2
	tlsmail_run --probe "localhost:$port" --tls="$mode" \
		--cafile "$MTA_CAFILE"
	cp "$T/out" "$T/probe-$MTA_NAME-$mode.txt"	# for TEST_KEEP=1
	verdict_matches_rc
	assert_grep '^verified: +yes' "$T/out"
	assert_grep '^chain: +[0-9]+ certificates?, complete, in order$' \
		"$T/out"
	assert_grep '^tls versions: .*TLS1.2 accepted' "$T/out"
	assert_no_grep '^  fail ' "$T/out"
	if [ "$mode" = starttls ]; then
		assert_grep '^starttls: +offered, accepted$' "$T/out"
		gnutls_cli_facts "$port" 1
	else
		assert_grep '^starttls: +not used \(implicit TLS\)$' "$T/out"
		gnutls_cli_facts "$port" 0
	fi
	compare
	versions "$port" "$([ "$mode" = starttls ] && echo 1 || echo 0)"
	tlsmail_run --probe "localhost:$port" --tls="$mode" \
		--cafile "$MTA_CAFILE" --json
	python3 "$srcdir/jsoncheck.py" probe "$T/out" \
		"sessions/0/tls/verified=true" "sessions/0/port=$port" \
		>"$T/check.out" 2>&1 ||
		fail "$MTA_NAME: JSON: $(head -c 2000 "$T/check.out")"
}

for name in exim postfix opensmtpd; do
	mta_start "$name"
	probe_port "$MTA_SUBMISSION_PORT" starttls
	probe_port "$MTA_SMTPS_PORT" implicit
	mta_stop
done
exit 0
