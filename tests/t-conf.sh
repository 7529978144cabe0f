#!/bin/bash
# Sending with only a configuration file: the server, TLS trust, the
# account's credentials and sender all come from it; account selection
# by -a and by the -f sender's match with a "from" wildcard; the log line;
# tls_host_override; --pretend with the secret masked and nothing sent;
# errors that name file:line; a file with a password that others can read
# refused with 78.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
# No user or system file of the machine's may leak in: HOME is $T.
export HOME=$T XDG_CONFIG_HOME=$T/xdg
unset TLSMAIL_PW

tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN LOGIN
auth alice s3cret
auth bob b0bpass" -n 3

cat >"$T/rc" <<EOF
# tlsmail test configuration, msmtp syntax
defaults
tls_trust_file $CERTS/ca.pem
logfile $T/log

account work
host localhost
port $TSRV_PORT
user alice
password "s3cret"
from alice@example.org

account other : work
user bob
passwordeval printf '%s\\n' b0bpass
from *@other.example

account default : work
port 1
EOF
chmod 600 "$T/rc"
printf "$HDR_FULL"'Subject: conf\n\nbody\n' >"$T/mail"
printf "$HDR_FULL_WIRE"'Subject: conf\r\n\r\nbody\r\n' >"$T/expected"

# 1. -a picks the account: server, port, trust, user, password, sender.
tlsmail_run -C "$T/rc" -a work bob@example.net <"$T/mail"
assert_rc 0
[ -s "$T/err" ] && fail "stderr is not empty"
for _ in $(seq 100); do [ -f "$(tsrv_msg 1)" ] && break; sleep 0.05; done
assert_same "$T/expected" "$(tsrv_msg 1)"
assert_fgrep 'AUTH ok alice PLAIN' "$TSRV_LOG"
assert_fgrep 'MAIL FROM:<alice@example.org>' "$TSRV_LOG"

# 2. The sender picks the account by its "from" wildcard (case ignored);
#    the wildcard is no sender, -f is.
tlsmail_run -C "$T/rc" -f Carol@OTHER.example bob@example.net <"$T/mail"
assert_rc 0
assert_fgrep 'AUTH ok bob PLAIN' "$TSRV_LOG"
assert_fgrep 'MAIL FROM:<Carol@OTHER.example>' "$TSRV_LOG"

# 3. The command line wins: -a other, with alice's password source.
TLSMAIL_PW=s3cret tlsmail_run -C "$T/rc" -a other --user alice \
	--password-env TLSMAIL_PW -f a@example.org bob@example.net <"$T/mail"
assert_rc 0
tsrv_wait
[ "$(grep -c '^AUTH ok' "$TSRV_LOG")" = 3 ] || fail "expected 3 logins"
[ "$(grep -c '^AUTH ok alice' "$TSRV_LOG")" = 2 ] || fail "expected alice"

# The log: one line per message, everything but a secret.
[ "$(wc -l <"$T/log")" = 3 ] || fail "expected 3 log lines: $(cat "$T/log")"
assert_grep '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[-+][0-9]{4} account=work host=localhost tls=TLS1\.[23]/TLS_[A-Z0-9_]+ auth=PLAIN from=alice@example\.org recipients=bob@example\.net size='"$(stat -c %s "$T/expected")"' reply="250 2\.0\.0 Ok: queued as TSRV1" exitcode=EX_OK$' "$T/log"
assert_fgrep 'account=other host=localhost' "$T/log"
assert_no_grep 's3cret|b0bpass|AGFsaWNl' "$T/log"

# 4. No -a, no -f: "account default" (port 1: nothing listens) fails to
#    connect, exit 75, and the failure is logged.
tlsmail_run -C "$T/rc" --timeout 5 bob@example.net <"$T/mail"
assert_rc 75
assert_fgrep 'account=default host=localhost tls=none auth=- ' "$T/log"
assert_fgrep 'exitcode=EX_TEMPFAIL' "$T/log"

