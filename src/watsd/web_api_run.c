/*
 * The web API's live routes (docs/web.md): "convert this file" (the registry on the uploaded
 * bytes; nothing is queued), the dashboard, and the queue (list, one item with its report and
 * conversion log, retry, purge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_api.h"

/* ---- convert a file ------------------------------------------------------------------------ */

#define MAX_REPORTS_JSON 20   /* reports whose whole WSJF goes back to the page */
#define MAX_REPORTS_LISTED 500

typedef struct conv {
	json_object *reports;
	size_t n;
	const char *pattern, *action;
} conv;

static int on_report(wats_report *rep, void *payload)
{
	conv *c = payload;
	c->n++;
	if (c->n > MAX_REPORTS_LISTED) {
		wats_report_free(rep);
		return 0;
	}
	json_object *o = json_object_new_object();
	const char *id = wats_report_id(rep), *sn = wats_report_sn(rep), *pn = wats_report_pn(rep);
	json_object_object_add(o, "id", id ? json_object_new_string(id) : NULL);
	json_object_object_add(o, "type", json_object_new_string(
		wats_report_get_type(rep) == WATS_REPORT_UUR ? "UUR" : "UUT"));
	json_object_object_add(o, "serial_number", sn ? json_object_new_string(sn) : NULL);
	json_object_object_add(o, "part_number", pn ? json_object_new_string(pn) : NULL);
	char res[2] = { (char)wats_report_result(rep), 0 };
	json_object_object_add(o, "result", json_object_new_string(res[0] ? res : ""));
	json_object_object_add(o, "steps", json_object_new_int64(
		(int64_t)wats_step_count(wats_report_root(rep))));
	if (c->pattern) {
		char why[600];
		int m = watsd_serial_check(c->pattern, sn, why, sizeof(why));
		json_object_object_add(o, "serial_ok", json_object_new_boolean(m == 1));
		json_object_object_add(o, "serial_message", json_object_new_string(why));
	}
	if (c->n <= MAX_REPORTS_JSON) {
		char *text = NULL;
		size_t len = 0;
		if (wats_report_write(&text, &len, rep, 0) == 0)
			json_object_object_add(o, "json", json_tokener_parse(text));
		wats_free(text);
	}
	json_object_array_add(c->reports, o);
	wats_report_free(rep);
	return 0;
}

void watsd_web_test_convert(watsd_req *r)
{
	watsd *d = r->d;
	const char *name = watsd_req_arg(r, "name"), *cv = watsd_req_arg(r, "converter");
	if (!r->body_len) {
		watsd_reply_error(r, 400, "send the file's bytes as the body (at most 16 MiB)");
		return;
	}
	if (cv && *cv && strcmp(cv, "auto") && !wats_converters_find(d->converters, cv)) {
		char msg[300];
		snprintf(msg, sizeof(msg), "unknown converter \"%s\" (GET /api/config lists them)", cv);
		watsd_reply_error(r, 400, msg);
		return;
	}
	watsd_config *cfg = watsd_cfg_acquire(d); /* held for the whole conversion */
	wats_conversion_log *log = NULL;
	wats_conversion_log_new(&log);
	wats_convert_options o = WATS_CONVERT_OPTIONS_INIT;
	o.converter = cv && *cv && strcmp(cv, "auto") ? cv : NULL;
	o.log = log;
	/* The station identity fills what a file lacks, as in the service (pipeline.c). */
	watsd_station_params sp;
	o.params = watsd_station_params_fill(&sp, cfg);
	conv c = { .reports = json_object_new_array(), .pattern = cfg->serial_pattern };
	int rc = wats_convert_buffer(NULL, d->converters, name && *name ? name : "upload", r->body,
				     r->body_len, &o, on_report, &c);
	json_object *out = json_object_new_object();
	if (rc) {
		const wats_error *e = wats_error_last();
		json_object *err = json_object_new_object();
		json_object_object_add(err, "message", json_object_new_string(e->message));
		json_object_object_add(err, "line", json_object_new_int(e->line));
		json_object_object_add(err, "column", json_object_new_int(e->column));
		json_object_object_add(err, "path", e->path ? json_object_new_string(e->path) : NULL);
		json_object_object_add(out, "error", err);
	} else if (!c.n) {
		json_object *err = json_object_new_object();
		json_object_object_add(err, "message", json_object_new_string("the file holds no report"));
		json_object_object_add(out, "error", err);
	}
	char *text = NULL;
	size_t tl = 0;
	wats_conversion_log_text(&text, &tl, log);
	const char *used = wats_conversion_log_converter(log);
	json_object_object_add(out, "ok", json_object_new_boolean(rc == 0 && c.n > 0));
	json_object_object_add(out, "converter", used && *used ? json_object_new_string(used) : NULL);
	json_object_object_add(out, "count", json_object_new_int64((int64_t)c.n));
	json_object_object_add(out, "reports", c.reports);
	json_object_object_add(out, "log", json_object_new_string(text ? text : ""));
	wats_free(text);
	wats_conversion_log_free(log);
	watsd_cfg_release(d, cfg);
	watsd_reply_json(r, 200, out);
}

