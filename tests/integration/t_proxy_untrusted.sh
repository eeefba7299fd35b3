# A client talking to a proxy_protocol listener directly, from an address
# not in proxy_from, with a forged header naming 127.0.0.100: refused,
# closed without a byte and without its header being read, and counted;
# the same header from a trusted address is believed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy.sh"

ALOG=$TMP/access.log
proxy_config \
    'metrics = "127.0.0.1:@PORT2@";' \
    "access_log = \"$ALOG\";"

start -c "$CFG"
forged=$(hex 'PROXY TCP4 127.0.0.100 127.0.0.1 4000 %s\r\n' "$PORT")

r=$(proxy_client 127.0.0.55 "$PORT" "$forged")
[[ $r =~ ^(closed|reset)\ after\ [0-9]+\ ms$ ]] ||
    fail "untrusted 127.0.0.55: expected no reply and a close, got '$r'"
wait_log '^dispatcher: info: connection 1 from 127\.0\.0\.55:[0-9]+ on 127\.0\.0\.1:[0-9]+: not in proxy_from; closed \(0 other PROXY refusals not logged\)$'

r=$(proxy_client 127.0.0.1 "$PORT" "$forged")
[ "$r" = "$(printf 'special 127.0.0.100\nclosed after')${r#*closed after}" ] ||
    fail "trusted 127.0.0.1: got '$r'"

scrape
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="untrusted"}' 1
expect_metric 'dispatcher_proxy_headers_total{listener="lb",result="proxy"}' 1
expect_metric 'dispatcher_connections_handed_total{class="special"}' 1
expect_metric 'dispatcher_connections_handed_total{class="normal"}' 0
poll 5 grep -Eq '^time=[^ ]+ conn=1 peer=127\.0\.0\.55:[0-9]+ listener=lb .* outcome=refused reason=proxy_untrusted$' "$ALOG" ||
    fail "access log: $(cat "$ALOG")"
stop
