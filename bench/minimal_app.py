"""Minimal Streamlit app: the baseline for Streamlit's own per-rerun cost.

One slider and one plotly chart (a line whose slope is the slider value, with an
explicit template). ``bench/load_test.py --compare-minimal`` runs the same load
against this app and the dashboard and prints the ratio of their p95 latencies.

Run alone: ``streamlit run bench/minimal_app.py``.
"""

import plotly.graph_objects as go
import streamlit as st

TEMPLATE = "plotly_white"
XS = list(range(-10, 11))

slope = st.slider("Slope", min_value=-5.0, max_value=5.0, value=1.0, step=0.1)

fig = go.Figure(go.Scatter(x=XS, y=[slope * x for x in XS], mode="lines", name="y = slope * x"))
fig.update_layout(
    template=TEMPLATE,
    title=f"y = {slope:g} x",
    xaxis_title="x",
    yaxis_title="y",
    yaxis_range=[-50, 50],
)
st.plotly_chart(fig)
