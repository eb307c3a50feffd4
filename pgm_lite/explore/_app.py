"""The explorer's web app (Starlette) and its server (uvicorn): optional extra ``[explore]``.

Routes: ``GET /`` the page; ``POST /api/state`` (posteriors and the SVG of a view: the first
load and a view switch), ``POST /api/posteriors`` (posteriors only, what a click asks: the page
updates the picture in place) and ``POST /api/map`` (JSON in, JSON out). Every
failure answers JSON ``{"error": message}`` that the page shows; no traceback ever leaves the
server, and no route reads a file: the model was read once, before the app was made.
"""

from __future__ import annotations

import json
import socket
import threading
import webbrowser
from collections.abc import Callable
from typing import Any

from ..exceptions import MissingDependencyError, PGMError
from ._page import page
from ._session import VIEWS, ExplorerSession

__all__ = ["create_app", "serve"]

INSTALL_HINT = "the explorer needs Starlette and uvicorn: pip install 'pgm_lite[explore]'"
MAX_BODY = 1 << 20   # bytes; a request body bigger than this is refused


def _error(message: str, status: int) -> Any:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Any) -> dict[str, Any]:
    """Return the request's JSON object; raise PGMError (shown on the page) for anything else."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PGMError(f"the request body has {len(raw)} bytes, more than the {MAX_BODY} accepted")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as err:
        raise PGMError(f'the request body must be JSON like {{"evidence": {{"smoke": "yes"}}}}: {err}') from None
    if not isinstance(body, dict):
        raise PGMError(f"the request body must be a JSON object, got {type(body).__name__}")
    return body


def create_app(model: Any, *, name: str = "model") -> Any:
    """Return the explorer as a Starlette (ASGI) application for ``model``.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    name : str, optional
        Title of the page.

    Returns
    -------
    starlette.applications.Starlette

    Raises
    ------
    MissingDependencyError
        If Starlette is not installed.
    """
    try:
        from starlette.applications import Starlette
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import HTMLResponse
        from starlette.routing import Route
    except ImportError as err:
        raise MissingDependencyError(INSTALL_HINT) from err

    session = ExplorerSession(model, name=name)
    text = page(name, VIEWS)

    async def index(request: Any) -> Any:
        return HTMLResponse(text, headers={"Cache-Control": "no-store"})

    def api(method: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any], Any]:
        async def endpoint(request: Any) -> Any:
            try:
                body = await _body(request)
                return _json(await run_in_threadpool(method, body))
            except PGMError as err:
                return _error(str(err).strip("'\""), 400)
            except Exception as err:  # noqa: BLE001 - the page shows it; never a traceback
                return _error(f"internal error ({type(err).__name__}): {err}", 500)
        return endpoint

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/state", api(lambda b: session.state(b.get("evidence"), b.get("view", "network"))),
              methods=["POST"]),
        Route("/api/posteriors", api(lambda b: session.posteriors(b.get("evidence"))), methods=["POST"]),
        Route("/api/map", api(lambda b: session.map(b.get("evidence"))), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.session = session
    return app


def _json(data: dict[str, Any]) -> Any:
    from starlette.responses import JSONResponse

    return JSONResponse(data)


def serve(model: Any, *, host: str = "127.0.0.1", port: int = 0, open_browser: bool = False,
          name: str = "model", announce: Callable[[str], None] | None = None) -> None:
    """Serve the explorer of ``model`` until interrupted (Ctrl-C).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    host : str, optional
        Address to bind; the default ``127.0.0.1`` is reachable from this machine only.
    port : int, optional
        ``0`` (default) picks a free port.
    open_browser : bool, optional
        Open the page in the default web browser.
    name : str, optional
        Title of the page.
    announce : callable, optional
        Called once with the page's URL as soon as the server accepts connections.

    Raises
    ------
    MissingDependencyError
        If Starlette or uvicorn is not installed.
    """
    try:
        import uvicorn
    except ImportError as err:
        raise MissingDependencyError(INSTALL_HINT) from err
    app = create_app(model, name=name)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise PGMError(f"cannot listen on {host}:{port}: {err.strerror}") from None
    sock.listen(128)
    url_host = f"[{host}]" if ":" in host else host
    url = f"http://{url_host}:{sock.getsockname()[1]}/"
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    if announce is not None:
        announce(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
