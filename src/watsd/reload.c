/*
 * Config reload (SIGHUP, the control command "reload", the web configurator after a save).
 *
 * The new file is loaded and validated whole first; an invalid file changes nothing. Then what
 * can change while running is applied: the client is reconfigured (server, token, proxy,
 * station, timeouts, breaker: wats_client_reconfigure, for requests that start afterwards),
 * the queue gets its new limits and backoff, the log its level, and d->cfg is replaced by the
 * new config in one atomic store. Threads that use the config for longer than one read (the
 * watcher, a converter for one file, the status) hold it with watsd_cfg_acquire; a replaced
 * config is freed once nothing holds it and at least RETIRED_GRACE_MS after it was replaced
 * (code that reads d->cfg->x once, without holding it, has long finished by then). The
 * watcher sees the new config on its next turn (at most 250 ms): it watches added folders,
 * drops removed or disabled ones, and scans again.
 *
 * Keys that only take effect at start (state_dir, instance, workers.*, http.enabled/address/
 * port, log.file/format/max_bytes/files) keep their running values in the new config, so that
 * d->cfg always says what runs; they are named in the answer ("needs a restart").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watsd.h"

#define RETIRED_GRACE_MS 10000

typedef struct gen {
	watsd_config *cfg;
	unsigned int refs;
	int64_t retired_ms; /* mono; 0 while current */
	struct gen *next;
} gen;

static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static gen *gens;
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER; /* one reload at a time */

/* gen_lock held. The first config is registered when it is first held. */
static gen *find_gen(watsd_config *cfg, int add)
{
	for (gen *g = gens; g; g = g->next)
		if (g->cfg == cfg)
			return g;
	if (!add)
		return NULL;
	gen *g = calloc(1, sizeof(*g));
	if (g) {
		g->cfg = cfg;
		g->next = gens;
		gens = g;
	}
	return g;
}

/* --test-hooks: WATSD_TEST_RETIRED_GRACE_MS=N replaces RETIRED_GRACE_MS (0: a replaced
 * config is freed as soon as nothing holds it, so that a test under ASan/TSan exercises the
 * freeing while threads run). -1 = not read yet. gen_lock held. */
static int64_t grace_ms = -1;

static int64_t retired_grace_locked(void)
{
	if (grace_ms < 0) {
		const char *g = watsd_test_hooks ? getenv("WATSD_TEST_RETIRED_GRACE_MS") : NULL;
		grace_ms = g && *g && atoll(g) >= 0 ? atoll(g) : RETIRED_GRACE_MS;
	}
	return grace_ms;
}

/* gen_lock held: free replaced configs nothing holds any more. */
static void collect(watsd *d)
{
	int64_t grace = retired_grace_locked();
	int64_t now = watsd_mono_ms();
	watsd_config *cur = d->cfg;
	for (gen **p = &gens; *p;) {
		gen *g = *p;
		if (g->cfg != cur && g->refs == 0 && now - g->retired_ms >= grace) {
			*p = g->next;
			watsd_config_free(g->cfg);
			free(g->cfg);
			free(g);
		} else {
			p = &g->next;
		}
	}
}

watsd_config *watsd_cfg_acquire(watsd *d)
{
	pthread_mutex_lock(&gen_lock);
	watsd_config *c = d->cfg;
	gen *g = find_gen(c, 1);
	if (g)
		g->refs++;
	pthread_mutex_unlock(&gen_lock);
	return c;
}

void watsd_cfg_release(watsd *d, watsd_config *cfg)
{
	if (!cfg)
		return;
	pthread_mutex_lock(&gen_lock);
	gen *g = find_gen(cfg, 0);
	if (g && g->refs)
		g->refs--;
	collect(d);
	pthread_mutex_unlock(&gen_lock);
}

