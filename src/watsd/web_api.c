/*
 * The web configurator's JSON API (docs/web.md, API): the route table with its checks
 * (session, Origin, CSRF), and the session, config, connection, serial, software, logs and
 * about routes. Dashboard, queue and file conversion are in web_api_run.c.
 *
 * No answer carries a secret: the token, the API key and the proxy password are shown as
 * {"set": true|false} only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <expat.h>
#include <sqlite3.h>

#include "web.h"
#include "web_api.h"

/* ---- helpers ------------------------------------------------------------------------------- */

void watsd_web_iso(char *out, size_t size, int64_t ms)
{
	if (ms <= 0) {
		snprintf(out, size, "%s", "");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%03dZ", (int)(ms % 1000));
}

static void put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static int loopback(const char *addr)
{
	struct in_addr a4;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return !strcmp(addr, "::1");
}

/* The config as saved (the file, which may be newer than the running one), else the running
 * one, held. Give it back with saved_done. */
static watsd_config *saved_config(watsd *d, watsd_config *buf, int *fresh)
{
	char err[1024];
	watsd_config *run = watsd_cfg_acquire(d);
	*fresh = watsd_config_load(buf, run->file, err, sizeof(err)) == 0;
	if (!*fresh)
		return run;
	watsd_cfg_release(d, run);
	return buf;
}

static void saved_done(watsd *d, watsd_config *cfg, int fresh)
{
	if (fresh)
		watsd_config_free(cfg);
	else
		watsd_cfg_release(d, cfg);
}

/* The same server URL, but for trailing slashes and the case (a difference only withholds
 * the saved token). */
static int same_url(const char *a, const char *b)
{
	size_t al = a ? strlen(a) : 0, bl = b ? strlen(b) : 0;
	while (al && a[al - 1] == '/')
		al--;
	while (bl && b[bl - 1] == '/')
		bl--;
	return al == bl && (!al || !strncasecmp(a, b, al));
}

int watsd_web_client(wats_client **out, watsd *d, const char *url, const char *token,
		     int *token_withheld)
{
	watsd_config buf, *cfg;
	int fresh;
	cfg = saved_config(d, &buf, &fresh);
	/* The service's own options (proxy included), then: one try, no breaker or cache, at
	 * most 10 s, the config's station identity only. */
	wats_client_options co;
	watsd_client_options(&co, cfg);
	if (token_withheld)
		*token_withheld = 0;
	if (url && *url && !same_url(url, cfg->server_url) && !(token && *token) && co.token) {
		/* The saved token goes to the saved server only: a page must not be able to send
		 * it to a URL of its choice (and so read it). */
		co.token = NULL;
		if (token_withheld)
			*token_withheld = 1;
	}
	if (url && *url)
		co.base_url = url;
	if (token && *token)
		co.token = token;
	co.station_file = "/nonexistent";
	long t = cfg->timeout_ms > 10000 ? 10000 : cfg->timeout_ms;
	co.request_timeout_ms = co.connect_timeout_ms = co.total_timeout_ms = t;
	co.flags = WATS_CLIENT_NO_RETRY | WATS_CLIENT_NO_BREAKER | WATS_CLIENT_NO_CACHE;
	int rc = wats_client_new(out, &co);
	saved_done(d, cfg, fresh);
	return rc;
}

/* ---- session ------------------------------------------------------------------------------- */

static void h_session(watsd_req *r)
{
	watsd *d = r->d;
	watsd_config *cfg = watsd_cfg_acquire(d);
	int auth = watsd_web_session(r);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "authenticated", json_object_new_boolean(auth));
	if (auth)
		put_str(o, "csrf", r->csrf);
	put_str(o, "instance", cfg->instance);
	put_str(o, "version", wats_version());
	char bound[sizeof(d->http_bound)];
	pthread_mutex_lock(&d->health.lock);
	memcpy(bound, d->http_bound, sizeof(bound));
	pthread_mutex_unlock(&d->health.lock);
	put_str(o, "bound", bound);
	json_object_object_add(o, "loopback", json_object_new_boolean(loopback(cfg->http_address)));
	json_object_object_add(o, "api_key_configured",
			       json_object_new_boolean(cfg->api_key && *cfg->api_key));
	watsd_cfg_release(d, cfg);
	watsd_reply_json(r, 200, o);
}

