/*
 * wats config: the JSON config of a watsd instance, with watsd's own loader and rules
 * (src/watsd/config.c, linked as watsd_config), so what passes here starts there.
 *
 *   wats config init     --instance NAME [--server-url URL] [--watch DIR] [--force]
 *   wats config validate (--instance NAME | --config FILE)
 *   wats config show     (--instance NAME | --config FILE)     effective values, secrets hidden
 *   wats config get KEY  (--instance NAME | --config FILE)     KEY: server.url, watch[0].path
 *   wats config set KEY VALUE (...)                            VALUE: JSON, else a string;
 *                                                              kept only if the result is valid
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "watsd.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: wats config init --instance NAME [--server-url URL] [--watch DIR] [--force]\n"
		"       wats config validate|show (--instance NAME | --config FILE)\n"
		"       wats config get KEY (--instance NAME | --config FILE)\n"
		"       wats config set KEY VALUE (--instance NAME | --config FILE)\n"
		"KEY is a dotted path: server.url, queue.max_items, watch[0].path.\n");
	return WATS_EXIT_USAGE;
}

static int is_secret(const char *key)
{
	return !strcmp(key, "server.token") || !strcmp(key, "http.api_key") ||
	       !strcmp(key, "proxy.password");
}

static void put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static int show(const watsd_config *c)
{
	static const char *const post[] = { "move", "delete", "archive", "leave" };
	json_object *o = json_object_new_object(), *s = json_object_new_object();
	put_str(o, "file", c->file);
	put_str(o, "instance", c->instance);
	put_str(o, "state_dir", c->state_dir);
	put_str(s, "url", c->server_url);
	put_str(s, "token", c->token && *c->token ? "(set, hidden)" : "(not set)");
	json_object_object_add(s, "timeout_ms", json_object_new_int64(c->timeout_ms));
	json_object_object_add(o, "server", s);
	json_object *w = json_object_new_array();
	for (size_t i = 0; i < c->nwatches; i++) {
		json_object *x = json_object_new_object();
		put_str(x, "path", c->watches[i].path);
		put_str(x, "converter", c->watches[i].converter);
		put_str(x, "patterns", c->watches[i].patterns);
		json_object_object_add(x, "priority", json_object_new_int(c->watches[i].priority));
		put_str(x, "post_action", post[c->watches[i].post]);
		put_str(x, "done_dir", c->watches[i].done_dir);
		put_str(x, "error_dir", c->watches[i].error_dir);
		json_object_object_add(x, "stable_ms", json_object_new_int(c->watches[i].stable_ms));
		json_object_object_add(x, "enabled", json_object_new_boolean(c->watches[i].enabled));
		json_object_array_add(w, x);
	}
	json_object_object_add(o, "watch", w);
	json_object *wk = json_object_new_object();
	json_object_object_add(wk, "convert", json_object_new_int(c->convert_workers));
	json_object_object_add(wk, "upload", json_object_new_int(c->upload_workers));
	json_object_object_add(o, "workers", wk);
	json_object *q = json_object_new_object();
	json_object_object_add(q, "max_items", json_object_new_int64((int64_t)c->max_items));
	json_object_object_add(q, "max_bytes", json_object_new_int64((int64_t)c->max_bytes));
	json_object_object_add(q, "max_attempts", json_object_new_int64(c->max_attempts));
	json_object_object_add(q, "keep_sent_hours", json_object_new_int64(c->keep_sent_hours));
	json_object_object_add(o, "queue", q);
	json_object *h = json_object_new_object();
	json_object_object_add(h, "enabled", json_object_new_boolean(c->http_enabled));
	put_str(h, "address", c->http_address);
	json_object_object_add(h, "port", json_object_new_int(c->http_port));
	put_str(h, "api_key", c->api_key ? "(set, hidden)" : "(not set)");
	json_object_object_add(o, "http", h);
	json_object *l = json_object_new_object();
	put_str(l, "format", c->log_format);
	put_str(l, "level", c->log_level);
	put_str(l, "file", c->log_file);
	json_object_object_add(o, "log", l);
	json_object *p = json_object_new_object();
	put_str(p, "mode", c->proxy_mode);
	put_str(p, "url", c->proxy_url);
	put_str(p, "bypass", c->proxy_bypass);
	put_str(p, "username", c->proxy_username);
	put_str(p, "password", c->proxy_password ? "(set, hidden)" : "(not set)");
	json_object_object_add(o, "proxy", p);
	json_object *sn = json_object_new_object();
	put_str(sn, "pattern", c->serial_pattern);
	put_str(sn, "action", c->serial_action);
	json_object_object_add(o, "serial", sn);
	json_object *sw = json_object_new_object();
	put_str(sw, "dir", c->software_dir);
	json_object_object_add(o, "software", sw);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return WATS_EXIT_OK;
}

static int init(const char *path, const char *instance, const char *url, const char *watch,
		int force)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		char cmd[4200]; /* mkdir -p without a shell */
		snprintf(cmd, sizeof(cmd), "%s", dir);
		for (char *p = cmd + 1; *p; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(cmd, 0700);
				*p = '/';
			}
		mkdir(cmd, 0700);
	}
	json_object *o = json_object_new_object(), *s = json_object_new_object();
	json_object_object_add(o, "schema_version", json_object_new_int(WATSD_CONFIG_SCHEMA));
	json_object_object_add(o, "instance", json_object_new_string(instance));
	json_object_object_add(s, "url", json_object_new_string(url ? url : "https://your-server.wats.com"));
	char tok[300];
	snprintf(tok, sizeof(tok), "%s.token", instance);
	json_object_object_add(s, "token_file", json_object_new_string(tok));
	json_object_object_add(o, "server", s);
	json_object *w = json_object_new_array(), *w0 = json_object_new_object();
	json_object_object_add(w0, "path", json_object_new_string(watch ? watch : "/data/results"));
	json_object_array_add(w, w0);
	json_object_object_add(o, "watch", w);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
	if (fd < 0) {
		fprintf(stderr, "wats: config init: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (--force replaces it)" : "");
		json_object_put(o);
		return WATS_EXIT_INPUT;
	}
	size_t len = strlen(text);
	int bad = write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0;
	bad |= close(fd) != 0;
	json_object_put(o);
	if (bad) {
		fprintf(stderr, "wats: config init: cannot write %s\n", path);
		return WATS_EXIT_INPUT;
	}
	printf("wrote %s (mode 0600)\nnext: put the server token in %s/%s (chmod 600), then\n"
	       "  wats config validate --config %s\n", path, slash ? dir : ".", tok, path);
	return WATS_EXIT_OK;
}

