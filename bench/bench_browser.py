"""What a class feels: the dashboard's response times as Chromium sees them (not a test).

Starts ``streamlit run app.py`` on 127.0.0.1, drives Debian's Chromium through
Playwright and prints, for one user on this machine:

- start to ready: from ``streamlit run`` to the console's "Ready" (the caches of
  the default scenario's pages and of every preset warmed, ``dashboard_ui/warmup.py``);
- first load: from "Ready" to the Compare page finished with its charts drawn
  (the first visitor after the server starts);
- slider moves on each page: a key press on the page's main slider to the last
  finished rerun (``data-test-script-state`` back to ``notRunning`` and quiet);
  each move goes to a new value and back, so half hit the cache and half do not,
  as when a teacher nudges a slider to and fro;
- page switches: a click in the sidebar's navigation to the new page finished.

Targets (issue 14): first load <= 3 s, Compare slider <= 0.3 s median, Sweep,
Models and Real data <= 1 s median, a page switch <= 1 s.  The machine's load
average is printed with the figures: compare runs on a quiet machine.

    python bench/bench_browser.py              # 8 moves per page
    python bench/bench_browser.py --moves 16 --viewport 1280x720
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadtest.common import Deadline  # noqa: E402
from bench.loadtest.server import StreamlitServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TARGETS = {"first load": 3.0, "Compare": 0.3, "Sweep": 1.0, "Models": 1.0, "Real data": 1.0, "page switch": 1.0}
#: The slider each page is timed with (a substring of its label).
SLIDERS = {
    "Compare": "Relatedness",
    "Sweep": "Relatedness",
    "Models": "Relatedness",
    "Real data": "Training images per task",
}

# Resolves once the app has been idle (notRunning) for `quiet` ms after `since`; returns the
# time of the last change to notRunning, relative to `since` (performance.now() clock).
_WAIT_IDLE = """
([since, quiet, timeout]) => new Promise((resolve) => {
  const app = document.querySelector("[data-testid='stApp']");
  let last = window.__lastIdle || 0;
  const start = performance.now();
  const tick = () => {
    const state = app.getAttribute('data-test-script-state');
    const now = performance.now();
    if (state === 'notRunning' && window.__lastIdle > since && now - Math.max(window.__lastChange, since) >= quiet) {
      resolve(window.__lastIdle - since); return;
    }
    if (now - start > timeout) { resolve(-1); return; }
    if (window.__lastChange <= since && now - start > 3000) { resolve(-2); return; }  // no rerun at all
    setTimeout(tick, 20);
  };
  tick();
})
"""

_OBSERVE = """
() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__lastChange = performance.now();
  window.__lastIdle = 0;
  new MutationObserver(() => {
    window.__lastChange = performance.now();
    if (app.getAttribute('data-test-script-state') === 'notRunning') window.__lastIdle = performance.now();
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}
"""


class NoRerun(Exception):
    """The key press started no rerun (the slider was at its end, or lost the focus)."""


def _wait_idle(page, since: float, quiet_ms: int = 400, timeout_ms: int = 120_000) -> float:
    elapsed = page.evaluate(_WAIT_IDLE, [since, quiet_ms, timeout_ms])
    if elapsed == -2:
        raise NoRerun()
    if elapsed < 0:
        raise RuntimeError("the app did not finish within the timeout")
    return elapsed / 1000


def _now(page) -> float:
    return page.evaluate("performance.now()")


def _slider(page, label: str):
    return page.locator(f"[role='slider'][aria-label*='{label}'], input[type='range'][aria-label*='{label}']").first


def _move(page, label: str, key: str) -> float:
    slider = _slider(page, label)
    slider.focus()
    since = _now(page)
    page.keyboard.press(key)
    return _wait_idle(page, since)


def _switch(page, title: str) -> float:
    link = page.locator("[data-testid='stSidebarNav'] a", has_text=title).first
    since = _now(page)
    link.click()
    elapsed = _wait_idle(page, since)
    page.evaluate(_OBSERVE)  # the app element may be re-rendered: observe again
    return elapsed


def _summary(name: str, values: list[float]) -> str:
    med = statistics.median(values)
    target = TARGETS.get(name)
    verdict = "" if target is None else ("  (target %.1f s: %s)" % (target, "met" if med <= target else "MISSED"))
    return f"{name:12s} median {med:5.2f} s   max {max(values):5.2f} s   n={len(values)}{verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=8, help="slider moves per page (default 8)")
    parser.add_argument("--viewport", default="1280x720", help="browser window, WIDTHxHEIGHT (default 1280x720)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    width, height = (int(v) for v in args.viewport.lower().split("x"))
    server = StreamlitServer(ROOT / "app.py", cwd=ROOT)
    results: dict[str, list[float]] = {}
    try:
        started = time.monotonic()
        server.start(Deadline(120))
        # The server answers its health check at once and warms its caches meanwhile; a
        # teacher opens the page once the console says "Ready" (every preset and page computed).
        while "Ready" not in server.log_tail(50) and time.monotonic() - started < 120:
            time.sleep(0.1)
        healthy = time.monotonic()
        results["start to ready"] = [healthy - started]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"http://127.0.0.1:{server.port}/", wait_until="domcontentloaded")
            page.wait_for_selector("[data-testid='stApp']")
            page.evaluate(_OBSERVE)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2", timeout=120_000)
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
            results["first load"] = [time.monotonic() - healthy]
            for title in ["Compare", "Sweep", "Models", "Real data"]:
                if title != "Compare":
                    results.setdefault("page switch", []).append(_switch(page, title))
                    page.wait_for_selector("[data-testid='stPlotlyChart']", timeout=120_000)
                label = SLIDERS[title]
                times, missed = [], 0
                for i in range(args.moves):
                    try:
                        times.append(_move(page, label, "ArrowRight" if i % 2 == 0 else "ArrowLeft"))
                    except NoRerun:
                        missed += 1
                if missed:
                    print(f"{title}: {missed} key presses started no rerun", file=sys.stderr)
                results[title] = times
            # Back to the first page: the page switch a class makes most.
            results["page switch"].append(_switch(page, "Compare"))
            browser.close()
    finally:
        info = server.stop()
    load = os.getloadavg()
    print(f"viewport {width}x{height}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name, values in results.items():
        print(_summary(name, values))
    print(f"server stopped: {info}")


if __name__ == "__main__":
    main()
