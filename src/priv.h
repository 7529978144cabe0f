/*
 * priv: the one privilege tlsmail may hold, and giving it up.
 *
 * A system-wide configuration with a smarthost password must serve every
 * local user (cron, mail, git through the sendmail link) without any of
 * them being able to read the password: dma's design.  The binary is
 * installed setgid to a dedicated group ("make install-setgid": group
 * PRIV_GROUP), the system file is mode 0640 root:PRIV_GROUP, and the group
 * is used for one thing, reading that file: priv_drop gives it up for good
 * right after, before the user's file, -C's file, the message, a
 * passwordeval command or anything else the user controls is touched.
 * What stays in memory is guarded: the process is not dumpable (no core
 * file, no ptrace, no /proc/PID/mem for the user), and priv_check_secret
 * refuses to send a password from the system file anywhere but where the
 * system file says.  The threat model is in tlsmail(1), SECURITY.
 */
#ifndef TLSMAIL_PRIV_H
#define TLSMAIL_PRIV_H

#include <stdbool.h>

#include "err.h"

/* The group "make install-setgid" uses (src/Makefile.am, TLSMAIL_GROUP). */
#define PRIV_GROUP	"tlsmail"

struct conf;
struct options;
struct plan;

/* First thing in main: makes the process non-dumpable (prctl
 * PR_SET_DUMPABLE) and records whether it started setgid.  Never fails:
 * a kernel without prctl leaves the core limit of main as the guard. */
void	priv_init(void);

/* True when tlsmail started with an effective group other than the real
 * one (the setgid install), even after priv_drop. */
bool	priv_setgid(void);

/* Gives up the setgid group for good (real, effective and saved group
 * ids all become the real one) and checks that it cannot come back.
 * Safe to call more than once.  ERR_OS when the drop fails: main must
 * then stop. */
int	priv_drop(struct err *);

/*
 * When tlsmail started setgid and the password source of the account
 * chosen (by -a, the sender, "default") was written in the system file
 * (conf's first file), every setting that decides where and how that
 * secret travels must come from the system file too: host, port, TLS
 * mode, trust, pin, priorities, certificate check, TLS name, client
 * certificate, user and AUTH mechanism, whether from the command line or
 * the user's file.  Otherwise ERR_CONFIG naming the option or the file
 * and line.  On success *hidden says whether the password source is the
 * system file's, which --pretend and error messages must not show.
 */
int	priv_check_secret(const struct conf *, const struct options *,
	    bool *hidden, struct err *);

#endif
