"""silent_server.py - a TCP server on 127.0.0.1 that accepts every
connection and never answers: a debuginfod server that hangs.  It counts
the connections it holds (the tests ask whether bbx asked at all, and how
often)."""

import socket
import threading


class SilentServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port  # for DEBUGINFOD_URLS
        self.held, self.lock = [], threading.Lock()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.held.append(c)

    def connections(self):
        """Connections since the start or the last reset()."""
        with self.lock:
            return len(self.held)

    def reset(self):
        """Close the connections held and count from 0 again."""
        self.take_count()

    def take_count(self):
        """Connections since the last call (closing them)."""
        with self.lock:
            n = len(self.held)
            for c in self.held:
                c.close()
            self.held = []
        return n
