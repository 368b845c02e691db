/* The `wats` command-line tool: shared declarations of its commands. */
#ifndef WATS_CLI_H
#define WATS_CLI_H

#include <stdio.h>

/* Exit codes, documented in `wats --help` and man/wats.1. */
enum {
	WATS_EXIT_OK = 0,        /* success */
	WATS_EXIT_NEGATIVE = 1,  /* the command ran; the answer is "no" (invalid report, differences) */
	WATS_EXIT_USAGE = 2,     /* bad command line */
	WATS_EXIT_INPUT = 3,     /* input could not be read or parsed */
	WATS_EXIT_SERVER = 4,    /* server or network error */
	WATS_EXIT_INTERNAL = 5   /* out of memory or a bug */
};

typedef struct wats_cli_command {
	const char *name;
	const char *usage;   /* arguments, shown after the name */
	const char *summary; /* one line */
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
} wats_cli_command;

/* Print the library's last error as "wats: <message>" with its position, to stderr. */
void wats_cli_print_error(const char *what);
/* Map a libwats error code onto an exit code. */
int wats_cli_exit_for(int rc);

/* Commands, one function each (src/cli/cmd_*.c). */
int wats_cmd_validate(int argc, char **argv);
int wats_cmd_fmt(int argc, char **argv);
int wats_cmd_diff(int argc, char **argv);
int wats_cmd_summary(int argc, char **argv);
/* converters (cmd_convert.c) */
int wats_cmd_convert(int argc, char **argv);
int wats_cmd_detect(int argc, char **argv);
/* Network commands (cmd_net.c, cmd_api.c). */
int wats_cmd_test_connection(int argc, char **argv);
int wats_cmd_submit(int argc, char **argv);
int wats_cmd_net_report(int argc, char **argv);
int wats_cmd_net_product(int argc, char **argv);
int wats_cmd_net_unit(int argc, char **argv);
int wats_cmd_api(int argc, char **argv);
/* The submit queue (cmd_queue.c). */
int wats_cmd_queue(int argc, char **argv);
/* A running watsd over its control socket (cmd_status.c). */
int wats_cmd_status(int argc, char **argv);
int wats_cmd_reload(int argc, char **argv);
/* The state folder of a watsd instance ($WATSD_STATE_DIR, its config's state_dir, or
 * <config dir>/NAME.state) and its control socket (instance NULL = "default"; sdir wins). */
struct json_object;
int wats_cli_watsd_state_dir(char *out, size_t size, const char *instance);
int wats_cli_watsd_socket(char *out, size_t size, const char *instance, const char *sdir);
/* Send one request (an object; "v" and "id" are added) and read its answer line (15 s).
 * NULL when no watsd answers (said on stderr unless quiet). */
struct json_object *wats_cli_watsd_ask(const char *sock, struct json_object *req, int quiet);
/* watsd instance configs (cmd_config.c, with watsd's own config code). */
int wats_cmd_config(int argc, char **argv);
/* A systemd unit for a watsd instance (cmd_service.c). */
int wats_cmd_service(int argc, char **argv);

#endif
