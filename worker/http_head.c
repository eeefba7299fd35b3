/*
 * http_head: a state machine over the bytes of a request head, one byte
 * at a time, so that a call judges only the bytes that came since the
 * last: a client that sends its head a byte at a time costs a byte of
 * work each, not the whole head again.  http_head.h says what it takes.
 */
#include <string.h>
#include <strings.h>

#include "http_head.h"

enum http_head_state {
	HTTP_HEAD_IN_START,	/* empty lines before the request line */
	HTTP_HEAD_IN_START_LF,	/* after the CR of such a line */
	HTTP_HEAD_IN_METHOD,
	HTTP_HEAD_IN_TARGET_START,	/* after the space that ends the method */
	HTTP_HEAD_IN_TARGET,
	HTTP_HEAD_IN_VERSION,	/* "HTTP/D.D", from mark */
	HTTP_HEAD_IN_LINE_LF,	/* after the CR that ends a line */
	HTTP_HEAD_IN_LINE,		/* the start of a field line, or the end */
	HTTP_HEAD_IN_END_LF,	/* after the CR of the empty line at the end */
	HTTP_HEAD_IN_NAME,
	HTTP_HEAD_IN_VALUE,
};

/* The fields it looks into. */
enum http_head_field {
	HTTP_HEAD_OTHER,
	HTTP_HEAD_HOST,
	HTTP_HEAD_LENGTH,
	HTTP_HEAD_ENCODING,
};

/* The Content-Length value so far. */
enum http_head_digits {
	HTTP_HEAD_NO_DIGIT,
	HTTP_HEAD_DIGITS,
	HTTP_HEAD_DIGITS_END,	/* digits, then white space */
};

static const char http_head_version[] = "HTTP/D.D";

static int	http_head_tchar(unsigned char);
static int	http_head_alpha(unsigned char);
static int	http_head_digit(unsigned char);
static int	http_head_is(const char *, size_t, const char *);
static void	http_head_byte(struct http_head *, const char *, size_t);
static void	http_head_version_end(struct http_head *, const char *);
static void	http_head_name_end(struct http_head *, const char *, size_t);
static void	http_head_value(struct http_head *, unsigned char);
static void	http_head_field_end(struct http_head *);
static void	http_head_end(struct http_head *, const char *, size_t);
static int	http_head_target_ok(const struct http_head *, const char *);

void
http_head_init(struct http_head *h)
{
	memset(h, 0, sizeof(*h));
	h->status = HTTP_HEAD_PARTIAL;
	h->state = HTTP_HEAD_IN_START;
}

enum http_head_status
http_head_parse(struct http_head *h, const char *buf, size_t len)
{
	size_t	end = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;

	for (; h->status == HTTP_HEAD_PARTIAL && h->pos < end; h->pos++)
		http_head_byte(h, buf, h->pos);
	if (h->status == HTTP_HEAD_PARTIAL && h->pos == HTTP_HEAD_MAX)
		h->status = HTTP_HEAD_TOO_LARGE;
	return h->status;
}

