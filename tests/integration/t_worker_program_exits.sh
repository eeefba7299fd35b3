# A worker program that exits at once, before its HELLO is logged and replaced, with
# the growing delay of a worker that keeps dying, and never trusted: the
# dispatcher goes on serving its other classes.
. "$(dirname "$0")/lib.sh"

# Its channel may close a moment before its exit: then it is told to stop.
pyworker_misbehaves exit '' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\) (exited with status 0|killed by signal 15)$'
