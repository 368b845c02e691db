/*
 * wats status: ask a running watsd over its control socket (STATE/watsd.sock).
 *
 *   wats status (--instance NAME | --state-dir DIR | --socket PATH) [--json]
 *   wats status ... --send pause|resume|reload|stop  (other commands of the control protocol)
 *   wats reload (--instance NAME | --state-dir DIR | --socket PATH) [--json]
 *
 * The instance's state folder: $WATSD_STATE_DIR, else "state_dir" of its config file
 * ($WATSD_CONFIG_DIR, ~/.config/watsd or /etc/watsd, NAME.json), else <config dir>/NAME.state.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "wats/wats.h"

int wats_cli_watsd_state_dir(char *out, size_t size, const char *instance)
{
	const char *env = getenv("WATSD_STATE_DIR");
	if (env && *env)
		return snprintf(out, size, "%s", env) < (int)size ? 0 : -1;
	char dir[PATH_MAX], cfg[PATH_MAX + 80];
	const char *d = getenv("WATSD_CONFIG_DIR");
	if (d && *d)
		snprintf(dir, sizeof(dir), "%s", d);
	else if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/etc/watsd");
	else if (getenv("XDG_CONFIG_HOME") && *getenv("XDG_CONFIG_HOME"))
		snprintf(dir, sizeof(dir), "%s/watsd", getenv("XDG_CONFIG_HOME"));
	else
		snprintf(dir, sizeof(dir), "%s/.config/watsd", getenv("HOME") ? getenv("HOME") : ".");
	snprintf(cfg, sizeof(cfg), "%s/%s.json", dir, instance);
	json_object *root = json_object_from_file(cfg), *v;
	int rc = 0;
	if (root && json_object_object_get_ex(root, "state_dir", &v) && json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		int n = s[0] == '/' ? snprintf(out, size, "%s", s) : snprintf(out, size, "%s/%s", dir, s);
		if (n < 0 || (size_t)n >= size)
			rc = -1;
	} else if (root) {
		int n = snprintf(out, size, "%s/%s.state", dir, instance);
		if (n < 0 || (size_t)n >= size)
			rc = -1;
	} else {
		fprintf(stderr, "wats: cannot read the config of instance %s (%s)\n", instance, cfg);
		rc = -1;
	}
	json_object_put(root);
	return rc;
}

json_object *wats_cli_watsd_ask(const char *sock, json_object *req, int quiet)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof(a.sun_path)) {
		fprintf(stderr, "wats: socket path too long: %s\n", sock);
		return NULL;
	}
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (!quiet)
			fprintf(stderr, "wats: cannot connect to %s: %s (is watsd running?)\n", sock,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	json_object_object_add(req, "v", json_object_new_int(1));
	json_object_object_add(req, "id", json_object_new_int(1));
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(line);
	if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		close(fd);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int64_t waited = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			if (waited > 15000) /* a reload reads and checks a file; a list may be long */
				break;
			continue;
		}
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(buf, '\n', len))
			break;
	}
	close(fd);
	if (!buf || !len) {
		fprintf(stderr, "wats: no answer from %s\n", sock);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	json_object *ans = json_tokener_parse(buf);
	free(buf);
	if (!ans)
		fprintf(stderr, "wats: the answer of %s is not JSON\n", sock);
	return ans;
}

static long long geti(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? (long long)json_object_get_int64(v) : 0;
}

static const char *gets_(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

int wats_cli_watsd_socket(char *out, size_t size, const char *instance, const char *sdir)
{
	char dir[PATH_MAX];
	if (!sdir) {
		if (wats_cli_watsd_state_dir(dir, sizeof(dir), instance ? instance : "default"))
			return -1;
		sdir = dir;
	}
	int n = snprintf(out, size, "%s/watsd.sock", sdir);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* A command without arguments; the parsed answer or NULL (said on stderr). */
static json_object *ask(const char *sock, const char *cmd)
{
	json_object *req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object *ans = wats_cli_watsd_ask(sock, req, 0);
	json_object_put(req);
	return ans;
}

/* Which watsd to talk to: --instance NAME, --state-dir DIR or --socket PATH, and --json. */
typedef struct target {
	const char *instance, *sdir, *sock;
	int json;
} target;

/* Takes argv[*i] (and its value) when it is one of the target options: 1, else 0. */
static int target_arg(target *t, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char **slot = !strcmp(a, "--instance") ? &t->instance :
			    !strcmp(a, "--state-dir") ? &t->sdir :
			    !strcmp(a, "--socket") ? &t->sock : NULL;
	if (slot && *i + 1 < argc) {
		*slot = argv[++*i];
		return 1;
	}
	if (!strcmp(a, "--json")) {
		t->json = 1;
		return 1;
	}
	return 0;
}

/* The socket path (in path when derived), or NULL after printing why. */
static const char *target_socket(const target *t, char *path, size_t size)
{
	if (t->sock)
		return t->sock;
	return wats_cli_watsd_socket(path, size, t->instance, t->sdir) ? NULL : path;
}

int wats_cmd_reload(int argc, char **argv)
{
	target t = { 0 };
	for (int i = 1; i < argc; i++) {
		if (!target_arg(&t, argc, argv, &i)) {
			fprintf(stderr, "usage: wats reload (--instance NAME | --state-dir DIR | --socket PATH) "
					"[--json]\n");
			return WATS_EXIT_USAGE;
		}
	}
	char path[PATH_MAX + 16];
	const char *sock = target_socket(&t, path, sizeof(path));
	if (!sock)
		return WATS_EXIT_INPUT;
	int json = t.json;
	json_object *ans = ask(sock, "reload"), *v, *r, *a;
	if (!ans)
		return WATS_EXIT_SERVER;
	int ok = json_object_object_get_ex(ans, "ok", &v) && json_object_get_boolean(v);
	if (json) {
		puts(json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN));
	} else if (!ok) {
		fprintf(stderr, "wats reload: the config was not applied (watsd keeps running with the "
				"previous one): %s\n", gets_(ans, "error"));
	} else {
		size_t n = json_object_object_get_ex(ans, "result", &r) &&
			   json_object_object_get_ex(r, "restart", &a) ? json_object_array_length(a) : 0;
		printf("config reloaded");
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? ", " : "; these changes need a restart of watsd: ",
			       json_object_get_string(json_object_array_get_idx(a, i)));
		printf("\n");
	}
	json_object_put(ans);
	return ok ? WATS_EXIT_OK : WATS_EXIT_NEGATIVE;
}

