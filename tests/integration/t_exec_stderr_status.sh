# A program's standard error goes to the log as it wrote it; its exit
# status is logged (a debug line); it is the connection's end, and the
# next connection runs it again.
. "$(dirname "$0")/lib.sh"

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; handler = "exec";
  command = [ "/bin/sh", "-c", "echo \"refusing $TCPREMOTEIP\" >&2; echo no; exit 3" ]; } );
EOF2

start -c "$CFG" -v
expect_reply 127.0.0.100 no
expect_reply 127.0.0.101 no
expect_line "refusing 127.0.0.100"
expect_line "refusing 127.0.0.101"
wait_log_count 'dispatch-worker\[[0-9]+\]: debug: connection [12] from 127\.0\.0\.10[01]: done, program [0-9]+ exited with status 3$' 2
stop
