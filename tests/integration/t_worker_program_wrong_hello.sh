# A worker program that says HELLO with another pid than its own is logged and replaced, with
# the growing delay of a worker that keeps dying, and never trusted: the
# dispatcher goes on serving its other classes.
. "$(dirname "$0")/lib.sh"

pyworker
config "$CFG" <<EOF2
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; },
            { name = "bad";
              worker = [ "$PY", "$PYWORKER", "wrong-hello" ]; } );
EOF2

start -c "$CFG"
wait_log '^dispatcher: warning: worker [0-9]+ \(class bad\): protocol error: a HELLO with another pid than its own; killing it$'
wait_log '^dispatcher: warning: worker [0-9]+ \(class bad\) killed by signal 9$'
wait_log '^dispatcher: warning: class bad: worker keeps dying; next start in 100 ms$'
wait_log '^dispatcher: warning: class bad: worker keeps dying; next start in 200 ms$'
expect_class 127.0.0.1 normal
stop
