# A worker program that never says HELLO is logged and replaced, with
# the growing delay of a worker that keeps dying, and never trusted: the
# dispatcher goes on serving its other classes.
. "$(dirname "$0")/lib.sh"

pyworker_misbehaves silent 'worker_timeout_ms = 500;' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\) hung: no HELLO within [0-9]+ ms of its start, with 0 connections in hand; killing it$' \
    '^dispatcher: warning: worker [0-9]+ \(class bad\) killed by signal 9$'