void watsd_cfg_free_all(watsd *d)
{
	pthread_mutex_lock(&gen_lock);
	watsd_config *cur = d->cfg;
	int freed_cur = 0;
	while (gens) {
		gen *g = gens;
		gens = g->next;
		freed_cur |= g->cfg == cur;
		watsd_config_free(g->cfg);
		free(g->cfg);
		free(g);
	}
	if (!freed_cur && cur) {
		watsd_config_free(cur);
		free(cur);
	}
	d->cfg = NULL;
	pthread_mutex_unlock(&gen_lock);
}

void watsd_client_options(wats_client_options *co, const watsd_config *cfg)
{
	*co = (wats_client_options)WATS_CLIENT_OPTIONS_INIT;
	co->base_url = cfg->server_url;
	co->token = cfg->token;
	co->station_name = cfg->station_name;
	co->location = cfg->location;
	co->purpose = cfg->purpose;
	co->request_timeout_ms = cfg->timeout_ms;
	co->total_timeout_ms = cfg->timeout_ms * 2;
	co->breaker_failures = cfg->breaker_failures;
	co->breaker_open_ms = cfg->breaker_open_ms;
	/* proxy.mode: "system" = libcurl's environment (http_proxy...), "none" = "" (direct even
	 * when the environment names a proxy), "manual" = proxy.url with its credentials. */
	const char *mode = cfg->proxy_mode ? cfg->proxy_mode : "system";
	if (!strcmp(mode, "none")) {
		co->proxy = "";
	} else if (!strcmp(mode, "manual")) {
		co->proxy = cfg->proxy_url;
		co->proxy_username = cfg->proxy_username && *cfg->proxy_username ? cfg->proxy_username : NULL;
		co->proxy_password = cfg->proxy_password && *cfg->proxy_password ? cfg->proxy_password : NULL;
	}
	if (strcmp(mode, "none") && cfg->proxy_bypass && *cfg->proxy_bypass)
		co->no_proxy = cfg->proxy_bypass;
}

void watsd_queue_options(wats_queue_options *qo, const watsd_config *cfg)
{
	*qo = (wats_queue_options)WATS_QUEUE_OPTIONS_INIT;
	qo->max_items = cfg->max_items;
	qo->max_bytes = cfg->max_bytes;
	qo->max_attempts = cfg->max_attempts;
	qo->backoff_base_ms = cfg->backoff_base_ms;
	qo->backoff_max_ms = cfg->backoff_max_ms;
}

