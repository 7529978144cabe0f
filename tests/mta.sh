# mta.sh: real MTAs from Debian 12's packages for end-to-end tests (bash).
# Source it after lib.sh:
#
#	. "${srcdir:-$(dirname "$0")}/lib.sh"
#	. "$srcdir/mta.sh"
#	mta_start postfix		# or exim, opensmtpd
#	tlsmail_run --host 127.0.0.1 --port "$MTA_SUBMISSION_PORT" \
#		--cafile "$MTA_CAFILE" --user "$MTA_USER" \
#		--password-file "$MTA_PASSWORD_FILE" \
#		-f alice@example.org bob@example.org <"$T/mail"
#	assert_rc 0
#	f=$(mta_wait_message 1)		# the delivered file
#	mta_body "$f" >"$T/got"		# without the server's trace fields
#	assert_same "$T/mail" "$T/got"
#
# mta_start NAME starts one server, on 127.0.0.1 only, with:
#	MTA_SUBMISSION_PORT	STARTTLS required (RFC 3207), AUTH after TLS
#	MTA_SMTPS_PORT		implicit TLS (RFC 8314), AUTH
#	MTA_CAFILE		the CA of its certificate (good.pem from
#				certs_dir: localhost, 127.0.0.1, ::1)
#	MTA_USER, MTA_PASSWORD	alice / s3cret; AUTH PLAIN and LOGIN, only
#	MTA_PASSWORD_FILE	over TLS; the password in a mode 600 file
#	MTA_REJECT		a recipient refused at RCPT with 550
#	MTA_MAILDIR		where every other accepted message is
#				delivered, whatever its recipients
#	MTA_SCRAM		1 when it offers SCRAM-SHA-256 (RFC 7677),
#				else 0
#	MTA_LOG			its log; shown by fail() (lib_dump)
#	MTA_NAME, MTA_DIR, MTA_PID
# Ports are free ephemeral ones, probed at start; if the server cannot
# have them it is started again on others.  Its PID is added to MTA_PIDS,
# which lib.sh's cleanup stops; mta_stop stops it earlier.  One server at
# a time per test script; any number of scripts may run at once.
#
# Delivery is asynchronous: mta_wait_message N waits for N messages and
# prints the paths of all delivered so far (mta_messages prints them
# without waiting); mta_body FILE strips the server's trace fields.
#
# Where the servers come from: tests/mta-deps.sh, run as root by deps.sh,
# unpacks each package with dpkg -x into $MTA_ROOT/<package> (default
# /var/cache/tlsmail-test) and installs the libraries and system users
# they need.  They run from there, as root (they drop privileges to their
# own users), with every file they write under $T.  Without root, or
# without what mta-deps.sh installs, a test skips (exit 77) naming what
# is missing; in CI (CI=true) that is a hard error (exit 99) instead,
# since CI installs everything and must skip nothing.
#
# Per server:
# - Exim 4.96 (exim4-daemon-heavy): -C with its own configuration.  Given
#   a configuration file that is not listed in /etc/exim4/trusted_configs,
#   Exim run by root gives up root for its own user for good, which suits
#   a test server (high ports, one delivery user), so that list is not
#   touched.  PLAIN and LOGIN are Exim's plaintext authenticators; SCRAM-
#   SHA-256 comes from Cyrus SASL with a sasldb, its configuration found
#   through SASL_CONF_PATH.
# - Postfix 3.7: its own config_directory (postfix -c), queue and data
#   directories; master in the foreground.  Debian's Postfix reads the
#   Cyrus configuration from $config_directory/sasl whatever
#   cyrus_sasl_config_path says, so smtpd.conf and the sasldb live there.
#   Its binaries find their own libraries through LD_LIBRARY_PATH, passed
#   on by import_environment.
# - OpenSMTPD 6.8.0p2: its spool (/var/spool/smtpd), chroot
#   (/var/lib/opensmtpd/empty), control socket (/run/smtpd.sock) and
#   delivery helpers (/usr/libexec/opensmtpd) are compiled in.  It runs
#   in a private mount namespace (unshare -m) in which directories under
#   $T are bind-mounted over /var/spool, /var/lib and /run, and the
#   package's /usr/libexec over /usr/libexec: the host's are untouched and
#   two instances can run at once.
#   Under OpenSSL 3 every TLS handshake of this version fails (upstream
#   issues 1171 and 1239): its unprivileged process holds only the
#   public key, taken from the certificate with X509_get_pubkey(), and
#   relies on an RSA/ECDSA engine method that forwards private-key
#   operations to the process that holds the key.  OpenSSL 3 decodes that
#   public key into a provider key, which ignores engine methods, so
#   signing fails with "elliptic curve routines::missing private key"
#   (RSA: "rsa routines::missing private key") and the client gets an
#   "internal error" alert.  OpenSSL 3 still decodes a public key the
#   legacy way when an engine is registered for that key type's
#   EVP_PKEY methods; an OPENSSL_CONF in the daemon's environment that
#   loads Debian's PKCS#11 engine (libengine-pkcs11-openssl) with
#   default_algorithms = PKEY_CRYPTO does that, and the engine falls back
#   to OpenSSL's own methods for keys that are not its own.  The daemon's
#   handshake then runs with OpenSMTPD's privilege-separated signing, as
#   designed: the TLS endpoint is OpenSMTPD itself.

