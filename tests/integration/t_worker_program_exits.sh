# A worker program that exits at once, before its HELLO is logged and replaced, with
# the growing delay of a worker that keeps dying, and never trusted: the
# dispatcher goes on serving its other classes.
. "$(dirname "$0")/lib.sh"

pyworker
config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; },
            { name = "bad";
              worker = [ "$PY", "$PYWORKER", "exit" ]; } );
EOF2

start -c "$CFG"
# Its channel may close a moment before its exit: then it is told to stop.
wait_log '^dispatcher: warning: worker [0-9]+ \(class bad\) (exited with status 0|killed by signal 15)$'
wait_log '^dispatcher: warning: class bad: worker keeps dying; next start in 100 ms$'
wait_log '^dispatcher: warning: class bad: worker keeps dying; next start in 200 ms$'
expect_class 127.0.0.1 normal
stop
