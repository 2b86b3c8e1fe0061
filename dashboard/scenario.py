"""The scenario every page shares: what the tasks look like and which models compare.

A `Scenario` is a frozen dataclass of plain values.  It travels as

- URL query parameters (`to_query_params` / `from_query_params`): every value is
  a string there, so parsing is per field and forgiving (a bad value falls back
  to its default and is reported, the other values are kept);
- JSON (`to_json` / `from_json`) for the "download / load scenario" buttons.

`Scenario.validated()` clamps a scenario into the bounds of the sidebar widgets
and says, in plain words, what it changed (e.g. more unrelated tasks than tasks).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from typing import Any, Mapping

from mtl_core.models.registry import MODELS, MTL_MODELS, spec_for_cli

#: MTL formulations the sidebar offers, in display order: key -> long display name. Everything else
#: about a model (class, short name, strength, how "auto" chooses) is in `mtl_core.MODELS`.
MODEL_LABELS: dict[str, str] = {key: spec.label for key, spec in MTL_MODELS.items()}

#: Symbol of that parameter in captions.
STRENGTH_SYMBOL = {"lam": "λ", "alpha": "α"}

FAMILIES = ("linear", "nonlinear")

# ----------------------------------------------------------------------------- bounds
N_TASKS_RANGE = (2, 20)
N_FEATURES_RANGE = (2, 30)
N_TRAIN_RANGE = (4, 500)
POOR_RANGE = (4, 500)
NOISE_RANGE = (0.0, 0.45)
SEED_RANGE = (0, 99_999)
N_HIDDEN_RANGE = (1, 64)
LR_RANGE = (0.001, 10.0)
EPOCHS_RANGE = (5, 500)
REPEATS_RANGE = (2, 50)
STRENGTH_RANGE = (0.0, 1000.0)
BALANCE_RANGE = (0.05, 0.95)
SPREAD_RANGE = (0.0, 2.0)
N_TEST = 1000
N_TEST_RANGE = (100, 5000)

#: Offered values of the select sliders (a value outside the list is inserted).
N_TRAIN_OPTIONS = (4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500)
STRENGTH_OPTIONS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
LR_OPTIONS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
EPOCHS_OPTIONS = (20, 40, 60, 100, 150, 200, 300)


def options_with(options: tuple, value: Any) -> list:
    """``options`` with ``value`` inserted in order (select sliders need the value listed)."""
    out = sorted(set(options) | {value})
    return out


def fmt_strength(value: float | None) -> str:
    """Compact display of a strength (``None`` is "auto")."""
    if value is None:
        return "auto"
    if value == 0:
        return "0"
    if value >= 1000 or value < 1e-3:
        return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{value:.2g}"


@dataclass(frozen=True)
class FieldSpec:
    """One scenario field: its URL name, the bounds every entry point clamps it to, its words.

    ``kind`` is "int", "float", "choice", "bool", "strength" (a number or None for
    "auto") or "feature" (a 0-based feature index, 1-based in the URL);
    ``noun`` names it in a sentence ("The number of tasks must be ..."),
    ``label`` and ``help`` are its sidebar widget's (empty: not a sidebar widget).
    """

    name: str
    url: str
    kind: str
    bounds: tuple[float, float] | None = None
    noun: str = ""
    label: str = ""
    help: str = ""


#: Every field of `Scenario`, in its order: validation, the URL and JSON round trips, the widgets'
#: clamping and the sidebar's labels and help all read this table. Adding a sidebar field means
#: adding the `Scenario` attribute, its row here, and the widget that uses it (`dashboard_ui.ui`).
FIELD_SPECS: dict[str, FieldSpec] = {
    f.name: f
    for f in [
        FieldSpec("n_tasks", "tasks", "int", N_TASKS_RANGE, "The number of tasks", "Number of tasks",
                  "All tasks share the same input features."),
        FieldSpec("n_features", "features", "int", N_FEATURES_RANGE, "The number of features", "Features",
                  "Input dimension. With more than 2, the boundary panels show a plane of two features."),
        FieldSpec("relatedness", "rel", "float", (0.0, 1.0), "Relatedness", "Relatedness of the tasks",
                  "Expected cosine similarity between two related tasks' true weight vectors: 1 = identical tasks, "
                  "0 = unrelated."),
        FieldSpec("n_train", "n", "int", N_TRAIN_RANGE, "Training samples per task", "Training samples per task",
                  "Every task gets this many training samples; 1000 test samples per task measure accuracy."),
        FieldSpec("poor_task_n", "poor", "int", POOR_RANGE, "The data-poor task's training samples",
                  "Task 1's training samples"),
        FieldSpec("n_unrelated", "unrelated", "int", (0, N_TASKS_RANGE[1]), "The number of unrelated tasks",
                  "Unrelated tasks", "The last tasks get true weights drawn independently of the others."),
        FieldSpec("label_noise", "noise", "float", NOISE_RANGE, "Label noise", "Label noise",
                  "Probability that a label is flipped; the best possible accuracy is 1 − noise."),
        FieldSpec("seed", "seed", "int", SEED_RANGE, "The seed", "Seed", "Same scenario and seed, same pictures."),
        FieldSpec("family", "family", "choice", None, "The task family", "Task family",
                  "Nonlinear: curved boundaries built on shared hidden features (try the shared hidden layer model)."),
        FieldSpec("class_balance", "balance", "float", BALANCE_RANGE, "The class-1 rate", "Class-1 rate"),
        FieldSpec("intercept_spread", "spread", "float", SPREAD_RANGE, "The intercept spread",
                  "Intercept spread between tasks"),
        FieldSpec("n_test", "ntest", "int", N_TEST_RANGE, "Test samples per task"),
        FieldSpec("n_clusters", "groups", "int", (1, N_TASKS_RANGE[1]), "The number of task groups",
                  "Number of task groups",
                  "The related tasks come in this many groups: related within a group, unrelated across groups. "
                  "The clustered MTL model looks for this many groups."),
        FieldSpec("model", "model", "choice", None, "The MTL model", "MTL model"),
        FieldSpec("strength", "strength", "strength", STRENGTH_RANGE, "The sharing strength", "Strength"),
        FieldSpec("k", "k", "int", (1, N_FEATURES_RANGE[1]), "The shared subspace dimension k", "Subspace dimension k"),
        FieldSpec("n_hidden", "hidden", "int", N_HIDDEN_RANGE, "The number of hidden units", "Hidden units"),
        FieldSpec("learning_rate", "lr", "float", LR_RANGE, "The learning rate", "Learning rate"),
        FieldSpec("n_epochs", "epochs", "int", EPOCHS_RANGE, "The number of epochs", "Epochs"),
        FieldSpec("sweep_repeats", "repeats", "int", REPEATS_RANGE, "The number of task draws per sweep cell",
                  "Task draws per cell"),
        FieldSpec("show_pooled", "pooled", "bool", None, "Showing pooled", "Also show pooled (one model for all tasks)"),
        FieldSpec("x_feature", "fx", "feature", (0, N_FEATURES_RANGE[1] - 1), "The horizontal feature", "Horizontal axis"),
        FieldSpec("y_feature", "fy", "feature", (0, N_FEATURES_RANGE[1] - 1), "The vertical feature", "Vertical axis"),
    ]
}
#: Fields whose bounds depend on other fields: `Scenario.validated` checks them together, with their own words.
_CROSS_CHECKED = {"n_unrelated", "n_clusters", "k", "x_feature", "y_feature"}


@dataclass(frozen=True)
class TaskSpec:
    """A task set to draw: frozen, hashable and picklable, it travels unchanged from a scenario
    through the caches and the worker processes to `make`.

    The fields are `mtl_core.make_tasks`'s arguments, ``n_train`` with one size per task.
    """

    n_tasks: int
    n_features: int
    n_train: tuple[int, ...]
    n_test: int
    relatedness: float
    n_unrelated: int
    label_noise: float
    class_balance: float
    intercept_spread: float
    family: str
    seed: int
    n_clusters: int = 1

    def make_tasks_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `mtl_core.make_tasks` (``n_train`` one number when all tasks share it)."""
        kw = asdict(self)
        kw["n_train"] = list(self.n_train) if len(set(self.n_train)) > 1 else self.n_train[0]
        return kw

    def make(self):
        """The task set (`mtl_core.TaskSet`); raises the engine's ValueError for settings it refuses."""
        from mtl_core import make_tasks

        return make_tasks(**self.make_tasks_kwargs())