int wats_cmd_status(int argc, char **argv)
{
	const char *send = "status";
	target t = { 0 };
	for (int i = 1; i < argc; i++) {
		if (target_arg(&t, argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--send") && i + 1 < argc)
			send = argv[++i];
		else {
			fprintf(stderr, "usage: wats status (--instance NAME | --state-dir DIR | --socket PATH) "
					"[--json] [--send pause|resume|reload|stop]\n");
			return WATS_EXIT_USAGE;
		}
	}
	if (strspn(send, "abcdefghijklmnopqrstuvwxyz.") != strlen(send)) {
		fprintf(stderr, "wats status: --send takes a command name (pause, resume, reload, stop)\n");
		return WATS_EXIT_USAGE;
	}
	char path[PATH_MAX + 16];
	const char *sock = target_socket(&t, path, sizeof(path));
	if (!sock)
		return WATS_EXIT_INPUT;
	int json = t.json;
	json_object *ans = ask(sock, send), *v, *r;
	if (!ans)
		return WATS_EXIT_SERVER;
	if (!json_object_object_get_ex(ans, "ok", &v) || !json_object_get_boolean(v)) {
		fprintf(stderr, "wats status: watsd answered: %s\n", gets_(ans, "error"));
		json_object_put(ans);
		return WATS_EXIT_NEGATIVE;
	}
	if (json || strcmp(send, "status") || !json_object_object_get_ex(ans, "result", &r)) {
		puts(json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN));
		json_object_put(ans);
		return WATS_EXIT_OK;
	}
	json_object *q = NULL, *c = NULL, *w = NULL;
	json_object_object_get_ex(r, "queue", &q);
	json_object_object_get_ex(r, "counters", &c);
	json_object_object_get_ex(r, "watch", &w);
	printf("watsd %s, instance %s, pid %lld, up %lld s%s%s\n", gets_(r, "version"),
	       gets_(r, "instance"), geti(r, "pid"), geti(r, "uptime_s"),
	       json_object_object_get_ex(r, "uploads_paused", &v) && json_object_get_boolean(v)
	       ? ", UPLOADS PAUSED" : "",
	       json_object_object_get_ex(r, "stopping", &v) && json_object_get_boolean(v) ? ", stopping" : "");
	printf("server   %s (breaker %s)\n", gets_(r, "server"), gets_(r, "breaker"));
	if (q)
		printf("queue    queued %lld, transferring %lld, error %lld, invalid %lld, failed %lld, "
		       "sent %lld\n", geti(q, "queued"), geti(q, "transferring"), geti(q, "error"),
		       geti(q, "invalid"), geti(q, "failed"), geti(q, "sent"));
	if (c)
		printf("counters files seen %lld, converted %lld, failed %lld; reports queued %lld, sent "
		       "%lld; send failures %lld\n", geti(c, "files_seen"), geti(c, "files_converted"),
		       geti(c, "files_failed"), geti(c, "reports_queued"), geti(c, "reports_sent"),
		       geti(c, "send_failures"));
	json_object *m = NULL;
	if (json_object_object_get_ex(r, "memory", &m) && geti(m, "rss_bytes") > 0)
		printf("memory   RSS %.1f MB (shared library pages included), PSS %.1f MB, anonymous %.1f MB\n",
		       (double)geti(m, "rss_bytes") / 1048576.0, (double)geti(m, "pss_bytes") / 1048576.0,
		       (double)geti(m, "anonymous_bytes") / 1048576.0);
	for (size_t i = 0; w && i < json_object_array_length(w); i++) {
		json_object *o = json_object_array_get_idx(w, i);
		printf("watch    %s (priority %lld)%s%s\n", gets_(o, "path"), geti(o, "priority"),
		       json_object_object_get_ex(o, "enabled", &v) && !json_object_get_boolean(v)
		       ? " DISABLED" : "",
		       json_object_object_get_ex(o, "present", &v) && !json_object_get_boolean(v)
		       ? " MISSING" : "");
	}
	json_object_put(ans);
	return WATS_EXIT_OK;
}