MTA_ROOT=${TLSMAIL_MTA_ROOT:-/var/cache/tlsmail-test}
MTA_PIDS=${MTA_PIDS:-}
# saslpasswd2, useradd and friends live in sbin
PATH=$PATH:/usr/sbin:/sbin
MTA_PID=
MTA_LOG=

# mta_skip MESSAGE: skip by hand, hard error in CI.
mta_skip() {
	if [ "${CI:-}" = true ]; then
		echo "ERROR: $* (CI installs this: tests/deps.sh)" >&2
		exit 99
	fi
	skip "$*; as root run tests/mta-deps.sh"
}

# mta_bin NAME: the daemon binary of NAME in its unpacked tree.
mta_bin() {
	case $1 in
	exim) printf '%s\n' "$MTA_ROOT/exim4-daemon-heavy/usr/sbin/exim4" ;;
	postfix) printf '%s\n' "$MTA_ROOT/postfix/usr/lib/postfix/sbin/master" ;;
	opensmtpd) printf '%s\n' "$MTA_ROOT/opensmtpd/usr/sbin/smtpd" ;;
	*) fail "mta: unknown server '$1' (exim, postfix or opensmtpd)" ;;
	esac
}

# mta_need NAME: skips unless everything NAME needs is here.
mta_need() {
	local bin u c lib
	bin=$(mta_bin "$1")
	[ "$(id -u)" = 0 ] || mta_skip "mta: $1 is started as root"
	[ -x "$bin" ] || mta_skip "mta: $bin is missing"
	case $1 in
	exim) u="Debian-exim" c="saslpasswd2" ;;
	postfix) u="postfix" c="saslpasswd2" ;;
	opensmtpd) u="opensmtpd opensmtpq nobody" c="unshare mount" ;;
	esac
	for u in $u; do
		getent passwd "$u" >/dev/null || mta_skip "mta: no user $u"
	done
	for c in $c python3 ss certtool; do
		command -v "$c" >/dev/null 2>&1 || mta_skip "mta: no $c"
	done
	lib=$(LD_LIBRARY_PATH=$MTA_ROOT/postfix/usr/lib/postfix ldd "$bin" |
		sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' |
		tr '\n' ' ')
	[ -z "$lib" ] || mta_skip "mta: $bin needs $lib"
	if [ "$1" = opensmtpd ]; then
		[ -n "$(mta_pkcs11_engine)" ] ||
			mta_skip "mta: no PKCS#11 engine (libengine-pkcs11-openssl)"
	fi
}

