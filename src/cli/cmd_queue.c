/*
 * wats queue: the persistent submit queue of a watsd instance (or of any libwats program).
 *
 *   wats queue status  (--instance NAME | --state-dir DIR | --db FILE)
 *   wats queue list    (...) [--state S[,S...]] [--limit N] [--json]
 *   wats queue retry   (...) [ID] [--state S]     (invalid and failed when neither)
 *   wats queue purge   (...) (ID | --state S[,S...])
 *
 * With --instance or --state-dir, when the instance's watsd runs (its control socket answers)
 * the command goes through the socket: watsd does it on its own connection and wakes its
 * uploaders at once for retried items. When no watsd answers, the database file is opened
 * directly (--db always does that): reading is safe beside a writer (WAL), and the writing
 * subcommands never recover items in transfer of a running owner. --direct skips the socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "wats/wats.h"

static void qusage(FILE *f)
{
	fprintf(f, "usage: wats queue status|list|retry|purge (--instance NAME | --state-dir DIR | --db FILE)\n"
		   "                  [--direct] [options]\n"
		   "  list  [--state queued,error,...] [--limit N] [--json]\n"
		   "  retry [ID | --state S]  put invalid/failed items (or one item) back in the queue\n"
		   "  purge ID | --state S    delete items\n"
		   "  through the running watsd's control socket when it answers, else on the file\n");
}

static unsigned int parse_states(const char *list, int *bad)
{
	unsigned int mask = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	char *save = NULL;
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		wats_queue_state s;
		if (!strcmp(p, "all")) {
			mask |= WATS_QUEUE_MASK_ALL;
			continue;
		}
		if (wats_queue_state_parse(&s, p)) {
			*bad = 1;
			return 0;
		}
		mask |= WATS_QUEUE_MASK(s);
	}
	return mask;
}

static void fmt_time(char *out, size_t n, int64_t ms)
{
	if (!ms) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* via: the control socket when the counts came through watsd, else NULL. */
static void print_counts(const wats_queue_counts *c, const char *name, const char *via, int json)
{
	char t1[32], t2[32], t3[32];
	fmt_time(t1, sizeof(t1), c->oldest_waiting_ms);
	fmt_time(t2, sizeof(t2), c->next_due_ms);
	fmt_time(t3, sizeof(t3), c->paused_until_ms);
	if (json) {
		printf("{");
		for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++)
			printf("\"%s\":%llu,", wats_queue_state_name((wats_queue_state)s),
			       (unsigned long long)c->items[s]);
		printf("\"unsent_bytes\":%llu,\"oldest_waiting\":\"%s\",\"next_due\":\"%s\","
		       "\"paused_until\":\"%s\"}\n", (unsigned long long)c->unsent_bytes, t1, t2, t3);
		return;
	}
	printf("queue %s%s%s%s\n", name, via ? " (through watsd, " : "", via ? via : "", via ? ")" : "");
	for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++)
		printf("  %-13s %8llu items %12llu bytes\n", wats_queue_state_name((wats_queue_state)s),
		       (unsigned long long)c->items[s], (unsigned long long)c->bytes[s]);
	printf("  oldest waiting %s, next attempt %s, paused until %s\n", t1, t2, t3);
}

static void print_item(const wats_queue_item *it, int json)
{
	const char *src = strrchr(it->source, '/');
	src = src ? src + 1 : it->source;
	char lat[32] = "-";
	if (it->sent_ms)
		snprintf(lat, sizeof(lat), "%lld ms", (long long)(it->sent_ms - it->created_ms));
	if (json) {
		printf("{\"id\":\"%s\",\"state\":\"%s\",\"attempts\":%u,\"priority\":%d,"
		       "\"created_ms\":%lld,\"sent_ms\":%lld,\"http_status\":%d,\"converter\":",
		       it->id, wats_queue_state_name(it->state), it->attempts, it->priority,
		       (long long)it->created_ms, (long long)it->sent_ms, it->http_status);
		json_str(it->converter);
		printf(",\"source\":");
		json_str(it->source);
		printf(",\"correlation_id\":");
		json_str(it->correlation_id);
		printf(",\"last_error\":");
		json_str(it->last_error);
		printf("}\n");
	} else {
		printf("%-36s  %-12s  %3u  %-8s  %9s  %s%s%s\n", it->id, wats_queue_state_name(it->state),
		       it->attempts, it->converter[0] ? it->converter : "-", lat, src,
		       it->last_error[0] ? "  " : "", it->last_error);
	}
}

