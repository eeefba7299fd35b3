# A worker program that sends a record that is no message is logged and replaced, with
# the growing delay of a worker that keeps dying, and never trusted: the
# dispatcher goes on serving its other classes.
. "$(dirname "$0")/lib.sh"

pyworker_misbehaves garbage '' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\): protocol error: a malformed message; killing it$' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\) killed by signal 9$'
