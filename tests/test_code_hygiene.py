"""Source checks that keep a shared server healthy: bounded caches, no global random state.

Streamlit runs every session in a thread of one process: an unbounded cache grows
with every distinct slider value of every student, and the global NumPy random
state is shared by all sessions' threads. These checks list offenders by file and line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for d in ("mtl_core", "dashboard", "dashboard_ui", "pages") for p in (ROOT / d).rglob("*.py")] + [
    p for p in [ROOT / "app.py"] if p.exists()
]

# np.random functions that do not touch the global state
ALLOWED_RANDOM = {"default_rng", "Generator", "SeedSequence", "PCG64", "BitGenerator"}


def _decorator_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                yield node, dec


def _name(expr: ast.AST) -> str:
    if isinstance(expr, ast.Call):
        expr = expr.func
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
    return ".".join(reversed(parts))


def _decorated_functions():
    """(where, function, decorator, decorator's dotted name) for every decorator in the sources."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for func, dec in _decorator_calls(tree):
            yield f"{path.relative_to(ROOT)}:{func.lineno} {func.name}", func, dec, _name(dec)


def unbounded_caches() -> list[str]:
    """Streamlit caches without ``max_entries`` or ``ttl`` (cache_resource without arguments is one object)."""
    found = []
    for where, func, dec, name in _decorated_functions():
        if not name.endswith(("cache_data", "cache_resource")):
            continue
        keywords = {kw.arg for kw in dec.keywords} if isinstance(dec, ast.Call) else set()
        has_args = bool(func.args.args or func.args.kwonlyargs or func.args.vararg or func.args.kwarg)
        if name.endswith("cache_resource") and not has_args:
            continue  # a single shared object
        if not keywords & {"max_entries", "ttl"}:
            found.append(f"{where} ({name} without max_entries/ttl)")
    return found


def unbounded_lru_caches() -> list[str]:
    """functools caches that never evict: ``@cache`` and ``@lru_cache(maxsize=None)``."""
    found = []
    for where, func, dec, name in _decorated_functions():
        if name in ("cache", "functools.cache"):
            found.append(f"{where} ({name} never evicts)")
        elif name in ("lru_cache", "functools.lru_cache") and isinstance(dec, ast.Call):
            size = dec.args[0] if dec.args else next((kw.value for kw in dec.keywords if kw.arg == "maxsize"), None)
            if isinstance(size, ast.Constant) and size.value is None:
                found.append(f"{where} (lru_cache(maxsize=None))")
    return found


def global_random_state_uses() -> list[str]:
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                parts = name.split(".")
                if len(parts) >= 2 and parts[-2] == "random" and parts[0] in ("np", "numpy") and parts[-1] not in ALLOWED_RANDOM:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
                if name in ("random.random", "random.seed", "random.randint", "random.choice", "random.shuffle"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name} (stdlib global random state)")
    return found


def test_sources_found():
    assert any(p.name == "experiments.py" for p in SOURCES)


def test_every_streamlit_cache_is_bounded():
    assert unbounded_caches() == []


def test_every_functools_cache_is_bounded():
    assert unbounded_lru_caches() == []


def test_no_global_random_state():
    assert global_random_state_uses() == []


def test_checker_detects_offenders(tmp_path, monkeypatch):
    """The checks themselves can fail: run them on a file with both problems."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import numpy as np\nimport streamlit as st\n\n"
        "@st.cache_data\ndef f(x):\n    return np.random.rand(x)\n\n"
        "@st.cache_data(ttl=60)\ndef g(x):\n    return np.random.default_rng(x).random()\n\n"
        "import functools\n\n@functools.lru_cache(maxsize=None)\ndef h(x):\n    return x\n\n"
        "@functools.lru_cache(maxsize=8)\ndef k(x):\n    return x\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SOURCES", [bad])
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert unbounded_caches() == ["bad.py:5 f (st.cache_data without max_entries/ttl)"]
    assert global_random_state_uses() == ["bad.py:6 np.random.rand"]
    assert unbounded_lru_caches() == ["bad.py:15 h (lru_cache(maxsize=None))"]