static void print_list_head(int json)
{
	if (!json)
		printf("%-36s  %-12s  %3s  %-8s  %9s  %s\n", "REPORT ID", "STATE", "TRY", "CONVERTER",
		       "LATENCY", "SOURCE / LAST ERROR");
}

static int64_t jint(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;
	const char *s = json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
	return s ? s : "";
}

/* The subcommand through a running watsd. Returns an exit code, or -1 when no watsd answers
 * (then the caller opens the file). */
static int via_socket(const char *sock, const char *sub, const char *id, const char *states,
		      size_t limit, int json)
{
	json_object *req = json_object_new_object(), *v, *r = NULL;
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "queue.%s", sub);
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (id)
		json_object_object_add(req, "report", json_object_new_string(id));
	if (states)
		json_object_object_add(req, "state", json_object_new_string(states));
	if (!strcmp(sub, "list"))
		json_object_object_add(req, "limit", json_object_new_int64((int64_t)limit));
	json_object *ans = wats_cli_watsd_ask(sock, req, 1);
	json_object_put(req);
	if (!ans)
		return -1;
	if (!json_object_object_get_ex(ans, "ok", &v) || !json_object_get_boolean(v) ||
	    !json_object_object_get_ex(ans, "result", &r)) {
		fprintf(stderr, "wats queue %s: watsd answered: %s\n", sub, jstr(ans, "error"));
		json_object_put(ans);
		return WATS_EXIT_NEGATIVE;
	}
	if (!strcmp(sub, "status")) {
		wats_queue_counts c = { 0 };
		json_object *items = NULL, *bytes = NULL;
		json_object_object_get_ex(r, "items", &items);
		json_object_object_get_ex(r, "bytes", &bytes);
		for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++) {
			const char *n = wats_queue_state_name((wats_queue_state)s);
			c.items[s] = (uint64_t)jint(items, n);
			c.bytes[s] = (uint64_t)jint(bytes, n);
		}
		c.unsent_items = (uint64_t)jint(r, "unsent_items");
		c.unsent_bytes = (uint64_t)jint(r, "unsent_bytes");
		c.paused_until_ms = jint(r, "paused_until_ms");
		c.next_due_ms = jint(r, "next_due_ms");
		c.oldest_waiting_ms = jint(r, "oldest_waiting_ms");
		print_counts(&c, jstr(r, "path"), sock, json);
	} else if (!strcmp(sub, "list")) {
		print_list_head(json);
		for (size_t i = 0; i < json_object_array_length(r); i++) {
			json_object *o = json_object_array_get_idx(r, i);
			wats_queue_item it = { 0 };
			it.id = (char *)jstr(o, "id");
			wats_queue_state_parse(&it.state, jstr(o, "state"));
			it.attempts = (unsigned int)jint(o, "attempts");
			it.priority = (int)jint(o, "priority");
			it.created_ms = jint(o, "created_ms");
			it.sent_ms = jint(o, "sent_ms");
			it.http_status = (int)jint(o, "http_status");
			it.source = (char *)jstr(o, "source");
			it.converter = (char *)jstr(o, "converter");
			it.correlation_id = (char *)jstr(o, "correlation_id");
			it.last_error = (char *)jstr(o, "last_error");
			print_item(&it, json);
		}
	} else {
		long long n = (long long)jint(r, "count");
		printf("%lld item%s %s\n", n, n == 1 ? "" : "s",
		       !strcmp(sub, "retry") ? "queued again" : "deleted");
	}
	json_object_put(ans);
	return WATS_EXIT_OK;
}