mta_pkcs11_engine() {
	dpkg -L libengine-pkcs11-openssl 2>/dev/null |
		grep -m1 '/engines-3/pkcs11\.so$'
}

# mta_ports N: N distinct free TCP ports on 127.0.0.1, held open together
# while the kernel picks them.
mta_ports() {
	python3 -c '
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))' "$1"
}

# mta_listening: true once MTA_PID listens on both ports (10 s, or
# MTA_START_TIMEOUT); false as soon as it has died.
mta_listening() {
	local limit=${MTA_START_TIMEOUT:-10} _ p up
	for _ in $(seq $((limit * 20))); do
		kill -0 "$MTA_PID" 2>/dev/null || return 1
		up=0
		for p in "$MTA_SUBMISSION_PORT" "$MTA_SMTPS_PORT"; do
			[ -n "$(ss -Hltn "sport = :$p")" ] && up=$((up + 1))
		done
		[ "$up" = 2 ] && return 0
		sleep 0.05
	done
	return 1
}

# mta_start NAME: starts exim, postfix or opensmtpd; see the top.
mta_start() {
	local name=$1 try
	[ -z "$MTA_PID" ] || fail "mta: a server is running already"
	mta_need "$name"
	certs_dir >/dev/null
	# the servers' own users reach their directories under $T
	chmod 711 "$T" || fail "chmod $T failed"
	MTA_NAME=$name
	MTA_DIR=$T/mta-$name
	MTA_MAILDIR=$MTA_DIR/maildir
	MTA_CAFILE=$CERTS/ca.pem
	MTA_USER=alice
	MTA_PASSWORD=s3cret
	MTA_REJECT=nobody@example.org
	MTA_SCRAM=0
	MTA_PASSWORD_FILE=$T/mta-password
	(umask 077 && printf '%s\n' "$MTA_PASSWORD" >"$MTA_PASSWORD_FILE") ||
		fail "cannot write $MTA_PASSWORD_FILE"
	for try in 1 2 3; do
		rm -rf "$MTA_DIR"
		mkdir -p "$MTA_DIR" || fail "cannot create $MTA_DIR"
		# shellcheck disable=SC2046 # two port numbers
		set -- $(mta_ports 2)
		MTA_SUBMISSION_PORT=$1
		MTA_SMTPS_PORT=$2
		"mta_start_$name"
		mta_listening && return 0
		echo "note: $name did not start (try $try)" >&2
		[ -s "$MTA_LOG" ] && tail -n 5 "$MTA_LOG" >&2
		mta_stop
	done
	fail "mta: $name did not start on 127.0.0.1"
}

# mta_spawn CMD...: runs the server in the background; sets MTA_PID.
mta_spawn() {
	"$@" >>"$MTA_DIR/stderr" 2>&1 &
	MTA_PID=$!
	MTA_PIDS="$MTA_PIDS $MTA_PID"
}

# mta_stop: stops the server (SIGTERM, then SIGKILL after 5 s).
mta_stop() {
	local _ p rest=
	[ -n "$MTA_PID" ] || return 0
	kill -TERM "$MTA_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$MTA_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$MTA_PID" 2>/dev/null
	wait "$MTA_PID" 2>/dev/null
	for p in $MTA_PIDS; do
		[ "$p" = "$MTA_PID" ] || rest="$rest $p"
	done
	MTA_PIDS=$rest
	MTA_PID=
}

# mta_maildir OWNER: an empty maildir at MTA_MAILDIR (new, cur, tmp).
mta_maildir() {
	mkdir -p "$MTA_MAILDIR/new" "$MTA_MAILDIR/cur" "$MTA_MAILDIR/tmp" &&
		chown -R "$1" "$MTA_MAILDIR" || fail "cannot make $MTA_MAILDIR"
}

