"""xvfb.py - a private X server for a test: Xvfb on a display number it
picks itself (-displayfd), ready when the object is entered, stopped when
it is left.

    sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
    from xvfb import Xvfb
    with Xvfb() as x:
        subprocess.run(["glxgears"], env=x.env())   # DISPLAY=:N
        print(x.display)                            # ":N"

Xvfb writes the display number it chose to the -displayfd pipe once it
accepts connections, so there is no polling and no fixed number that
another test (or a desktop) could hold.  A server that does not come up
within `timeout` seconds raises RuntimeError with what it printed.
"""

import os
import select
import subprocess
import tempfile


class Xvfb:
    def __init__(self, screen="1280x1024x24", timeout=30.0, extra_args=()):
        self.screen = screen
        self.timeout = timeout
        self.extra_args = list(extra_args)
        self.proc = None
        self.display = None
        self._log = None

    def start(self):
        """Starts the server and waits until it is ready; returns self."""
        rfd, wfd = os.pipe()
        self._log = tempfile.TemporaryFile()
        cmd = ["Xvfb", "-displayfd", str(wfd), "-screen", "0", self.screen,
               "-nolisten", "tcp", "-noreset"] + self.extra_args
        try:
            self.proc = subprocess.Popen(cmd, pass_fds=(wfd,), stdout=self._log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            os.close(wfd)
        number = b""
        try:
            while not number.endswith(b"\n"):
                ready, _, _ = select.select([rfd], [], [], self.timeout)
                chunk = os.read(rfd, 64) if ready else b""
                if not chunk:
                    break
                number += chunk
        finally:
            os.close(rfd)
        if not number.strip().isdigit():
            self.stop()
            raise RuntimeError("Xvfb did not start: %s" % self.output().strip())
        self.display = ":" + number.strip().decode()
        return self

    def env(self, base=None):
        """A copy of `base` (default os.environ) with DISPLAY set to it."""
        e = dict(os.environ if base is None else base)
        e["DISPLAY"] = self.display
        return e

    def output(self):
        """What the server printed so far."""
        if not self._log:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self):
        """Stops the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self._log:
            self._log.close()
            self._log = None
        return False
