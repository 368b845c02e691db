/* Daily network verbs: test-connection, submit, report get/query, product get, unit get. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_net_common.h"
#include "util/buf.h"

int wats_cmd_test_connection(int argc, char **argv)
{
	static const char usage[] = "usage: wats test-connection [options]\n"
				    "Ask the server for its version; exit 0 when it answers.\n";
	net_args a;
	wats_client *c = NULL;
	int ex = net_parse(&a, argc, argv, NULL, NULL, usage);
	if (ex || (ex = net_client(&c, &a)))
		return ex;
	char *version = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = wats_client_ping(&version, c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (rc == 0) {
		const wats_station *st = wats_client_station(c);
		if (a.json)
			printf("{\"ok\":true,\"url\":\"%s\",\"version\":\"%s\",\"ms\":%.1f,\"station\":\"%s\"}\n",
			       wats_client_base_url(c), version, ms, st->name);
		else
			printf("connected to %s (WATS %s) in %.1f ms as station %s (%s)\n",
			       wats_client_base_url(c), version, ms, st->name, st->source);
	} else if (a.json) {
		printf("{\"ok\":false,\"url\":\"%s\",\"error\":\"%s\",\"status\":%d}\n", wats_client_base_url(c),
		       wats_strerror(rc), wats_error_last()->http_status);
	}
	ex = rc ? net_fail("test-connection", rc) : WATS_EXIT_OK;
	wats_free(version);
	wats_client_free(c);
	return ex;
}

static void progress(int done, int total, int failed)
{
	int width = 30, fill = total ? done * width / total : width;
	fprintf(stderr, "\r[%.*s%*s] %d/%d%s", fill, "##############################", width - fill, "",
		done, total, failed ? " (failures)" : "");
	if (done == total)
		fputc('\n', stderr);
}

int wats_cmd_submit(int argc, char **argv)
{
	static const char usage[] =
		"usage: wats submit [options] FILE...\n"
		"Send WSJF (.json) or WSXF (.xml) reports; prints each file's report id.\n"
		"  --apply-station  fill empty machineName/location/purpose from the station\n";
	static const char *const flags[] = { "--apply-station", NULL };
	net_args a;
	wats_client *c = NULL;
	int ex = net_parse(&a, argc, argv, NULL, flags, usage);
	if (ex)
		return ex;
	int apply = net_flag(&a, "--apply-station");
	if (a.npos == 0) {
		fputs(usage, stderr);
		return WATS_EXIT_USAGE;
	}
	if ((ex = net_client(&c, &a)))
		return ex;
	int bar = a.npos > 1 && isatty(2) && !a.verbose;
	int failed = 0, worst = WATS_EXIT_OK;
	if (a.json)
		printf("[");
	for (int i = 0; i < a.npos; i++) {
		char *data = NULL, *id = NULL;
		size_t len = 0;
		int rc = wats__read_file(&data, &len, a.pos[i], 0);
		rc = rc ? rc : wats_api_submit_report(&id, c, data, len, WATS_WIRE_AUTO,
						      apply ? WATS_SUBMIT_APPLY_STATION : 0);
		if (rc) {
			failed++;
			if (bar)
				fputc('\n', stderr);
			char what[600];
			snprintf(what, sizeof(what), "%s", a.pos[i]);
			int e = net_fail(what, rc);
			if (e > worst)
				worst = e;
		}
		if (a.json)
			printf("%s{\"file\":\"%s\",\"id\":%s%s%s,\"error\":%s%s%s}", i ? "," : "", a.pos[i],
			       id ? "\"" : "", id ? id : "null", id ? "\"" : "", rc ? "\"" : "",
			       rc ? wats_strerror(rc) : "null", rc ? "\"" : "");
		else if (!rc && !bar)
			printf("%s: %s\n", a.pos[i], id);
		if (bar)
			progress(i + 1, a.npos, failed);
		free(data);
		wats_free(id);
	}
	if (a.json)
		printf("]\n");
	else if (bar || a.npos > 1)
		printf("%d submitted, %d failed\n", a.npos - failed, failed);
	wats_client_free(c);
	return worst;
}

static void print_headers(const wats_report_header_list *l)
{
	printf("%-36s  %-16s  %-14s  %-4s  %-7s  %-5s  %-14s  %s\n", "ID", "SERIAL", "PART", "REV",
	       "RESULT", "PROC", "STATION", "START (UTC)");
	for (size_t i = 0; i < l->count; i++) {
		const wats_report_header *h = &l->items[i];
		printf("%-36s  %-16s  %-14s  %-4s  %-7s  %-5d  %-14s  %s\n", h->uuid ? h->uuid : "",
		       h->serial_number ? h->serial_number : "", h->part_number ? h->part_number : "",
		       h->revision ? h->revision : "", h->result ? h->result : "", h->process_code,
		       h->station_name ? h->station_name : "", h->start_utc ? h->start_utc : "");
	}
	printf("%zu report%s\n", l->count, l->count == 1 ? "" : "s");
}

/* "7d", "12h", "30m" or an ISO date "2026-01-31[THH:MM:SS]" (UTC) -> seconds since 1970. */
static int parse_since(int64_t *out, const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end != s && (*end == 'd' || *end == 'h' || *end == 'm') && !end[1]) {
		double mul = *end == 'd' ? 86400 : *end == 'h' ? 3600 : 60;
		*out = (int64_t)time(NULL) - (int64_t)(v * mul);
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!e) {
		memset(&tm, 0, sizeof(tm));
		e = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!e || (*e && strcmp(e, "Z")))
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int report_query(net_args *a, wats_client *c)
{
	wats_odata *f = NULL;
	int rc = wats_odata_new(&f);
	const char *pn = net_opt(a, "--pn"), *sn = net_opt(a, "--sn"), *since = net_opt(a, "--since");
	const char *raw = net_opt(a, "--filter"), *top = net_opt(a, "--top");
	if (rc == 0 && pn)
		rc = wats_odata_add_string(f, "partNumber", "eq", pn);
	if (rc == 0 && sn)
		rc = wats_odata_add_string(f, "serialNumber", "eq", sn);
	if (rc == 0 && since) {
		int64_t t;
		if (parse_since(&t, since)) {
			fprintf(stderr, "wats report query: --since '%s' is not 7d/12h/30m or YYYY-MM-DD[THH:MM:SS]\n", since);
			wats_odata_free(f);
			return WATS_EXIT_USAGE;
		}
		rc = wats_odata_add_time(f, "start", "ge", t);
	}
	if (rc == 0 && raw)
		rc = wats_odata_add_raw(f, raw);
	if (rc) {
		wats_odata_free(f);
		return net_fail("report query", rc);
	}
	wats_header_query q = WATS_HEADER_QUERY_INIT;
	q.filter = wats_odata_text(f);
	q.top = top ? (unsigned)atoi(top) : 0;
	q.uur = net_opt(a, "--type") && !strcmp(net_opt(a, "--type"), "uur");
	wats_report_header_list *l = NULL;
	rc = wats_api_query_headers(&l, c, &q);
	wats_odata_free(f);
	if (rc)
		return net_fail("report query", rc);
	if (a->json)
		printf("%s\n", l->json);
	else
		print_headers(l);
	wats_report_header_list_free(l);
	return WATS_EXIT_OK;
}

