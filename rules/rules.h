/*
 * rules: the compiled ruleset and the matcher.
 *
 * A pure library: no sockets, no globals, no logging.  What it stores is
 * an entry: the caller's configured rule is one entry, or one per line
 * of a list file, and the caller keeps which rule each entry came from.
 * Entries are appended in order and known by their 0-based index; a
 * lookup returns the first entry, in that order, that matches the peer.
 * rules_compile flattens the unconditional address entries of each
 * family into sorted address ranges, each holding the lowest index among
 * the entries that cover it, so that a lookup is a short search whatever
 * the number of entries; regexes (PCRE2, JIT-compiled once when added)
 * and entries with conditions are tried in order, and only where their
 * index is lower than the ranges' answer.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum rules_action {
	RULES_ROUTE,		/* hand the connection to a class */
	RULES_DENY,		/* close it without a reply */
};

struct rules_verdict {
	int		  entry;	/* 0-based index, -1 when none matched */
	int		  class_idx;	/* meaningful with RULES_ROUTE */
	enum rules_action action;
	/*
	 * 0, or the PCRE2 error (negative) that entry's regex ended with:
	 * the peer could not be judged, and action is RULES_DENY.
	 */
	int		  error;
};

/*
 * The limits of one regex match.  Exceeding one is an error, never "no
 * match": a deny rule that gives up must not let the peer through to
 * later rules.  The subject is at most 45 bytes of address text, which
 * an ordinary pattern matches in well under a hundred steps; the JIT
 * counts RULES_MATCH_LIMIT too, but has no depth limit (its stack, 32 KB
 * by default, bounds it instead).
 */
#define RULES_MATCH_LIMIT	10000
#define RULES_DEPTH_LIMIT	1000

/*
 * Conditions besides the address that an entry may carry; all must hold.
 * A NULL condition is the same as RULES_COND_NONE.
 */
struct rules_cond {
	int		 listener;	/* the listener's index, -1 for any */
	unsigned	 port_min;	/* the peer's port range, */
	unsigned	 port_max;	/* 0 to 65535 for any */
};
#define RULES_COND_NONE	((struct rules_cond){ -1, 0, 65535 })

struct rules;

/* A ruleset whose default verdict is RULES_ROUTE to default_class. */
struct rules	*rules_new(int default_class);
void		 rules_free(struct rules *);

/*
 * Each function appends one entry and returns 0, or 1 when it was added
 * with a warning written to err, or -1 with the reason in err and nothing
 * added.  err always receives a NUL-terminated message on non-zero.
 *
 * rules_add_address takes "ADDR" or "ADDR/LEN", IPv4 or IPv6.  A prefix
 * with host bits set is masked with a warning.  An IPv6 entry inside
 * ::ffff:0:0/96 applies to the IPv4 address it maps.
 *
 * rules_add_regex takes a PCRE2 pattern that is matched against the peer
 * address in text form: dotted quad, or IPv6 in RFC 5952 form.
 *
 * rules_add_any matches every address: an entry of conditions alone.
 */
int		 rules_add_address(struct rules *, const char *text, int class_idx,
		    enum rules_action, const struct rules_cond *, char *err,
		    size_t errlen);
int		 rules_add_regex(struct rules *, const char *pattern, int class_idx,
		    enum rules_action, const struct rules_cond *, char *err,
		    size_t errlen);
int		 rules_add_any(struct rules *, int class_idx, enum rules_action,
		    const struct rules_cond *, char *err, size_t errlen);

/*
 * Builds the lookup structures once the last entry is added, an empty
 * ruleset included.  rules_match may only be called after it, and adding
 * an entry undoes it until it is called again (rules_match aborts on a
 * ruleset not compiled since its last entry).  Returns 0, or -1 with the
 * reason in err.
 */
int		 rules_compile(struct rules *, char *err, size_t errlen);

/* The number of entries: the index the next one added will have. */
size_t		 rules_count(const struct rules *);

/*
 * The index of an earlier entry that leaves this one no address to
 * match, whatever its conditions (the lowest-numbered unconditional
 * address or any entry whose prefix covers this address entry's), or -1.
 * Regex and any entries are never reported.  Known for the entries added
 * before the last rules_compile (-1 for the others); a constant-time
 * look-up.
 */
int		 rules_shadowed(const struct rules *, size_t entry);

enum rules_kind {
	RULES_KIND_ADDRESS,	/* an address or a prefix */
	RULES_KIND_REGEX,
	RULES_KIND_ANY,		/* conditions alone */
};

struct rules_entry_info {
	enum rules_kind	  kind;
	int		  family;	/* RULES_KIND_ADDRESS: AF_INET(6) */
	uint8_t		  addr[16];	/* the prefix, network order */
	unsigned int	  len;		/* its length in bits */
	struct rules_cond cond;		/* RULES_COND_NONE when it has none */
	int		  class_idx;
	enum rules_action action;
};

/*
 * Describes an entry of a compiled ruleset, for a caller that translates
 * entries into another matcher (such as a kernel socket filter).  An
 * entry inside ::ffff:0:0/96 is described as the IPv4 prefix it maps.
 * Returns 0, or -1 for an entry out of range or a ruleset not compiled
 * since its last entry.  A constant-time look-up.
 */
int		 rules_get(const struct rules *, size_t entry,
		    struct rules_entry_info *);

/*
 * The verdict for a peer (AF_INET or AF_INET6; an IPv4-mapped IPv6 address
 * is matched as IPv4) arriving on a listener.  Regex match data are kept
 * in the ruleset so that nothing is allocated per lookup: threads that
 * match at once take turns with them, under a lock (never a signal
 * handler, which could interrupt its holder).
 * A regex that fails with an error (a RULES_*_LIMIT exceeded) ends the
 * lookup there: its entry, RULES_DENY, and the error.
 */
void		 rules_match(struct rules *, const struct sockaddr *peer,
		    int listener, struct rules_verdict *);

/* The text of a verdict's error, in buf, which it returns. */
const char	*rules_error_text(int error, char *buf, size_t len);

#endif
