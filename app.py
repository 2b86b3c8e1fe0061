"""MTL vs STL classroom dashboard: entry point.

Run with ``streamlit run app.py``.  The sidebar (created here, so it persists
across pages) holds the one scenario every page shows; the pages live in
``pages/`` and are wired with ``st.navigation``.
"""

import streamlit as st

from dashboard import heap
from dashboard_ui import ui


def main() -> None:
    # Once per server process, with the imports done: the collector stops walking them.
    heap.freeze_startup_objects()
    st.set_page_config(
        page_title="MTL vs STL: see multi-task learning",
        page_icon=":material/hub:",
        layout="wide",
        initial_sidebar_state="expanded",
        menu_items={"About": "A classroom tool for seeing when multi-task learning beats single-task learning."},
    )

    ui.init_state()
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


# Worker processes (dashboard.offload) may be handed this script by multiprocessing's spawn,
# which runs it again as "__mp_main__": the app itself must then not run.
if __name__ != "__mp_main__":
    main()
