"""MTL vs STL classroom dashboard: entry point.

Run with ``streamlit run app.py``.  The sidebar (created here, so it persists
across pages) holds the one scenario every page shows; the pages live in
``pages/`` and are wired with ``st.navigation``.
"""

from pathlib import Path

import streamlit as st

from dashboard import heap
from dashboard_ui import ui


ICON = Path(__file__).resolve().parent / "dashboard_ui" / "icon.png"


def main() -> None:
    # Once per server process, with the imports done: the collector stops walking them.
    heap.freeze_startup_objects()
    st.set_page_config(
        page_title="MTL vs STL: see multi-task learning",
        # A local image: a ":material/..." icon is fetched from Google's font server as the favicon,
        # which an offline classroom network cannot reach.
        page_icon=str(ICON),
        layout="wide",
        # A projector shows the charts across the whole screen; the sidebar opens with one click.
        initial_sidebar_state="collapsed" if ui.presenter_requested() else "expanded",
        menu_items={"About": "A classroom tool for seeing when multi-task learning beats single-task learning."},
    )

    ui.init_state()
    if ui.presenter():
        st.html(ui.PROJECTOR_CSS)
    # The page files are named *_page.py on purpose: Streamlit still scans pages/ the
    # old way before st.navigation runs (always so in AppTest), and a file whose name
    # equals a page's url_path would then be run on its own, without this script's sidebar.
    pages = [
        st.Page("pages/compare_page.py", title="Compare", icon=":material/compare:", default=True, url_path="compare"),
        st.Page("pages/sweep_page.py", title="Sweep", icon=":material/grid_on:", url_path="sweep"),
        st.Page("pages/models_page.py", title="Models", icon=":material/functions:", url_path="models"),
        st.Page("pages/real_data_page.py", title="Real data", icon=":material/table_chart:", url_path="real-data"),
    ]
    navigation = st.navigation(pages)
    scenario = ui.sidebar(navigation.url_path)
    ui.sync_url(scenario)
    navigation.run()


if __name__ == "__main__":
    # Streamlit runs this script for every session's rerun (as "__main__"; worker processes
    # handed it by multiprocessing's spawn see "__mp_main__" and must not run the app).
    main()
elif __name__ == "app":
    # `streamlit run app.py` imports this file once to find the server (an st.App): it warms
    # the caches before the first visitor and stops the worker processes on shutdown.
    from dashboard_ui.warmup import lifespan, page_aliases

    app = st.App("app.py", lifespan=lifespan, routes=page_aliases())