int wats_cmd_net_report(int argc, char **argv)
{
	static const char usage[] =
		"usage: wats report get [--xml] ID\n"
		"       wats report query [--pn PN] [--sn SN] [--since 7d|DATE] [--filter ODATA]\n"
		"                         [--top N] [--type uut|uur]\n";
	static const char *const vopts[] = { "--pn", "--sn", "--since", "--filter", "--top", "--type", NULL };
	static const char *const flags[] = { "--xml", NULL };
	net_args a;
	wats_client *c = NULL;
	int ex = net_parse(&a, argc, argv, vopts, flags, usage);
	if (ex)
		return ex;
	int xml = net_flag(&a, "--xml");
	if (a.npos < 1 || (strcmp(a.pos[0], "get") && strcmp(a.pos[0], "query")) ||
	    (!strcmp(a.pos[0], "get") && a.npos != 2)) {
		fputs(usage, stderr);
		return WATS_EXIT_USAGE;
	}
	if ((ex = net_client(&c, &a)))
		return ex;
	if (!strcmp(a.pos[0], "query")) {
		ex = report_query(&a, c);
	} else {
		char *text = NULL;
		size_t len = 0;
		int rc = wats_api_get_report(&text, &len, c, a.pos[1], xml ? WATS_WIRE_WSXF : WATS_WIRE_WSJF);
		if (rc == 0) {
			fwrite(text, 1, len, stdout);
			if (len && text[len - 1] != '\n')
				putchar('\n');
		}
		ex = rc ? net_fail("report get", rc) : WATS_EXIT_OK;
		wats_free(text);
	}
	wats_client_free(c);
	return ex;
}

