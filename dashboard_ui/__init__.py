"""The Streamlit-bound layer of the app: everything that imports Streamlit besides the pages.

- `dashboard_ui.ui`: the shared sidebar, session state (sanitized before any
  widget is drawn), messages, charts with their export buttons;
- `dashboard_ui.st_cache`: the bounded Streamlit caches around the pure
  functions of `dashboard` (and the worker processes of `dashboard.offload`).

Everything else, the logic the pages show, is in `dashboard` and runs without Streamlit.
"""
