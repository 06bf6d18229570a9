"""xvfb.py - a private X server for GUI tests, and the xdotool and
ImageMagick steps that drive and look at its windows.

    sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
    from xvfb import Xvfb, find_window, click, press_key, screenshot, colours
    with Xvfb() as env:                     # env: os.environ + DISPLAY=:N
        app = subprocess.Popen([...], env=env, stdout=subprocess.PIPE)
        win = find_window(env, "^gtk-app$")
        click(env, win, 40, 60)             # through the X server (XTEST)
        screenshot(env, "shot.png")         # the whole screen
        print(colours("shot.png"))          # distinct colours in the image

Xvfb() picks a free display itself (-displayfd), so tests may run in
parallel; it is stopped (and waited for) when the block ends.  A program
that is missing (Xvfb, xdotool, import, identify) makes the test skip
through tests/testlib/skip.py, which under CI=true is a failure;
scripts/install-deps.sh installs xvfb, xdotool and imagemagick.  Every
wait is bounded: a step that does not finish in its time raises XvfbError.
"""

import os
import select
import subprocess
import time

import skip

XVFB_PACKAGE = "Debian package xvfb"
XDOTOOL_PACKAGE = "Debian package xdotool"
IMAGEMAGICK_PACKAGE = "Debian package imagemagick"


class XvfbError(Exception):
    """A step with the X server failed or did not finish in time."""


class Xvfb:
    """An Xvfb server on a display it picks; `with Xvfb() as env:` gives
    a copy of os.environ (or of `base`) with DISPLAY set, and stops the
    server afterwards.  size: "WxHxDEPTH" of screen 0."""

    def __init__(self, size="1024x768x24", timeout=30, base=None):
        self.size = size
        self.timeout = timeout
        self.base = dict(os.environ if base is None else base)
        self.proc = None
        self.display = None
        self.env = None

    def __enter__(self):
        xvfb = skip.require_tool("Xvfb", XVFB_PACKAGE)
        rd, wr = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [xvfb, "-displayfd", str(wr), "-screen", "0", self.size,
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(wr,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            os.close(wr)
            wr = -1
            number = self._read_display(rd)
        except BaseException:
            self._stop()
            raise
        finally:
            os.close(rd)
            if wr >= 0:
                os.close(wr)
        self.display = ":" + number
        self.env = dict(self.base, DISPLAY=self.display)
        # No accessibility bus, no session bus: nothing else to wait for.
        self.env.setdefault("NO_AT_BRIDGE", "1")
        self.env.pop("WAYLAND_DISPLAY", None)
        self.env["GDK_BACKEND"] = "x11"
        return self.env

    def _read_display(self, rd):
        """The display number Xvfb writes once it accepts connections."""
        deadline = time.monotonic() + self.timeout
        text = b""
        while not text.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise XvfbError("Xvfb did not report its display within %ds" % self.timeout)
            ready, _, _ = select.select([rd], [], [], left)
            if not ready:
                continue
            chunk = os.read(rd, 64)
            if not chunk:
                raise XvfbError("Xvfb exited before reporting a display (status %s)"
                                % self.proc.poll())
            text += chunk
        return text.decode().strip()

    def _stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __exit__(self, *exc):
        self._stop()
        return False


def _run(env, argv, timeout, what):
    try:
        p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise XvfbError("%s did not finish within %ds" % (what, timeout))
    if p.returncode != 0:
        raise XvfbError("%s exited %d: %s" % (what, p.returncode, p.stderr.strip()))
    return p.stdout


def xdotool(env, *args, timeout=30):
    """Runs `xdotool ARGS` on env's display; its stdout."""
    tool = skip.require_tool("xdotool", XDOTOOL_PACKAGE)
    return _run(env, [tool] + [str(a) for a in args], timeout, "xdotool " + " ".join(map(str, args)))


def find_window(env, name, timeout=30):
    """The id of the first visible window whose title matches the regular
    expression NAME, waiting for it to appear (at most `timeout` s)."""
    out = xdotool(env, "search", "--sync", "--onlyvisible", "--name", name, timeout=timeout)
    ids = out.split()
    if not ids:
        raise XvfbError("no visible window named %r" % name)
    return ids[0]


def click(env, window, x, y, button=1):
    """Moves the pointer to (x, y) inside WINDOW and clicks BUTTON: a real
    press and release through the X server (XTEST), as a person would."""
    # No --sync: it waits for a motion that never comes when the pointer is
    # there already.  The server handles the XTEST motion before the press.
    xdotool(env, "mousemove", "--window", window, x, y, "click", button)


def press_key(env, window, key):
    """Gives WINDOW the input focus and presses KEY (an X keysym name such
    as "Return" or "space")."""
    xdotool(env, "windowfocus", "--sync", window)
    xdotool(env, "key", "--window", window, key)


def screenshot(env, path, window="root", timeout=30):
    """Writes a PNG of WINDOW (an id, or "root": the whole screen) to PATH."""
    tool = skip.require_tool("import", IMAGEMAGICK_PACKAGE)
    _run(env, [tool, "-window", window, path], timeout, "import -window " + window)


def colours(path, timeout=30):
    """The number of distinct colours in the image at PATH (ImageMagick's
    %k): 1 for a blank image."""
    tool = skip.require_tool("identify", IMAGEMAGICK_PACKAGE)
    out = _run(os.environ, [tool, "-format", "%k", path], timeout, "identify " + path)
    return int(out.strip())