# mta_sasldb FILE OWNER: the Cyrus sasldb with alice in realm localhost.
mta_sasldb() {
	printf '%s' "$MTA_PASSWORD" |
		saslpasswd2 -p -c -f "$1" -u localhost "$MTA_USER" ||
		fail "saslpasswd2 failed"
	chown "$2" "$1" && chmod 600 "$1" || fail "cannot chown $1"
}

mta_start_exim() {
	local d=$MTA_DIR bin
	bin=$(mta_bin exim)
	mkdir -p "$d/spool" "$d/log" "$d/sasl" || fail "mkdir failed"
	cp "$CERTS/good.pem" "$CERTS/good.key" "$d/" || fail "cp failed"
	chown Debian-exim: "$d/spool" "$d/log" "$d/good.pem" "$d/good.key" ||
		fail "chown failed"
	mta_maildir Debian-exim:
	mta_sasldb "$d/sasl/sasldb2" Debian-exim:
	# Cyrus SASL reads <application>.conf; Exim's application is "exim"
	cat >"$d/sasl/exim.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $d/sasl/sasldb2
mech_list: SCRAM-SHA-256
EOF
	MTA_LOG=$d/log/mainlog
	cat >"$d/exim.conf" <<EOF
exim_path = $bin
exim_user = Debian-exim
exim_group = Debian-exim
primary_hostname = localhost
qualify_domain = example.org
domainlist local_domains = *
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = $MTA_SUBMISSION_PORT : $MTA_SMTPS_PORT
tls_on_connect_ports = $MTA_SMTPS_PORT
tls_advertise_hosts = *
tls_certificate = $d/good.pem
tls_privatekey = $d/good.key
# RFC 4954 s4: no AUTH before TLS
auth_advertise_hosts = \${if def:tls_in_cipher {*}{}}
host_lookup =
rfc1413_hosts =
keep_environment = SASL_CONF_PATH
acl_smtp_rcpt = acl_rcpt

begin acl
acl_rcpt:
  deny    recipients = $MTA_REJECT
          message = 5.1.1 no such user
  accept  authenticated = *
  deny    message = 5.7.0 authentication required

begin routers
all:
  driver = accept
  transport = maildir

begin transports
maildir:
  driver = appendfile
  directory = $MTA_MAILDIR
  maildir_format
  user = Debian-exim
  return_path_add

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{\$auth2}{$MTA_USER}}{eq{\$auth3}{$MTA_PASSWORD}}}}
  server_set_id = \$auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and {{eq{\$auth1}{$MTA_USER}}{eq{\$auth2}{$MTA_PASSWORD}}}}
  server_set_id = \$auth1
scram:
  driver = cyrus_sasl
  public_name = SCRAM-SHA-256
  server_mech = SCRAM-SHA-256
  server_hostname = localhost
  server_realm = localhost
  server_set_id = \$auth1
EOF
	MTA_SCRAM=1
	# -bdf: the daemon in the foreground, so that $! is its PID
	SASL_CONF_PATH=$d/sasl mta_spawn "$bin" -C "$d/exim.conf" -bdf
}

