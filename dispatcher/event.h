/*
 * Every object that the event loop's epoll_data points at starts with an
 * int holding one of these, so that one pointer says what became ready.
 */
#ifndef EVENT_H
#define EVENT_H

enum event_type {
	EVENT_LISTENER = 1,	/* struct listener */
	EVENT_CHANNEL,		/* struct pool_worker */
	EVENT_RESPAWN,		/* the pool's respawn timer */
	EVENT_SIGNAL,		/* the dispatcher's signalfd */
	EVENT_RESUME,		/* the timer that resumes accepting */
	EVENT_QUEUED,		/* struct pool_entry: a client waiting */
	EVENT_REST,		/* the timer that ends a lowest lane's rest */
};

#endif