/* ---- config -------------------------------------------------------------------------------- */

static const struct { const char *section, *name, *file_key; } secret_keys[] = {
	{ "server", "token", "token_file" },
	{ "http", "api_key", "api_key_file" },
	{ "proxy", "password", "password_file" },
};

/* Replace each secret of the file's JSON by {"set": bool}. running[i]: set in the service. */
static void hide_secrets(json_object *root, const int running[3])
{
	for (size_t i = 0; i < 3; i++) {
		json_object *sec = NULL, *v;
		if (!json_object_object_get_ex(root, secret_keys[i].section, &sec) ||
		    !json_object_is_type(sec, json_type_object)) {
			sec = json_object_new_object();
			json_object_object_add(root, secret_keys[i].section, sec);
		}
		int set = running[i] ||
			  (json_object_object_get_ex(sec, secret_keys[i].name, &v) &&
			   json_object_is_type(v, json_type_string) && *json_object_get_string(v)) ||
			  json_object_object_get_ex(sec, secret_keys[i].file_key, NULL);
		json_object *s = json_object_new_object();
		json_object_object_add(s, "set", json_object_new_boolean(set));
		json_object_object_add(sec, secret_keys[i].name, s);
	}
}

static json_object *effective(const watsd_config *c)
{
	static const char *const post[] = { "move", "delete", "archive", "leave" };
	json_object *e = json_object_new_object();
	put_str(e, "instance", c->instance);
	put_str(e, "state_dir", c->state_dir);
	put_str(e, "server_url", c->server_url);
	json_object_object_add(e, "timeout_ms", json_object_new_int64(c->timeout_ms));
	put_str(e, "station_name", c->station_name);
	put_str(e, "location", c->location);
	put_str(e, "purpose", c->purpose);
	put_str(e, "proxy_mode", c->proxy_mode);
	put_str(e, "proxy_url", c->proxy_url);
	put_str(e, "proxy_bypass", c->proxy_bypass);
	put_str(e, "proxy_username", c->proxy_username);
	put_str(e, "serial_pattern", c->serial_pattern);
	put_str(e, "serial_action", c->serial_action);
	put_str(e, "software_dir", c->software_dir);
	json_object *w = json_object_new_array();
	for (size_t i = 0; i < c->nwatches; i++) {
		const watsd_watch *x = &c->watches[i];
		json_object *o = json_object_new_object();
		put_str(o, "path", x->path);
		put_str(o, "converter", x->converter);
		put_str(o, "patterns", x->patterns);
		json_object_object_add(o, "priority", json_object_new_int(x->priority));
		json_object_object_add(o, "enabled", json_object_new_boolean(x->enabled));
		put_str(o, "post_action", post[x->post]);
		put_str(o, "done_dir", x->done_dir);
		put_str(o, "error_dir", x->error_dir);
		json_object_object_add(o, "stable_ms", json_object_new_int(x->stable_ms));
		json_object_array_add(w, o);
	}
	json_object_object_add(e, "watch", w);
	json_object_object_add(e, "workers_convert", json_object_new_int(c->convert_workers));
	json_object_object_add(e, "workers_upload", json_object_new_int(c->upload_workers));
	json_object_object_add(e, "queue_max_items", json_object_new_int64((int64_t)c->max_items));
	json_object_object_add(e, "queue_max_bytes", json_object_new_int64((int64_t)c->max_bytes));
	json_object_object_add(e, "queue_max_attempts", json_object_new_int64(c->max_attempts));
	json_object_object_add(e, "backoff_base_ms", json_object_new_int64(c->backoff_base_ms));
	json_object_object_add(e, "backoff_max_ms", json_object_new_int64(c->backoff_max_ms));
	json_object_object_add(e, "rescan_ms", json_object_new_int(c->rescan_ms));
	json_object_object_add(e, "shutdown_grace_ms", json_object_new_int(c->shutdown_grace_ms));
	put_str(e, "log_level", c->log_level);
	put_str(e, "log_file", c->log_file);
	put_str(e, "http_address", c->http_address);
	json_object_object_add(e, "http_port", json_object_new_int(c->http_port));
	return e;
}