mta_start_postfix() {
	local d=$MTA_DIR x=$MTA_ROOT/postfix uid gid
	uid=$(id -u postfix) gid=$(id -g postfix)
	mkdir -p "$d/etc/sasl" "$d/queue" "$d/data" || fail "mkdir failed"
	chown postfix: "$d/data" || fail "chown failed"
	cp "$CERTS/good.pem" "$CERTS/good.key" "$d/etc/" || fail "cp failed"
	mta_maildir postfix:
	mta_sasldb "$d/etc/sasl/sasldb2" postfix:
	cat >"$d/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $d/etc/sasl/sasldb2
mech_list: PLAIN LOGIN SCRAM-SHA-256
EOF
	MTA_LOG=$d/maillog
	# Every domain is a virtual mailbox domain with one catch-all maildir
	# (virtual_mailbox_base + "maildir/" = MTA_MAILDIR); headers are left
	# as the client sent them (local_header_rewrite_clients empty).
	cat >"$d/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
daemon_directory = $x/usr/lib/postfix/sbin
command_directory = $x/usr/sbin
shlib_directory = $x/usr/lib/postfix
meta_directory = $x/etc/postfix
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH
mail_owner = postfix
setgid_group = postdrop
maillog_file = $MTA_LOG
maillog_file_prefixes = $d
myhostname = localhost
mydomain = example.org
myorigin = example.org
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
local_header_rewrite_clients =
alias_maps =
alias_database =
biff = no
virtual_mailbox_domains = static:all
virtual_mailbox_base = $d
virtual_mailbox_maps = static:maildir/
virtual_minimum_uid = $uid
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
smtpd_tls_chain_files = $d/etc/good.key, $d/etc/good.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $d/etc/sasl
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions =
smtpd_recipient_restrictions =
  check_recipient_access inline:{ { $MTA_REJECT = 550 5.1.1 no such user } },
  permit_sasl_authenticated, reject
EOF
	# No service runs chrooted: nothing to copy into a jail.
	cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$MTA_SUBMISSION_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
127.0.0.1:$MTA_SMTPS_PORT inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
virtual   unix  - n n -    - virtual
lmtp      unix  - - n -    - lmtp
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	MTA_SCRAM=1
	# "postfix check" makes the queue directories with their owners;
	# master -s stays in the foreground.
	LD_LIBRARY_PATH=$x/usr/lib/postfix "$x/usr/sbin/postfix" \
		-c "$d/etc" check >>"$d/stderr" 2>&1 ||
		fail "postfix check failed: $(tail -n 5 "$MTA_LOG" 2>/dev/null)"
	LD_LIBRARY_PATH=$x/usr/lib/postfix \
		mta_spawn "$x/usr/lib/postfix/sbin/master" -c "$d/etc" -s
}

mta_start_opensmtpd() {
	local d=$MTA_DIR x=$MTA_ROOT/opensmtpd engine
	engine=$(mta_pkcs11_engine)
	mkdir -p "$d/etc" "$d/var-spool/smtpd" "$d/var-lib/opensmtpd/empty" \
		"$d/run" || fail "mkdir failed"
	# smtpd insists on these modes for its spool and chroot
	chmod 755 "$d/var-spool" "$d/var-lib" "$d/var-lib/opensmtpd" \
		"$d/var-lib/opensmtpd/empty" && chmod 711 "$d/var-spool/smtpd" ||
		fail "chmod failed"
	cp "$CERTS/good.pem" "$CERTS/good.key" "$d/etc/" || fail "cp failed"
	mta_maildir nobody
	printf '%s %s\n' "$MTA_USER" \
		"$("$x/usr/libexec/opensmtpd/encrypt" "$MTA_PASSWORD")" \
		>"$d/etc/creds" || fail "encrypt failed"
	chmod 640 "$d/etc/creds"
	# every recipient maps to the system user nobody, who delivers
	printf '@ nobody\n' >"$d/etc/vusers"
	cat >"$d/etc/openssl.cnf" <<EOF
# See mta.sh: an engine registered for PKEY methods makes OpenSSL 3
# decode certificate keys the legacy way, which OpenSMTPD 6.8 needs.
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
default_algorithms = PKEY_CRYPTO
init = 1
EOF
	MTA_LOG=$d/stderr
	cat >"$d/etc/smtpd.conf" <<EOF
table creds file:$d/etc/creds
table vusers file:$d/etc/vusers
pki localhost cert "$d/etc/good.pem"
pki localhost key "$d/etc/good.key"
listen on 127.0.0.1 port $MTA_SUBMISSION_PORT tls-require pki localhost auth <creds> hostname localhost
listen on 127.0.0.1 port $MTA_SMTPS_PORT smtps pki localhost auth <creds> hostname localhost
action "deliver" maildir "$MTA_MAILDIR" virtual <vusers> user nobody
match from auth for rcpt-to "$MTA_REJECT" reject
match from auth for any action "deliver"
EOF
	"$x/usr/sbin/smtpd" -n -f "$d/etc/smtpd.conf" >>"$d/stderr" 2>&1 ||
		fail "smtpd -n: $(tail -n 5 "$d/stderr")"
	# unshare and sh exec: the PID is smtpd's own; -d keeps it in the
	# foreground, logging to stderr
	# shellcheck disable=SC2016 # $1 and $2 are the inner sh's
	OPENSSL_CONF=$d/etc/openssl.cnf mta_spawn unshare -m sh -c '
		mount --bind "$1/var-spool" /var/spool &&
		mount --bind "$1/var-lib" /var/lib &&
		mount --bind "$1/run" /run &&
		mount --bind "$2/usr/libexec" /usr/libexec &&
		exec "$2/usr/sbin/smtpd" -d -f "$1/etc/smtpd.conf"' sh "$d" "$x"
}

