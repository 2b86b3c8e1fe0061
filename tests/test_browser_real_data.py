"""Real-browser test of the Real data page: upload a CSV, see the comparison; a hostile column name stays text.

Reuses the server and browser fixtures of tests/test_browser.py (a Streamlit server on a
free loopback port, stopped by its PID; Debian's /usr/bin/chromium).  Writes
docs/screenshots/real-data.png.  Skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    SHOTS,
    VIEWPORT,
    app_url,
    assert_no_exception,
    browser_context_args,
    browser_type_launch_args,
    chart_titles,
    wait_for_run,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tasks_example.csv"
INJECT = "**bold** <b>x</b> [link](http://x)"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed"),
]


def open_csv_source(page, app_url) -> None:
    page.goto(app_url + "/real-data")
    page.get_by_text("My own CSV file").wait_for(timeout=60_000)  # no need to wait for the digits comparison
    # A fresh server knows the pages only after its first script run: it may answer a deep link with a
    # "Page not found" dialog and then run the page anyway. Close it.
    if page.get_by_role("dialog").count():
        page.keyboard.press("Escape")
        page.get_by_role("dialog").wait_for(state="detached", timeout=10_000)
    page.get_by_text("My own CSV file").click()
    wait_for_run(page)


def upload(page, name: str, data: bytes) -> None:
    page.locator("[data-testid='stMain'] [data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )


def test_upload_csv_shows_the_comparison(page, app_url):
    open_csv_source(page, app_url)
    upload(page, "tasks_example.csv", EXAMPLE.read_bytes())
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).some(p => p.layout && p.layout.title "
        "&& p.layout.title.subtitle && (p.layout.title.subtitle.text || '').includes('tasks_example.csv'))",
        timeout=120_000,
    )
    wait_for_run(page, min_charts=3)
    assert_no_exception(page)
    titles = chart_titles(page)
    for expected in ("Accuracy gap vs STL", "Test accuracy per task", "Learning curves"):
        assert any(expected.lower() in t.lower() for t in titles), (expected, titles)
    assert page.get_by_text("What to notice").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(min(max(height, 1000), 8000))})
    page.wait_for_timeout(1200)
    wait_for_run(page, min_charts=3)
    page.screenshot(path=str(SHOTS / "real-data.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


def test_hostile_column_name_is_shown_as_text(page, app_url):
    open_csv_source(page, app_url)
    rows = [f'task,label,x1,"{INJECT}"'] + [f"T{t},{i % 2},{i},{'oops' if i == 3 else 1}" for t in range(2) for i in range(8)]
    upload(page, "inject.csv", ("\n".join(rows) + "\n").encode())
    alert = page.locator("[data-testid='stAlertContentError']")
    alert.first.wait_for(timeout=60_000)
    wait_for_run(page)
    assert_no_exception(page)
    assert alert.count() == 1
    assert INJECT in alert.inner_text()
    assert alert.locator("b, strong, a, em").count() == 0