const watsd_watch *watsd_watch_of(const watsd_config *cfg, const char *file)
{
	const char *slash = strrchr(file, '/');
	if (!slash)
		return NULL;
	size_t dn = (size_t)(slash - file);
	while (dn > 1 && file[dn - 1] == '/')
		dn--;
	for (size_t i = 0; i < cfg->nwatches; i++) {
		const char *p = cfg->watches[i].path;
		size_t pn = strlen(p);
		while (pn > 1 && p[pn - 1] == '/')
			pn--;
		if (cfg->watches[i].enabled && pn == dn && !strncmp(p, file, dn))
			return &cfg->watches[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */

typedef struct namelist {
	char *buf;
	size_t size, used;
} namelist;

static void add_name(namelist *l, const char *name)
{
	if (!l->buf || !l->size)
		return;
	int k = snprintf(l->buf + l->used, l->size - l->used, "%s%s", l->used ? ", " : "", name);
	if (k > 0 && l->used + (size_t)k < l->size)
		l->used += (size_t)k;
}

static int str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/* A key read only at start: note a change and keep the running value. */
static void keep_str(char **now, const char *running, const char *key, namelist *restart)
{
	if (!str_differs(*now, running))
		return;
	add_name(restart, key);
	free(*now);
	*now = running ? strdup(running) : NULL;
}

static void keep_int(int *now, int running, const char *key, namelist *restart)
{
	if (*now != running) {
		add_name(restart, key);
		*now = running;
	}
}

static void keep_long(long *now, long running, const char *key, namelist *restart)
{
	if (*now != running) {
		add_name(restart, key);
		*now = running;
	}
}

static int watch_differs(const watsd_watch *a, const watsd_watch *b)
{
	return str_differs(a->converter, b->converter) || str_differs(a->patterns, b->patterns) ||
	       a->priority != b->priority || a->post != b->post ||
	       str_differs(a->done_dir, b->done_dir) || str_differs(a->error_dir, b->error_dir) ||
	       a->stable_ms != b->stable_ms || a->enabled != b->enabled;
}

/* What changed in the watch list: "watch (1 added, 1 removed, 1 changed)". */
static void watch_changes(namelist *changed, const watsd_config *o, const watsd_config *n)
{
	size_t added = 0, removed = 0, modified = 0;
	for (size_t i = 0; i < n->nwatches; i++) {
		size_t j = 0;
		while (j < o->nwatches && strcmp(o->watches[j].path, n->watches[i].path))
			j++;
		if (j == o->nwatches)
			added++;
		else if (watch_differs(&o->watches[j], &n->watches[i]))
			modified++;
	}
	for (size_t j = 0; j < o->nwatches; j++) {
		size_t i = 0;
		while (i < n->nwatches && strcmp(o->watches[j].path, n->watches[i].path))
			i++;
		if (i == n->nwatches)
			removed++;
	}
	if (added + removed + modified) {
		char s[96];
		snprintf(s, sizeof(s), "watch (%zu added, %zu removed, %zu changed)", added, removed,
			 modified);
		add_name(changed, s);
	}
}

static void live_changes(namelist *c, const watsd_config *o, const watsd_config *n)
{
	if (str_differs(o->server_url, n->server_url))
		add_name(c, "server.url");
	if (str_differs(o->token, n->token))
		add_name(c, "server.token");
	if (o->timeout_ms != n->timeout_ms)
		add_name(c, "server.timeout_ms");
	if (o->breaker_failures != n->breaker_failures || o->breaker_open_ms != n->breaker_open_ms)
		add_name(c, "server.breaker");
	if (str_differs(o->proxy_mode, n->proxy_mode) || str_differs(o->proxy_url, n->proxy_url) ||
	    str_differs(o->proxy_bypass, n->proxy_bypass) ||
	    str_differs(o->proxy_username, n->proxy_username) ||
	    str_differs(o->proxy_password, n->proxy_password))
		add_name(c, "proxy");
	if (str_differs(o->station_name, n->station_name) || str_differs(o->location, n->location) ||
	    str_differs(o->purpose, n->purpose))
		add_name(c, "station");
	watch_changes(c, o, n);
	if (o->max_items != n->max_items || o->max_bytes != n->max_bytes ||
	    o->max_attempts != n->max_attempts || o->backoff_base_ms != n->backoff_base_ms ||
	    o->backoff_max_ms != n->backoff_max_ms || o->keep_sent_hours != n->keep_sent_hours)
		add_name(c, "queue");
	if (o->rescan_ms != n->rescan_ms)
		add_name(c, "rescan_ms");
	if (o->shutdown_grace_ms != n->shutdown_grace_ms)
		add_name(c, "shutdown_grace_ms");
	if (str_differs(o->log_level, n->log_level))
		add_name(c, "log.level");
	if (str_differs(o->api_key, n->api_key))
		add_name(c, "http.api_key");
	if (str_differs(o->serial_pattern, n->serial_pattern) ||
	    str_differs(o->serial_action, n->serial_action))
		add_name(c, "serial");
	if (str_differs(o->software_dir, n->software_dir))
		add_name(c, "software");
}

int watsd_reload(watsd *d, char *err, size_t errlen, char *restart, size_t restart_size)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (restart && restart_size)
		restart[0] = '\0';
	pthread_mutex_lock(&reload_lock);
	watsd_config *old = watsd_cfg_acquire(d);
	watsd_config *nc = calloc(1, sizeof(*nc));
	int rc = -1;
	if (!nc) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (watsd_config_load(nc, old->file, err, errlen) != 0) {
		watsd_log(WATS_LOG_ERROR, NULL, "reload: %s; the running config stays", err);
		free(nc);
		nc = NULL;
		goto out;
	}
	char rbuf[512] = "";
	namelist rl = { rbuf, sizeof(rbuf), 0 };
	keep_str(&nc->instance, old->instance, "instance", &rl);
	keep_str(&nc->state_dir, old->state_dir, "state_dir", &rl);
	keep_int(&nc->convert_workers, old->convert_workers, "workers.convert", &rl);
	keep_int(&nc->upload_workers, old->upload_workers, "workers.upload", &rl);
	keep_int(&nc->http_enabled, old->http_enabled, "http.enabled", &rl);
	keep_str(&nc->http_address, old->http_address, "http.address", &rl);
	keep_int(&nc->http_port, old->http_port, "http.port", &rl);
	keep_str(&nc->log_file, old->log_file, "log.file", &rl);
	keep_str(&nc->log_format, old->log_format, "log.format", &rl);
	keep_long(&nc->log_max_bytes, old->log_max_bytes, "log.max_bytes", &rl);
	keep_int(&nc->log_files, old->log_files, "log.files", &rl);

	/* The client first: it is the one step that can refuse (a bad URL), and then nothing
	 * has changed yet. */
	wats_client_options co;
	watsd_client_options(&co, nc);
	if (wats_client_reconfigure(d->client, &co)) {
		snprintf(err, errlen, "config %s: server options: %s", nc->file,
			 wats_error_last()->message);
		watsd_log(WATS_LOG_ERROR, NULL, "reload: %s; the running config stays", err);
		watsd_config_free(nc);
		free(nc);
		nc = NULL;
		goto out;
	}
	wats_queue_options qo;
	watsd_queue_options(&qo, nc);
	wats_queue_set_limits(d->queue, &qo);
	wats_log_level lv_old = WATS_LOG_INFO, lv_new = WATS_LOG_INFO;
	wats_log_level_parse(&lv_old, old->log_level);
	wats_log_level_parse(&lv_new, nc->log_level);
	if (lv_old != lv_new)
		watsd_log_set_level(lv_new);

	char changes[1024] = "";
	namelist cl = { changes, sizeof(changes), 0 };
	live_changes(&cl, old, nc);
	int new_server = str_differs(old->server_url, nc->server_url) ||
			 str_differs(old->token, nc->token) || str_differs(old->proxy_mode, nc->proxy_mode) ||
			 str_differs(old->proxy_url, nc->proxy_url);

	pthread_mutex_lock(&gen_lock);
	gen *og = find_gen(old, 1);
	if (og)
		og->retired_ms = watsd_mono_ms();
	d->cfg = nc;
	find_gen(nc, 1);
	pthread_mutex_unlock(&gen_lock);

	if (str_differs(old->api_key, nc->api_key)) {
		/* A new key (one that leaked, say) must not leave the old key's sessions open. */
		watsd_web_logout_all();
		watsd_log(WATS_LOG_INFO, NULL, "reload: http.api_key changed: every web configurator "
			  "session ended (log in with the new key)");
	}
	if (new_server) {
		/* What was known about the old server says nothing about the new one: probe it. */
		pthread_mutex_lock(&d->health.lock);
		d->health.server = 0;
		d->health.server_error[0] = '\0';
		pthread_mutex_unlock(&d->health.lock);
		atomic_store(&d->probe_due_ms, 0);
	}
	watsd_wake_uploaders(d);
	watsd_log(WATS_LOG_INFO, NULL, "config reloaded from %s: %s%s", nc->file,
		  changes[0] ? "changed " : "nothing that applies live changed", changes);
	if (rl.used)
		watsd_log(WATS_LOG_WARNING, NULL, "reload: changed keys that need a restart of watsd "
			  "(running values kept): %s", rbuf);
	if (restart && restart_size)
		snprintf(restart, restart_size, "%s", rbuf);
	rc = 0;
out:
	watsd_cfg_release(d, old);
	pthread_mutex_unlock(&reload_lock);
	return rc;
}