static void h_config_get(watsd_req *r)
{
	watsd *d = r->d;
	watsd_config *c = watsd_cfg_acquire(d);
	json_object *root = json_object_from_file(c->file);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		root = json_object_new_object(); /* unreadable now: the page still gets the rest */
	}
	int running[3] = { c->token && *c->token, c->api_key && *c->api_key,
			   c->proxy_password && *c->proxy_password };
	hide_secrets(root, running);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "config", root);
	json_object_object_add(o, "effective", effective(c));
	json_object *conv = json_object_new_array();
	json_object_array_add(conv, json_object_new_string("auto"));
	for (size_t i = 0; i < wats_converters_count(d->converters); i++)
		json_object_array_add(conv, json_object_new_string(
			wats_converter_name(wats_converters_at(d->converters, i))));
	json_object_object_add(o, "converters", conv);
	put_str(o, "file", c->file);
	watsd_cfg_release(d, c);
	watsd_reply_json(r, 200, o);
}

static void h_config_put(watsd_req *r)
{
	json_object *b = watsd_req_json(r), *changes;
	if (!b)
		return;
	if (!json_object_object_get_ex(b, "changes", &changes) ||
	    !json_object_is_type(changes, json_type_object)) {
		json_object_put(b);
		watsd_reply_error(r, 400, "the body must be {\"changes\": {\"dotted.key\": value, ...}}");
		return;
	}
	json_object *errors = NULL;
	char err[1024], keys[512] = "";
	json_object_object_foreach(changes, k, v) {
		(void)v;
		size_t n = strlen(keys);
		snprintf(keys + n, sizeof(keys) - n, "%s%s", n ? ", " : "", k);
	}
	watsd_config *c = watsd_cfg_acquire(r->d);
	int rc = watsd_config_apply(c->file, changes, &errors, err, sizeof(err));
	watsd_cfg_release(r->d, c);
	json_object_put(b);
	if (rc > 0) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "errors", errors);
		watsd_reply_json(r, 400, o);
		return;
	}
	if (rc < 0) {
		watsd_reply_error(r, 500, err);
		return;
	}
	watsd_log(WATS_LOG_INFO, NULL, "web: config saved (%s)", keys);
	char restart[512] = "";
	int rl = watsd_reload(r->d, err, sizeof(err), restart, sizeof(restart));
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	json_object_object_add(o, "saved", json_object_new_boolean(1));
	json_object_object_add(o, "applied", json_object_new_boolean(rl == 0));
	char *save = NULL;
	for (char *p = strtok_r(restart, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
		json_object_array_add(list, json_object_new_string(p));
	json_object_object_add(o, "restart_required", list);
	if (rl)
		put_str(o, "error", err);
	watsd_reply_json(r, 200, o);
}

/* ---- test connection, serial, software ------------------------------------------------------ */

static void h_test_connection(watsd_req *r)
{
	json_object *b = watsd_req_json(r), *v;
	if (!b)
		return;
	const char *url = json_object_object_get_ex(b, "url", &v) ? json_object_get_string(v) : NULL;
	const char *token = json_object_object_get_ex(b, "token", &v) ? json_object_get_string(v) : NULL;
	json_object *o = json_object_new_object();
	wats_client *c = NULL;
	int64_t t0 = watsd_mono_ms();
	char *version = NULL;
	int withheld = 0;
	int rc = watsd_web_client(&c, r->d, url, token, &withheld);
	if (rc == 0)
		rc = wats_client_ping(&version, c);
	int64_t ms = watsd_mono_ms() - t0;
	json_object_object_add(o, "ok", json_object_new_boolean(rc == 0));
	json_object_object_add(o, "http_status",
			       json_object_new_int(rc == 0 ? 200 : wats_error_last()->http_status));
	put_str(o, "server_version", version);
	json_object_object_add(o, "latency_ms", json_object_new_int64(ms));
	put_str(o, "url", c ? wats_client_base_url(c) : url);
	if (rc) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "%s%s", wats_error_last()->message, withheld ?
			 " (the saved token is sent only to the saved server URL: type the token to "
			 "test another server)" : "");
		put_str(o, "error", msg);
	}
	watsd_log(rc ? WATS_LOG_WARNING : WATS_LOG_INFO, NULL, "web: test connection to %s: %s "
		  "(%lld ms)", c ? wats_client_base_url(c) : url ? url : "?",
		  rc ? wats_error_last()->message : "ok", (long long)ms);
	wats_free(version);
	wats_client_free(c);
	json_object_put(b);
	watsd_reply_json(r, 200, o);
}

