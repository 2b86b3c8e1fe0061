"""The README's commands and Python examples stay true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_two_commands_and_ci_runs_the_second():
    bash = [b.strip() for b in _blocks("bash")]
    assert bash[0] == "python -m pip install -r requirements.txt && streamlit run app.py"
    assert bash[1] == "python -m pip install -r requirements-test.txt && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == bash[1]


def test_python_examples_run():
    namespace: dict = {}
    blocks = _blocks("python")
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["res"].table.shape[0] > 0
    assert set(namespace["sw"].summary.model) >= {"STL", "MTL (mean-regularized)"}


def test_engine_is_documented_only_in_the_readme():
    """No other Markdown file repeats the README's examples: copies drift, and only the README is run."""
    blocks = [b.strip() for b in _blocks("python")]
    copies = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.md")
        if path != ROOT / "README.md"
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
        and any(block in path.read_text(encoding="utf-8") for block in blocks)
    ]
    assert not copies, f"copies of the README's examples (point to README.md instead): {copies}"


def test_no_placeholders_left():
    assert not re.search(r"\b[A-Z]{4,}_[A-Z_]{3,}\b", README), re.findall(r"\b[A-Z]{4,}_[A-Z_]{3,}\b", README)


def test_screenshots_referenced_exist():
    for path in re.findall(r"\]\((docs/screenshots/[^)]+)\)", README):
        assert (ROOT / path).exists(), path
