"""A minimal driver for Debian's headless Chromium over the DevTools protocol, for tests.

Why this way: `--remote-debugging-pipe` talks over two inherited file descriptors (Chromium reads
fd 3, writes fd 4; messages are JSON terminated by NUL), so there is no port to pick or race for,
no websocket library, and nothing listens on the network. Each browser gets a fresh
`--user-data-dir` and the flags the project uses everywhere (--headless --no-sandbox --disable-gpu
--disable-background-networking --no-first-run). The page is driven the way a reader would:
typing into the filter fires `input`, header and link clicks are real `click()` calls, and a
followed link is observed as a navigation of the page.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-sync", "--mute-audio",
         "--remote-debugging-pipe"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("未安装 Chromium(Debian 软件包 chromium); 请运行 `make setup`。 / chromium is not installed")
    return path


class Chromium:
    """`with Chromium() as b: b.open(url); b.eval("document.title")`."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._id = 0
        self._buf = b""
        self.events: list[dict] = []

    def __enter__(self) -> "Chromium":
        self.profile = tempfile.mkdtemp(prefix="ecoassess-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child: the pipe ends on fd 3 (read) and fd 4 (write)
            high_r, high_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w))
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        # pass_fds keeps 3 and 4 open: the child closes every other descriptor after `fds` has run
        self.proc = subprocess.Popen([chromium_path(), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     pass_fds=(3, 4), preexec_fn=fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        target = next(t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable", session=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    # ---------------------------------------------------------------- protocol
    def send(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._next()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _next(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def wait_event(self, method: str) -> dict:
        """The next event `method` (also one that arrived while waiting for a reply)."""
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._next()
            if e.get("method") == method:
                return e
            self.events.append(e)

    # ---------------------------------------------------------------- page
    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")

    def eval(self, expression: str):
        out = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression[:80]}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def click_and_wait_load(self, expression: str) -> None:
        """Evaluate `expression` (e.g. a link's click()) and wait for the page it leads to."""
        self.events.clear()
        self.eval(expression)
        self.wait_event("Page.loadEventFired")

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, width: int = 1280, height: int = 1400) -> None:
        import base64

        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        data = self.send("Page.captureScreenshot", session=True, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
