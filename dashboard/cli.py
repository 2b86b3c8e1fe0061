"""The app's command line: ``python -m dashboard export ...`` writes a scenario's figures to files.

The scenario options are the engine command line's (`mtl_core.cli`); the figures
are the Compare page's, made by `dashboard.export.export_scenario_figures`.
Bad arguments print one line starting with ``error:`` and exit with status 2;
an export that cannot run (no Chromium for images) exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from mtl_core.cli import Parser, UsageError, add_scenario_arguments, scenario_kwargs, strength_argument
from mtl_core.models.registry import MTL_MODELS


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m dashboard",
        description="The dashboard's figures of a scenario, from the command line.",
        epilog="Example: python -m dashboard export --n-tasks 6 --relatedness 0.3 --format png,html --out-dir figures",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    p = sub.add_parser("export", help="write the Compare page's figures of a scenario to image files")
    add_scenario_arguments(p, grid=False)
    p.add_argument("--model", choices=[spec.cli for spec in MTL_MODELS.values()], default="meanreg",
                   help="the MTL model shown beside STL (default meanreg)")
    p.add_argument("--lam", type=strength_argument, default="auto", help='its strength, a number or "auto"')
    p.add_argument("--format", dest="formats", type=lambda t: [f.strip().lower() for f in t.split(",")], default=["png"],
                   help="comma-separated: png, svg, pdf, html (default png)")
    p.add_argument("--out-dir", default="figures", help="folder for the files (default ./figures)")
    return parser


def run_export(args: argparse.Namespace, out) -> int:
    from .export import export_scenario_figures
    from .scenario import Scenario

    scenario = Scenario.from_engine_kwargs(scenario_kwargs(args, grid=False), model=args.model, strength=args.lam)
    for path in export_scenario_figures(scenario, args.out_dir, formats=tuple(args.formats)):
        print(f"wrote {path}", file=out)
    return 0


def main(argv: Sequence[str] | None = None, out=None) -> int:
    """Run the command line; returns the exit status."""
    out = sys.stdout if out is None else out
    try:
        args = make_parser().parse_args(argv)
        return run_export(args, out)
    except (UsageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # e.g. no Chromium for the static export
        print(f"error: {exc}", file=sys.stderr)
        return 1
