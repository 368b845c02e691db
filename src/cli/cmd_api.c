/* wats api list | show NAME | call NAME key=value... : every route of the table from a shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmd_net_common.h"
#include "util/buf.h"

static const char usage[] =
	"usage: wats api list [--json] [FILTER]       routes (FILTER: part of a name, id or path)\n"
	"       wats api show NAME                    one route: parameters, body, response\n"
	"       wats api call NAME [key=value...] [--body FILE|-] [options]\n"
	"NAME is a route name (product.get_bom) or id (PR14). key=value pairs fill the path\n"
	"placeholders and query parameters. The answer body is printed as it came.\n";

static int matches(const wats_route *r, const char *f)
{
	return !f || strstr(r->name, f) || strstr(r->path, f) || !strcmp(r->id, f);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int list(const net_args *a)
{
	const char *f = a->npos > 1 ? a->pos[1] : NULL;
	size_t shown = 0;
	if (a->json)
		putchar('[');
	for (size_t i = 0; i < wats_route_count(); i++) {
		const wats_route *r = wats_route_at(i);
		if (!matches(r, f))
			continue;
		if (a->json) {
			printf("%s{\"id\":", shown ? "," : "");
			json_str(r->id);
			printf(",\"name\":");
			json_str(r->name);
			printf(",\"method\":\"%s\",\"path\":", r->method);
			json_str(r->path);
			printf(",\"query\":");
			json_str(r->query);
			printf(",\"internal\":%s}", (r->flags & WATS_ROUTE_INTERNAL) ? "true" : "false");
		} else {
			printf("%-6s %-6s %-48s %s%s\n", r->id, r->method, r->name, r->path,
			       (r->flags & WATS_ROUTE_INTERNAL) ? "  (internal)" : "");
		}
		shown++;
	}
	if (a->json)
		printf("]\n");
	else
		printf("%zu route%s\n", shown, shown == 1 ? "" : "s");
	return WATS_EXIT_OK;
}

static int show(const net_args *a)
{
	const wats_route *r = a->npos == 2 ? wats_route_find(a->pos[1]) : NULL;
	if (!r) {
		fprintf(stderr, "wats api show: no route '%s' (see wats api list)\n", a->npos > 1 ? a->pos[1] : "");
		return WATS_EXIT_USAGE;
	}
	static const char *const bodies[] = { "none", "JSON", "raw" };
	printf("%s (%s)\n  %s %s\n  query:    %s\n  body:     %s%s%s%s\n  response: %s\n", r->name, r->id,
	       r->method, r->path, r->query[0] ? r->query : "none", bodies[r->body],
	       r->body_shape[0] ? " " : "", r->body_shape, r->content_type ? "" : "", r->response);
	if (r->content_type)
		printf("  content:  %s\n", r->content_type);
	printf("  flags:   %s%s%s%s\n", (r->flags & WATS_ROUTE_INTERNAL) ? " internal" : "",
	       (r->flags & WATS_ROUTE_IDEMPOTENT) ? " idempotent" : "",
	       r->cache_tags ? " cached" : "", (r->flags & WATS_ROUTE_RAW_RESPONSE) ? " raw-response" : "");
	return WATS_EXIT_OK;
}

static int call(const net_args *a)
{
	if (a->npos < 2) {
		fputs(usage, stderr);
		return WATS_EXIT_USAGE;
	}
	const char *name = a->pos[1];
	if (!wats_route_find(name)) {
		fprintf(stderr, "wats api call: no route '%s' (see wats api list)\n", name);
		return WATS_EXIT_USAGE;
	}
	wats_param params[64];
	size_t n = 0;
	for (int i = 2; i < a->npos; i++) {
		const char *eq = strchr(a->pos[i], '=');
		if (!eq || eq == a->pos[i] || n == sizeof(params) / sizeof(params[0])) {
			fprintf(stderr, "wats api call: '%s' is not key=value\n", a->pos[i]);
			return WATS_EXIT_USAGE;
		}
		params[n].key = strndup(a->pos[i], (size_t)(eq - a->pos[i]));
		params[n++].value = eq + 1;
	}
	char *body = NULL;
	size_t body_len = 0;
	const char *bf = net_opt(a, "--body");
	int rc = 0, ex = WATS_EXIT_OK;
	if (bf) {
		if (!strcmp(bf, "-")) {
			wats_buf b = WATS_BUF_INIT;
			char tmp[65536];
			size_t got;
			while (rc == 0 && (got = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
				rc = wats__buf_put(&b, tmp, got);
			body = wats__buf_detach(&b, &body_len);
			if (!body)
				body = strdup("");
		} else {
			rc = wats__read_file(&body, &body_len, bf, 0);
		}
		if (rc)
			ex = net_fail("--body", rc);
	}
	wats_client *c = NULL;
	if (ex == WATS_EXIT_OK)
		ex = net_client(&c, a);
	if (ex == WATS_EXIT_OK) {
		wats_response *r = NULL;
		rc = wats_call(&r, c, name, params, n, body, body_len);
		if (r && r->body_len) {
			fwrite(r->body, 1, r->body_len, stdout);
			if (r->body[r->body_len - 1] != '\n' && !(wats_route_find(name)->flags & WATS_ROUTE_RAW_RESPONSE))
				putchar('\n');
		}
		if (rc)
			ex = net_fail(name, rc);
		wats_response_free(r);
	}
	for (size_t i = 0; i < n; i++)
		free((char *)params[i].key);
	free(body);
	wats_client_free(c);
	return ex;
}

int wats_cmd_api(int argc, char **argv)
{
	static const char *const vopts[] = { "--body", NULL };
	net_args a;
	int ex = net_parse(&a, argc, argv, vopts, NULL, usage);
	if (ex)
		return ex;
	if (a.npos >= 1 && !strcasecmp(a.pos[0], "list"))
		return list(&a);
	if (a.npos >= 1 && !strcasecmp(a.pos[0], "show"))
		return show(&a);
	if (a.npos >= 1 && !strcasecmp(a.pos[0], "call"))
		return call(&a);
	fputs(usage, stderr);
	return WATS_EXIT_USAGE;
}
