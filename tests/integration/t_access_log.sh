# The access log: one logfmt line per connection, when its fate is known,
# with its peer, listener, lane, rule, class, worker, time queued and in
# hand: served, denied, refused (busy), timed out in the queue, left the
# queue, and lost with a worker killed while holding it.  Every
# connection has exactly one line.
. "$(dirname "$0")/lib.sh"

ALOG=$TMP/access.log
config "$CFG" <<EOF2
listen = ( { address = "127.0.0.1:@PORT@"; name = "pub"; } );
access_log = "$ALOG";
classes = (
  { name = "normal"; max_connections = 1; queue = 1; queue_timeout_ms = 800;
    busy_reply = "busy\n"; },
  { name = "special"; priority = 10; },
  { name = "slow"; delay_ms = 10000; }
);
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.5"; action = "deny"; },
  { address = "127.0.0.50"; class = "slow"; }
);
EOF2

# line ID ERE: connection ID's one line matches ERE (waits 10 s for it).
line() {
	poll 10 grep -q " conn=$1 " "$ALOG" || fail "no access log line for connection $1"
	[ "$(grep -c " conn=$1 " "$ALOG")" = 1 ] || fail "connection $1 has several lines: $(grep " conn=$1 " "$ALOG")"
	grep " conn=$1 " "$ALOG" | grep -Eq -- "$2" ||
	    fail "connection $1: $(grep " conn=$1 " "$ALOG") does not match '$2'"
}
T='^time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

start -v -c "$CFG"
expect_class 127.0.0.100 special
special=$WORKER
line 1 "$T conn=1 peer=127\.0\.0\.100:[0-9]+ listener=pub lane=- rule=1 class=special worker=$special queued_ms=0 in_hand_ms=[0-9]+ outcome=served reason=-\$"
expect_denied 127.0.0.5
line 2 "$T conn=2 peer=127\.0\.0\.5:[0-9]+ listener=pub lane=- rule=2 class=- worker=- queued_ms=0 in_hand_ms=- outcome=denied reason=-\$"

# normal's worker is stopped: 3 in its hands, 4 times out in the queue,
# 5 waits and leaves (a reset), 6 finds the queue full.
normal=$(logged_workers normal)
kill -STOP "$normal"
ask_held 127.0.0.1 "$TMP/a"
wait_log 'connection 3 from .* -> default class normal$'
ask_held 127.0.0.2 "$TMP/b"
line 4 "$T conn=4 peer=127\.0\.0\.2:[0-9]+ listener=pub lane=- rule=default class=normal worker=- queued_ms=(8[0-9][0-9]|9[0-9][0-9]|[1-9][0-9]{3}) in_hand_ms=- outcome=timed_out reason=queue_timeout\$"
socat -u "$(client_addr 127.0.0.3),linger=0" - >/dev/null 2>>"$TMP/clients.err" &
reset=$!
wait_log 'connection 5 from .* -> default class normal$'
ask_held 127.0.0.4 "$TMP/d"
line 6 "$T conn=6 peer=127\.0\.0\.4:[0-9]+ listener=pub lane=- rule=default class=normal worker=- queued_ms=0 in_hand_ms=- outcome=refused reason=queue_full\$"
kill -KILL "$reset"
line 5 "outcome=left reason=-\$"
sleep 0.5
kill -CONT "$normal"
line 3 "$T conn=3 peer=127\.0\.0\.1:[0-9]+ listener=pub lane=- rule=default class=normal worker=$normal queued_ms=0 in_hand_ms=([5-9][0-9][0-9]|[0-9]{4,}) outcome=served reason=-\$"

# A worker killed while holding a connection (in its hands or still in
# its channel, once the dispatcher routed it): lost.
ask_held 127.0.0.50 "$TMP/e"
wait_log 'connection 7 from .*: rule #3 .* -> class slow$'
slow=$(logged_workers slow)
kill -KILL "$slow"
line 7 "class=slow worker=$slow queued_ms=0 in_hand_ms=[0-9]+ outcome=lost reason=-\$"
wait_clients
stop
[ "$(wc -l <"$ALOG")" = 7 ] || fail "$(wc -l <"$ALOG") lines for 7 connections: $(cat "$ALOG")"