const char *
http_head_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* RFC 9110 5.6.2: the bytes of a token, such as a method or a field name. */
static int
http_head_tchar(unsigned char c)
{
	return http_head_alpha(c) || http_head_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
http_head_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
http_head_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Whether the len bytes at s are name, case aside. */
static int
http_head_is(const char *s, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(s, name, len) == 0;
}

static void
http_head_byte(struct http_head *h, const char *buf, size_t i)
{
	unsigned char	c = (unsigned char)buf[i];
	size_t		k;

	switch ((enum http_head_state)h->state) {
	case HTTP_HEAD_IN_START:
		if (c == '\r')
			h->state = HTTP_HEAD_IN_START_LF;
		else if (http_head_tchar(c)) {
			h->method = i;
			h->state = HTTP_HEAD_IN_METHOD;
		} else if (c != '\n')
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_START_LF:
	case HTTP_HEAD_IN_LINE_LF:
		if (c != '\n')
			h->status = HTTP_HEAD_BAD;
		h->state = h->state == HTTP_HEAD_IN_START_LF ? HTTP_HEAD_IN_START :
		    HTTP_HEAD_IN_LINE;
		return;
	case HTTP_HEAD_IN_METHOD:
		if (c == ' ') {
			h->method_len = i - h->method;
			h->state = HTTP_HEAD_IN_TARGET_START;
		} else if (!http_head_tchar(c))
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_TARGET_START:
	case HTTP_HEAD_IN_TARGET:
		if (c > ' ' && c < 0x7f) {
			if (h->state == HTTP_HEAD_IN_TARGET_START)
				h->target = i;
			h->state = HTTP_HEAD_IN_TARGET;
		} else if (c == ' ' && h->state == HTTP_HEAD_IN_TARGET) {
			h->target_len = i - h->target;
			h->mark = i + 1;
			h->state = HTTP_HEAD_IN_VERSION;
		} else
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_VERSION:
		k = i - h->mark;
		if (k == sizeof(http_head_version) - 1 &&
		    (c == '\r' || c == '\n')) {
			h->state = c == '\r' ? HTTP_HEAD_IN_LINE_LF :
			    HTTP_HEAD_IN_LINE;
			http_head_version_end(h, buf);
		} else if (k >= sizeof(http_head_version) - 1 ||
		    (http_head_version[k] == 'D' ? !http_head_digit(c) :
		    c != (unsigned char)http_head_version[k]))
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_LINE:
		if (c == ' ' || c == '\t') {
			/* A fold: nothing to continue right after the request. */
			if (!h->fields) {
				h->status = HTTP_HEAD_BAD;
				return;
			}
			h->state = HTTP_HEAD_IN_VALUE;
			http_head_value(h, c);
			return;
		}
		http_head_field_end(h);
		if (h->status != HTTP_HEAD_PARTIAL)
			return;
		if (c == '\r')
			h->state = HTTP_HEAD_IN_END_LF;
		else if (c == '\n')
			http_head_end(h, buf, i);
		else if (http_head_tchar(c)) {
			h->mark = i;
			h->state = HTTP_HEAD_IN_NAME;
		} else
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_END_LF:
		if (c == '\n')
			http_head_end(h, buf, i);
		else
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_NAME:
		if (c == ':') {
			http_head_name_end(h, buf, i);
			h->state = HTTP_HEAD_IN_VALUE;
		} else if (!http_head_tchar(c))
			h->status = HTTP_HEAD_BAD;
		return;
	case HTTP_HEAD_IN_VALUE:
		if (c == '\r')
			h->state = HTTP_HEAD_IN_LINE_LF;
		else if (c == '\n')
			h->state = HTTP_HEAD_IN_LINE;
		else
			http_head_value(h, c);
		return;
	}
}

/* The request line is complete, its version at mark. */
static void
http_head_version_end(struct http_head *h, const char *buf)
{
	if (buf[h->mark + 5] != '1') {
		h->status = HTTP_HEAD_VERSION;
		return;
	}
	h->minor = buf[h->mark + 7] - '0';
}

static void
http_head_name_end(struct http_head *h, const char *buf, size_t i)
{
	const char	*name = buf + h->mark;
	size_t		 len = i - h->mark;

	h->fields = 1;
	h->field = HTTP_HEAD_OTHER;
	if (http_head_is(name, len, "Host")) {
		h->field = HTTP_HEAD_HOST;
		h->hosts++;
	} else if (http_head_is(name, len, "Content-Length")) {
		h->field = HTTP_HEAD_LENGTH;
		h->lengths++;
		h->digits = HTTP_HEAD_NO_DIGIT;
	} else if (http_head_is(name, len, "Transfer-Encoding")) {
		h->field = HTTP_HEAD_ENCODING;
		h->body = 1;
	}
}

/* One byte of a field value: a fold's space or tab included. */
static void
http_head_value(struct http_head *h, unsigned char c)
{
	if (c == ' ' || c == '\t') {
		if (h->field == HTTP_HEAD_LENGTH &&
		    h->digits == HTTP_HEAD_DIGITS)
			h->digits = HTTP_HEAD_DIGITS_END;
		return;
	}
	/* Visible ASCII or obs-text (RFC 9110 5.5): not a control. */
	if (c <= ' ' || c == 0x7f) {
		h->status = HTTP_HEAD_BAD;
		return;
	}
	if (h->field != HTTP_HEAD_LENGTH)
		return;
	if (!http_head_digit(c) || h->digits == HTTP_HEAD_DIGITS_END) {
		h->status = HTTP_HEAD_BAD;
		return;
	}
	h->digits = HTTP_HEAD_DIGITS;
	if (c != '0')
		h->body = 1;
}

/* The field before the current line has ended: its last check. */
static void
http_head_field_end(struct http_head *h)
{
	if (h->fields && h->field == HTTP_HEAD_LENGTH &&
	    h->digits == HTTP_HEAD_NO_DIGIT)
		h->status = HTTP_HEAD_BAD;
}

/* The empty line at i ends the head: the checks of the whole. */
static void
http_head_end(struct http_head *h, const char *buf, size_t i)
{
	const char	*method = buf + h->method;

	/* RFC 9112 3.2: a Host is required in 1.1; two are never right. */
	if (h->hosts > 1 || (h->minor >= 1 && h->hosts == 0) ||
	    h->lengths > 1) {
		h->status = HTTP_HEAD_BAD;
		return;
	}
	h->len = i + 1;
	/* Methods are case-sensitive (RFC 9110 9.1), field names are not. */
	h->head = h->method_len == 4 && memcmp(method, "HEAD", 4) == 0;
	if (!h->head && !(h->method_len == 3 &&
	    memcmp(method, "GET", 3) == 0)) {
		h->status = HTTP_HEAD_METHOD;
		return;
	}
	h->status = http_head_target_ok(h, buf) ? HTTP_HEAD_OK :
	    HTTP_HEAD_BAD;
}

/*
 * The target of a GET or a HEAD: a path (origin-form) or an absolute URI
 * with an authority (absolute-form, as a client speaking to a proxy sends
 * it), RFC 9112 3.2.
 */
static int
http_head_target_ok(const struct http_head *h, const char *buf)
{
	const char	*t = buf + h->target;
	size_t		 i;

	if (t[0] == '/')
		return 1;
	if (!http_head_alpha((unsigned char)t[0]))
		return 0;
	for (i = 1; i < h->target_len && (http_head_alpha((unsigned char)t[i]) ||
	    http_head_digit((unsigned char)t[i]) || t[i] == '+' ||
	    t[i] == '-' || t[i] == '.'); i++)
		continue;
	return h->target_len - i > 3 && memcmp(t + i, "://", 3) == 0;
}
