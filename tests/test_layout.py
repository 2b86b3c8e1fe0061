"""The layout stays honest: the layers' imports, and the fast lane's markers.

- The engine (`mtl_core`) imports nothing of the app; `dashboard` imports no Streamlit.
- Every test that drives a Streamlit app (``AppTest``, or a real server through the load
  test's ``run_load``) is marked ``app``, so that the fast lane
  ``python -m pytest -m "not browser and not app and not slow"`` runs no app.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


# ----------------------------------------------------------------------------- layers


def test_the_engine_imports_nothing_of_the_app():
    code = (
        "import sys, mtl_core, mtl_core.cli, mtl_core.experiments, mtl_core.datasets\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dashboard', 'streamlit', 'plotly', 'kaleido'}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    # not even lazily, inside a function
    pattern = re.compile(r"^\s*(from|import)\s+(dashboard|streamlit|plotly|kaleido)\b", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "mtl_core").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_only_the_ui_layer_and_the_pages_import_streamlit():
    """`dashboard` is the app's logic without Streamlit; `dashboard_ui` and the pages are the Streamlit-bound layer."""
    offenders = []
    for path in (ROOT / "dashboard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "streamlit" or n.startswith("streamlit.") or n.startswith("dashboard_ui") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
    assert any("streamlit" in p.read_text() for p in (ROOT / "dashboard_ui").rglob("*.py"))


# ----------------------------------------------------------------------------- the fast lane's markers

#: Names that mean a test drives a Streamlit app.
APP_DRIVERS = {"AppTest", "run_load"}


def _marks(decorators: list[ast.expr]) -> set[str]:
    """The X of every ``pytest.mark.X`` in decorators (or in a ``pytestmark`` value)."""
    found = set()
    for dec in decorators:
        for node in ast.walk(dec):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "mark" and isinstance(node.value.value, ast.Name)
                    and node.value.value.id == "pytest"):
                found.add(node.attr)
    return found


def unmarked_app_tests(source: str, filename: str) -> list[str]:
    """Tests of a module that drive an app (directly or through the module's helpers and fixtures) but lack ``app``."""
    tree = ast.parse(source, filename=filename)
    module_marks = set()
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            module_marks |= _marks([node.value])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node

    def references(func: ast.FunctionDef) -> set[str]:
        names = {a.arg for a in func.args.args + func.args.kwonlyargs}  # fixtures, by name
        for node in ast.walk(func):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
        return names

    refs = {name: references(func) for name, func in functions.items()}
    drives = {name for name, r in refs.items() if r & APP_DRIVERS}
    changed = True
    while changed:  # through helpers and fixtures defined in the module
        new = {name for name, r in refs.items() if r & drives} - drives
        drives |= new
        changed = bool(new)
    return [f"{filename}::{name}" for name, func in functions.items()
            if name.startswith("test") and name in drives and "app" not in module_marks | _marks(func.decorator_list)]


def test_every_test_that_drives_the_app_is_marked_app():
    offenders, driving = [], 0
    for path in sorted(TESTS.glob("test_*.py")):
        source = path.read_text()
        offenders += unmarked_app_tests(source, path.name)
        driving += sum(1 for name in APP_DRIVERS if name in source)
    assert offenders == [], "mark them @pytest.mark.app (or pytestmark = pytest.mark.app) to keep the fast lane fast"
    assert driving >= 5  # the check sees the app tests


def test_the_marker_check_can_fail():
    source = '''
import pytest
from streamlit.testing.v1 import AppTest

def new_app():
    return AppTest.from_file("app.py")

@pytest.fixture
def running(tmp_path):
    return new_app().run()

def test_direct():
    AppTest.from_file("app.py").run()

def test_through_a_helper():
    new_app().run()

def test_through_a_fixture(running):
    assert running

@pytest.mark.app
def test_marked():
    new_app().run()

@pytest.mark.slow
def test_other_mark_only():
    new_app().run()

def test_no_app():
    assert True
'''
    assert unmarked_app_tests(source, "t.py") == [
        "t.py::test_direct", "t.py::test_through_a_helper", "t.py::test_through_a_fixture", "t.py::test_other_mark_only"]
    assert unmarked_app_tests("import pytest\npytestmark = [pytest.mark.app]\n" + source, "t.py") == []
