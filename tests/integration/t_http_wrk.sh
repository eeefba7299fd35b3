# handler = "http": wrk, 10 s against the dispatcher with 32 connections,
# each answer closing its connection: no socket error of any kind, every
# answer a 200 with its body.
. "$(dirname "$0")/lib.sh"

command -v wrk >/dev/null || fail "wrk is not installed (scripts/install-deps)"
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 2; handler = "http"; } );
EOF2
start -c "$CFG"

# Counts, across wrk's threads, the answers that are not a 200 with the
# reply as their body, and prints wrk's error counts.
cat >"$TMP/count.lua" <<'EOF2'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
	if status == 200 and string.find(body, "^Request handled with normal priority by worker %d+\n$") then
		ok = ok + 1
	else
		bad = bad + 1
	end
end
function done(summary, latency, requests)
	local ok, bad = 0, 0
	for _, t in ipairs(threads) do ok = ok + t:get("ok"); bad = bad + t:get("bad") end
	local e = summary.errors
	io.write(string.format("counted ok %d bad %d connect %d read %d write %d status %d timeout %d\n",
	    ok, bad, e.connect, e.read, e.write, e.status, e.timeout))
end
EOF2
timeout 30 wrk -t 2 -c 32 -d 10s --timeout 5s -s "$TMP/count.lua" \
    "http://127.0.0.1:$PORT/" >"$TMP/wrk" 2>&1 || fail "wrk: $(cat "$TMP/wrk")"
read -r _ _ ok _ bad _ connect _ read _ write _ status _ timeout < <(grep '^counted ' "$TMP/wrk") ||
    fail "no counts from wrk: $(cat "$TMP/wrk")"
[ "$ok" -gt 1000 ] || fail "only $ok answers in 10 s: $(cat "$TMP/wrk")"
[ "$bad $connect $read $write $status $timeout" = "0 0 0 0 0 0" ] ||
    fail "errors: $(cat "$TMP/wrk")"
if grep -Eq 'Socket errors|Non-2xx' "$TMP/wrk"; then fail "wrk: $(cat "$TMP/wrk")"; fi
stop
