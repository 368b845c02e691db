/*
 * Start and stop wats-devserver as a real process for a test, on 127.0.0.1 with a free port.
 *
 *   tu_devserver *s = tu_devserver_start(NULL, NULL);        // in-memory database
 *   const char *url = tu_devserver_url(s);                   // "http://127.0.0.1:PORT"
 *   // ... requests with "Authorization: Basic " + tu_devserver_token(s) ...
 *   tu_devserver_stop(s);                                    // SIGTERM, wait, check exit 0
 *
 * The helper waits for the server's ready line (--ready-fd), so the server is accepting
 * connections when start returns. Any failure fails the current cmocka test. The server's
 * stderr goes to the test's stderr (shown by ctest --output-on-failure).
 * The server gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), so a test
 * that fails before tu_devserver_stop leaves no server behind: start it from the thread that
 * runs the test (cmocka's main thread), not from a short-lived helper thread.
 * Needs $WATS_DEVSERVER (set by wats_add_test when the target exists).
 */
#ifndef WATS_TEST_DEVSERVER_H
#define WATS_TEST_DEVSERVER_H

#include <sys/types.h>

typedef struct tu_devserver tu_devserver;

/**
 * Start the server. db_path: an SQLite file (kept; reuse it to test restarts) or NULL for
 * ":memory:". extra_args: more command-line options, NULL-terminated, or NULL
 * (e.g. (const char *[]){ "--max-body", "1000", NULL }).
 */
tu_devserver *tu_devserver_start(const char *db_path, const char *const *extra_args);
/** "http://127.0.0.1:PORT", no trailing slash. Owned by s. */
const char *tu_devserver_url(const tu_devserver *s);
/** The token the server expects after "Authorization: Basic ". Owned by s. */
const char *tu_devserver_token(const tu_devserver *s);
/** The TCP port. */
int tu_devserver_port(const tu_devserver *s);
/** The server's process id (for tests that signal it). */
pid_t tu_devserver_pid(const tu_devserver *s);
/** SIGTERM, wait up to 10 s; fails the test unless the server exits with status 0. Frees s. */
void tu_devserver_stop(tu_devserver *s);
/** SIGKILL (a crash, no clean shutdown) and reap. Frees s. */
void tu_devserver_kill(tu_devserver *s);

#endif