/* ---- dashboard ----------------------------------------------------------------------------- */

static json_object *counts_json(wats_queue *q)
{
	json_object *o = json_object_new_object();
	wats_queue_counts c;
	if (wats_queue_count(&c, q) == 0)
		for (int st = 1; st < WATS_QUEUE_STATE_COUNT; st++)
			json_object_object_add(o, wats_queue_state_name((wats_queue_state)st),
					       json_object_new_int64((int64_t)c.items[st]));
	return o;
}

void watsd_web_dashboard(watsd_req *r)
{
	watsd *d = r->d;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", watsd_status_json(d));
	watsd_activity_json(d->activity, o);
	json_object_object_add(o, "queue", counts_json(d->queue));
	wats_client_stats cs;
	memset(&cs, 0, sizeof(cs));
	wats_client_get_stats(&cs, d->client);
	json_object_object_add(o, "breaker",
			       json_object_new_string(wats_breaker_state_name(cs.breaker_state)));
	json_object *srv = json_object_new_object();
	pthread_mutex_lock(&d->health.lock);
	int reach = d->health.server;
	char err[sizeof(d->health.server_error)];
	memcpy(err, d->health.server_error, sizeof(err));
	pthread_mutex_unlock(&d->health.lock);
	json_object_object_add(srv, "reachable", reach ? json_object_new_boolean(reach > 0) : NULL);
	json_object_object_add(srv, "error", reach < 0 ? json_object_new_string(err) : NULL);
	json_object_object_add(o, "server", srv);
	watsd_reply_json(r, 200, o);
}

/* ---- queue --------------------------------------------------------------------------------- */

/* "a,b" or a JSON array of state names into a mask; -1 after a 400 answer. */
static int parse_states(watsd_req *r, const char *list, json_object *arr, unsigned int *mask)
{
	*mask = 0;
	char buf[256];
	size_t n = arr ? json_object_array_length(arr) : 0;
	for (size_t i = 0; i < n || (list && *list); i++) {
		const char *name;
		if (arr) {
			name = json_object_get_string(json_object_array_get_idx(arr, i));
		} else {
			size_t k = strcspn(list, ",");
			snprintf(buf, sizeof(buf), "%.*s", (int)(k < 200 ? k : 200), list);
			list += k + (list[k] == ',');
			name = buf;
		}
		wats_queue_state s;
		if (!name || wats_queue_state_parse(&s, name) != 0) {
			watsd_reply_error(r, 400, "unknown state (queued, transferring, error, invalid, "
					  "sent, failed)");
			return -1;
		}
		*mask |= WATS_QUEUE_MASK(s);
		if (!arr && !*list)
			break;
	}
	return 0;
}

static json_object *item_json(const wats_queue_item *it)
{
	json_object *o = json_object_new_object();
	char t[40];
	json_object_object_add(o, "id", json_object_new_string(it->id));
	json_object_object_add(o, "state", json_object_new_string(wats_queue_state_name(it->state)));
	json_object_object_add(o, "attempts", json_object_new_int64(it->attempts));
	watsd_web_iso(t, sizeof(t), it->next_attempt_ms);
	json_object_object_add(o, "next_attempt", *t ? json_object_new_string(t) : NULL);
	json_object_object_add(o, "last_error", json_object_new_string(it->last_error ? it->last_error : ""));
	json_object_object_add(o, "http_status", json_object_new_int(it->http_status));
	json_object_object_add(o, "priority", json_object_new_int(it->priority));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)it->payload_len));
	watsd_web_iso(t, sizeof(t), it->created_ms);
	json_object_object_add(o, "created", json_object_new_string(t));
	watsd_web_iso(t, sizeof(t), it->sent_ms);
	json_object_object_add(o, "sent", *t ? json_object_new_string(t) : NULL);
	json_object_object_add(o, "source", json_object_new_string(it->source ? it->source : ""));
	json_object_object_add(o, "cid", json_object_new_string(it->correlation_id ? it->correlation_id : ""));
	json_object_object_add(o, "converter", json_object_new_string(it->converter ? it->converter : ""));
	return o;
}

