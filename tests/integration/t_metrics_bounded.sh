# Scrapes cannot stall the dispatcher: clients that connect and say
# nothing take at most METRICS_MAX_CLIENTS (8) places, the next scrape
# waits in the backlog, and all are closed after METRICS_TIMEOUT_MS (5 s);
# a scraper that never reads a large page is written to without blocking
# and closed at its deadline too.  Connections are served all along.
. "$(dirname "$0")/lib.sh"

# 3000 rules: a page of some 300 kB, more than the socket buffers hold.
{
	echo 'listen = ( "127.0.0.1:@PORT@" );'
	echo 'metrics = "127.0.0.1:@PORT2@";'
	echo 'classes = ( { name = "normal"; }, { name = "special"; priority = 10; } );'
	echo 'rules = ('
	for i in $(seq 1 3000); do
		echo "  { address = \"127.1.$((i / 250)).$((i % 250 + 1))\"; class = \"special\"; },"
	done
	echo '  { address = "127.0.0.100"; class = "special"; }'
	echo ');'
} | config "$CFG"
start -c "$CFG"

# Eight that never send a byte.
for i in 1 2 3 4 5 6 7 8; do
	sleep 30 | timeout 30 socat -u - "TCP:127.0.0.1:$PORT2" 2>/dev/null &
done
poll 5 eval '[ "$(ss -Htn state established "( sport = :$PORT2 )" | wc -l)" -ge 8 ]' ||
    fail "the eight idle scrapers are not connected"
t0=$(date +%s%N)
# The ninth waits in the backlog: no answer while the eight hold their places.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://127.0.0.1:$PORT2/metrics") || true
[ "$code" = 000 ] || fail "a ninth scrape was answered ($code) while eight were idle"
# Meanwhile the dispatcher serves.
expect_class 127.0.0.100 special
expect_class 127.0.0.1 normal
# Their deadline frees the places: a scrape is answered within 5 s of it.
poll 10 eval 'curl -s -o "$TMP/metrics" --max-time 1 "http://127.0.0.1:$PORT2/metrics"' ||
    fail "no scrape answered after the idle ones' deadline"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -ge 3000 ] || fail "scrape answered before the idle ones timed out"
grep -q '^dispatcher_rule_matches_total{rule="3001"} 1$' "$TMP/metrics" ||
    fail "the page lacks rule 3001's count"

# One that asks and never reads, with a small receive buffer.
{ printf 'GET /metrics HTTP/1.0\r\n\r\n'; sleep 15; } |
    timeout 20 socat -u - "TCP:127.0.0.1:$PORT2,rcvbuf=4096" 2>/dev/null &
poll 5 eval '[ "$(ss -Htn state established "( sport = :$PORT2 )" | awk "\$2 > 0" | wc -l)" -ge 1 ]' ||
    fail "the page is not waiting in the stalled scraper's socket"
# The dispatcher is not blocked on it: it serves, and answers other scrapes.
expect_class 127.0.0.100 special
scrape
# It is closed at its deadline, not left to hold its place.
poll 10 eval '[ "$(ss -Htn state established "( sport = :$PORT2 )" | wc -l)" -eq 0 ]' ||
    fail "the stalled scraper is still connected 10 s on"
expect_class 127.0.0.1 normal
stop
