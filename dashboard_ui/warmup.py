"""Start-up of the server: fill the caches before the class arrives, stop promptly, page aliases.

``streamlit run app.py`` finds the ``st.App`` that ``app.py`` defines and serves
it with this module's `lifespan`: before the server answers its first request it
imports the engine and figure code, starts the worker processes and computes the
Compare page of the default scenario (a few seconds, printed on the console), so
the first visitor gets a drawn page at once ("Serving" on the console).  The presets and the default
scenario's other pages are then computed in a background thread while the server
already serves, after one session of the app run over loopback (`first_session`);
the console then says "Ready".  On shutdown (Ctrl-C, SIGTERM) the worker processes are stopped
without waiting for the fits they are running, so the server exits at once.

`page_aliases`: the default page is served at ``/``; a link to ``/compare``
(its name) would open Streamlit's "Page not found" dialog, so the server
redirects it to ``/`` with the link's query (the scenario) kept.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dashboard import offload
from dashboard.presets import PRESETS
from dashboard.scenario import Scenario

def _log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def warm_compare(scenario: Scenario) -> None:
    """Compute the Compare page's first tab of ``scenario`` into the shared caches."""
    from dashboard_ui import st_cache

    st_cache.compare_summary(scenario)
    for name in st_cache.PREFETCH:
        st_cache.compare_figure(scenario, name)


def warm_pages(scenario: Scenario) -> None:
    """Compute the Sweep and Models pages of ``scenario`` into the shared caches."""
    from dashboard import sweeps
    from dashboard.model_info import shown_strength
    from dashboard_ui import st_cache
    from mtl_core.models.registry import MTL_MODELS

    repeats = int(scenario.sweep_repeats)
    spec = sweeps.sweep_spec(scenario.replace(sweep_repeats=repeats), repeats)
    st_cache.sweep_summary(spec)
    st_cache.lambda_path(scenario.task_spec(), repeats)
    for key in MTL_MODELS:
        st_cache.structure_fit(scenario, key, shown_strength(key, scenario))


def _server_address() -> tuple[str, int]:
    from streamlit import config

    host = config.get_option("server.address") or "127.0.0.1"
    return ("127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host), int(config.get_option("server.port"))


def first_session(timeout: float = 60.0) -> bool:
    """Run the app once through the server's own websocket, as a browser at ``/`` would.

    Streamlit learns the app's pages (``st.navigation``) in its first session: until
    then a first visitor who opens a page link (``/sweep``) gets a "Page not found"
    dialog that leaves the page inert.  One session of our own, on loopback, right
    after start-up spares the first visitor that.  Returns whether the run finished.
    """
    import urllib.request

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    host, port = _server_address()
    end = time.monotonic() + timeout
    while True:  # the server accepts connections once the start-up (this module's lifespan) is over
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    with connect(f"ws://{host}:{port}/_stcore/stream", subprotocols=["streamlit"], origin=f"http://{host}:{port}",
                 open_timeout=10, max_size=None) as ws:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_name = ""
        ws.send(request.SerializeToString())
        while time.monotonic() < end:
            reply = ForwardMsg()
            reply.ParseFromString(ws.recv(timeout=max(0.1, end - time.monotonic())))
            if reply.WhichOneof("type") == "script_finished":
                return True
    return False


def _warm_rest(default: Scenario, started: float) -> None:
    """The rest of the warm-up, in a background thread; ``started`` is the server's start (perf_counter)."""
    try:
        finished = first_session()
    except Exception as exc:  # noqa: BLE001 - only the first visitor of a page link is affected
        finished = False
        _log(f"warm-up: first session failed ({exc!r})")
    if not finished:
        _log("warm-up: the app's first session did not finish; the first visitor of a page link may see 'Page not found'.")
    try:
        warm_pages(default)
        for preset in PRESETS.values():
            warm_compare(preset.scenario)
    except Exception as exc:  # noqa: BLE001 - a failed warm-up only costs the first visitor time
        _log(f"warm-up stopped early: {exc!r}")
    _log(f"Ready ({time.perf_counter() - started:.1f} s): the default scenario's pages and every preset are computed.")


def stop_workers() -> None:
    """Stop the worker processes now, abandoning their running fits (server shutdown)."""
    offload.shared().shutdown(wait=False)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Warm the caches before serving; stop the workers on the way out."""
    start = time.perf_counter()
    default = Scenario()
    _log("Warming up: computing the default scenario before the first visitor...")
    try:
        await asyncio.to_thread(warm_compare, default)
        _log(f"Serving ({time.perf_counter() - start:.1f} s): the default scenario is computed; the presets and the "
             "other pages follow in the background (a few seconds).")
        threading.Thread(target=_warm_rest, args=(default, start), name="mtl-warm-up", daemon=True).start()
    except Exception as exc:  # noqa: BLE001 - serve anyway: the page computes what it needs
        _log(f"warm-up failed ({exc!r}); serving without it.")
    try:
        yield
    finally:
        stop_workers()


#: Addresses that name the default page; Streamlit serves it only at "/".
DEFAULT_PAGE_ALIASES = ("/compare",)


def page_aliases() -> list[Any]:
    """Starlette routes redirecting `DEFAULT_PAGE_ALIASES` to ``/``, query string kept."""
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    async def to_default_page(request: Any) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse("/" + (f"?{query}" if query else ""), status_code=307)

    return [Route(path, to_default_page, methods=["GET"]) for path in DEFAULT_PAGE_ALIASES]
