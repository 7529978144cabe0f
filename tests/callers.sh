# callers.sh: the programs that run /usr/sbin/sendmail, each with its own
# argv, for t-sendmail.sh (against tsrv) and t-sendmail-mta.sh (against
# real MTAs).  Source it after lib.sh, then:
#
#	callers_init			# $SENDMAIL, $CONF, HOME, XDG_CONFIG_HOME
#	write $CONF			# the one configuration file
#	caller_have NAME || ...		# is the program installed?
#	caller_run NAME SUBJECT BODY EXPECT
#
# caller_run sends a message with that Subject to "root" through NAME and
# writes to EXPECT the body (LF line ends) it must arrive with.  NAME is
# one of:
#	cron-debian	sendmail -FCronDaemon -i -B8BITMIME -oem root
#	cron-vixie	sendmail -FCronDaemon -odi -oem -oi -t
#	bsd-mailx	mail -s SUBJECT root: sendmail -i -t ($MAILRC)
#	s-nail		s-nail -s SUBJECT root: sendmail -i -C CONF -- root
#			(mta-arguments adds -C)
#	git		git send-email --sendmail-cmd='sendmail -C CONF':
#			sendmail -C CONF -i root
#	php		mail() with sendmail_path='sendmail -C CONF -t -i'
#	python		subprocess.run(["sendmail", "-oi", "-t"]) via $PATH
# The configuration is found with -C where the caller lets us add
# arguments, and as $XDG_CONFIG_HOME/tlsmail/config ($CONF) where its argv
# is fixed.  Programs that are missing are listed by callers_absent.
#
# Under valgrind (TLSMAIL_WRAPPER) the sendmail the callers run is a
# script that runs tlsmail, still named sendmail, under valgrind, one log
# per process; callers_valgrind_check fails on any error in them.

CALLERS_ROOT=${TLSMAIL_MTA_ROOT:-/var/cache/tlsmail-test}
CALLERS=(cron-debian cron-vixie bsd-mailx s-nail git php python)

callers_init() {
	MAILX=$(command -v bsd-mailx ||
		echo "$CALLERS_ROOT/bsd-mailx/usr/bin/bsd-mailx")
	mkdir -p "$T/bin" "$T/real" "$T/home" "$T/xdg/tlsmail"
	ln -sf "$top_builddir/src/tlsmail" "$T/real/sendmail"
	ln -sf "$top_builddir/src/tlsmail" "$T/bin/newaliases"
	if [ -n "${TLSMAIL_WRAPPER:-}" ]; then
		# shellcheck disable=SC2086 # the wrapper is a command line
		printf '#!/bin/sh\nexec %s --log-file=%s/vg.%%p %s "$@"\n' \
			"$(echo $TLSMAIL_WRAPPER)" "$T" "$T/real/sendmail" \
			>"$T/bin/sendmail"
		chmod 755 "$T/bin/sendmail"
	else
		ln -sf "$top_builddir/src/tlsmail" "$T/bin/sendmail"
	fi
	SENDMAIL=$T/bin/sendmail
	export HOME=$T/home XDG_CONFIG_HOME=$T/xdg
	CONF=$XDG_CONFIG_HOME/tlsmail/config
}

caller_have() {
	case $1 in
	cron-*) return 0 ;;
	bsd-mailx) [ -x "$MAILX" ] ;;
	s-nail) command -v s-nail >/dev/null ;;
	git) [ -x "$(git --exec-path 2>/dev/null)/git-send-email" ] &&
		perl -MMail::Address -e1 2>/dev/null ;;
	php) command -v php >/dev/null ;;
	python) command -v python3 >/dev/null ;;
	*) return 1 ;;
	esac
}

# callers_absent: the names of the callers that are not installed.
callers_absent() {
	local c
	for c in "${CALLERS[@]}"; do
		caller_have "$c" || printf ' %s' "$c"
	done
}

# The message cron writes: its own header, then the job's output.
caller_cron_msg() {
	printf 'From: root (Cron Daemon)\nTo: root\nSubject: %s\n\n' "$1"
	cat "$2"
}

caller_git() {
	local subj=$1 body=$2 expect=$3 repo=$T/repo.$RANDOM
	git init -q "$repo"
	cp "$body" "$repo/file"
	git -C "$repo" add file
	git -C "$repo" -c user.name=Tester -c user.email=t@example.org \
		commit -q -m "$subj"
	git -C "$repo" format-patch -q -1 -o "$repo/patches" >/dev/null
	(cd "$repo" && timeout 60 git -c user.name=Tester \
		-c user.email=t@example.org send-email --quiet \
		--confirm=never --suppress-cc=all --to=root \
		--from='Tester <t@example.org>' \
		--sendmail-cmd="$SENDMAIL -C $CONF" "$repo"/patches/*.patch) \
		>"$T/caller.out" 2>&1 || return 1
	sed '1,/^$/d' "$repo"/patches/*.patch >"$expect"
}

caller_run() {
	local name=$1 subj=$2 body=$3 expect=$4
	cp "$body" "$expect"
	case $name in
	cron-debian)
		caller_cron_msg "$subj" "$body" | timeout 60 "$SENDMAIL" \
			-FCronDaemon -i -B8BITMIME -oem root ;;
	cron-vixie)
		caller_cron_msg "$subj" "$body" | timeout 60 "$SENDMAIL" \
			-FCronDaemon -odi -oem -oi -t ;;
	bsd-mailx)
		printf 'set sendmail=%s\n' "$SENDMAIL" >"$T/mailrc"
		MAILRC=$T/mailrc timeout 60 "$MAILX" -s "$subj" root <"$body" ;;
	s-nail)
		# s-nail itself makes a body with "From " or a lone dot
		# quoted-printable: what it hands to sendmail is recorded
		# first, and that must arrive
		printf '#!/bin/sh\ncat >"%s"\n' "$T/caller.raw" >"$T/record"
		chmod 755 "$T/record"
		timeout 60 s-nail -:/ -S "mta=$T/record" -s "$subj" root \
			<"$body" || return 1
		sed '1,/^$/d' "$T/caller.raw" >"$expect"
		timeout 60 s-nail -:/ -S "mta=$SENDMAIL" \
			-S "mta-arguments=-C $CONF" -s "$subj" root <"$body" ;;
	git)
		caller_git "$subj" "$body" "$expect" ;;
	php)
		# mail() ends the body with a newline of its own
		SUBJ=$subj BODY=$body timeout 60 php -n \
			-d "sendmail_path=$SENDMAIL -C $CONF -t -i" -r '
			$b = rtrim(file_get_contents(getenv("BODY")), "\n");
			exit(mail("root", getenv("SUBJ"), $b) ? 0 : 1);' ;;
	python)
		SUBJ=$subj BODY=$body PATH=$T/bin:$PATH timeout 60 python3 -c '
import os, subprocess
msg = b"To: root\nSubject: " + os.environb[b"SUBJ"] + b"\n\n"
msg += open(os.environb[b"BODY"], "rb").read()
subprocess.run(["sendmail", "-oi", "-t"], input=msg, check=True)' ;;
	*)
		return 1 ;;
	esac
}

callers_valgrind_check() {
	local f
	for f in "$T"/vg.*; do
		[ -f "$f" ] || continue
		[ -s "$f" ] && fail "valgrind: $(head -c 2000 "$f")"
	done
	return 0
}
