"""The app's plotly figures, one module per page, over a shared style.

- `style`: template, fonts, colours, `base_layout` (title, subtitle, legend), subplot grids;
- `raw`: `RawFigure`, the read-only figure every builder returns, and `make_figure`;
- `geometry`: lines and half-planes clipped to the drawn square, the `Plane` of two features;
- `panels`: points and boundaries drawn in that plane;
- `compare`: the Compare page's figures (`compare_figures`); `models`, `sweep`,
  `real_data`: the Models, Sweep and Real data pages' figures.

The names of the Compare page's figures are re-exported here
(``from dashboard import figures``; ``figures.compare_figures(data)``).
"""

from .compare import (
    COMPARE_FIGURES,
    MAX_BOUNDARY_TASKS,
    MAX_REPLAY_TASKS,
    TASK_CHOICE_FIGURES,
    TRAINING_FIGURES,
    accuracy_figure,
    boundary_figure,
    compare_figures,
    cosine_figure,
    default_tasks,
    loss_figure,
    replay_figure,
    shown_tasks,
    weights_arrow_figure,
)
from .geometry import VIEW, Plane, halfplane, segment, segments
from .panels import plane_for
from .raw import RawFigure, make_figure

__all__ = [
    "COMPARE_FIGURES",
    "MAX_BOUNDARY_TASKS",
    "MAX_REPLAY_TASKS",
    "TASK_CHOICE_FIGURES",
    "TRAINING_FIGURES",
    "VIEW",
    "Plane",
    "RawFigure",
    "accuracy_figure",
    "boundary_figure",
    "compare_figures",
    "cosine_figure",
    "default_tasks",
    "halfplane",
    "loss_figure",
    "make_figure",
    "plane_for",
    "replay_figure",
    "segment",
    "segments",
    "shown_tasks",
    "weights_arrow_figure",
]
