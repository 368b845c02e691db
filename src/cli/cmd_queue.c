/*
 * wats queue: the persistent submit queue of a watsd instance (or of any libwats program),
 * opened directly on its database file. Reading is safe beside a running watsd (WAL); the
 * writing subcommands (retry, purge) never recover items in transfer of a running owner.
 *
 *   wats queue status  (--state-dir DIR | --db FILE)
 *   wats queue list    (--state-dir DIR | --db FILE) [--state S[,S...]] [--limit N] [--json]
 *   wats queue retry   (--state-dir DIR | --db FILE) [ID]      (invalid and failed when no ID)
 *   wats queue purge   (--state-dir DIR | --db FILE) (ID | --state S[,S...])
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "wats/wats.h"

static void qusage(FILE *f)
{
	fprintf(f, "usage: wats queue status|list|retry|purge (--state-dir DIR | --db FILE) [options]\n"
		   "  list  [--state queued,error,...] [--limit N] [--json]\n"
		   "  retry [ID]              put invalid/failed items (or one item) back in the queue\n"
		   "  purge ID | --state S    delete items\n");
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

int wats_cmd_queue(int argc, char **argv)
{
	if (argc < 2) {
		qusage(stderr);
		return WATS_EXIT_USAGE;
	}
	const char *sub = argv[1], *db = NULL, *sdir = NULL, *states = NULL, *id = NULL;
	size_t limit = 1000;
	int json = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
			sdir = argv[++i];
		else if (!strcmp(argv[i], "--state") && i + 1 < argc)
			states = argv[++i];
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = (size_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else {
			fprintf(stderr, "wats queue: unknown argument \"%s\"\n", argv[i]);
			qusage(stderr);
			return WATS_EXIT_USAGE;
		}
	}
	char path[4200];
	if (!db && sdir) {
		snprintf(path, sizeof(path), "%s/queue.db", sdir);
		db = path;
	}
	if (!db) {
		fprintf(stderr, "wats queue: name the queue with --state-dir DIR or --db FILE\n");
		return WATS_EXIT_USAGE;
	}
	int bad = 0;
	unsigned int mask = states ? parse_states(states, &bad) : 0;
	if (bad) {
		wats_cli_print_error("queue");
		return WATS_EXIT_USAGE;
	}
	int writes = !strcmp(sub, "retry") || !strcmp(sub, "purge");
	if (!writes && strcmp(sub, "status") && strcmp(sub, "list")) {
		qusage(stderr);
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
		if (rc == 0) {
			char t1[32], t2[32], t3[32];
			fmt_time(t1, sizeof(t1), c.oldest_waiting_ms);
			fmt_time(t2, sizeof(t2), c.next_due_ms);
			fmt_time(t3, sizeof(t3), c.paused_until_ms);
			if (json) {
				printf("{");
				for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++)
					printf("\"%s\":%llu,", wats_queue_state_name((wats_queue_state)s),
					       (unsigned long long)c.items[s]);
				printf("\"unsent_bytes\":%llu,\"oldest_waiting\":\"%s\",\"next_due\":\"%s\","
				       "\"paused_until\":\"%s\"}\n", (unsigned long long)c.unsent_bytes, t1, t2, t3);
			} else {
				printf("queue %s\n", db);
				for (int s = 1; s < WATS_QUEUE_STATE_COUNT; s++)
					printf("  %-13s %8llu items %12llu bytes\n",
					       wats_queue_state_name((wats_queue_state)s),
					       (unsigned long long)c.items[s], (unsigned long long)c.bytes[s]);
				printf("  oldest waiting %s, next attempt %s, paused until %s\n", t1, t2, t3);
			}
		}
	} else if (!strcmp(sub, "list")) {
		wats_queue_item **items = NULL;
		rc = wats_queue_list(&items, &n, q, mask ? mask : WATS_QUEUE_MASK_ALL, 0, limit, 0);
		if (rc == 0 && !json)
			printf("%-36s  %-12s  %3s  %-8s  %9s  %s\n", "REPORT ID", "STATE", "TRY", "CONVERTER",
			       "LATENCY", "SOURCE / LAST ERROR");
		for (size_t i = 0; rc == 0 && i < n; i++) {
			wats_queue_item *it = items[i];
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
				printf("%-36s  %-12s  %3u  %-8s  %9s  %s%s%s\n", it->id,
				       wats_queue_state_name(it->state), it->attempts,
				       it->converter[0] ? it->converter : "-", lat, src,
				       it->last_error[0] ? "  " : "", it->last_error);
			}
		}
		wats_queue_items_free(items, n);
	} else if (!strcmp(sub, "retry")) {
		rc = wats_queue_retry(&n, q, id, mask);
		if (rc == 0)
			printf("%zu item%s queued again\n", n, n == 1 ? "" : "s");
	} else {
		if (!id && !mask) {
			fprintf(stderr, "wats queue purge: name an ID or --state (nothing is purged by default)\n");
			wats_queue_close(q);
			return WATS_EXIT_USAGE;
		}
		rc = wats_queue_purge(&n, q, id, mask);
		if (rc == 0)
			printf("%zu item%s deleted\n", n, n == 1 ? "" : "s");
	}
	if (rc)
		wats_cli_print_error("queue");
	wats_queue_close(q);
	return wats_cli_exit_for(rc);
}