def _clamp_count(values: dict, notes: list[str], name: str, highest: int, rule: str) -> None:
    """Bring ``values[name]`` into 1..``highest``, saying so in ``notes`` (``rule`` states the range)."""
    if not 1 <= values[name] <= highest:
        new = min(max(values[name], 1), highest)
        notes.append(f"{rule}; {values[name]} was changed to {new}.")
        values[name] = new


@dataclass(frozen=True)
class Scenario:
    """Everything that determines the figures of every page.

    Data fields feed `mtl_core.make_tasks`; model fields choose the MTL
    formulation compared with STL (and pooled); training fields set the
    gradient-descent run replayed on the Compare page; view fields only change
    what is drawn.
    """

    # data
    n_tasks: int = 6
    n_features: int = 5
    relatedness: float = 0.8
    n_train: int = 20
    poor_task_n: int = 0  # 0: off; otherwise task 1 gets this many training samples
    n_unrelated: int = 0
    label_noise: float = 0.1
    seed: int = 2
    family: str = "linear"
    class_balance: float = 0.5
    intercept_spread: float = 0.5
    n_test: int = N_TEST
    n_clusters: int = 1  # groups of related tasks (the clustered model's number of groups too)
    # model
    model: str = "mean_regularized"
    strength: float | None = None  # None means "auto" (cross-validation)
    k: int = 1
    n_hidden: int = 8
    # gradient-descent training (loss curves and replay)
    learning_rate: float = 1.0
    n_epochs: int = 40
    # sweep page: task draws per cell
    sweep_repeats: int = 5
    # view
    show_pooled: bool = True
    x_feature: int = 0
    y_feature: int = 1

    # ------------------------------------------------------------------ derived
    @property
    def n_train_list(self) -> list[int]:
        """Training samples of every task (task 1 is the data-poor one if set)."""
        sizes = [int(self.n_train)] * int(self.n_tasks)
        if self.poor_task_n:
            sizes[0] = int(self.poor_task_n)
        return sizes

    @property
    def strength_param(self) -> str:
        return MODELS[self.model].strength

    @property
    def mtl_name(self) -> str:
        return MODELS[self.model].name

    def task_spec(self) -> "TaskSpec":
        """The scenario's task set as a frozen spec: what `mtl_core.make_tasks` depends on, and nothing else."""
        return TaskSpec(
            n_tasks=int(self.n_tasks), n_features=int(self.n_features), n_train=tuple(self.n_train_list),
            n_test=int(self.n_test), relatedness=float(self.relatedness), n_unrelated=int(self.n_unrelated),
            label_noise=float(self.label_noise), class_balance=float(self.class_balance),
            intercept_spread=float(self.intercept_spread), family=self.family, seed=int(self.seed),
            n_clusters=int(self.n_clusters),
        )

    def make_tasks_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `mtl_core.make_tasks` for this scenario (see `TaskSpec`)."""
        return self.task_spec().make_tasks_kwargs()

    def mtl_key(self) -> tuple:
        """Hashable key of the MTL model specification."""
        # The model's own options from the scenario (k, n_hidden); solver settings live in its spec.
        return (self.model, self.strength) + tuple((name, int(getattr(self, name))) for name in MODELS[self.model].options)

    def summary(self) -> str:
        """One line describing the scenario (figure subtitles, reports)."""
        parts = [
            f"{self.n_tasks} tasks" + (f" ({self.n_unrelated} unrelated)" if self.n_unrelated else ""),
            f"{self.n_features} features" + (" (nonlinear)" if self.family == "nonlinear" else ""),
            f"relatedness {self.relatedness:.2f}" + (f" within {self.n_clusters} groups" if self.n_clusters > 1 else ""),
        ]
        if self.poor_task_n:
            parts.append(f"{self.n_train} training samples/task (task 1: {self.poor_task_n})")
        else:
            parts.append(f"{self.n_train} training samples/task")
        parts.append(f"label noise {self.label_noise:.0%}")
        if self.class_balance != 0.5:
            parts.append(f"class 1 rate {self.class_balance:.0%}")
        if self.intercept_spread:
            parts.append(f"intercept spread {self.intercept_spread:g}")
        parts.append(f"seed {self.seed}")
        return " · ".join(parts)

    def model_summary(self) -> str:
        """The MTL model and its strength, e.g. ``MTL (mean-regularized), λ = 0.3``."""
        sym = STRENGTH_SYMBOL[self.strength_param]
        strength = f"{sym} {MODELS[self.model].auto_rule}" if self.strength is None else f"{sym} = {fmt_strength(self.strength)}"
        extra = ""
        if self.model == "shared_subspace":
            extra = f", k = {self.k}"
        elif self.model == "shared_hidden":
            extra = f", {self.n_hidden} hidden units"
        return f"{self.mtl_name}, {strength}{extra}"

    def slug(self) -> str:
        """Short file-name-safe description, e.g. ``T4-d2-rel0.80-n20-noise0.10-seed0-mean_regularized``."""
        poor = f"-poor{self.poor_task_n}" if self.poor_task_n else ""
        unrel = f"-unrel{self.n_unrelated}" if self.n_unrelated else ""
        fam = "-nonlinear" if self.family == "nonlinear" else ""
        strength = "auto" if self.strength is None else fmt_strength(self.strength)
        return (
            f"T{self.n_tasks}-d{self.n_features}-rel{self.relatedness:.2f}-n{self.n_train}{poor}{unrel}"
            f"-noise{self.label_noise:.2f}-seed{self.seed}{fam}-{self.model}-{strength}"
        )

    # --------------------------------------------------------------- validation
    def validated(self) -> tuple["Scenario", list[str]]:
        """The scenario clamped into the widgets' bounds, and what was changed (plain words)."""
        notes: list[str] = []
        v = asdict(self)

        def clamp(name: str, lo: float, hi: float, label: str) -> None:
            value = v[name]
            if isinstance(value, float) and math.isnan(value):  # NaN compares false with everything
                default = getattr(Scenario(), name)
                new = lo if default is None else default
                notes.append(f"{label} must be a number between {lo:g} and {hi:g}; NaN was changed to {new:g}.")
                v[name] = new
            elif value < lo or value > hi:
                new = min(max(value, lo), hi)
                notes.append(f"{label} must be between {lo:g} and {hi:g}; {value:g} was changed to {new:g}.")
                v[name] = type(value)(new) if not isinstance(value, bool) else new

        for spec in FIELD_SPECS.values():
            if spec.kind not in ("int", "float", "strength") or spec.name in _CROSS_CHECKED or v[spec.name] is None:
                continue
            if spec.name == "poor_task_n" and not v["poor_task_n"]:
                continue  # 0: the data-poor task is off
            clamp(spec.name, *spec.bounds, spec.noun)
        if v["n_unrelated"] < 0:
            notes.append(f"The number of unrelated tasks cannot be negative; {v['n_unrelated']} was changed to 0.")
            v["n_unrelated"] = 0
        if v["n_unrelated"] > v["n_tasks"]:
            notes.append(
                f"There cannot be more unrelated tasks ({v['n_unrelated']}) than tasks ({v['n_tasks']}); "
                f"unrelated tasks set to {v['n_tasks']}."
            )
            v["n_unrelated"] = v["n_tasks"]
        n_grouped = max(1, v["n_tasks"] - v["n_unrelated"])
        _clamp_count(v, notes, "n_clusters", n_grouped,
                     f"The number of task groups must be between 1 and the number of related tasks ({n_grouped})")
        if v["family"] not in FAMILIES:
            notes.append(f"Unknown task family {v['family']!r}; using 'linear'.")
            v["family"] = "linear"
        if v["model"] not in MODEL_LABELS:
            notes.append(f"Unknown MTL model {v['model']!r}; using the mean-regularized one.")
            v["model"] = "mean_regularized"
        k_max = min(v["n_tasks"], v["n_features"])
        _clamp_count(v, notes, "k", k_max,
                     f"The shared subspace dimension k must be between 1 and min(tasks, features) = {k_max}")
        d = v["n_features"]
        for name, other_default in (("x_feature", 0), ("y_feature", 1)):
            if not 0 <= v[name] < d:
                notes.append(
                    f"Feature x{v[name] + 1} does not exist with {d} features; showing x{other_default + 1} instead."
                )
                v[name] = other_default
        if v["x_feature"] == v["y_feature"]:
            v["y_feature"] = (v["x_feature"] + 1) % d
            notes.append(
                f"The two plotted features must differ; showing x{v['x_feature'] + 1} against x{v['y_feature'] + 1}."
            )
        return Scenario(**v), notes

    # ------------------------------------------------------------------ URL/JSON
    def to_query_params(self) -> dict[str, str]:
        """Every field as a string, under the short URL names of `URL_NAMES`."""
        out = {}
        for f in fields(self):
            out[URL_NAMES[f.name]] = _to_text(f.name, getattr(self, f.name))
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any]) -> tuple["Scenario", list[str]]:
        """Parse URL query parameters (strings); unknown keys are ignored.

        Returns the validated scenario and notes about every value that could
        not be used (each such value keeps its default).
        """
        notes: list[str] = []
        values: dict[str, Any] = {}
        by_url = {u: n for n, u in URL_NAMES.items()}
        for key, raw in params.items():
            name = by_url.get(key) or (key if key in URL_NAMES else None)
            if name is None:
                continue
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            try:
                values[name] = _from_text(name, str(raw))
            except ValueError as exc:
                notes.append(f"Ignored {key}={raw!r} in the link: {exc}")
        scenario, more = cls(**values).validated() if values else (cls(), [])
        return scenario, notes + more

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["strength"] = "auto" if self.strength is None else self.strength
        return d

    def to_json(self) -> str:
        """Indented JSON with a format marker (see `from_json`)."""
        return _scenario_json(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> tuple["Scenario", list[str]]:
        """A scenario from a (JSON) mapping; bad or unknown entries are reported and skipped."""
        notes: list[str] = []
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for key, raw in data.items():
            if key not in known:
                notes.append(f"Ignored unknown setting {key!r}.")
                continue
            try:
                values[key] = _coerce(key, raw)
            except ValueError as exc:
                notes.append(f"Ignored {key}={raw!r}: {exc}")
        scenario, more = cls(**values).validated()
        return scenario, notes + more

    @classmethod
    def from_json(cls, text: str | bytes) -> tuple["Scenario", list[str]]:
        """Parse the JSON of `to_json` (or a bare mapping of fields).

        Raises
        ------
        ValueError
            With a plain message if the text is not JSON or not a scenario.
        """
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError("The file is not UTF-8 text; it is not a scenario saved by this app.") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"This is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
        if isinstance(data, dict) and "scenario" in data and isinstance(data["scenario"], dict):
            data = data["scenario"]
        if not isinstance(data, dict):
            raise ValueError("The JSON must be an object with the scenario's settings.")
        if not any(k in {f.name for f in fields(cls)} for k in data):
            raise ValueError("The JSON holds no scenario settings (e.g. 'n_tasks', 'relatedness').")
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> "Scenario":
        return replace(self, **changes)

    @classmethod
    def from_engine_kwargs(
        cls, kwargs: Mapping[str, Any], model: str = "mean_regularized", strength: float | str | None = "auto", **extra: Any
    ) -> "Scenario":
        """A scenario from `mtl_core.make_tasks` keyword arguments (the engine's command line).

        ``model`` may be a dashboard key or a command-line key ("meanreg",
        "lowrank", "jointfeature", "subspace", "hidden"); ``strength`` a number
        or "auto"; ``extra`` any other field (``k``, ``n_hidden``, ...).
        ``n_train`` may be one integer, or one per task where all tasks but the
        first have the same size (the first is then the data-poor task).

        Raises
        ------
        ValueError
            For settings a dashboard scenario cannot hold (named in the message).
        """
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for key, value in kwargs.items():
            if key == "n_train":
                continue
            if key not in known:
                raise ValueError(f"The dashboard has no setting {key!r}.")
            values[key] = value
        n_train = kwargs.get("n_train", cls.n_train)
        if isinstance(n_train, (list, tuple)):
            sizes = [int(n) for n in n_train]
            if len(sizes) == 1 or len(set(sizes)) == 1:
                values["n_train"] = sizes[0]
            elif len(set(sizes[1:])) == 1:
                values["n_train"], values["poor_task_n"] = sizes[1], sizes[0]
            else:
                raise ValueError(
                    "The dashboard supports one training size for every task, or one for task 1 and one for all "
                    f"the others; got {sizes}."
                )
        else:
            values["n_train"] = int(n_train)
        try:
            key = spec_for_cli(model).key
        except KeyError:
            key = None
        if key not in MODEL_LABELS:
            raise ValueError(f"Unknown MTL model {model!r}; choose from {', '.join(MODEL_LABELS)}.")
        values["model"] = key
        values["strength"] = None if strength in (None, "auto") else float(strength)
        values.update(extra)
        scenario, notes = cls(**values).validated()
        if notes:
            raise ValueError(" ".join(notes))
        return scenario


JSON_FORMAT = "mtl-dashboard-scenario/1"

#: Short URL parameter names.
URL_NAMES: dict[str, str] = {name: spec.url for name, spec in FIELD_SPECS.items()}

_INT_FIELDS = {name for name, spec in FIELD_SPECS.items() if spec.kind == "int"}
_FLOAT_FIELDS = {name for name, spec in FIELD_SPECS.items() if spec.kind == "float"}
_ONE_BASED = {name for name, spec in FIELD_SPECS.items() if spec.kind == "feature"}  # shown as x1, x2, ... in the URL


def _to_text(name: str, value: Any) -> str:
    if name == "strength":
        return "auto" if value is None else repr(float(value))
    if FIELD_SPECS[name].kind == "bool":
        return "1" if value else "0"
    if name in _ONE_BASED:
        return str(int(value) + 1)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _parse_int(text: str) -> int:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        raise ValueError("not a whole number") from None
    if not math.isfinite(f) or f != int(f):
        raise ValueError("not a whole number")
    return int(f)


def _parse_float(text: str) -> float:
    try:
        f = float(text.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(f):
        raise ValueError("not a finite number")
    return f


def _from_text(name: str, text: str) -> Any:
    if name in _INT_FIELDS:
        return _parse_int(text)
    if name in _FLOAT_FIELDS:
        return _parse_float(text)
    if name in _ONE_BASED:
        return _parse_int(text.lstrip("xX")) - 1
    if name == "strength":
        if text.strip().lower() in ("auto", "cv", ""):
            return None
        return _parse_float(text)
    if FIELD_SPECS[name].kind == "bool":
        t = text.strip().lower()
        if t in ("1", "true", "yes", "on"):
            return True
        if t in ("0", "false", "no", "off"):
            return False
        raise ValueError("use 1 or 0")
    if name == "family":
        t = text.strip().lower()
        if t not in FAMILIES:
            raise ValueError(f"use one of {', '.join(FAMILIES)}")
        return t
    if name == "model":
        t = text.strip().lower().replace("-", "_")
        if t not in MODEL_LABELS:
            raise ValueError(f"use one of {', '.join(MODEL_LABELS)}")
        return t
    raise ValueError("unknown setting")  # pragma: no cover


def _coerce(name: str, raw: Any) -> Any:
    """A JSON value of field ``name`` as the field's type."""
    if isinstance(raw, str):
        return _from_text(name, raw) if name not in _ONE_BASED else _parse_int(raw)
    if name == "strength":
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise ValueError('use a number or "auto"')
        return float(raw)
    if FIELD_SPECS[name].kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError("use true or false")
        return raw
    if name in _INT_FIELDS or name in _ONE_BASED:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw != int(raw):
            raise ValueError("not a whole number")
        return int(raw)
    if name in _FLOAT_FIELDS:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise ValueError("not a number")
        return float(raw)
    raise ValueError("use a text value")


DEFAULT_SCENARIO = Scenario()


@lru_cache(maxsize=256)
def _scenario_json(scenario: Scenario) -> str:
    # A rerun asks for the same scenario's JSON several times (cache keys, links, downloads).
    return json.dumps({"format": JSON_FORMAT, "scenario": scenario.to_dict()}, indent=2)
