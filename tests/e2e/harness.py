"""Drives the real, built desktop app through tauri-driver and WebKitWebDriver.

Run under Xvfb and a D-Bus session (see the Makefile's `e2e` target). Each `App` is one
installation: its own data and config folders, its own window.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
APP = Path(os.environ.get("SOVANG_APP", ROOT / "target" / "release" / "sovang-desktop"))
SHOTS = ROOT / "docs" / "screenshots"
SOVANG = ROOT / "target" / "debug" / "sovang"
# What tauri-driver, WebKitWebDriver and the app print goes here, for when a test fails.
LOG = open(ROOT / "target" / "e2e-driver.log", "ab")


def sovang(home: Path, *args, stdin=None):
    """Runs the CLI with `--json` on the installation in `home`; it must succeed. Returns what
    it printed, parsed (None when it printed nothing)."""
    out = subprocess.run([str(SOVANG), "--data-dir", str(home / "data"), "--json", *args],
                         input=stdin, capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"sovang {' '.join(args)}: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tauri_driver_path() -> str:
    found = shutil.which("tauri-driver")
    if found:
        return found
    return str(Path.home() / ".cargo" / "bin" / "tauri-driver")


class Driver:
    """One tauri-driver process (it starts WebKitWebDriver for each session)."""

    def __init__(self):
        self.port = free_port()
        native = free_port()
        self.proc = subprocess.Popen(
            [
                tauri_driver_path(),
                "--port",
                str(self.port),
                "--native-port",
                str(native),
                "--native-host",
                "127.0.0.1",
            ],
            stdout=LOG,
            stderr=subprocess.STDOUT,
        )
        # tauri-driver listens at once; WebKitWebDriver, which it starts, a moment later.
        for port in (self.port, native):
            deadline = time.time() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError(f"nothing listens on port {port} after 20 s")
                    time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class App:
    """The app's window, on fresh (or given) data and config folders."""

    def __init__(self, driver: Driver, home: Path | None = None):
        self.home = home or Path(tempfile.mkdtemp(prefix="sovang-e2e-"))
        opts = ArgOptions()
        # Only tauri:options: WebKitWebDriver refuses a browserName it does not know.
        opts.set_capability(
            "tauri:options",
            {
                "application": str(APP),
                "args": [
                    "--data-dir",
                    str(self.home / "data"),
                    "--config-dir",
                    str(self.home / "config"),
                ],
            },
        )
        started = time.perf_counter()
        self.wd = webdriver.Remote(
            command_executor=f"http://127.0.0.1:{driver.port}", options=opts
        )
        self.session_seconds = time.perf_counter() - started
        # The app runs on this machine: a file is given by its path, not uploaded.
        self.wd.file_detector = UselessFileDetector()
        self.wd.set_window_size(1366, 860)

    def quit(self):
        try:
            self.wd.quit()
        except Exception:
            pass

    # --- finding things -------------------------------------------------------------
    def wait(self, predicate, timeout=10, message="condition"):
        try:
            return WebDriverWait(self.wd, timeout, poll_frequency=0.05).until(
                lambda _: predicate()
            )
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")

    def css(self, selector, timeout=10):
        def find():
            els = self.wd.find_elements(By.CSS_SELECTOR, selector)
            return next((e for e in els if e.is_displayed()), None)

        return self.wait(find, timeout, f"a visible element {selector!r}")

    def all(self, selector):
        return self.wd.find_elements(By.CSS_SELECTOR, selector)

    def text_appears(self, text, timeout=10):
        return self.wait(
            lambda: text in self.wd.find_element(By.TAG_NAME, "body").text,
            timeout,
            f"the text {text!r} on screen",
        )

    def text_of(self, selector) -> str:
        """The text inside an element, whitespace collapsed (rows of a virtual list are
        positioned absolutely, which WebDriver's visible-text rule does not always read)."""
        el = self.css(selector)
        return " ".join((el.get_property("textContent") or "").split())

    def row(self, text, container='[data-testid="rows"]'):
        """The list row showing `text`."""

        def find():
            for r in self.all(f"{container} .row"):
                if text in (r.get_property("textContent") or ""):
                    return r
            return None

        return self.wait(find, 10, f"a row showing {text!r}")

    def body(self) -> str:
        return self.wd.find_element(By.TAG_NAME, "body").text

    def button(self, text, timeout=10):
        """A visible button whose text is exactly `text` (what a person would click)."""

        def find():
            for b in self.wd.find_elements(By.TAG_NAME, "button"):
                if b.is_displayed() and b.text.strip() == text:
                    return b
            return None

        return self.wait(find, timeout, f"a button {text!r}")

    # --- doing things ---------------------------------------------------------------
    def click(self, selector):
        self.css(selector).click()

    def type(self, selector, text, clear=True):
        el = self.css(selector)
        if clear:
            el.send_keys(Keys.CONTROL, "a")
            el.send_keys(Keys.DELETE)
        if text:
            el.send_keys(text)
        return el

    def nav(self, screen):
        self.click(f'[data-nav="{screen}"]')
        self.css(f'[data-nav="{screen}"][aria-current="page"]')

    def failure_shot(self, name):
        """The window as a test left it, in target/e2e-last/, to look at when a step fails."""
        out = ROOT / "target" / "e2e-last"
        out.mkdir(parents=True, exist_ok=True)
        try:
            self.wd.save_screenshot(str(out / f"{name}.png"))
        except Exception:
            pass

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        time.sleep(0.3)  # let fonts and transitions settle
        self.wd.save_screenshot(str(SHOTS / f"{name}.png"))
