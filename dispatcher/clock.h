#ifndef CLOCK_H
#define CLOCK_H

#include <sys/timerfd.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Milliseconds on the monotonic clock: deadlines survive changes of date. */
static inline uint64_t
clock_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Arms a CLOCK_MONOTONIC timerfd for the moment when (clock_ms), or
 * disarms it for 0.  A zero it_value would disarm it: a deadline already
 * past must still fire, hence the extra nanosecond.
 */
static inline void
clock_timer_at(int fd, uint64_t when)
{
	struct itimerspec	its;

	memset(&its, 0, sizeof(its));
	if (when != 0) {
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000 + 1;
	}
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
}

#endif
