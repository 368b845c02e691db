/*
 * The instance config: one JSON file (schema_version 1), older versions migrated in memory,
 * environment overrides, secrets only from a 0600 file or the environment, and validation
 * whose errors name the file, the key and the rule. See docs/watsd.md for every key.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <json-c/json.h>

#include "watsd.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int watsd_instance_name_ok(const char *n)
{
	size_t len = n ? strlen(n) : 0;
	if (len < 1 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && n[i] != '_' && n[i] != '-')
			return 0;
	return 1;
}

int watsd_config_default_path(char *out, size_t size, const char *instance)
{
	const char *dir = getenv("WATSD_CONFIG_DIR");
	char buf[PATH_MAX];
	if (!dir || !*dir) {
		if (geteuid() == 0) {
			dir = "/etc/watsd";
		} else {
			const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
			if (x && *x)
				snprintf(buf, sizeof(buf), "%s/watsd", x);
			else
				snprintf(buf, sizeof(buf), "%s/.config/watsd", home ? home : ".");
			dir = buf;
		}
	}
	int n = snprintf(out, size, "%s/%s.json", dir, instance);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* path made absolute against base (the config file's folder). */
static char *abs_path(const char *base, const char *p)
{
	if (!p)
		return NULL;
	if (p[0] == '/')
		return strdup(p);
	size_t n = strlen(base) + strlen(p) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", base, p);
	return s;
}

/* Keys a section may have; anything else is a typo and an error. */
static int check_keys(json_object *o, const char *where, const char *const *allowed, char *err,
		      size_t errlen, const char *file)
{
	json_object_object_foreach(o, k, v) {
		(void)v;
		int ok = 0;
		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(k, allowed[i]))
				ok = 1;
		if (!ok) {
			char list[512] = "";
			for (size_t i = 0; allowed[i]; i++) {
				strncat(list, allowed[i], sizeof(list) - strlen(list) - 3);
				if (allowed[i + 1])
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			}
			snprintf(err, errlen, "config %s: key \"%s%s%s\": unknown key (known: %s)", file, where,
				 *where ? "." : "", k, list);
			return -1;
		}
	}
	return 0;
}

/* Typed getters: 1 = found and stored, 0 = absent, -1 = wrong type (err set). */
static int get_str(json_object *o, const char *key, char **out, const char *where, const char *file,
		   char *err, size_t errlen)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "config %s: key \"%s%s%s\": must be a string", file, where,
			 *where ? "." : "", key);
		return -1;
	}
	free(*out);
	*out = strdup(json_object_get_string(v));
	return 1;
}

static int get_int(json_object *o, const char *key, int64_t *out, int64_t lo, int64_t hi,
		   const char *where, const char *file, char *err, size_t errlen)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "config %s: key \"%s%s%s\": must be an integer %lld..%lld", file,
			 where, *where ? "." : "", key, (long long)lo, (long long)hi);
		return -1;
	}
	int64_t x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		snprintf(err, errlen, "config %s: key \"%s%s%s\": must be %lld..%lld (got %lld)", file,
			 where, *where ? "." : "", key, (long long)lo, (long long)hi, (long long)x);
		return -1;
	}
	*out = x;
	return 1;
}

/* Schema 0 (before schema_version existed) had flat keys: server_url, token_file, watch_dir. */
static void migrate(json_object *root)
{
	json_object *v;
	if (json_object_object_get_ex(root, "schema_version", &v))
		return;
	json_object *server = NULL;
	if (json_object_object_get_ex(root, "server", &v))
		server = v;
	else if (json_object_object_get_ex(root, "server_url", NULL) ||
		 json_object_object_get_ex(root, "token_file", NULL)) {
		server = json_object_new_object();
		json_object_object_add(root, "server", server);
	}
	if (server && json_object_object_get_ex(root, "server_url", &v)) {
		json_object_object_add(server, "url", json_object_get(v));
		json_object_object_del(root, "server_url");
	}
	if (server && json_object_object_get_ex(root, "token_file", &v)) {
		json_object_object_add(server, "token_file", json_object_get(v));
		json_object_object_del(root, "token_file");
	}
	if (json_object_object_get_ex(root, "watch_dir", &v)) {
		json_object *w = json_object_new_object(), *arr = json_object_new_array();
		json_object_object_add(w, "path", json_object_get(v));
		json_object_array_add(arr, w);
		json_object_object_add(root, "watch", arr);
		json_object_object_del(root, "watch_dir");
	}
	json_object_object_add(root, "schema_version", json_object_new_int(1));
}

