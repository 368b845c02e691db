/*
 * What the service knows about itself: latency histograms, the last answer of the server, the
 * last enqueue result, the operator pause, and from these the readiness verdict and the status
 * object shared by the control socket (status) and HTTP (GET /status, /health/ready).
 *
 * Ready means: not stopping; every worker thread alive; the server reachable (the breaker is
 * closed and the last upload or probe got an answer from the server); the queue can take
 * reports (not full, the last enqueue did not fail); and uploads not held for long (a 429
 * pause of more than READY_MAX_429_MS left, or an operator pause older than
 * READY_MAX_OPERATOR_PAUSE_MS).
 */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "watsd.h"

#define READY_MAX_429_MS 60000
#define READY_MAX_OPERATOR_PAUSE_MS 300000

const double watsd_hist_bounds[WATSD_HIST_BUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 300, 3600 };

void watsd_hist_add(watsd_hist *h, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	double s = (double)ms / 1000.0;
	for (int i = 0; i < WATSD_HIST_BUCKETS; i++)
		if (s <= watsd_hist_bounds[i]) {
			atomic_fetch_add(&h->bucket[i], 1);
			break;
		}
	atomic_fetch_add(&h->sum_us, (unsigned long long)ms * 1000ull);
	atomic_fetch_add(&h->count, 1);
}

void watsd_note_server(watsd *d, int ok, const char *error)
{
	pthread_mutex_lock(&d->health.lock);
	d->health.server = ok ? 1 : -1;
	d->health.server_ms = watsd_wall_ms();
	snprintf(d->health.server_error, sizeof(d->health.server_error), "%s", ok ? "" : error);
	pthread_mutex_unlock(&d->health.lock);
}

void watsd_note_enqueue(watsd *d, int ok, const char *error)
{
	if (ok && !d->health.enqueue_error_ms) /* racy read, but only a fast path */
		return;
	pthread_mutex_lock(&d->health.lock);
	d->health.enqueue_error_ms = ok ? 0 : watsd_wall_ms();
	snprintf(d->health.enqueue_error, sizeof(d->health.enqueue_error), "%s", ok ? "" : error);
	pthread_mutex_unlock(&d->health.lock);
}

void watsd_wake_uploaders(watsd *d)
{
	pthread_mutex_lock(&d->lock);
	d->up_signal = 1;
	pthread_cond_broadcast(&d->up_cv);
	pthread_mutex_unlock(&d->lock);
}

void watsd_set_paused(watsd *d, int paused, const char *by)
{
	int was = atomic_exchange(&d->paused, paused);
	pthread_mutex_lock(&d->health.lock);
	if (paused && !was)
		d->health.paused_since_ms = watsd_wall_ms();
	else if (!paused)
		d->health.paused_since_ms = 0;
	pthread_mutex_unlock(&d->health.lock);
	watsd_log(WATS_LOG_INFO, NULL, "uploads %s by %s", paused ? "paused" : "resumed", by);
	watsd_wake_uploaders(d);
}