static int set(const char *path, const char *key, const char *value)
{
	json_object *root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		fprintf(stderr, "wats: config %s: not a JSON object: %s\n", path, json_util_get_last_err());
		json_object_put(root);
		return WATS_EXIT_INPUT;
	}
	/* Refused here: an [i] at the end, a missing array or element, a non-object on the way
	 * (objects that are not there yet are made, in this copy only). */
	char last[WATSD_CONFIG_KEY_MAX];
	long idx;
	json_object *parent = watsd_config_walk(root, key, WATSD_KEY_OBJECTS, last, sizeof(last), &idx,
						NULL, 0);
	json_object_put(root);
	if (!parent || idx >= 0 || !*last) {
		fprintf(stderr, "wats: config set: cannot set \"%s\" (a missing array element or a "
			"non-object on the way)\n", key);
		return WATS_EXIT_USAGE;
	}
	/* watsd's own editor: validated before the file is replaced, secrets to their files. */
	json_object *v = json_tokener_parse(value);
	if (!v && strcmp(value, "null"))
		v = json_object_new_string(value);
	json_object *changes = json_object_new_object(), *errors = NULL;
	json_object_object_add(changes, key, v);
	char err[1024];
	int rc = watsd_config_apply(path, changes, &errors, err, sizeof(err));
	json_object_put(changes);
	if (rc < 0) {
		fprintf(stderr, "wats: config set: %s\n", err);
		return WATS_EXIT_INPUT;
	}
	if (rc > 0) {
		json_object_object_foreach(errors, k, m) {
			(void)k;
			fprintf(stderr, "wats: %s\n", json_object_get_string(m));
		}
		fprintf(stderr, "wats: config set: not changed\n");
		json_object_put(errors);
		return WATS_EXIT_NEGATIVE;
	}
	printf("%s = %s\n", key, is_secret(key) ? "(hidden)" : value);
	return WATS_EXIT_OK;
}

