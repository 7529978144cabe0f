/*
 * ckargv: the command-line fixture of the suites that parse an argv
 * (check_cli, check_probe): the options, plan and error a test reads,
 * Check's setup and teardown for them, and CKARGV_PARSE("--opt", ...),
 * which parses "tlsmail" and its arguments as main would.
 */
#ifndef TLSMAIL_CKARGV_H
#define TLSMAIL_CKARGV_H

#include "cli.h"
#include "plan.h"

extern struct options	ckargv_opts;
extern struct plan	ckargv_plan;
extern struct err	ckargv_err;

/* The fixture: a clear error and an empty plan before each test, the
 * plan freed after it. */
void	ckargv_setup(void);
void	ckargv_teardown(void);

/* cli_parse over a copy of av[0..ac) that outlives the parse, as main's
 * argv does: the options point into it. */
int	ckargv_parse(char *const *av, int ac);

#define CKARGV_ARGS(...) ((char *const[]){ "tlsmail", __VA_ARGS__ })
#define CKARGV_PARSE(...) ckargv_parse(CKARGV_ARGS(__VA_ARGS__), \
	(int)(sizeof(CKARGV_ARGS(__VA_ARGS__)) / sizeof(char *)))

#endif
