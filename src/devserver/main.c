/*
 * wats-devserver: a local WATS-compatible REST server for demos, tests and users.
 * See docs/devserver.md and man wats-devserver(1).
 */
#include "devserver.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_TOKEN "ZGV2OmRldg=="  /* base64("dev:dev") */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wats-devserver [options]\n"
		"\n"
		"  --listen HOST:PORT     address to listen on (default 127.0.0.1:8080; port 0 = any\n"
		"                         free port, printed on the ready line)\n"
		"  --db FILE              SQLite database (default :memory:, lost at exit)\n"
		"  --token TOKEN          expected after 'Authorization: Basic ' (default %s,\n"
		"                         i.e. base64 of dev:dev)\n"
		"  --ready-fd N           write 'READY http://HOST:PORT' to file descriptor N once\n"
		"                         listening, then close it\n"
		"  --max-body BYTES       largest request body (default 33554432); larger gets 413\n"
		"  --max-depth N          deepest JSON nesting accepted in reports (default 128)\n"
		"  --max-connections N    simultaneous connections (default 512)\n"
		"  --client-timeout SEC   drop a connection idle this long (default 30)\n"
		"  --threads N            0 = one thread per connection (default), else a pool of N\n"
		"  --faults JSON          start with these faults (same JSON as POST /_dev/faults)\n"
		"  --latency MS           shorthand for --faults '{\"latency_ms\":MS}'\n"
		"  --error-rate R         fraction of /api requests answered with --error-status\n"
		"  --error-status N       status for --error-rate (default 503)\n"
		"  --retry-after SEC      Retry-After sent with injected 429/503 answers\n"
		"  --validate full|light  full (default): the report model's validator, as `wats\n"
		"                         validate`; light: required header keys only (faster)\n"
		"  --sync off|normal|full when the database file is flushed to disk (default off:\n"
		"                         every answered report survives a crash of the server,\n"
		"                         not a power cut; see docs/devserver.md)\n"
		"  --verbose              log every request to stderr\n"
		"  --version, --help\n",
		DEFAULT_TOKEN);
}

static int parse_listen(const char *s, ds_config *c, char *host, size_t hostlen)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -1;
	size_t hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= hostlen)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	char *end;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || p > 65535)
		return -1;
	c->listen_host = host;
	c->port = (unsigned)p;
	return 0;
}

static int parse_num(const char *opt, const char *v, unsigned long long max,
		     unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || !*v || n > max || v[0] == '-') {
		fprintf(stderr, "wats-devserver: %s needs a number from 0 to %llu, got '%s'\n", opt,
			max, v);
		return -1;
	}
	*out = n;
	return 0;
}

