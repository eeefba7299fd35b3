# A worker program that says HELLO with another pid than its own is logged and replaced, with
# the growing delay of a worker that keeps dying, and never trusted: the
# dispatcher goes on serving its other classes.
. "$(dirname "$0")/lib.sh"

pyworker_misbehaves wrong-hello '' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\): protocol error: a HELLO with another pid than its own; killing it$' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\) killed by signal 9$'