/* A secret file must be a regular file readable by its owner only. */
static int read_secret(char **out, const char *path, const char *key, const char *file, char *err,
		       size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "config %s: key \"%s\": cannot read %s: %s", file, key,
			 path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen, "config %s: key \"%s\": %s must be a file with mode "
			 "0600 (it is %04o): chmod 600 %s", file, key, path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "config %s: key \"%s\": cannot read %s: %s", file, key,
			 path, strerror(errno));
		return -1;
	}
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	*out = strdup(buf);
	return 0;
}

static int env_override(char **field, const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	free(*field);
	*field = strdup(v);
	return 1;
}

int watsd_serial_check(const char *pattern, const char *serial, char *why, size_t whylen)
{
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[200];
		regerror(rc, &re, msg, sizeof(msg));
		if (why)
			snprintf(why, whylen, "the pattern \"%s\" is not a POSIX extended regular "
				 "expression: %s", pattern, msg);
		return -1;
	}
	int match = serial && regexec(&re, serial, 0, NULL, 0) == 0;
	regfree(&re);
	if (why)
		snprintf(why, whylen, match ? "serial number \"%s\" matches \"%s\"" :
			 "serial number \"%s\" does not match the pattern \"%s\" (serial.pattern)",
			 serial ? serial : "", pattern);
	return match;
}