static void queue_error(watsd_req *r)
{
	int rc = wats_error_last()->code;
	watsd_reply_error(r, rc == WATS_ENOTFOUND ? 404 : rc == WATS_EINVAL ? 400 : 500,
			  wats_error_last()->message);
}

void watsd_web_queue_list(watsd_req *r)
{
	const char *st = watsd_req_arg(r, "state"), *lim = watsd_req_arg(r, "limit"),
		   *off = watsd_req_arg(r, "offset");
	unsigned int mask = 0;
	if (st && *st && parse_states(r, st, NULL, &mask))
		return;
	long limit = lim && *lim ? strtol(lim, NULL, 10) : 100, offset = off && *off ? strtol(off, NULL, 10) : 0;
	if (limit < 0 || limit > 1000)
		limit = 1000;
	if (offset < 0)
		offset = 0;
	wats_queue_item **items = NULL;
	size_t n = 0;
	/* limit=0: the counts only (the page's tabs). */
	if (limit && wats_queue_list(&items, &n, r->d->queue, mask ? mask : WATS_QUEUE_MASK_ALL,
				     (size_t)offset, (size_t)limit, 0)) {
		queue_error(r);
		return;
	}
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object_object_add(o, "counts", counts_json(r->d->queue));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, item_json(items[i]));
	wats_queue_items_free(items, n);
	json_object_object_add(o, "items", a);
	watsd_reply_json(r, 200, o);
}

void watsd_web_queue_item(watsd_req *r)
{
	const char *id = watsd_req_arg(r, "id");
	if (!id || !*id) {
		watsd_reply_error(r, 400, "id: the report id of the item");
		return;
	}
	wats_queue_item *it = NULL;
	if (wats_queue_get(&it, r->d->queue, id, WATS_QUEUE_WITH_PAYLOAD | WATS_QUEUE_WITH_LOG)) {
		queue_error(r);
		return;
	}
	json_object *o = json_object_new_object(), *rep = NULL;
	json_object_object_add(o, "item", item_json(it));
	if (it->payload)
		rep = it->format == WATS_WIRE_WSXF ? json_object_new_string(it->payload)
						   : json_tokener_parse(it->payload);
	json_object_object_add(o, "report", rep); /* null once sent: the payload is dropped */
	json_object_object_add(o, "log", json_object_new_string(it->log ? it->log : ""));
	wats_queue_item_free(it);
	watsd_reply_json(r, 200, o);
}

static void queue_change(watsd_req *r, int retry)
{
	json_object *b = watsd_req_json(r), *v, *arr = NULL;
	if (!b)
		return;
	const char *id = json_object_object_get_ex(b, "id", &v) &&
			 json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	unsigned int mask = 0;
	if (json_object_object_get_ex(b, "states", &arr) && arr) {
		if (!json_object_is_type(arr, json_type_array)) {
			json_object_put(b);
			watsd_reply_error(r, 400, "states: an array of state names");
			return;
		}
		if (parse_states(r, NULL, arr, &mask)) {
			json_object_put(b);
			return;
		}
	}
	size_t n = 0;
	int rc = retry ? wats_queue_retry(&n, r->d->queue, id && *id ? id : NULL, mask)
		       : wats_queue_purge(&n, r->d->queue, id && *id ? id : NULL, mask);
	json_object_put(b);
	if (rc) {
		queue_error(r);
		return;
	}
	watsd_log(WATS_LOG_INFO, NULL, "web: %zu queue item%s %s", n, n == 1 ? "" : "s",
		  retry ? "put back for retry" : "purged");
	if (retry)
		watsd_wake_uploaders(r->d);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
	watsd_reply_json(r, 200, o);
}

void watsd_web_queue_retry(watsd_req *r)
{
	queue_change(r, 1);
}

void watsd_web_queue_purge(watsd_req *r)
{
	queue_change(r, 0);
}
