#!/usr/bin/env python3
"""`make bench-app`: the desktop app's figures on a 1,000,000-record database, beside an
empty Tauri app built from tests/bench/empty-app (the floor, see ../shared/BENCHMARKING.md).

Runs under Xvfb and a D-Bus session (the Makefile wraps it). Measures: binary sizes; start
to the first screen showing data (WebDriver session start until the overview's figures are
on screen; the empty app: until its page is); idle memory (PSS summed over the process tree,
8 s after launch); search-as-you-type (in the page: keystroke to results painted); opening
each list screen (click to first rows painted). Rewrites the app section of BENCHMARKS.md.
"""

import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from harness import APP, App, Driver  # noqa: E402
from benchlib import commit, machine, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Both apps as shipped: profile `dist` (Makefile: SOVANG_APP is the dist build of the app).
EMPTY = ROOT / "target" / "dist" / "sovang-empty-app"
SOVANG = ROOT / "target" / "release" / "sovang"
HOME = ROOT / "bench-data" / "app"
RECORDS = int(os.environ.get("RECORDS", "1000000"))
RUNS = int(os.environ.get("RUNS", "5"))


def database():
    data = HOME / "data"
    if not (data / "sovang.db").exists():
        subprocess.run([SOVANG, "--data-dir", data, "--user", "Dữ liệu mẫu", "init", "--unit", "01"], check=True)
        subprocess.run([SOVANG, "--data-dir", data, "demo", "--records", str(RECORDS), "--seed", "1"], check=True)
    return HOME


def spread(xs):
    return f"{statistics.median(xs):.0f} ms ({min(xs):.0f}–{max(xs):.0f})"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def tree_pss_mb(pid):
    """PSS of a process and all its descendants, in MB."""
    children = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def idle_memory(cmd, env_extra):
    env = dict(os.environ, **env_extra)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)
    mb = tree_pss_mb(proc.pid)
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
    return mb


def start_to_data(driver, app_path, home, ready_css):
    """Seconds from asking for the window to `ready_css` on screen."""
    import harness

    harness.APP = app_path
    started = time.perf_counter()
    a = App(driver, home)
    a.css(ready_css, timeout=30)
    took = time.perf_counter() - started
    a.quit()
    return took * 1000


LATENCY_JS = """
const input = document.querySelector('[data-testid="global-search"]');
const list = document.querySelector('[data-testid="global-results"]');
window.__lat = []; window.__t = 0;
input.addEventListener('input', () => { window.__t = performance.now(); }, true);
new MutationObserver(() => {
  const t = window.__t;
  if (!t) return;
  window.__t = 0;
  requestAnimationFrame(() => window.__lat.push(performance.now() - t));
}).observe(list, { childList: true, subtree: true, characterData: true });
"""

OPEN_LIST_JS = """
const [screen, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
document.querySelector(`[data-nav="${screen}"]`).click();
const tick = () => {
  // Ready: rows painted, or the list's "no records" line (an empty trash).
  const rows = document.querySelectorAll('[data-testid="rows"] .row, [data-testid="rows"] .empty, .tree .row-static');
  if (rows.length > 0) requestAnimationFrame(() => done(performance.now() - t0));
  else requestAnimationFrame(tick);
};
tick();
"""


def main():
    home = database()
    sizes = {p.name: p.stat().st_size / 1e6 for p in (APP, EMPTY)}
    driver = Driver()
    try:
        # Warm-up, then RUNS launches of each.
        start_to_data(driver, EMPTY, HOME / "empty", "#ready")
        start_to_data(driver, APP, home, ".stat .value")
        empty_start = [start_to_data(driver, EMPTY, HOME / "empty", "#ready") for _ in range(RUNS)]
        app_start = [start_to_data(driver, APP, home, ".stat .value") for _ in range(RUNS)]

        import harness

        harness.APP = APP
        a = App(driver, home)
        a.css(".stat .value", timeout=30)
        opens = {}
        for _ in range(RUNS):
            for screen in ["entries", "projects", "nominations", "people", "units", "trash"]:
                a.wd.execute_script("document.querySelector('[data-nav=\"overview\"]').click()")
                a.css(".stat .value", timeout=30)
                ms = a.wd.execute_async_script(OPEN_LIST_JS, screen)
                opens.setdefault(screen, []).append(ms)
        a.nav("overview")
        a.click('[data-testid="open-search"]')
        box = a.css('[data-testid="global-search"]')
        a.wd.execute_script(LATENCY_JS)
        for query in ["nguyen van", "thap sang", "hien mau", "doan thanh nien", "tran thi", "cong trinh"]:
            for ch in query:
                box.send_keys(ch)
                time.sleep(0.25)
            box.clear()
            time.sleep(0.3)
        search = [x for x in a.wd.execute_script("return window.__lat") if x is not None]
        a.quit()
    finally:
        driver.stop()

    mem = {}
    for label, env in [("default", {}), ("WEBKIT_DISABLE_COMPOSITING_MODE=1", {"WEBKIT_DISABLE_COMPOSITING_MODE": "1"})]:
        e = [idle_memory([EMPTY], env) for _ in range(3)]
        s = [idle_memory([APP, "--data-dir", home / "data", "--config-dir", home / "config"], env) for _ in range(3)]
        mem[label] = (statistics.median(e), statistics.median(s))

    today = datetime.date.today().isoformat()
    e_med, a_med = statistics.median(empty_start), statistics.median(app_start)
    lines = [
        "<!-- app:begin -->",
        "## Desktop app (`make bench-app`)",
        "",
        f"Measured {today} at commit `{commit()}` on {machine()}, under Xvfb with `dbus-run-session` and",
        f"`NO_AT_BRIDGE=1`, software rendering, on a {RECORDS:,}-record demo database (city-level",
        "installation, unit 01). Both binaries are the shipped build (Cargo profile `dist`: fat LTO,",
        "optimized for size). The empty app is `tests/bench/empty-app` (one page, one SQLite",
        f"command), built and measured in the same run. Starts: {RUNS} runs after a warm-up, median (min–max).",
        "",
        "| figure | Sổ Vàng | empty Tauri app | goal |",
        "|---|---|---|---|",
        f"| shipped binary (`{APP.parent.name}` profile, stripped) | {sizes[APP.name]:.1f} MB | {sizes[EMPTY.name]:.1f} MB | ≤ 15 MB |",
        f"| start to the first screen showing data (WebDriver session → overview figures) | {spread(app_start)} | {spread(empty_start)} (page shown) | ≤ 1 s; ≤ 1.5× the empty app: **{a_med / e_med:.2f}×** |",
    ]
    for label, (e, s) in mem.items():
        lines.append(
            f"| idle memory, PSS of all processes, 8 s after launch ({label}) | {s:.0f} MB | {e:.0f} MB | ≤ 150 MB; ≤ 40 MB above the empty app: **+{s - e:.0f} MB** |"
        )
    lines.append(
        f"| search as you type: keystroke → results painted, {len(search)} keystrokes | p50 {pct(search, 50):.0f} ms, p95 {pct(search, 95):.0f} ms, max {max(search):.0f} ms | | ≤ 100 ms |"
    )
    for screen, xs in opens.items():
        lines.append(f"| open the list screen `{screen}`: click → first rows painted | {spread(xs)} | | ≤ 200 ms |")
    lines += ["", "Command: `make bench-app` (RECORDS and RUNS may be set in the environment).", "<!-- app:end -->"]
    write_section("app", "\n".join(lines))


if __name__ == "__main__":
    main()
