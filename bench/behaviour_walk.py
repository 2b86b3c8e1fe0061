"""A walk over scenarios that prints one fingerprint per scenario and output: for refactorings.

Prints, for every scenario of the walk (the defaults, every MTL model, every
preset, a nonlinear and a many-feature case), a short hash of the Compare
page's results table (CSV), of every figure's JSON, of the "What to notice"
sentences and of the HTML report (its time stamp removed). Run it on two
checkouts and diff the outputs: a refactoring that changes nothing the user
sees prints the same lines.

Run: ``python bench/behaviour_walk.py > walk.txt`` (about a minute).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import compute, export  # noqa: E402
from dashboard.figures import compare_figures  # noqa: E402
from dashboard.presets import PRESETS  # noqa: E402
from dashboard.scenario import MODEL_LABELS, Scenario  # noqa: E402


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def walk() -> list[tuple[str, Scenario]]:
    out = [("defaults", Scenario())]
    out += [(f"model={key}", Scenario(n_tasks=4, n_features=3, n_train=15, model=key, strength=None if key != "shared_hidden" else 1e-3))
            for key in MODEL_LABELS]
    out += [(f"preset={key}", p.scenario) for key, p in PRESETS.items()]
    out += [("nonlinear", Scenario(family="nonlinear", model="shared_hidden", strength=1e-3, n_epochs=20)),
            ("7 tasks x 4 features", Scenario(n_features=4, n_tasks=7, n_unrelated=2, x_feature=2, y_feature=0))]
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    for name, scenario in walk():
        data = compute.compare_scenario(scenario)
        figures = compare_figures(data)
        parts = {
            "table": data.table.to_csv(index=False, float_format="%.10g"),
            "notice": "\n".join(compute.notice(data)),
            **{f"figure:{k}": json.dumps(f.to_dict(), sort_keys=True, default=str) for k, f in sorted(figures.items())},
        }
        report = export.html_report("Compare", scenario, [(k, f, "") for k, f in sorted(figures.items())], data.table)
        parts["report"] = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?", "", report)
        for part, text in parts.items():
            print(f"{name:28s} {part:24s} {_hash(text)}")


if __name__ == "__main__":
    main()
