/*
 * logfile: a log file the event loops write to without ever blocking on
 * it.  Lines go into a buffer of each loop's own, handed once per batch of
 * events (logfile_put) to a writer thread through a bounded buffer; a
 * disk that stalls fills it, and the lines that do not fit are dropped and
 * counted, never waited for.  The writer thread alone touches the file:
 * it also reopens it, for log rotation.  Woken by the first lines, it
 * gathers for LOGFILE_GATHER_MS and writes them all at once: a line
 * reaches the file that much later, and a busy loop wakes it seldom.
 */
#ifndef LOGFILE_H
#define LOGFILE_H

#include <sys/types.h>

#include <stdint.h>

#include "buf.h"

#define LOGFILE_BUFFER		(1 << 20)	/* bytes waiting for the disk */
#define LOGFILE_CLOSE_MS	2000		/* for the last lines, at exit */
#define LOGFILE_GATHER_MS	20		/* lines wait for more, then go */

struct logfile;

/*
 * Opens (creates, mode 0640) the file for appending, or standard error
 * for "-", and starts its writer: NULL with errno set when it cannot.
 * Run as root, it gives the file to owner:group ((uid_t)-1: it stays
 * root's), the user it drops to, who reopens it after a rotation.
 */
struct logfile	*logfile_open(const char *path, uid_t owner, gid_t group);
/* Whether it writes to that path. */
int		 logfile_is(const struct logfile *, const char *path);
/*
 * Hands b, lines whole lines, to the writer, and empties it.  Any thread
 * may: each has its own b.
 */
void		 logfile_put(struct logfile *, struct buf *b, uint64_t lines);
/* Has the writer reopen the file by its path: after a rotation. */
void		 logfile_reopen(struct logfile *);
/* Lines dropped so far: the writer was too far behind. */
uint64_t	 logfile_dropped(struct logfile *);
/*
 * Stops the writer and frees it.  It waits up to wait_ms for the
 * last lines to be written: a writer stuck on a stalled disk is left to
 * finish them on its own.
 */
void		 logfile_close(struct logfile *, int wait_ms);

#endif