static void reason(json_object *reasons, int *ready, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reason(json_object *reasons, int *ready, const char *fmt, ...)
{
	*ready = 0;
	if (!reasons)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(reasons, json_object_new_string(buf));
}

int watsd_ready(watsd *d, json_object *reasons)
{
	int ready = 1;
	int64_t now = watsd_wall_ms();
	if (atomic_load(&d->stopping))
		reason(reasons, &ready, "stopping");
	int alive;
	pthread_mutex_lock(&d->lock);
	alive = d->running;
	pthread_mutex_unlock(&d->lock);
	int expected = atomic_load(&d->threads_expected);
	char down[256];
	int ndown = watsd_threads_down(d, down, sizeof(down));
	if (!atomic_load(&d->stopping) && ndown)
		reason(reasons, &ready, "worker thread%s down, restarting: %s", ndown == 1 ? "" : "s",
		       down);
	else if (!atomic_load(&d->stopping) && alive < expected)
		reason(reasons, &ready, "%d of %d worker threads are not running", expected - alive,
		       expected);
	wats_client_stats cs;
	if (wats_client_get_stats(&cs, d->client) == 0 && cs.breaker_state != WATS_BREAKER_CLOSED)
		reason(reasons, &ready, "server: circuit breaker %s",
		       wats_breaker_state_name(cs.breaker_state));
	pthread_mutex_lock(&d->health.lock);
	int server = d->health.server;
	char serr[256], qerr[256];
	snprintf(serr, sizeof(serr), "%s", d->health.server_error);
	int64_t qerr_ms = d->health.enqueue_error_ms;
	snprintf(qerr, sizeof(qerr), "%s", d->health.enqueue_error);
	int64_t paused_since = d->health.paused_since_ms;
	pthread_mutex_unlock(&d->health.lock);
	if (server == 0)
		reason(reasons, &ready, "server: not reached yet");
	else if (server < 0)
		reason(reasons, &ready, "server: not reachable (%s)", serr);
	if (qerr_ms)
		reason(reasons, &ready, "queue: cannot store reports (%s)", qerr);
	wats_queue_counts c;
	if (wats_queue_count(&c, d->queue) != 0) {
		reason(reasons, &ready, "queue: %s", wats_error_last()->message);
	} else {
		watsd_config *cfg = watsd_cfg_acquire(d);
		if (cfg->max_items && c.unsent_items >= cfg->max_items)
			reason(reasons, &ready, "queue: full (%llu items, max_items %llu)",
			       (unsigned long long)c.unsent_items, (unsigned long long)cfg->max_items);
		else if (cfg->max_bytes && c.unsent_bytes >= cfg->max_bytes)
			reason(reasons, &ready, "queue: full (%llu bytes, max_bytes %llu)",
			       (unsigned long long)c.unsent_bytes, (unsigned long long)cfg->max_bytes);
		watsd_cfg_release(d, cfg);
		int64_t qnow = wats_queue_now(d->queue);
		if (c.paused_until_ms - qnow > READY_MAX_429_MS)
			reason(reasons, &ready, "queue: paused by the server (429) for %lld s more",
			       (long long)((c.paused_until_ms - qnow) / 1000));
	}
	if (atomic_load(&d->paused) && paused_since && now - paused_since > READY_MAX_OPERATOR_PAUSE_MS)
		reason(reasons, &ready, "uploads paused by an operator %lld s ago",
		       (long long)((now - paused_since) / 1000));
	return ready;
}

static void add_counter(json_object *o, const char *k, atomic_ullong *v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)atomic_load(v)));
}

