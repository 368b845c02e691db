/* Shared option handling of the commands that talk to a WATS server. */
#ifndef WATS_CLI_NET_COMMON_H
#define WATS_CLI_NET_COMMON_H

#include "wats/wats.h"

#define NET_MAX_POS 4096
#define NET_MAX_OPT 16

typedef struct net_args {
	const char *url, *token, *station;
	const char *timeout;
	int json, verbose, insecure;
	const char *pos[NET_MAX_POS];   /* positional arguments */
	int npos;
	const char *okey[NET_MAX_OPT];  /* command options with a value (--pn X) */
	const char *oval[NET_MAX_OPT];
	int nopt;
	const char *flags[NET_MAX_OPT]; /* command flags without a value (--xml) that were given */
	int nflags;
} net_args;

/*
 * Parse argv (argv[0] is the command). value_opts lists the command's own options that take a
 * value ("--pn", ...), flag_opts those that do not ("--xml"); both NULL-terminated or NULL.
 * Returns 0 or WATS_EXIT_USAGE after printing why.
 */
int net_parse(net_args *a, int argc, char **argv, const char *const *value_opts,
	      const char *const *flag_opts, const char *usage);

/* Was the command flag given? */
int net_flag(const net_args *a, const char *name);

/* The value of a command option, or NULL. */
const char *net_opt(const net_args *a, const char *name);

/* A client from the options and the environment (WATS_BASE_URL, ...). Prints the error. */
int net_client(wats_client **out, const net_args *a);

/* Print "wats: <what>: <message>" and return the exit code for rc. */
int net_fail(const char *what, int rc);

/* The options every network command accepts, for usage texts. */
#define NET_COMMON_USAGE \
	"  --url URL        server (default $WATS_BASE_URL)\n" \
	"  --token TOKEN    base64 of user:password (default $WATS_AUTH_TOKEN)\n" \
	"  --station NAME   station name (default $WATS_STATION, station file, host name)\n" \
	"  --timeout SEC    per-request timeout\n" \
	"  --insecure       do not verify the TLS certificate\n" \
	"  --json           machine-readable output\n" \
	"  -v, --verbose    log requests to stderr\n"

#endif