# 5. --pretend: the settings, the password masked, nothing read or sent.
tlsmail_run -C "$T/rc" -a work --pretend bob@example.net </dev/null
assert_rc 0
assert_grep "^account: +work \\($T/rc\\)$" "$T/out"
assert_grep "^host: +localhost$" "$T/out"
assert_grep "^port: +$TSRV_PORT$" "$T/out"
assert_grep '^tls: +starttls$' "$T/out"
assert_grep "^trust: +$CERTS/ca.pem$" "$T/out"
assert_grep '^user: +alice$' "$T/out"
assert_grep '^password: +\*+ \(in the configuration\)$' "$T/out"
assert_grep '^from: +alice@example.org$' "$T/out"
assert_grep "^log file: +$T/log$" "$T/out"
assert_no_grep 's3cret' "$T/out"
tlsmail_run -C "$T/rc" -a other --pretend r@example.net </dev/null
assert_rc 0
assert_fgrep "output of command printf '%s\\n' b0bpass" "$T/out"
[ "$(wc -l <"$T/log")" = 4 ] || fail "--pretend wrote a log line"

# 6. A password in a file others can read: 78, the file and the fix named.
chmod 644 "$T/rc"
tlsmail_run -C "$T/rc" bob@example.net <"$T/mail"
assert_rc 78
assert_fgrep "$T/rc:10: a password in a file that others can read or change; run: chmod 600 $T/rc" "$T/err"
chmod 600 "$T/rc"

# 7. Errors name file:line; a control character in a value is refused.
printf 'account a\nhost localhost\nhots x\n' >"$T/bad"
tlsmail_run -C "$T/bad" -a a r@example.net <"$T/mail"
assert_rc 78
assert_fgrep "$T/bad:3: unknown key \"hots\"" "$T/err"
printf 'host localhost\nfrom a@example.org\rRCPT TO:<x@evil.example>\n' \
	>"$T/bad"
tlsmail_run -C "$T/bad" r@example.net <"$T/mail"
assert_rc 78
assert_fgrep "$T/bad:2: a control character (\\x0d)" "$T/err"
tlsmail_run -C "$T/nonexistent" r@example.net <"$T/mail"
assert_rc 66

# 8. TLS is on unless "tls off"; AUTH over it needs a second opt-in.
printf 'host localhost\ntls off\nuser u\npassword p\n' >"$T/clear"
chmod 600 "$T/clear"
tlsmail_run -C "$T/clear" r@example.net <"$T/mail"
assert_rc 64
assert_fgrep 'would send the password in clear' "$T/err"

# 9. tls_host_override: the certificate is checked against that name,
#    and it is the SNI, while the connection goes to 127.0.0.1.
tsrv_start "cert @CERTS@/wronghost.pem
key @CERTS@/wronghost.key
ehlo STARTTLS" -n 2
printf 'host 127.0.0.1\nport %s\ntls_trust_file %s\n' "$TSRV_PORT" \
	"$CERTS/ca.pem" >"$T/over"
tlsmail_run -C "$T/over" -f a@example.org r@example.net <"$T/mail"
assert_rc 69
printf 'tls_host_override wrong.example\n' >>"$T/over"
tlsmail_run -C "$T/over" -f a@example.org r@example.net <"$T/mail"
assert_rc 0
tsrv_wait
assert_fgrep 'SNI wrong.example' "$TSRV_LOG"

# 10. The user file is found without -C: ~/.tlsmailrc, then
#     $XDG_CONFIG_HOME/tlsmail/config, which wins when it exists.
printf 'host localhost\nport 1\n' >"$HOME/.tlsmailrc"
tlsmail_run --pretend r@example.net </dev/null
assert_grep '^port: +1$' "$T/out"
mkdir -p "$XDG_CONFIG_HOME/tlsmail"
printf 'host localhost\nport 2\n' >"$XDG_CONFIG_HOME/tlsmail/config"
tlsmail_run --pretend r@example.net </dev/null
assert_grep '^port: +2$' "$T/out"
# --host alone is the command line alone: no file is read.
tlsmail_run --host h.example --pretend r@example.net </dev/null
assert_grep '^port: +587$' "$T/out"
assert_grep '^account: +- \(no account chosen\)$' "$T/out"
exit 0
