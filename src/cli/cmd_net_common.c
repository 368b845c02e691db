#include "cmd_net_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int net_parse(net_args *a, int argc, char **argv, const char *const *value_opts,
	      const char *const *flag_opts, const char *usage)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **common = NULL;
		if (!strcmp(s, "--url"))
			common = &a->url;
		else if (!strcmp(s, "--token"))
			common = &a->token;
		else if (!strcmp(s, "--station"))
			common = &a->station;
		else if (!strcmp(s, "--timeout"))
			common = &a->timeout;
		if (common) {
			if (++i >= argc)
				goto missing;
			*common = argv[i];
			continue;
		}
		if (!strcmp(s, "--json")) {
			a->json = 1;
			continue;
		}
		if (!strcmp(s, "-v") || !strcmp(s, "--verbose")) {
			a->verbose = 1;
			continue;
		}
		if (!strcmp(s, "--insecure")) {
			a->insecure = 1;
			continue;
		}
		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage, stdout);
			fputs(NET_COMMON_USAGE, stdout);
			exit(WATS_EXIT_OK);
		}
		int known = 0;
		for (size_t k = 0; flag_opts && flag_opts[k] && !known; k++) {
			if (!strcmp(s, flag_opts[k]) && a->nflags < NET_MAX_OPT) {
				a->flags[a->nflags++] = flag_opts[k];
				known = 1;
			}
		}
		for (size_t k = 0; !known && value_opts && value_opts[k]; k++) {
			if (strcmp(s, value_opts[k]))
				continue;
			if (++i >= argc)
				goto missing;
			if (a->nopt == NET_MAX_OPT)
				break;
			a->okey[a->nopt] = value_opts[k];
			a->oval[a->nopt++] = argv[i];
			known = 1;
		}
		if (known)
			continue;
		if (s[0] == '-' && s[1] == '-' && s[2]) {
			fprintf(stderr, "wats %s: unknown option '%s'\n%s", argv[0], s, usage);
			return WATS_EXIT_USAGE;
		}
		if (a->npos == NET_MAX_POS) {
			fprintf(stderr, "wats %s: too many arguments\n", argv[0]);
			return WATS_EXIT_USAGE;
		}
		a->pos[a->npos++] = s;
	}
	return 0;
missing:
	fprintf(stderr, "wats %s: option '%s' needs a value\n%s", argv[0], argv[argc - 1], usage);
	return WATS_EXIT_USAGE;
}

int net_flag(const net_args *a, const char *name)
{
	for (int i = 0; i < a->nflags; i++)
		if (!strcmp(a->flags[i], name))
			return 1;
	return 0;
}

const char *net_opt(const net_args *a, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->okey[i], name))
			v = a->oval[i];
	return v;
}

int net_fail(const char *what, int rc)
{
	wats_cli_print_error(what);
	/* "No such report/product/unit" is an answer, not a failure of the server. */
	if (rc == WATS_ENOTFOUND && wats_error_last()->http_status == 404)
		return WATS_EXIT_NEGATIVE;
	return wats_cli_exit_for(rc);
}

int net_client(wats_client **out, const net_args *a)
{
	wats_client_options o = WATS_CLIENT_OPTIONS_INIT;
	o.base_url = a->url;
	o.token = a->token;
	o.station_name = a->station;
	if (a->insecure)
		o.flags |= WATS_CLIENT_INSECURE;
	if (a->timeout) {
		char *end;
		double s = strtod(a->timeout, &end);
		if (*end || s <= 0) {
			fprintf(stderr, "wats: --timeout '%s' is not a positive number of seconds\n", a->timeout);
			return WATS_EXIT_USAGE;
		}
		o.request_timeout_ms = (long)(s * 1000);
	}
	if (a->verbose) {
		wats_log_options lo = WATS_LOG_OPTIONS_INIT;
		lo.level = WATS_LOG_DEBUG;
		wats_log_init(&lo);
	}
	int rc = wats_client_new_from_env(out, &o);
	if (rc)
		return net_fail("cannot set up the client", rc);
	return 0;
}
