/*
 * buf: a growing text buffer for answers built in one go (a metrics
 * scrape, a control reply).  A failed allocation is remembered, not
 * fatal: the caller checks once at the end and answers with an error.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated while len > 0 */
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* an allocation failed: the text is cut */
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_printf(struct buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_append(struct buf *, const void *, size_t len);
/* Drops the first n bytes, as a writer consumed them. */
void	buf_consume(struct buf *, size_t n);

#endif