/* Sections "proxy", "serial" and "software" (docs/watsd.md). */
static int load_proxy_serial_software(watsd_config *cfg, json_object *root, const char *base,
				      char *err, size_t errlen)
{
	json_object *px = NULL, *se = NULL, *sw = NULL;
	if (json_object_object_get_ex(root, "proxy", &px)) {
		static const char *const k[] = { "mode", "url", "bypass", "username", "password",
			"password_file", NULL };
		if (!json_object_is_type(px, json_type_object))
			FAIL("config %s: key \"proxy\": must be an object", cfg->file);
		if (check_keys(px, "proxy", k, err, errlen, cfg->file))
			return -1;
		char *pw = NULL, *pwfile = NULL;
		if (get_str(px, "mode", &cfg->proxy_mode, "proxy", cfg->file, err, errlen) < 0 ||
		    get_str(px, "url", &cfg->proxy_url, "proxy", cfg->file, err, errlen) < 0 ||
		    get_str(px, "bypass", &cfg->proxy_bypass, "proxy", cfg->file, err, errlen) < 0 ||
		    get_str(px, "username", &cfg->proxy_username, "proxy", cfg->file, err, errlen) < 0 ||
		    get_str(px, "password", &pw, "proxy", cfg->file, err, errlen) < 0 ||
		    get_str(px, "password_file", &pwfile, "proxy", cfg->file, err, errlen) < 0) {
			free(pw);
			free(pwfile);
			return -1;
		}
		if (pw) {
			/* A secret in the config file only if that file is private (as server.token). */
			struct stat st;
			if (stat(cfg->file, &st) == 0 && (st.st_mode & 077)) {
				free(pw);
				free(pwfile);
				FAIL("config %s: key \"proxy.password\": a secret in the config file needs mode "
				     "0600 (it is %04o); chmod 600 the file, or use proxy.password_file",
				     cfg->file, (unsigned)(st.st_mode & 07777));
			}
			cfg->proxy_password = pw;
		}
		if (pwfile) {
			char *p = abs_path(base, pwfile);
			free(pwfile);
			int r = read_secret(&cfg->proxy_password, p, "proxy.password_file", cfg->file, err,
					    errlen);
			free(p);
			if (r)
				return -1;
		}
	}
	if (!cfg->proxy_mode)
		cfg->proxy_mode = strdup("system");
	if (strcmp(cfg->proxy_mode, "system") && strcmp(cfg->proxy_mode, "none") &&
	    strcmp(cfg->proxy_mode, "manual"))
		FAIL("config %s: key \"proxy.mode\": must be system, none or manual (got \"%s\")",
		     cfg->file, cfg->proxy_mode);
	if (!strcmp(cfg->proxy_mode, "manual") && (!cfg->proxy_url || !*cfg->proxy_url))
		FAIL("config %s: key \"proxy.url\": required when proxy.mode is manual "
		     "(http://host:port)", cfg->file);
	if (cfg->proxy_url && *cfg->proxy_url && !strstr(cfg->proxy_url, "://"))
		FAIL("config %s: key \"proxy.url\": must be a URL such as http://proxy:3128 (got \"%s\")",
		     cfg->file, cfg->proxy_url);

	if (json_object_object_get_ex(root, "serial", &se)) {
		static const char *const k[] = { "pattern", "action", NULL };
		if (!json_object_is_type(se, json_type_object))
			FAIL("config %s: key \"serial\": must be an object", cfg->file);
		if (check_keys(se, "serial", k, err, errlen, cfg->file))
			return -1;
		if (get_str(se, "pattern", &cfg->serial_pattern, "serial", cfg->file, err, errlen) < 0 ||
		    get_str(se, "action", &cfg->serial_action, "serial", cfg->file, err, errlen) < 0)
			return -1;
	}
	if (cfg->serial_pattern && !*cfg->serial_pattern) {
		free(cfg->serial_pattern); /* "" = no check, as when absent */
		cfg->serial_pattern = NULL;
	}
	if (cfg->serial_pattern) {
		char why[512];
		if (watsd_serial_check(cfg->serial_pattern, "", why, sizeof(why)) < 0)
			FAIL("config %s: key \"serial.pattern\": %s", cfg->file, why);
	}
	if (!cfg->serial_action)
		cfg->serial_action = strdup("reject");
	if (strcmp(cfg->serial_action, "reject") && strcmp(cfg->serial_action, "warn"))
		FAIL("config %s: key \"serial.action\": must be reject or warn (got \"%s\")", cfg->file,
		     cfg->serial_action);

	if (json_object_object_get_ex(root, "software", &sw)) {
		static const char *const k[] = { "dir", NULL };
		if (!json_object_is_type(sw, json_type_object))
			FAIL("config %s: key \"software\": must be an object", cfg->file);
		if (check_keys(sw, "software", k, err, errlen, cfg->file))
			return -1;
		char *dir = NULL;
		if (get_str(sw, "dir", &dir, "software", cfg->file, err, errlen) < 0)
			return -1;
		if (dir && *dir)
			cfg->software_dir = abs_path(base, dir);
		free(dir);
	}
	return 0;
fail:
	return -1;
}