int wats_cmd_net_product(int argc, char **argv)
{
	static const char usage[] = "usage: wats product get PN\n";
	net_args a;
	wats_client *c = NULL;
	int ex = net_parse(&a, argc, argv, NULL, NULL, usage);
	if (ex)
		return ex;
	if (a.npos != 2 || strcmp(a.pos[0], "get")) {
		fputs(usage, stderr);
		return WATS_EXIT_USAGE;
	}
	if ((ex = net_client(&c, &a)))
		return ex;
	wats_product *p = NULL;
	int rc = wats_api_get_product(&p, c, a.pos[1]);
	if (rc == 0 && a.json) {
		printf("%s\n", p->json);
	} else if (rc == 0) {
		printf("part number  %s\nname         %s\ndescription  %s\nstate        %s\nnon-serial   %s\n",
		       p->part_number, p->name ? p->name : "", p->description ? p->description : "",
		       p->state ? "active" : "inactive", p->non_serial ? "yes" : "no");
		printf("revisions    %zu\n", p->revision_count);
		for (size_t i = 0; i < p->revision_count; i++)
			printf("  %-8s %-8s %s\n", p->revisions[i].revision ? p->revisions[i].revision : "",
			       p->revisions[i].state ? "active" : "inactive",
			       p->revisions[i].name ? p->revisions[i].name : "");
	}
	ex = rc ? net_fail("product get", rc) : WATS_EXIT_OK;
	wats_product_free(p);
	wats_client_free(c);
	return ex;
}

int wats_cmd_net_unit(int argc, char **argv)
{
	static const char usage[] = "usage: wats unit get SN PN\n";
	net_args a;
	wats_client *c = NULL;
	int ex = net_parse(&a, argc, argv, NULL, NULL, usage);
	if (ex)
		return ex;
	if (a.npos != 3 || strcmp(a.pos[0], "get")) {
		fputs(usage, stderr);
		return WATS_EXIT_USAGE;
	}
	if ((ex = net_client(&c, &a)))
		return ex;
	wats_unit *u = NULL;
	int rc = wats_api_get_unit(&u, c, a.pos[1], a.pos[2]);
	if (rc == 0 && a.json) {
		printf("%s\n", u->json);
	} else if (rc == 0) {
		printf("serial number  %s\npart number    %s\nrevision       %s\nbatch          %s\n"
		       "parent         %s\nphase          %s (%d)\nlocation       %s\n",
		       u->serial_number, u->part_number, u->revision ? u->revision : "",
		       u->batch_number ? u->batch_number : "",
		       u->parent_serial_number ? u->parent_serial_number : "",
		       u->unit_phase ? u->unit_phase : "", u->unit_phase_id,
		       u->current_location ? u->current_location : "");
	}
	ex = rc ? net_fail("unit get", rc) : WATS_EXIT_OK;
	wats_unit_free(u);
	wats_client_free(c);
	return ex;
}
