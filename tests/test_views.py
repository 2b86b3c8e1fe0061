"""The Compare page's views (`dashboard.views`): the metric deltas (the worker path is in test_offload.py)."""


def test_a_zero_delta_is_neutral():
    from dashboard import views

    for tiny in (0.0, 0.04, -0.04, -0.0):
        assert views.delta_vs_stl(tiny) == ("±0.0 points vs STL", "off", "off"), tiny
    assert views.delta_vs_stl(0.26) == ("+0.3 points vs STL", "normal", "auto")
    assert views.delta_vs_stl(-1.24) == ("-1.2 points vs STL", "normal", "auto")
    m = views.Metric("MTL", "80.0%", *views.delta_vs_stl(0.01))
    assert m._asdict() == dict(label="MTL", value="80.0%", delta="±0.0 points vs STL", delta_color="off", delta_arrow="off")
