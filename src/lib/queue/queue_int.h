/* Internal declarations shared by the queue files (queue.c: storage, submit.c: submit modes). */
#ifndef WATS_QUEUE_INT_H
#define WATS_QUEUE_INT_H

#include "wats/queue.h"

/** Fill `hint` with a retry-after delay (ms) found in an HTTP error message, else -1. */

/** The options the queue was opened with (defaults applied). */
const wats_queue_options *wats__queue_options(const wats_queue *q);

#endif
