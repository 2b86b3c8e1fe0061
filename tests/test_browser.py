"""Real-browser tests of the dashboard (pytest-playwright with Debian's Chromium).

A Streamlit server is started on a free port of 127.0.0.1 for the module and
stopped by its PID afterwards.  Each page must load without an exception box;
moving a slider must update the figures and the URL; the HTML report must
download; a screenshot of every page is written to docs/screenshots/ (the
README shows them).  Skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"streamlit exited early with code {proc.returncode}:\n{out[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not become healthy within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()


def wait_for_run(page, min_charts: int = 0, timeout: float = 120_000) -> None:
    """Wait until the script run finished (and at least ``min_charts`` plotly charts are drawn)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    if min_charts:
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {min_charts}", timeout=timeout
        )
    page.wait_for_timeout(400)  # let plotly finish laying out
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def assert_no_exception(page) -> None:
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()


def chart_titles(page) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => (p.layout && p.layout.title && p.layout.title.text) || '')"
    )


def first_chart_annotations(page) -> list[str]:
    return page.evaluate(
        "(() => { const p = document.querySelector('.js-plotly-plot'); "
        "return (p && p.layout && p.layout.annotations || []).map(a => a.text); })()"
    )


def test_the_first_visitor_of_a_page_link_gets_the_page(page, app_url):
    """Runs first in this module, on a fresh server: Streamlit knows the app's pages only after a first
    session (the server runs one itself at start-up), else a link to /sweep opens an inert 'Page not found'."""
    page.goto(app_url + "/sweep")
    wait_for_run(page, min_charts=1)
    assert page.get_by_text("Page not found").count() == 0
    assert any("gap" in t.lower() for t in chart_titles(page))


PAGES = [
    ("compare", "/", 2, ["Decision boundaries", "Test accuracy per task"]),
    ("sweep", "/sweep", 3, ["Test-accuracy gap", "Learning curves", "Sharing strength"]),
    ("models", "/models", 5, ["mean-regularized", "low-rank", "joint feature", "shared-subspace", "shared-hidden"]),
]


@pytest.mark.parametrize("name,path,n_charts,titles", PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_and_screenshot(page, app_url, name, path, n_charts, titles):
    page.goto(app_url + path)
    wait_for_run(page, min_charts=n_charts)
    assert_no_exception(page)
    found = chart_titles(page)
    assert len(found) >= n_charts, found
    for expected in titles:
        assert any(expected.lower() in t.lower() for t in found), (expected, found)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-top.png"))
    # Streamlit scrolls inside its main container: grow the window to the content to capture all of it
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(min(max(height, 1000), 12000))})
    page.wait_for_timeout(1500)
    wait_for_run(page, min_charts=n_charts)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


def open_tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    page.wait_for_function(
        f"Array.from(document.querySelectorAll('[role=tab]')).some(t => t.textContent.includes({label!r}) "
        "&& t.getAttribute('aria-selected') === 'true')",
        timeout=30_000,
    )
    wait_for_run(page)


@pytest.mark.parametrize("label,titles,shot", [
    ("Training replay", ["loss per epoch", "Replay"], "compare-training"),
    ("Task weights", ["Task weights", "similar"], "compare-weights"),
])
def test_compare_tabs_draw_their_charts(page, app_url, label, titles, shot):
    page.goto(app_url + "/")
    wait_for_run(page, min_charts=2)
    open_tab(page, label)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).some(p => p.layout && p.layout.title "
        f"&& p.layout.title.text.toLowerCase().includes({titles[0].lower()!r}))",
        timeout=120_000,
    )
    wait_for_run(page, min_charts=2)
    assert_no_exception(page)
    found = [t for t in chart_titles(page) if t]
    for expected in titles:
        assert any(expected.lower() in t.lower() for t in found), (expected, found)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"))


def test_slider_move_updates_figures_and_url(page, app_url):
    page.goto(app_url + "/")
    wait_for_run(page, min_charts=2)
    before = first_chart_annotations(page)
    assert "rel=0.8" in page.url
    slider = page.get_by_role("slider", name="Relatedness of the tasks")
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("!window.location.search.includes('rel=0.8&')", timeout=30_000)
    wait_for_run(page, min_charts=2)
    assert_no_exception(page)
    assert re.search(r"rel=0\.6[45]", page.url), page.url
    after = first_chart_annotations(page)
    assert after != before, "the boundary figure did not change"


def test_report_download(page, app_url, tmp_path):
    page.goto(app_url + "/")
    wait_for_run(page, min_charts=2)
    open_tab(page, "Table & export")
    button = page.get_by_role("button", name=re.compile("Interactive HTML report"))
    button.wait_for(timeout=120_000)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("mtl-compare-report-") and download.suggested_filename.endswith(".html")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = target.read_text(encoding="utf-8")
    assert text.count("Plotly.newPlot") >= 5
    assert "Decision boundaries" in text and "What to notice" in text
    assert len(text) > 1_000_000  # plotly.js inlined: works offline


def test_presenter_mode_hides_controls(page, app_url):
    page.goto(app_url + "/?presenter=1")
    wait_for_run(page, min_charts=2)
    assert_no_exception(page)
    # The projector view opens with the sidebar collapsed: one click opens it.
    page.locator("[data-testid='stExpandSidebarButton']").click()
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Relatedness of the tasks").wait_for(timeout=10_000)
    assert sidebar.get_by_text("Relatedness of the tasks").count() == 1
    assert sidebar.get_by_text("Seed").count() == 0
    assert page.get_by_text("Interactive HTML report").count() == 0
    assert page.get_by_role("tab", name="Table & export").count() == 0
    assert "presenter=1" in page.url
    page.wait_for_timeout(1500)  # the charts re-flow to the narrower main area
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare-presenter.png"))


def chart_text_sizes(page) -> list[float]:
    """Font sizes (px) of every text element plotly drew in the charts, as the browser computes them."""
    return page.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot svg text')).filter(e => e.textContent.trim())"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("name,path", [("compare", "/compare"), ("sweep", "/sweep")])
def test_projector_view_reads_from_the_back_row(page, app_url, name, path, width, height):
    """Presenter mode at a projector's sizes: a chart in the first screen, chart text of at least 18 px,
    no 'Page not found' for /compare; the screenshots go to the README."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(app_url + path + "?presenter=1")
    wait_for_run(page, min_charts=1)
    assert_no_exception(page)
    assert page.get_by_text("Page not found").count() == 0
    top = page.evaluate("document.querySelector('.js-plotly-plot').getBoundingClientRect().top")
    assert top < height * 0.6, f"the first chart starts at {top:.0f} px of {height}"
    sizes = chart_text_sizes(page)
    assert sizes and min(sizes) >= 18, sorted(sizes)[:5]
    text = page.inner_text("[data-testid='stMain']")
    assert "<b>" not in text and "<br>" not in text  # the subtitles under the charts are Markdown, not raw HTML
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"presenter-{name}-{width}x{height}.png"))
    page.set_viewport_size(VIEWPORT)
