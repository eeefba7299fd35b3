#!/usr/bin/env python3
"""A dispatcher worker in Python, written from docs/WORKER-PROTOCOL.md.

usage: pyworker.py [MODE]

MODE "serve" (the default) speaks the protocol: HELLO, then for each
connection of a CONN the line "pyworker PID class CLASS peer ADDRESS:PORT"
(the class from DISPATCH_CLASS, the peer from the record), the socket
closed, and one DONE for the CONN; at the channel's end of file, exit 0.

The other modes break the protocol, for the tests of what the dispatcher
does then: "garbage" sends a record that is no message, "wrong-hello" a
HELLO with another pid, "silent" never says HELLO, "exit" exits at once.
Each of them then waits to be killed (at most a minute).
"""
import os
import socket
import struct
import sys
import time

VERSION = 4
HELLO, CONN, DONE = 1, 2, 3
CONN_MAX = 16
CHANNEL_FD = 3

# "=": host byte order, sizes as written, no padding (section 2).
HEADER = struct.Struct("=HHI")            # version, type, reserved
HELLO_MSG = struct.Struct("=HHIiI")       # header, pid, reserved
COUNT = struct.Struct("=II")              # count, reserved; at offset 8
RECORD = struct.Struct("=QIiII")          # id, class_idx, entry, listener, rule
RECORD_SIZE = 280
ADDR_SIZE = 128


def fail(why):
    print("pyworker[%d]: fatal: %s" % (os.getpid(), why), file=sys.stderr,
          flush=True)
    sys.exit(70)


def address(raw):
    """ADDRESS:PORT of a sockaddr_storage (section 2, CONN)."""
    (family,) = struct.unpack_from("=H", raw, 0)
    (port,) = struct.unpack_from("!H", raw, 2)
    if family == socket.AF_INET:
        return "%s:%d" % (socket.inet_ntop(socket.AF_INET, raw[4:8]), port)
    if family == socket.AF_INET6:
        return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw[8:24]),
                            port)
    return None


def receive(chan):
    """One CONN as [(id, fd, peer)], or None at end of file (section 3)."""
    while True:
        try:
            msg, fds, flags, _ = socket.recv_fds(
                chan, 16 + RECORD_SIZE * CONN_MAX + 1, CONN_MAX + 1)
            break
        except ConnectionResetError:
            continue    # once, before what the dispatcher sent (section 3)
    if not msg and not fds:
        return None
    bad = None
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        bad = "truncated message"
    elif len(msg) < 16:
        bad = "short message"
    else:
        version, mtype, reserved = HEADER.unpack_from(msg, 0)
        count, reserved2 = COUNT.unpack_from(msg, 8)
        if version != VERSION:
            bad = "version %d, not %d" % (version, VERSION)
        elif mtype != CONN or reserved or reserved2:
            bad = "unexpected message type %d" % mtype
        elif not 1 <= count <= CONN_MAX or \
                len(msg) != 16 + RECORD_SIZE * count or len(fds) != count:
            bad = "bad count, length or descriptors"
    conns = []
    if bad is None:
        for i in range(count):
            at = 16 + RECORD_SIZE * i
            cid, _, _, _, _ = RECORD.unpack_from(msg, at)
            peer = address(msg[at + 24:at + 24 + ADDR_SIZE])
            local = address(msg[at + 152:at + 152 + ADDR_SIZE])
            if peer is None or local is None:
                bad = "bad record %d" % i
                break
            conns.append((cid, fds[i], peer))
    if bad is not None:
        for fd in fds:
            os.close(fd)
        fail("channel: " + bad)
    return conns


def serve(chan):
    cls = os.environ.get("DISPATCH_CLASS", "?")
    chan.sendall(HELLO_MSG.pack(VERSION, HELLO, 0, os.getpid(), 0))
    while True:
        conns = receive(chan)
        if conns is None:
            return 0
        for cid, fd, peer in conns:
            client = socket.socket(fileno=fd)
            client.settimeout(5)
            try:
                client.sendall(("pyworker %d class %s peer %s\n" %
                                (os.getpid(), cls, peer)).encode())
            except OSError:
                pass    # the client left: it is done all the same
            client.close()
        ids = [cid for cid, _, _ in conns]
        chan.sendall(HEADER.pack(VERSION, DONE, 0) +
                     COUNT.pack(len(ids), 0) +
                     struct.pack("=%dQ" % len(ids), *ids))


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "serve"
    chan = socket.socket(fileno=CHANNEL_FD)
    if chan.type != socket.SOCK_SEQPACKET:
        fail("descriptor 3 is not a SOCK_SEQPACKET socket")
    chan.setblocking(True)      # it arrives non-blocking (section 1)
    if mode == "serve":
        return serve(chan)
    if mode == "exit":
        os._exit(0)
    try:
        if mode == "garbage":
            chan.sendall(b"garbage!")
        elif mode == "wrong-hello":
            chan.sendall(HELLO_MSG.pack(VERSION, HELLO, 0, os.getpid() + 1,
                                        0))
        elif mode != "silent":
            fail("unknown mode " + mode)
    except OSError:
        pass    # a stop closed the channel first: wait all the same
    time.sleep(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