json_object *watsd_status_json(watsd *d)
{
	json_object *r = json_object_new_object();
	watsd_config *cfg = watsd_cfg_acquire(d); /* one config for the whole answer (reload) */
	json_object_object_add(r, "instance", json_object_new_string(cfg->instance));
	json_object_object_add(r, "config", json_object_new_string(cfg->file));
	json_object_object_add(r, "version", json_object_new_string(wats_version()));
	json_object_object_add(r, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(r, "uptime_s",
			       json_object_new_int64((watsd_wall_ms() - d->started_ms) / 1000));
	json_object_object_add(r, "server", json_object_new_string(wats_client_base_url(d->client)));
	pthread_mutex_lock(&d->health.lock);
	json_object_object_add(r, "http", json_object_new_string(d->http_bound));
	pthread_mutex_unlock(&d->health.lock);
	json_object *reasons = json_object_new_array();
	json_object_object_add(r, "ready", json_object_new_boolean(watsd_ready(d, reasons)));
	json_object_object_add(r, "not_ready", reasons);
	json_object_object_add(r, "uploads_paused", json_object_new_boolean(atomic_load(&d->paused)));
	json_object_object_add(r, "stopping", json_object_new_boolean(atomic_load(&d->stopping)));
	wats_client_stats cs;
	if (wats_client_get_stats(&cs, d->client) == 0) {
		json_object_object_add(r, "breaker",
				       json_object_new_string(wats_breaker_state_name(cs.breaker_state)));
		json_object_object_add(r, "http_requests", json_object_new_int64((int64_t)cs.attempts));
		json_object_object_add(r, "http_retries", json_object_new_int64((int64_t)cs.retries));
		json_object_object_add(r, "http_failures", json_object_new_int64((int64_t)cs.failures));
	}
	wats_queue_counts c;
	json_object *q = json_object_new_object();
	if (wats_queue_count(&c, d->queue) == 0) {
		for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++)
			json_object_object_add(q, wats_queue_state_name((wats_queue_state)s),
					       json_object_new_int64((int64_t)c.items[s]));
		json_object_object_add(q, "unsent_bytes", json_object_new_int64((int64_t)c.unsent_bytes));
		json_object_object_add(q, "max_items", json_object_new_int64((int64_t)cfg->max_items));
		json_object_object_add(q, "paused_until_ms", json_object_new_int64(c.paused_until_ms));
		json_object_object_add(q, "next_due_ms", json_object_new_int64(c.next_due_ms));
		json_object_object_add(q, "oldest_waiting_ms", json_object_new_int64(c.oldest_waiting_ms));
	}
	json_object_object_add(r, "queue", q);
	json_object *st = json_object_new_object();
	add_counter(st, "files_seen", &d->stats.files_seen);
	add_counter(st, "files_converted", &d->stats.files_converted);
	add_counter(st, "files_failed", &d->stats.files_failed);
	add_counter(st, "reports_queued", &d->stats.reports_queued);
	add_counter(st, "reports_sent", &d->stats.reports_sent);
	add_counter(st, "send_failures", &d->stats.send_failures);
	add_counter(st, "backpressure", &d->stats.backpressure);
	add_counter(st, "enqueue_failures", &d->stats.enqueue_failures);
	size_t peak = 0, held = watsd_files_held(d, &peak);
	json_object_object_add(st, "files_held", json_object_new_int64((int64_t)held));
	json_object_object_add(st, "files_held_peak", json_object_new_int64((int64_t)peak));
	json_object_object_add(r, "counters", st);
	pthread_mutex_lock(&d->lock);
	int alive = d->running;
	pthread_mutex_unlock(&d->lock);
	json_object_object_add(r, "threads_alive", json_object_new_int(alive));
	json_object_object_add(r, "threads_expected",
			       json_object_new_int(atomic_load(&d->threads_expected)));
	json_object_object_add(r, "thread_restarts",
			       json_object_new_int64((int64_t)atomic_load(&d->thread_restarts)));
	json_object_object_add(r, "threads", watsd_threads_json(d));
	watsd_procstat ps;
	watsd_procstat_read(d, &ps, 10000);
	json_object *mem = json_object_new_object();
	json_object_object_add(mem, "rss_bytes", json_object_new_int64(ps.rss_bytes));
	json_object_object_add(mem, "pss_bytes", json_object_new_int64(ps.pss_bytes));
	json_object_object_add(mem, "anonymous_bytes", json_object_new_int64(ps.anon_bytes));
	json_object_object_add(r, "memory", mem);
	json_object *w = json_object_new_array();
	for (size_t i = 0; i < cfg->nwatches; i++) {
		json_object *o = json_object_new_object();
		struct stat sb;
		json_object_object_add(o, "path", json_object_new_string(cfg->watches[i].path));
		json_object_object_add(o, "priority", json_object_new_int(cfg->watches[i].priority));
		json_object_object_add(o, "enabled", json_object_new_boolean(cfg->watches[i].enabled));
		json_object_object_add(o, "present", json_object_new_boolean(
			stat(cfg->watches[i].path, &sb) == 0 && S_ISDIR(sb.st_mode)));
		json_object_array_add(w, o);
	}
	json_object_object_add(r, "watch", w);
	watsd_cfg_release(d, cfg);
	return r;
}
