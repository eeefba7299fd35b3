# The largest class the configuration allows, 256 workers, starts, serves
# and stops cleanly.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; workers = 256; } );
EOF

# 256 workers start one by one: on a loaded machine, under a sanitizer,
# that takes longer than a dispatcher's usual start.
READY_SECONDS=60
start -c "$CFG"
[ "$(logged_workers normal | sort -u | wc -l)" -eq 256 ] ||
    fail "$(logged_workers normal | sort -u | wc -l) workers started, expected 256"
for i in $(seq 1 5); do
	expect_class 127.0.0.1 normal
done
stop TERM 60