int wats_cmd_queue(int argc, char **argv)
{
	if (argc < 2) {
		qusage(stderr);
		return WATS_EXIT_USAGE;
	}
	const char *sub = argv[1], *db = NULL, *sdir = NULL, *states = NULL, *id = NULL;
	const char *instance = NULL;
	size_t limit = 1000;
	int json = 0, direct = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
			sdir = argv[++i];
		else if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			instance = argv[++i];
		else if (!strcmp(argv[i], "--state") && i + 1 < argc)
			states = argv[++i];
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = (size_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--direct"))
			direct = 1;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else {
			fprintf(stderr, "wats queue: unknown argument \"%s\"\n", argv[i]);
			qusage(stderr);
			return WATS_EXIT_USAGE;
		}
	}
	int writes = !strcmp(sub, "retry") || !strcmp(sub, "purge");
	if (!writes && strcmp(sub, "status") && strcmp(sub, "list")) {
		qusage(stderr);
		return WATS_EXIT_USAGE;
	}
	int bad = 0;
	unsigned int mask = states ? parse_states(states, &bad) : 0;
	if (bad) {
		wats_cli_print_error("queue");
		return WATS_EXIT_USAGE;
	}
	if (!strcmp(sub, "purge") && !id && !mask) {
		fprintf(stderr, "wats queue purge: name an ID or --state (nothing is purged by default)\n");
		return WATS_EXIT_USAGE;
	}
	char dirbuf[4096];
	if (!db && !sdir && instance) {
		if (wats_cli_watsd_state_dir(dirbuf, sizeof(dirbuf), instance))
			return WATS_EXIT_INPUT;
		sdir = dirbuf;
	}
	if (!db && sdir && !direct) {
		char sock[4200];
		snprintf(sock, sizeof(sock), "%s/watsd.sock", sdir);
		int ec = via_socket(sock, sub, id, states, limit ? limit : 1000, json);
		if (ec >= 0)
			return ec;
	}
	char path[4200];
	if (!db && sdir) {
		snprintf(path, sizeof(path), "%s/queue.db", sdir);
		db = path;
	}
	if (!db) {
		fprintf(stderr, "wats queue: name the queue with --instance NAME, --state-dir DIR or --db FILE\n");
		return WATS_EXIT_USAGE;
	}
	wats_queue_options o = WATS_QUEUE_OPTIONS_INIT;
	o.flags = writes ? WATS_QUEUE_NO_RECOVER : WATS_QUEUE_READ_ONLY;
	wats_queue *q = NULL;
	int rc = wats_queue_open(&q, NULL, db, &o);
	if (rc) {
		wats_cli_print_error("queue");
		return wats_cli_exit_for(rc);
	}
	size_t n = 0;
	if (!strcmp(sub, "status")) {
		wats_queue_counts c;
		rc = wats_queue_count(&c, q);
		if (rc == 0)
			print_counts(&c, db, NULL, json);
	} else if (!strcmp(sub, "list")) {
		wats_queue_item **items = NULL;
		rc = wats_queue_list(&items, &n, q, mask ? mask : WATS_QUEUE_MASK_ALL, 0, limit, 0);
		if (rc == 0)
			print_list_head(json);
		for (size_t i = 0; rc == 0 && i < n; i++)
			print_item(items[i], json);
		wats_queue_items_free(items, n);
	} else if (!strcmp(sub, "retry")) {
		rc = wats_queue_retry(&n, q, id, mask);
		if (rc == 0)
			printf("%zu item%s queued again\n", n, n == 1 ? "" : "s");
	} else {
		rc = wats_queue_purge(&n, q, id, mask);
		if (rc == 0)
			printf("%zu item%s deleted\n", n, n == 1 ? "" : "s");
	}
	if (rc)
		wats_cli_print_error("queue");
	wats_queue_close(q);
	return wats_cli_exit_for(rc);
}
