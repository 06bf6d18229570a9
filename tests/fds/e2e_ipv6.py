#!/usr/bin/env python3
"""End-to-end: IPv6 socket addresses in `bbx show`, against Python's own
formatting of the same addresses.

Usage: e2e_ipv6.py BBX IPV6_PROG

ipv6_prog opens IPv6 sockets (a listener on [::1], a client and the accepted
end, [::], addresses with zero runs at the start, middle and end, two runs
of equal and of different length, none, a single zero group, link-local,
IPv4-mapped), prints the raw bytes and port the kernel gives for each
(getsockname/getpeername), and takes a snapshot.  The oracle is Python:
socket.inet_ntop() of those bytes (RFC 5952: the longest run of two or more
zero groups compressed, the first of equal runs, lower case, IPv4-mapped in
dotted form), cross-checked with ipaddress; bbx show --json and the text
output must give "[ADDR]:PORT" for every local and peer address.
"""

import ipaddress
import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from check import fail, finish  # noqa: E402


def oracle(hexaddr, port):
    packed = bytes.fromhex(hexaddr)
    text = socket.inet_ntop(socket.AF_INET6, packed)
    ip = ipaddress.IPv6Address(packed)
    if ipaddress.IPv6Address(text) != ip:
        sys.exit("FAIL: inet_ntop %s does not parse back to %s" % (text, ip.exploded))
    if ip.ipv4_mapped is None and text != ip.compressed:
        sys.exit("FAIL: the two oracles differ: inet_ntop %s, ipaddress %s" % (text, ip))
    return "[%s]:%d" % (text, port)


def main():
    bbx, prog = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="bbx-ipv6-") as d:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
        env["BBX_DIR"] = d
        r = subprocess.run([prog], env=env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            sys.exit("FAIL: ipv6_prog exited %d: %s" % (r.returncode, r.stderr.strip()))
        want, snap = {}, None
        for line in r.stdout.splitlines():
            w = line.split()
            if w[0] == "sock":
                want[(int(w[1]), w[2])] = oracle(w[3], int(w[4]))
            elif w[0] == "snapshot":
                snap = w[1]
        if not snap or len(want) < 12:
            sys.exit("FAIL: ipv6_prog printed no snapshot or too few sockets: %r" % r.stdout)
        show = subprocess.run([bbx, "show", "--json", snap], capture_output=True, text=True,
                              timeout=120)
        if show.returncode != 0:
            sys.exit("FAIL: bbx show --json exited %d: %s" % (show.returncode, show.stderr))
        fds = {f["fd"]: f for f in json.loads(show.stdout)["fds"]}
        text = subprocess.run([bbx, "show", snap], capture_output=True, text=True,
                              timeout=120).stdout
        for (fd, which), addr in sorted(want.items()):
            got = (fds.get(fd, {}).get("socket") or {}).get(which)
            print("fd %d %s: bbx %s, python %s" % (fd, which, got, addr))
            if got != addr:
                fail("fd %d %s address: bbx show --json says %r, Python formats %r"
                     % (fd, which, got, addr))
            if addr not in text:
                fail("fd %d %s address %s not in bbx show's text" % (fd, which, addr))
        peers = {(fd, w) for fd, w in want if w == "peer"}
        for fd, f in fds.items():
            so = f.get("socket") or {}
            if (fd, "local") in want and so.get("peer") and (fd, "peer") not in peers:
                fail("fd %d: bbx shows peer %r the program does not have" % (fd, so["peer"]))
    finish("ok: %d IPv6 addresses" % len(want))


if __name__ == "__main__":
    sys.exit(main())
