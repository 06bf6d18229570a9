"""A program nobody here wrote the C of: python3 with threads and sockets,
run under libbbx-preload.so by e2e_python.py.

A threading TCP echo server; client threads that connect, talk and close
(balanced, one new thread per connection on the server side too); and one
"pool" thread that opens a socket to the server every few milliseconds and
keeps it in a list forever (the leak).  Runs for --seconds, then prints
"leaked N" and exits."""

import os
import socket
import socketserver
import sys
import threading
import time


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(256)
            if not data:
                return
            self.request.sendall(data)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def balanced_client(port, stop):
    while not stop.is_set():
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"ping")
            s.recv(16)
        time.sleep(0.01)


def leaky_pool(port, stop, kept):
    while not stop.is_set():
        s = socket.create_connection(("127.0.0.1", port))
        kept.append(s)  # never closed
        time.sleep(0.05)


def main():
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 3
    server = Server(("127.0.0.1", 0), Echo)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    kept = []
    workers = [threading.Thread(target=balanced_client, args=(port, stop)) for _ in range(3)]
    workers.append(threading.Thread(target=leaky_pool, args=(port, stop, kept)))
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    print("leaked %d" % len(kept), flush=True)
    # The kept sockets die with the process, like a leak does: at once, with
    # no interpreter shutdown that closes them one by one and ends the server
    # threads while a periodic snapshot may still be taken (the series would
    # then end with the leak going away, and bbx rightly calls that no leak).
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