int main(int argc, char **argv)
{
	static ds_server srv;
	ds_config *c = &srv.cfg;
	char host[256] = "127.0.0.1";
	c->listen_host = host;
	c->port = 8080;
	c->db_path = ":memory:";
	c->token = DEFAULT_TOKEN;
	c->ready_fd = -1;
	c->max_body = 32u << 20;
	c->max_depth = 128;
	c->max_connections = 512;
	c->client_timeout = 30;
	c->threads = 0;
	c->full_validation = 1;
	c->sync = "off";

	ds_fault_config faults;
	ds_fault_config_default(&faults);
	int have_faults = 0;

	enum { O_LISTEN = 256, O_DB, O_TOKEN, O_READY, O_MAXBODY, O_MAXDEPTH, O_MAXCONN, O_TIMEOUT,
	       O_THREADS, O_FAULTS, O_LATENCY, O_ERRRATE, O_ERRSTATUS, O_RETRYAFTER, O_VERBOSE,
	       O_VALIDATE, O_SYNC,
	       O_VERSION, O_HELP };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "db", required_argument, NULL, O_DB },
		{ "token", required_argument, NULL, O_TOKEN },
		{ "ready-fd", required_argument, NULL, O_READY },
		{ "max-body", required_argument, NULL, O_MAXBODY },
		{ "max-depth", required_argument, NULL, O_MAXDEPTH },
		{ "max-connections", required_argument, NULL, O_MAXCONN },
		{ "client-timeout", required_argument, NULL, O_TIMEOUT },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "faults", required_argument, NULL, O_FAULTS },
		{ "latency", required_argument, NULL, O_LATENCY },
		{ "error-rate", required_argument, NULL, O_ERRRATE },
		{ "error-status", required_argument, NULL, O_ERRSTATUS },
		{ "retry-after", required_argument, NULL, O_RETRYAFTER },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "validate", required_argument, NULL, O_VALIDATE },
		{ "sync", required_argument, NULL, O_SYNC },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	unsigned long long n;
	char err[512];
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_LISTEN:
			if (parse_listen(optarg, c, host, sizeof(host)) < 0) {
				fprintf(stderr, "wats-devserver: --listen wants HOST:PORT, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case O_DB: c->db_path = optarg; break;
		case O_TOKEN:
			if (!*optarg) {
				fprintf(stderr, "wats-devserver: --token must not be empty\n");
				return 2;
			}
			c->token = optarg;
			break;
		case O_READY:
			if (parse_num("--ready-fd", optarg, 1 << 20, &n))
				return 2;
			c->ready_fd = (int)n;
			break;
		case O_MAXBODY:
			if (parse_num("--max-body", optarg, 1ull << 31, &n))
				return 2;
			c->max_body = (size_t)n;
			break;
		case O_MAXDEPTH:
			if (parse_num("--max-depth", optarg, 1000, &n) || !n)
				return 2;
			c->max_depth = (unsigned)n;
			break;
		case O_MAXCONN:
			if (parse_num("--max-connections", optarg, 100000, &n) || !n)
				return 2;
			c->max_connections = (unsigned)n;
			break;
		case O_TIMEOUT:
			if (parse_num("--client-timeout", optarg, 86400, &n))
				return 2;
			c->client_timeout = (unsigned)n;
			break;
		case O_THREADS:
			if (parse_num("--threads", optarg, 256, &n))
				return 2;
			c->threads = (unsigned)n;
			break;
		case O_FAULTS:
			if (ds_fault_config_parse(&faults, optarg, strlen(optarg), err, sizeof(err))) {
				fprintf(stderr, "wats-devserver: --faults: %s\n", err);
				return 2;
			}
			have_faults = 1;
			break;
		case O_LATENCY:
			if (parse_num("--latency", optarg, 600000, &n))
				return 2;
			faults.latency_ms = (unsigned)n;
			have_faults = 1;
			break;
		case O_ERRRATE: {
			char *end;
			double r = strtod(optarg, &end);
			if (*end || !(r >= 0 && r <= 1)) {
				fprintf(stderr, "wats-devserver: --error-rate wants 0..1, got '%s'\n",
					optarg);
				return 2;
			}
			faults.error_rate = r;
			have_faults = 1;
			break;
		}
		case O_ERRSTATUS:
			if (parse_num("--error-status", optarg, 599, &n) || n < 400)
				return 2;
			faults.error_status = (int)n;
			break;
		case O_RETRYAFTER:
			if (parse_num("--retry-after", optarg, 86400, &n))
				return 2;
			faults.retry_after = (int)n;
			break;
		case O_VERBOSE: c->verbose = 1; break;
		case O_VALIDATE:
			if (strcmp(optarg, "full") && strcmp(optarg, "light")) {
				fprintf(stderr, "wats-devserver: --validate wants full or light\n");
				return 2;
			}
			c->full_validation = !strcmp(optarg, "full");
			break;
		case O_SYNC:
			if (strcmp(optarg, "off") && strcmp(optarg, "normal") && strcmp(optarg, "full")) {
				fprintf(stderr, "wats-devserver: --sync wants off, normal or full\n");
				return 2;
			}
			c->sync = optarg;
			break;
		case O_VERSION: printf("%s\n", DS_VERSION_STRING); return 0;
		case 'h': case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wats-devserver: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	/* Report bodies are ~100 KB allocations freed right after use, on many threads: keep
	 * freed memory in the arenas instead of trimming and growing them for every request
	 * (each of which costs an mprotect or madvise system call). */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 8 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);

	/* Block the stop signals in every thread; main waits for them with sigwait. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (ds_store_open(&srv.store, c->db_path, c->sync) < 0)
		return 1;
	if (ds_stats_init(&srv.stats, ds_route_count()) < 0) {
		ds_store_close(&srv.store);
		return 1;
	}
	ds_faults_init(&srv.faults);
	if (have_faults)
		ds_faults_set(&srv.faults, &faults);
	int rc = 1;
	if (ds_server_start(&srv) < 0)
		goto out;

	char url[300];
	snprintf(url, sizeof(url), strchr(c->listen_host, ':') ? "http://[%s]:%u" : "http://%s:%u",
		 c->listen_host, srv.port);
	printf("wats-devserver listening on %s (database %s)\n", url, c->db_path);
	fflush(stdout);
	if (c->ready_fd >= 0) {
		char line[320];
		int len = snprintf(line, sizeof(line), "READY %s\n", url);
		if (write(c->ready_fd, line, (size_t)len) != len)
			fprintf(stderr, "wats-devserver: cannot write the ready line to fd %d\n",
				c->ready_fd);
		close(c->ready_fd);
	}

	int sig = 0;
	sigwait(&stop, &sig);
	if (c->verbose)
		fprintf(stderr, "wats-devserver: signal %d, stopping\n", sig);
	rc = 0;
out:
	ds_server_stop(&srv);
	ds_faults_destroy(&srv.faults);
	ds_stats_destroy(&srv.stats);
	ds_store_close(&srv.store);
	return rc;
}
