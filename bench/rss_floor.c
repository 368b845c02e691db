/*
 * The resident memory a process has before it does anything, for the libraries watsd links
 * (issue 8's idle target): built three times (bench/CMakeLists.txt) as
 *   rss_floor_plain   nothing but libc
 *   rss_floor_curl    Debian's libcurl linked; with the argument "init" also curl_global_init
 *   rss_floor_curl_gnutls  the same with Debian's libcurl-gnutls (built when it is installed)
 *   rss_floor_store   libmicrohttpd, SQLite, json-c, yajl and expat linked; "init" opens a database
 * Each prints one table row from /proc/self/status: VmRSS, then its anonymous and file-backed
 * parts (RssAnon, RssFile).
 */
#include <stdio.h>
#include <string.h>

#if defined(RSS_FLOOR_CURL)
#include <curl/curl.h>
#elif defined(RSS_FLOOR_STORE)
#include <expat.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <yajl/yajl_gen.h>
#endif

static void show(const char *what)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	printf("| %s |", what);
	while (f && fgets(line, sizeof(line), f)) {
		const char *keys[] = { "VmRSS:", "RssAnon:", "RssFile:" }; /* in the file's order */
		for (int i = 0; i < 3; i++) {
			long kb;
			if (!strncmp(line, keys[i], strlen(keys[i])) &&
			    sscanf(line + strlen(keys[i]), "%ld", &kb) == 1)
				printf(" %.1f MB |", (double)kb / 1024.0);
		}
	}
	printf("\n");
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	int init = argc > 1 && !strcmp(argv[1], "init");
#if defined(RSS_FLOOR_CURL)
	if (init)
		curl_global_init(CURL_GLOBAL_DEFAULT);
#ifdef RSS_FLOOR_GNUTLS
	show(init ? "Debian libcurl-gnutls linked, curl_global_init" : "Debian libcurl-gnutls linked");
#else
	show(init ? "Debian libcurl linked, curl_global_init" : "Debian libcurl linked");
#endif
#elif defined(RSS_FLOOR_STORE)
	/* Referenced so that the linker keeps every library (it drops unused ones). */
	if (argc > 2) {
		MHD_stop_daemon(NULL);
		yajl_gen_free(yajl_gen_alloc(NULL));
		json_object_put(json_tokener_parse("{}"));
		XML_ParserFree(XML_ParserCreate(NULL));
	}
	if (init) {
		sqlite3 *db = NULL;
		sqlite3_open(":memory:", &db);
		sqlite3_exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES(1);", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	show(init ? "libmicrohttpd, SQLite, json-c, yajl, expat; a database opened"
		  : "libmicrohttpd, SQLite, json-c, yajl, expat linked");
#else
	(void)init;
	show("libc only");
#endif
	return 0;
}