static void h_serial_test(watsd_req *r)
{
	json_object *b = watsd_req_json(r), *v;
	if (!b)
		return;
	const char *sn = json_object_object_get_ex(b, "serial", &v) &&
			 json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!sn) {
		json_object_put(b);
		watsd_reply_error(r, 400, "the body must be {\"serial\": \"...\"}");
		return;
	}
	watsd_config buf, *cfg;
	int fresh;
	cfg = saved_config(r->d, &buf, &fresh);
	json_object *o = json_object_new_object();
	char why[600];
	if (!cfg->serial_pattern) {
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		put_str(o, "message", "no serial.pattern is set: every serial number is accepted");
	} else {
		int m = watsd_serial_check(cfg->serial_pattern, sn, why, sizeof(why));
		json_object_object_add(o, "ok", json_object_new_boolean(m == 1));
		put_str(o, "message", why);
		put_str(o, "action", cfg->serial_action);
	}
	saved_done(r->d, cfg, fresh);
	json_object_put(b);
	watsd_reply_json(r, 200, o);
}

static void h_software(watsd_req *r)
{
	json_object *o = json_object_new_object();
	watsd_config *cfg = watsd_cfg_acquire(r->d);
	put_str(o, "dir", cfg->software_dir);
	watsd_cfg_release(r->d, cfg);
	wats_client *c = NULL;
	wats_response *resp = NULL;
	int rc = watsd_web_client(&c, r->d, NULL, NULL, NULL);
	if (rc == 0)
		rc = wats_call(&resp, c, "software.get_packages", NULL, 0, NULL, 0);
	json_object *pk = rc == 0 && resp ? json_tokener_parse(resp->body) : NULL;
	if (rc == 0 && !json_object_is_type(pk, json_type_array)) {
		json_object_put(pk);
		pk = NULL;
		json_object_object_add(o, "packages", json_object_new_array());
		put_str(o, "error", "the server's answer is not a list of packages");
	} else {
		json_object_object_add(o, "packages", pk ? pk : json_object_new_array());
		if (rc)
			put_str(o, "error", wats_error_last()->message);
	}
	wats_response_free(resp);
	wats_client_free(c);
	watsd_reply_json(r, 200, o);
}

/* ---- logs, about ---------------------------------------------------------------------------- */

static void h_logs(watsd_req *r)
{
	const char *lv = watsd_req_arg(r, "level"), *lim = watsd_req_arg(r, "limit");
	wats_log_level min = WATS_LOG_DEBUG;
	if (lv && *lv && wats_log_level_parse(&min, lv)) {
		watsd_reply_error(r, 400, "level: debug, info, warning, error or critical");
		return;
	}
	long n = lim && *lim ? strtol(lim, NULL, 10) : 200;
	if (n <= 0 || n > 1000)
		n = 1000;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "lines", watsd_log_recent(min, (size_t)n));
	watsd_reply_json(r, 200, o);
}