int wats_cmd_config(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *sub = argv[1], *instance = NULL, *file = NULL, *url = NULL, *watch = NULL;
	const char *pos[2] = { NULL, NULL };
	int npos = 0, force = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			instance = argv[++i];
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--server-url") && i + 1 < argc)
			url = argv[++i];
		else if (!strcmp(argv[i], "--watch") && i + 1 < argc)
			watch = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (argv[i][0] != '-' && npos < 2)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	char path[4096];
	if (file) {
		snprintf(path, sizeof(path), "%s", file);
	} else if (instance) {
		if (!watsd_instance_name_ok(instance)) {
			fprintf(stderr, "wats: instance name \"%s\" must be 1..64 of A-Z a-z 0-9 _ -\n", instance);
			return WATS_EXIT_USAGE;
		}
		if (watsd_config_default_path(path, sizeof(path), instance))
			return WATS_EXIT_USAGE;
	} else {
		return usage();
	}
	if (!strcmp(sub, "init")) {
		if (!instance) {
			const char *b = strrchr(path, '/');
			static char name[256];
			snprintf(name, sizeof(name), "%.200s", b ? b + 1 : path);
			char *dot = strrchr(name, '.');
			if (dot)
				*dot = '\0';
			instance = name;
		}
		return init(path, instance, url, watch, force);
	}
	if (!strcmp(sub, "set")) {
		if (npos != 2)
			return usage();
		return set(path, pos[0], pos[1]);
	}
	if (!strcmp(sub, "get")) {
		if (npos != 1)
			return usage();
		json_object *root = json_object_from_file(path);
		if (!root) {
			fprintf(stderr, "wats: config %s: %s\n", path, json_util_get_last_err());
			return WATS_EXIT_INPUT;
		}
		json_object *v = watsd_config_lookup(root, pos[0]);
		int rc = WATS_EXIT_OK;
		if (!v) {
			fprintf(stderr, "wats: config %s: \"%s\" is not set (the default applies)\n", path, pos[0]);
			rc = WATS_EXIT_NEGATIVE;
		} else if (is_secret(pos[0])) {
			printf("(set, hidden)\n");
		} else if (json_object_is_type(v, json_type_string)) {
			printf("%s\n", json_object_get_string(v));
		} else {
			printf("%s\n", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
		}
		json_object_put(root);
		return rc;
	}
	if (!strcmp(sub, "validate") || !strcmp(sub, "show")) {
		watsd_config cfg;
		char err[1024];
		if (watsd_config_load(&cfg, path, err, sizeof(err)) != 0) {
			fprintf(stderr, "wats: %s\n", err);
			return WATS_EXIT_NEGATIVE;
		}
		int rc = WATS_EXIT_OK;
		if (sub[0] == 'v')
			printf("%s: valid (instance %s, %zu watch folder%s, state in %s)\n", cfg.file,
			       cfg.instance, cfg.nwatches, cfg.nwatches == 1 ? "" : "s", cfg.state_dir);
		else
			rc = show(&cfg);
		watsd_config_free(&cfg);
		return rc;
	}
	return usage();
}
