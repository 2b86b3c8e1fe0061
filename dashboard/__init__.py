"""Pure (Streamlit-free) logic of the MTL vs STL classroom dashboard.

- `dashboard.scenario`: the `Scenario` every page shares, its bounds, URL and JSON
  round trips and validation;
- `dashboard.presets`: the one-click classroom scenarios and their lessons;
- `dashboard.compute`: the fits behind the Compare and Models pages and the
  "what to notice" sentences;
- `dashboard.figures`: the plotly figure builders (explicit template, titled,
  labelled, scenario in the subtitle);
- `dashboard.export`: HTML report, CSV, JSON and static images (kaleido), and
  `export_scenario_figures` for the command line.

Nothing here imports Streamlit: the Streamlit-bound layer is `dashboard_ui` (sidebar, session state, caches).
"""

from .scenario import DEFAULT_SCENARIO, Scenario

__all__ = ["Scenario", "DEFAULT_SCENARIO"]
