#!/bin/bash
# SCRAM-SHA-256 (RFC 5802, RFC 7677) against real servers that offer it:
# Exim (its cyrus_sasl authenticator) and Postfix
# (Cyrus SASL with a sasldb): the automatic choice picks SCRAM over PLAIN
# and LOGIN, the message arrives, and a wrong password is refused (77).
. "${srcdir:-$(dirname "$0")}/lib.sh"
. "$srcdir/mta.sh"

for name in exim postfix; do
	mta_start "$name"
	[ "$MTA_SCRAM" = 1 ] || fail "$name does not offer SCRAM-SHA-256"
	mta_sample "$name-scram" >"$T/$name.eml"
	# the automatic choice: the strongest both sides offer
	mta_send starttls "$MTA_PASSWORD_FILE" -f alice@example.org \
		bob@example.org <"$T/$name.eml"
	assert_rc 0
	assert_grep '^auth: +SCRAM-SHA-256$' "$T/err"
	f=$(mta_wait_message 1)
	mta_body "$f" | cmp -s - <(tr -d '\r' <"$T/$name.eml") ||
		fail "$name: the delivered message differs from the one sent"
	echo "$name SCRAM-SHA-256 (automatic): delivered"
	# named explicitly, over implicit TLS
	mta_send implicit "$MTA_PASSWORD_FILE" --auth=scram-sha-256 \
		-f alice@example.org bob@example.org <"$T/$name.eml"
	assert_rc 0
	assert_grep '^auth: +SCRAM-SHA-256$' "$T/err"
	echo "$name SCRAM-SHA-256 (implicit TLS): sent"
	(umask 077 && printf 'not-the-password\n' >"$T/wrong")
	mta_send starttls "$T/wrong" --auth=scram-sha-256 \
		-f alice@example.org bob@example.org <"$T/$name.eml"
	assert_rc 77
	assert_grep '^tlsmail: AUTH: ' "$T/err"
	echo "$name SCRAM-SHA-256 wrong password: exit 77"
	mta_stop
done
exit 0