static void h_about(watsd_req *r)
{
	watsd *d = r->d;
	watsd_config *c = watsd_cfg_acquire(d);
	json_object *o = json_object_new_object(), *l = json_object_new_object();
	put_str(o, "version", wats_version());
	put_str(o, "instance", c->instance);
	put_str(o, "config_file", c->file);
	put_str(o, "state_dir", c->state_dir);
	watsd_cfg_release(d, c);
	char when[40];
	watsd_web_iso(when, sizeof(when), d->started_ms);
	put_str(o, "started", when);
	json_object_object_add(o, "uptime_s",
			       json_object_new_int64((watsd_wall_ms() - d->started_ms) / 1000));
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	put_str(l, "curl", cv ? cv->version : NULL);
	put_str(l, "sqlite", sqlite3_libversion());
	put_str(l, "json-c", json_c_version());
	XML_Expat_Version ev = XML_ExpatVersionInfo();
	char exp[32];
	snprintf(exp, sizeof(exp), "%d.%d.%d", ev.major, ev.minor, ev.micro);
	put_str(l, "expat", exp);
	put_str(l, "microhttpd", MHD_get_version());
	json_object_object_add(o, "libraries", l);
	watsd_reply_json(r, 200, o);
}

static void h_login(watsd_req *r)
{
	watsd_web_login(r);
}

static void h_logout(watsd_req *r)
{
	watsd_web_logout(r);
}

/* ---- the table ------------------------------------------------------------------------------ */

#define PUBLIC 1 /* no session needed */

static const struct {
	const char *method, *path;
	int flags;
	void (*fn)(watsd_req *r);
} api[] = {
	{ "GET", "/api/session", PUBLIC, h_session },
	{ "POST", "/api/login", PUBLIC, h_login },
	{ "POST", "/api/logout", 0, h_logout },
	{ "GET", "/api/config", 0, h_config_get },
	{ "PUT", "/api/config", 0, h_config_put },
	{ "POST", "/api/test/connection", 0, h_test_connection },
	{ "POST", "/api/test/convert", 0, watsd_web_test_convert },
	{ "GET", "/api/dashboard", 0, watsd_web_dashboard },
	{ "GET", "/api/queue", 0, watsd_web_queue_list },
	{ "GET", "/api/queue/item", 0, watsd_web_queue_item },
	{ "POST", "/api/queue/retry", 0, watsd_web_queue_retry },
	{ "POST", "/api/queue/purge", 0, watsd_web_queue_purge },
	{ "GET", "/api/logs", 0, h_logs },
	{ "POST", "/api/serial/test", 0, h_serial_test },
	{ "GET", "/api/software", 0, h_software },
	{ "GET", "/api/about", 0, h_about },
};

int watsd_web_dispatch(watsd_req *r)
{
	int known = 0;
	int safe = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++) {
		if (strcmp(api[i].path, r->path))
			continue;
		known = 1;
		int head = !strcmp(r->method, "HEAD") && !strcmp(api[i].method, "GET");
		if (strcmp(api[i].method, r->method) && !head) {
			r->allow = api[i].method;
			continue;
		}
		/* Origin first (a cross-site form post is refused whatever it carries), then the
		 * session, then the CSRF token of every change. */
		if (!safe && !watsd_web_origin_ok(r))
			return 1;
		if (!(api[i].flags & PUBLIC)) {
			if (!watsd_web_session(r)) {
				watsd_reply_error(r, 401, "log in first (POST /api/login with the API key)");
				return 1;
			}
			if (!safe && !watsd_web_csrf_ok(r))
				return 1;
		}
		r->allow = NULL;
		api[i].fn(r);
		return 1;
	}
	if (known) {
		watsd_reply_error(r, 405, "method not allowed");
		return 1;
	}
	return 0;
}
