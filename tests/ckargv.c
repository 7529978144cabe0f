/*
 * ckargv: the command-line fixture check_cli and check_probe share
 * (ckargv.h).
 */
#include <config.h>

#include <string.h>

#include "ckargv.h"

struct options	ckargv_opts;
struct plan	ckargv_plan;
struct err	ckargv_err;

/* argv must outlive the parse: options point into it, as in main. */
static char *argv_store[32];

void
ckargv_setup(void)
{
	err_clear(&ckargv_err);
	memset(&ckargv_plan, 0, sizeof(ckargv_plan));
}

void
ckargv_teardown(void)
{
	plan_free(&ckargv_plan);
}

int
ckargv_parse(char *const *av, int ac)
{
	memcpy(argv_store, av, (size_t)ac * sizeof(*av));
	argv_store[ac] = NULL;
	return cli_parse(&ckargv_opts, ac, argv_store, &ckargv_err);
}
