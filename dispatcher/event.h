/*
 * Every object that the event loop's epoll_data points at starts with an
 * int holding one of these, so that one pointer says what became ready.
 */
#ifndef EVENT_H
#define EVENT_H

#include <sys/epoll.h>

#include <stdint.h>
#include <string.h>

#include "log.h"

enum event_type {
	EVENT_LISTENER = 1,	/* struct listener */
	EVENT_CHANNEL,		/* struct worker */
	EVENT_RESPAWN,		/* the pool's respawn timer */
	EVENT_SIGNAL,		/* the dispatcher's signalfd */
	EVENT_RESUME,		/* the timer that resumes accepting */
	EVENT_QUEUED,		/* struct class_entry: a client waiting */
	EVENT_REST,		/* the timer that ends a lowest lane's rest */
	EVENT_METRICS,		/* struct metrics: its listening socket */
	EVENT_METRICS_CLIENT,	/* struct metrics_client: a scrape */
	EVENT_METRICS_TIMER,	/* the scrapes' deadlines */
	EVENT_CONTROL,		/* the control socket (control.c) */
	EVENT_CONTROL_CLIENT,	/* struct control_client */
	EVENT_CONTROL_TIMER,	/* its clients' idle timer */
	EVENT_WATCHDOG,		/* the timer of systemd's watchdog pings */
	EVENT_PROXY,		/* struct proxy_wait_entry: a header awaited */
	EVENT_PROXY_TIMER,	/* the PROXY headers' deadlines */
	EVENT_WAKE,		/* a shard's eventfd: the main thread changed it */
	EVENT_SHARD_DONE,	/* the dispatcher's eventfd: a shard's loop ended */
	EVENT_UPGRADE,		/* an upgrade's channel to the new dispatcher */
	EVENT_UPGRADE_TIMER,	/* its time limit */
};

/*
 * Adds, changes (op) what epoll watches on fd for the object ptr; failing
 * on a descriptor of ours is a broken invariant.
 */
static inline void
event_watch(int epfd, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = ptr;
	if (epoll_ctl(epfd, op, fd, &ev) == -1)
		fatal("epoll_ctl");
}

#endif