int watsd_config_load(watsd_config *cfg, const char *path, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	json_object *root = NULL;
	char *base = NULL;
	err[0] = '\0';
	cfg->file = realpath(path, NULL);
	if (!cfg->file)
		FAIL("config %s: cannot open: %s", path, strerror(errno));
	base = strdup(cfg->file);
	char *slash = strrchr(base, '/');
	if (slash)
		*(slash == base ? slash + 1 : slash) = '\0';
	root = json_object_from_file(cfg->file);
	if (!root)
		FAIL("config %s: not valid JSON: %s", cfg->file, json_util_get_last_err());
	if (!json_object_is_type(root, json_type_object))
		FAIL("config %s: the top level must be a JSON object", cfg->file);
	migrate(root);
	static const char *const top_keys[] = { "schema_version", "instance", "state_dir", "server",
		"station", "watch", "workers", "queue", "rescan_ms", "shutdown_grace_ms", "log", "http",
		"proxy", "serial", "software", NULL };
	if (check_keys(root, "", top_keys, err, errlen, cfg->file))
		goto fail;
	int64_t x = 0;
	if (get_int(root, "schema_version", &x, 0, INT32_MAX, "", cfg->file, err, errlen) < 0)
		goto fail;
	if (x > WATSD_CONFIG_SCHEMA)
		FAIL("config %s: key \"schema_version\": %lld is newer than this watsd knows (%d)",
		     cfg->file, (long long)x, WATSD_CONFIG_SCHEMA);

	/* Defaults. */
	cfg->convert_workers = 2;
	cfg->upload_workers = 4;
	cfg->max_items = 100000;
	cfg->max_bytes = 2ull << 30;
	cfg->max_attempts = 10;
	cfg->backoff_base_ms = 2000;
	cfg->backoff_max_ms = 300000;
	cfg->keep_sent_hours = 168;
	cfg->rescan_ms = 30000;
	cfg->shutdown_grace_ms = 10000;
	cfg->timeout_ms = 30000;
	cfg->log_max_bytes = 10L << 20;
	cfg->log_files = 5;

	if (get_str(root, "instance", &cfg->instance, "", cfg->file, err, errlen) < 0)
		goto fail;
	if (!cfg->instance) {
		/* The file name without ".json". */
		const char *b = strrchr(cfg->file, '/');
		cfg->instance = strdup(b ? b + 1 : cfg->file);
		char *dot = strrchr(cfg->instance, '.');
		if (dot)
			*dot = '\0';
	}
	if (!watsd_instance_name_ok(cfg->instance))
		FAIL("config %s: key \"instance\": \"%s\" must be 1..64 of A-Z a-z 0-9 _ -", cfg->file,
		     cfg->instance);
	char *sd = NULL;
	if (get_str(root, "state_dir", &sd, "", cfg->file, err, errlen) < 0)
		goto fail;
	if (sd) {
		cfg->state_dir = abs_path(base, sd);
		free(sd);
	}

	json_object *server = NULL, *sec;
	if (json_object_object_get_ex(root, "server", &sec)) {
		if (!json_object_is_type(sec, json_type_object))
			FAIL("config %s: key \"server\": must be an object", cfg->file);
		server = sec;
		static const char *const k[] = { "url", "token", "token_file", "timeout_ms",
			"breaker_failures", "breaker_open_ms", NULL };
		if (check_keys(server, "server", k, err, errlen, cfg->file))
			goto fail;
	}
	if (get_str(server, "url", &cfg->server_url, "server", cfg->file, err, errlen) < 0)
		goto fail;
	if (get_int(server, "timeout_ms", &x, 100, 3600000, "server", cfg->file, err, errlen) < 0)
		goto fail;
	else if (server && json_object_object_get_ex(server, "timeout_ms", NULL))
		cfg->timeout_ms = (long)x;
	if (get_int(server, "breaker_failures", &x, 1, 1000, "server", cfg->file, err, errlen) < 0)
		goto fail;
	else if (server && json_object_object_get_ex(server, "breaker_failures", NULL))
		cfg->breaker_failures = (unsigned int)x;
	if (get_int(server, "breaker_open_ms", &x, 100, 3600000, "server", cfg->file, err, errlen) < 0)
		goto fail;
	else if (server && json_object_object_get_ex(server, "breaker_open_ms", NULL))
		cfg->breaker_open_ms = (unsigned int)x;
	char *tok = NULL, *tokfile = NULL;
	if (get_str(server, "token", &tok, "server", cfg->file, err, errlen) < 0 ||
	    get_str(server, "token_file", &tokfile, "server", cfg->file, err, errlen) < 0) {
		free(tok);
		free(tokfile);
		goto fail;
	}
	if (tok) {
		/* A token in the config file only if that file is private. */
		struct stat st;
		if (stat(cfg->file, &st) == 0 && (st.st_mode & 077)) {
			free(tok);
			free(tokfile);
			FAIL("config %s: key \"server.token\": a secret in the config file needs mode 0600 "
			     "(it is %04o); chmod 600 the file, or use server.token_file or WATSD_TOKEN",
			     cfg->file, (unsigned)(st.st_mode & 07777));
		}
		cfg->token = tok;
	}
	if (tokfile) {
		char *p = abs_path(base, tokfile);
		free(tokfile);
		int r = read_secret(&cfg->token, p, "server.token_file", cfg->file, err, errlen);
		free(p);
		if (r)
			goto fail;
	}

	json_object *st = NULL;
	if (json_object_object_get_ex(root, "station", &st)) {
		static const char *const k[] = { "name", "location", "purpose", NULL };
		if (!json_object_is_type(st, json_type_object))
			FAIL("config %s: key \"station\": must be an object", cfg->file);
		if (check_keys(st, "station", k, err, errlen, cfg->file))
			goto fail;
		if (get_str(st, "name", &cfg->station_name, "station", cfg->file, err, errlen) < 0 ||
		    get_str(st, "location", &cfg->location, "station", cfg->file, err, errlen) < 0 ||
		    get_str(st, "purpose", &cfg->purpose, "station", cfg->file, err, errlen) < 0)
			goto fail;
	}

	json_object *wk = NULL;
	if (json_object_object_get_ex(root, "workers", &wk)) {
		static const char *const k[] = { "convert", "upload", NULL };
		if (!json_object_is_type(wk, json_type_object))
			FAIL("config %s: key \"workers\": must be an object", cfg->file);
		if (check_keys(wk, "workers", k, err, errlen, cfg->file))
			goto fail;
		if (get_int(wk, "convert", &x, 1, 64, "workers", cfg->file, err, errlen) < 0)
			goto fail;
		else if (json_object_object_get_ex(wk, "convert", NULL))
			cfg->convert_workers = (int)x;
		if (get_int(wk, "upload", &x, 1, 64, "workers", cfg->file, err, errlen) < 0)
			goto fail;
		else if (json_object_object_get_ex(wk, "upload", NULL))
			cfg->upload_workers = (int)x;
	}

	json_object *qs = NULL;
	if (json_object_object_get_ex(root, "queue", &qs)) {
		static const char *const k[] = { "max_items", "max_bytes", "max_attempts",
			"backoff_base_ms", "backoff_max_ms", "keep_sent_hours", NULL };
		if (!json_object_is_type(qs, json_type_object))
			FAIL("config %s: key \"queue\": must be an object", cfg->file);
		if (check_keys(qs, "queue", k, err, errlen, cfg->file))
			goto fail;
		struct { const char *k; int64_t lo, hi; } r[] = {
			{ "max_items", 0, INT64_MAX }, { "max_bytes", 0, INT64_MAX },
			{ "max_attempts", 1, 1000 }, { "backoff_base_ms", 1, 3600000 },
			{ "backoff_max_ms", 1, 86400000 }, { "keep_sent_hours", 0, 100000 } };
		for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
			int g = get_int(qs, r[i].k, &x, r[i].lo, r[i].hi, "queue", cfg->file, err, errlen);
			if (g < 0)
				goto fail;
			if (g == 0)
				continue;
			switch (i) {
			case 0: cfg->max_items = (uint64_t)x; break;
			case 1: cfg->max_bytes = (uint64_t)x; break;
			case 2: cfg->max_attempts = (unsigned int)x; break;
			case 3: cfg->backoff_base_ms = (unsigned int)x; break;
			case 4: cfg->backoff_max_ms = (unsigned int)x; break;
			default: cfg->keep_sent_hours = (long)x; break;
			}
		}
	}
	if (get_int(root, "rescan_ms", &x, 100, 86400000, "", cfg->file, err, errlen) < 0)
		goto fail;
	else if (json_object_object_get_ex(root, "rescan_ms", NULL))
		cfg->rescan_ms = (int)x;
	if (get_int(root, "shutdown_grace_ms", &x, 0, 3600000, "", cfg->file, err, errlen) < 0)
		goto fail;
	else if (json_object_object_get_ex(root, "shutdown_grace_ms", NULL))
		cfg->shutdown_grace_ms = (int)x;

	json_object *lg = NULL;
	if (json_object_object_get_ex(root, "log", &lg)) {
		static const char *const k[] = { "format", "level", "file", "max_bytes", "files", NULL };
		if (!json_object_is_type(lg, json_type_object))
			FAIL("config %s: key \"log\": must be an object", cfg->file);
		if (check_keys(lg, "log", k, err, errlen, cfg->file))
			goto fail;
		if (get_str(lg, "format", &cfg->log_format, "log", cfg->file, err, errlen) < 0 ||
		    get_str(lg, "level", &cfg->log_level, "log", cfg->file, err, errlen) < 0 ||
		    get_str(lg, "file", &cfg->log_file, "log", cfg->file, err, errlen) < 0)
			goto fail;
		if (get_int(lg, "max_bytes", &x, 4096, INT32_MAX, "log", cfg->file, err, errlen) < 0)
			goto fail;
		else if (json_object_object_get_ex(lg, "max_bytes", NULL))
			cfg->log_max_bytes = (long)x;
		if (get_int(lg, "files", &x, 1, 100, "log", cfg->file, err, errlen) < 0)
			goto fail;
		else if (json_object_object_get_ex(lg, "files", NULL))
			cfg->log_files = (int)x;
	}

	json_object *hs = NULL;
	if (json_object_object_get_ex(root, "http", &hs)) {
		static const char *const k[] = { "enabled", "address", "port", "api_key", "api_key_file",
			NULL };
		if (!json_object_is_type(hs, json_type_object))
			FAIL("config %s: key \"http\": must be an object", cfg->file);
		if (check_keys(hs, "http", k, err, errlen, cfg->file))
			goto fail;
		json_object *en;
		cfg->http_enabled = 1;
		if (json_object_object_get_ex(hs, "enabled", &en)) {
			if (!json_object_is_type(en, json_type_boolean))
				FAIL("config %s: key \"http.enabled\": must be true or false", cfg->file);
			cfg->http_enabled = json_object_get_boolean(en);
		}
		if (get_str(hs, "address", &cfg->http_address, "http", cfg->file, err, errlen) < 0)
			goto fail;
		if (get_int(hs, "port", &x, 0, 65535, "http", cfg->file, err, errlen) < 0)
			goto fail;
		else if (json_object_object_get_ex(hs, "port", NULL))
			cfg->http_port = (int)x;
		char *key = NULL, *keyfile = NULL;
		if (get_str(hs, "api_key", &key, "http", cfg->file, err, errlen) < 0 ||
		    get_str(hs, "api_key_file", &keyfile, "http", cfg->file, err, errlen) < 0) {
			free(key);
			free(keyfile);
			goto fail;
		}
		if (key) {
			struct stat kst;
			if (stat(cfg->file, &kst) == 0 && (kst.st_mode & 077)) {
				free(key);
				free(keyfile);
				FAIL("config %s: key \"http.api_key\": a secret in the config file needs mode "
				     "0600 (it is %04o); chmod 600 the file, or use http.api_key_file or "
				     "WATSD_API_KEY", cfg->file, (unsigned)(kst.st_mode & 07777));
			}
			cfg->api_key = key;
		}
		if (keyfile) {
			char *p = abs_path(base, keyfile);
			free(keyfile);
			int r = read_secret(&cfg->api_key, p, "http.api_key_file", cfg->file, err, errlen);
			free(p);
			if (r)
				goto fail;
		}
	}

	if (load_proxy_serial_software(cfg, root, base, err, errlen))
		goto fail;

	json_object *wa = NULL;
	if (json_object_object_get_ex(root, "watch", &wa)) {
		if (!json_object_is_type(wa, json_type_array))
			FAIL("config %s: key \"watch\": must be an array of folders", cfg->file);
		size_t n = json_object_array_length(wa);
		cfg->watches = calloc(n ? n : 1, sizeof(*cfg->watches));
		for (size_t i = 0; i < n; i++) {
			json_object *w = json_object_array_get_idx(wa, i);
			char where[32];
			snprintf(where, sizeof(where), "watch[%zu]", i);
			if (!json_object_is_type(w, json_type_object))
				FAIL("config %s: key \"%s\": must be an object", cfg->file, where);
			static const char *const k[] = { "path", "converter", "patterns", "priority",
				"post_action", "done_dir", "error_dir", "stable_ms", "enabled", NULL };
			if (check_keys(w, where, k, err, errlen, cfg->file))
				goto fail;
			watsd_watch *ww = &cfg->watches[cfg->nwatches++];
			ww->priority = 5;
			ww->stable_ms = 500;
			ww->enabled = 1;
			json_object *en;
			if (json_object_object_get_ex(w, "enabled", &en) &&
			    !json_object_is_type(en, json_type_null)) {
				if (!json_object_is_type(en, json_type_boolean))
					FAIL("config %s: key \"%s.enabled\": must be true or false", cfg->file,
					     where);
				ww->enabled = json_object_get_boolean(en);
			}
			char *p = NULL, *post = NULL, *dd = NULL, *ed = NULL;
			int bad = get_str(w, "path", &p, where, cfg->file, err, errlen) < 0 ||
				  get_str(w, "converter", &ww->converter, where, cfg->file, err, errlen) < 0 ||
				  get_str(w, "patterns", &ww->patterns, where, cfg->file, err, errlen) < 0 ||
				  get_str(w, "post_action", &post, where, cfg->file, err, errlen) < 0 ||
				  get_str(w, "done_dir", &dd, where, cfg->file, err, errlen) < 0 ||
				  get_str(w, "error_dir", &ed, where, cfg->file, err, errlen) < 0;
			if (!bad && get_int(w, "priority", &x, 1, 10, where, cfg->file, err, errlen) < 0)
				bad = 1;
			else if (!bad && json_object_object_get_ex(w, "priority", NULL))
				ww->priority = (int)x;
			if (!bad && get_int(w, "stable_ms", &x, 0, 3600000, where, cfg->file, err, errlen) < 0)
				bad = 1;
			else if (!bad && json_object_object_get_ex(w, "stable_ms", NULL))
				ww->stable_ms = (int)x;
			if (!bad && (!p || !*p)) {
				snprintf(err, errlen, "config %s: key \"%s.path\": required (the folder to watch)",
					 cfg->file, where);
				bad = 1;
			}
			if (!bad && post) {
				if (!strcmp(post, "move"))
					ww->post = POST_MOVE;
				else if (!strcmp(post, "delete"))
					ww->post = POST_DELETE;
				else if (!strcmp(post, "archive"))
					ww->post = POST_ARCHIVE;
				else if (!strcmp(post, "leave"))
					ww->post = POST_LEAVE;
				else {
					snprintf(err, errlen, "config %s: key \"%s.post_action\": must be move, delete, "
						 "archive or leave (got \"%s\")", cfg->file, where, post);
					bad = 1;
				}
			}
			if (!bad) {
				ww->path = abs_path(base, p);
				size_t n2 = strlen(ww->path) + 8;
				ww->done_dir = dd ? abs_path(base, dd) : malloc(n2);
				if (!dd)
					snprintf(ww->done_dir, n2, "%s/Done", ww->path);
				ww->error_dir = ed ? abs_path(base, ed) : malloc(n2);
				if (!ed)
					snprintf(ww->error_dir, n2, "%s/Error", ww->path);
				if (!ww->converter)
					ww->converter = strdup("auto");
				if (!ww->patterns)
					ww->patterns = strdup("*");
			}
			free(p);
			free(post);
			free(dd);
			free(ed);
			if (bad)
				goto fail;
		}
	}

	/* Environment overrides (documented in docs/watsd.md). */
	env_override(&cfg->server_url, "WATSD_SERVER_URL");
	env_override(&cfg->token, "WATSD_TOKEN");
	env_override(&cfg->log_level, "WATSD_LOG_LEVEL");
	env_override(&cfg->log_format, "WATSD_LOG_FORMAT");
	env_override(&cfg->log_file, "WATSD_LOG_FILE");
	env_override(&cfg->api_key, "WATSD_API_KEY");
	char *envsd = NULL;
	if (env_override(&envsd, "WATSD_STATE_DIR")) {
		free(cfg->state_dir);
		cfg->state_dir = abs_path(base, envsd);
		free(envsd);
	}

	/* Rules across keys. */
	if (!cfg->server_url || !*cfg->server_url)
		FAIL("config %s: key \"server.url\": required (or set WATSD_SERVER_URL)", cfg->file);
	if (strncmp(cfg->server_url, "http://", 7) && strncmp(cfg->server_url, "https://", 8))
		FAIL("config %s: key \"server.url\": must start with http:// or https:// (got \"%s\")",
		     cfg->file, cfg->server_url);
	if (!cfg->state_dir) {
		size_t n = strlen(base) + strlen(cfg->instance) + 16;
		cfg->state_dir = malloc(n);
		snprintf(cfg->state_dir, n, "%s/%s.state", base, cfg->instance);
	}
	if (!cfg->log_format)
		cfg->log_format = strdup("text");
	if (strcmp(cfg->log_format, "text") && strcmp(cfg->log_format, "json"))
		FAIL("config %s: key \"log.format\": must be text or json (got \"%s\")", cfg->file,
		     cfg->log_format);
	if (!cfg->log_level)
		cfg->log_level = strdup("info");
	wats_log_level lv;
	if (wats_log_level_parse(&lv, cfg->log_level))
		FAIL("config %s: key \"log.level\": must be debug, info, warning, error or critical "
		     "(got \"%s\")", cfg->file, cfg->log_level);
	if (!cfg->log_file)
		cfg->log_file = strdup("");
	else if (*cfg->log_file && cfg->log_file[0] != '/') {
		char *lf = abs_path(base, cfg->log_file);
		free(cfg->log_file);
		cfg->log_file = lf;
	}
	if (!cfg->http_address)
		cfg->http_address = strdup("127.0.0.1");
	if (cfg->http_enabled) {
		unsigned char a[16];
		if (inet_pton(AF_INET, cfg->http_address, a) != 1 &&
		    inet_pton(AF_INET6, cfg->http_address, a) != 1)
			FAIL("config %s: key \"http.address\": must be an IPv4 or IPv6 address such as "
			     "127.0.0.1 or ::1 (got \"%s\")", cfg->file, cfg->http_address);
	}
	if (cfg->api_key && strlen(cfg->api_key) < 16)
		FAIL("config %s: key \"http.api_key\": must be at least 16 characters (a random "
		     "secret, e.g. openssl rand -hex 24)", cfg->file);
	if (cfg->backoff_max_ms < cfg->backoff_base_ms)
		FAIL("config %s: key \"queue.backoff_max_ms\": must be >= queue.backoff_base_ms",
		     cfg->file);
	for (size_t i = 0; i < cfg->nwatches; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->watches[i].path, cfg->watches[j].path))
				FAIL("config %s: key \"watch[%zu].path\": %s is already watched by watch[%zu]",
				     cfg->file, i, cfg->watches[i].path, j);
	json_object_put(root);
	free(base);
	return 0;
fail:
	json_object_put(root);
	free(base);
	watsd_config_free(cfg);
	return -1;
}

void watsd_config_free(watsd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nwatches; i++) {
		free(c->watches[i].path);
		free(c->watches[i].converter);
		free(c->watches[i].patterns);
		free(c->watches[i].done_dir);
		free(c->watches[i].error_dir);
	}
	free(c->watches);
	free(c->file);
	free(c->instance);
	free(c->state_dir);
	free(c->server_url);
	if (c->token) {
		memset(c->token, 0, strlen(c->token));
		free(c->token);
	}
	free(c->station_name);
	free(c->location);
	free(c->purpose);
	free(c->log_format);
	free(c->log_level);
	free(c->log_file);
	free(c->http_address);
	if (c->api_key) {
		memset(c->api_key, 0, strlen(c->api_key));
		free(c->api_key);
	}
	free(c->proxy_mode);
	free(c->proxy_url);
	free(c->proxy_bypass);
	free(c->proxy_username);
	if (c->proxy_password) {
		memset(c->proxy_password, 0, strlen(c->proxy_password));
		free(c->proxy_password);
	}
	free(c->serial_pattern);
	free(c->serial_action);
	free(c->software_dir);
	memset(c, 0, sizeof(*c));
}
