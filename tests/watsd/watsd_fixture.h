/* Shared fixture of the watsd tests (tests/watsd/watsd_fixture.c). */
#ifndef WATSD_FIXTURE_H
#define WATSD_FIXTURE_H

#include <sys/types.h>

#include "devserver.h"
#include "testutil.h"
#include "wats/wats.h"

#define OK(x) do { int rc_ = (x); if (rc_) fail_msg("%s: %d: %s", #x, rc_, wats_error_last()->message); } while (0)

typedef struct fx {
	tu_devserver *ds;
	wats_client *ctl;
	char *dir;
	char inbox[4096], config[4096];
	char *fixture;
	size_t fixture_len;
} fx;


const char *watsd_bin(void);
void write_config(fx *f, const char *extra);
/* write_config with an "http" section (port 0) and the API key in DIR/apikey (0600); extra
 * is appended after it. The config is left 0600. */
void write_http_config(fx *f, const char *api_key, const char *extra);
int setup(void **state);
int teardown(void **state);
pid_t start_watsd(fx *f);
pid_t start_watsd_arg(fx *f, const char *arg);
int stop_watsd(pid_t pid, int sig);
char *dev(fx *f, const char *method, const char *path, const char *body);
long stat_num(fx *f, const char *key);
long wait_reports(fx *f, long n, int timeout_ms);
void drop(fx *f, char ids[][37], int k);
int count_files(const char *dir);
int file_exists(const char *path);
int ctl_connect(fx *f);
char *ctl_read(int fd, int lines);
/* The HTTP port watsd bound, from the control socket's status ("HOST:PORT"); with host
 * non-NULL the address must be that host. */
int watsd_http_port(fx *f, const char *host);

#endif