# mta_messages: the delivered files, oldest first.
mta_messages() {
	find "$MTA_MAILDIR/new" "$MTA_MAILDIR/cur" -type f -printf '%T@ %p\n' \
		2>/dev/null | sort -n | cut -d' ' -f2-
}

# mta_wait_message N [SECONDS]: waits (default 20 s) until N messages
# have been delivered and prints the paths of all delivered so far,
# oldest first; fails if fewer arrive in time.
mta_wait_message() {
	local n=$1 limit=${2:-20} _ files count=0
	for _ in $(seq $((limit * 20))); do
		files=$(mta_messages)
		count=$(printf '%s' "$files" | grep -c .)
		[ "$count" -ge "$n" ] && break
		sleep 0.05
	done
	[ "$count" -ge "$n" ] ||
		fail "$count of $n messages delivered to $MTA_MAILDIR in ${limit}s"
	printf '%s\n' "$files"
}

# mta_body FILE: FILE without the trace fields the server put on top
# (Return-Path, Received, Delivered-To, X-Original-To, each with its
# continuation lines): what the client sent, with LF line ends.
mta_body() {
	local skip
	skip=$(LC_ALL=C awk '
		/^[ \t]/ && trace { n += length($0) + 1; next }
		tolower($0) ~ /^(return-path|received|delivered-to|x-original-to):/ {
			trace = 1; n += length($0) + 1; next
		}
		{ exit }
		END { print n + 0 }' "$1")
	tail -c +$((skip + 1)) "$1"
}

# The caller-independent matrix that t-mta-<name>.sh run against each
# server: {STARTTLS, implicit TLS} x {PLAIN, LOGIN} x {delivered byte for
# byte, wrong password, refused recipient}, with --report.  One line per
# case on stdout (the test's .log).

# mta_sample ID: a message whose body exercises transparency (RFC 5321
# 4.5.2: leading dots and a lone dot), a "From " line, trailing white
# space, a tab, 8-bit UTF-8 (RFC 6152) and a 900-octet line.
mta_sample() {
	printf 'From: Alice <alice@example.org>\n'
	printf 'To: Bob <bob@example.org>\n'
	printf 'Subject: end to end, %s\n' "$1"
	printf 'Date: Mon, 30 Nov 2026 10:00:00 +0000\n'
	printf 'Message-ID: <%s@tlsmail.test>\n' "$1"
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf '.leading dot\n.\n..two dots\nFrom the start of a line\n'
	printf 'trailing spaces   \n\ttab first\nGr\303\274\303\237e\n\n'
	printf '%0900d\n' 0
	printf 'last line\n'
}

# mta_send starttls|implicit PASSWORD_FILE ARGS...: tlsmail to the server
# as alice, with --report.
mta_send() {
	local mode=$1 pw=$2
	shift 2
	if [ "$mode" = implicit ]; then
		set -- --port "$MTA_SMTPS_PORT" --tls=implicit "$@"
	else
		set -- --port "$MTA_SUBMISSION_PORT" --tls=starttls "$@"
	fi
	tlsmail_run --host 127.0.0.1 "$@" --cafile "$MTA_CAFILE" \
		--user "$MTA_USER" --password-file "$pw" --report
}

# mta_case MODE MECH: the three cases of one cell.
mta_case() {
	local mode=$1 mech=$2 id=$MTA_NAME-$1-$2 wrong=$T/mta-wrong
	local MECH
	MECH=$(printf '%s' "$mech" | tr '[:lower:]' '[:upper:]')
	mta_sample "$id" >"$T/$id.eml"
	mta_send "$mode" "$MTA_PASSWORD_FILE" --auth="$mech" \
		-f alice@example.org bob@example.org <"$T/$id.eml"
	assert_rc 0
	assert_grep '^tls: +TLS1\.[23], ' "$T/err"
	assert_grep '^verified: +yes ' "$T/err"
	assert_grep "^auth: +$MECH\$" "$T/err"
	assert_grep '^recipients: +bob@example\.org: 250' "$T/err"
	if [ "$mode" = starttls ]; then
		# RFC 4954 s4: the server offers AUTH only after TLS
		assert_grep '^ehlo: .*STARTTLS' "$T/err"
		assert_no_grep '^ehlo: .*AUTH' "$T/err"
	fi
	if [ "$MTA_SCRAM" = 1 ]; then
		assert_grep '^ehlo \(tls\): .*AUTH [^,]*SCRAM-SHA-256' "$T/err"
	else
		assert_no_grep 'SCRAM' "$T/err"
	fi
	echo "$MTA_NAME $mode $MECH: sent, verified: yes"

	(umask 077 && printf 'not-the-password\n' >"$wrong")
	mta_send "$mode" "$wrong" --auth="$mech" \
		-f alice@example.org bob@example.org <"$T/$id.eml"
	assert_rc 77
	assert_grep '^tlsmail: AUTH: .*535' "$T/err"
	echo "$MTA_NAME $mode $MECH: wrong password: exit 77"

	mta_send "$mode" "$MTA_PASSWORD_FILE" --auth="$mech" \
		-f alice@example.org "$MTA_REJECT" <"$T/$id.eml"
	assert_rc 65
	assert_grep "^tlsmail: RCPT: .*<$MTA_REJECT>: 550 " "$T/err"
	echo "$MTA_NAME $mode $MECH: refused recipient: exit 65"
}

# mta_matrix: every cell against the running server, then the four
# delivered messages compared with what was sent, and nothing else
# delivered.
mta_matrix() {
	local mode mech f id ids=" "
	for mode in starttls implicit; do
		for mech in plain login; do
			mta_case "$mode" "$mech"
		done
	done
	for f in $(mta_wait_message 4); do
		id=$(sed -n 's/^Message-ID: <\(.*\)@tlsmail\.test>$/\1/p' "$f")
		[ -n "$id" ] && [ -f "$T/$id.eml" ] ||
			fail "$f is none of the messages sent"
		case $ids in
		*" $id "*) fail "$id was delivered twice" ;;
		esac
		ids="$ids$id "
		# the server's own trace field says it saw TLS and AUTH
		grep -qi '^[[:space:]]*by localhost .*with esmtpsa' "$f" ||
			fail "$f: no 'with ESMTPSA' in its Received field"
		mta_body "$f" >"$T/$id.got"
		assert_same "$T/$id.eml" "$T/$id.got"
		echo "$id: delivered byte for byte"
	done
	# refused messages are never queued; a late delivery would show here
	sleep 1
	[ "$(mta_messages | grep -c .)" = 4 ] ||
		fail "more than 4 messages were delivered: $(mta_messages)"
}
