"""The explorer without a browser: the session's answers against brute force, the web app's
routes and error answers (Starlette's TestClient), the notebook widget and its fallback."""

import builtins
import html
import re
import sys

import numpy as np
import pytest
from starlette.testclient import TestClient

import pgm_lite as pl
from pgm_lite.cli import main
from pgm_lite.explore import ExplorerSession, create_app
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

STATE = re.compile(r'<g id="pgm-s-[^"]*" class="pgm-state" role="button" tabindex="0" '
                   r'data-variable="([^"]*)" data-state="([^"]*)" data-probability="([^"]*)">')


def _drawn(svg):
    """{(variable, state): probability} read from the data attributes of the SVG."""
    found = {}
    for v, s, p in STATE.findall(svg):
        found.setdefault((html.unescape(v), html.unescape(s)), set()).add(float(p))
    assert all(len(ps) == 1 for ps in found.values())
    return {k: ps.pop() for k, ps in found.items()}


def _exact(model, evidence):
    joint = brute_force_joint(model)
    reduced = joint.reduce(evidence) if evidence else joint
    z = reduced.values.sum()
    out = {}
    for v in model.variables:
        if v in evidence:
            for s in model.states(v):
                out[(v, s)] = float(s == evidence[v])
            continue
        m = reduced.marginalize([u for u in reduced.variables if u != v])
        for s, p in zip(m.states[v], m.values / z):
            out[(v, s)] = float(p)
    return out, float(z / joint.values.sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_drawn_state_carries_its_exact_posterior(seed):
    bn = random_network(6, max_parents=2, rng=seed)
    first = bn.variables[-1]
    evidence = {first: bn.states(first)[1]}
    answer = ExplorerSession(bn).state(evidence)
    exact, p_evidence = _exact(bn, evidence)
    drawn = _drawn(answer["svg"])
    assert set(drawn) == set(exact)
    for key, p in exact.items():
        assert abs(drawn[key] - p) < 1e-9
        assert abs(answer["marginals"][key[0]][key[1]] - p) < 1e-9
    assert abs(answer["p_evidence"] - p_evidence) < 1e-9
    assert answer["svg"].startswith("<svg")


def test_a_markov_network_is_explored_too():
    mn = random_markov_network(5, rng=3)
    v = mn.variables[0]
    answer = ExplorerSession(mn).state({v: mn.states(v)[0]})
    exact, p_evidence = _exact(mn, {v: mn.states(v)[0]})
    drawn = _drawn(answer["svg"])
    assert all(abs(drawn[k] - p) < 1e-9 for k, p in exact.items())
    assert abs(answer["p_evidence"] - p_evidence) < 1e-9


def test_answers_are_cached_per_evidence_pattern(asia, monkeypatch):
    session = ExplorerSession(asia)
    first = session.posteriors({"smoke": "yes"})
    calls = []
    monkeypatch.setattr(session, "_compute", lambda *a: calls.append(a) or first)
    assert session.posteriors({"smoke": "yes"}) == first
    assert calls == []
    session.posteriors({"smoke": "no"})
    assert len(calls) == 1


def test_each_view_is_drawn_once_whatever_the_evidence(asia, monkeypatch):
    session = ExplorerSession(asia)
    drawn, real_draw = [], session._draw
    monkeypatch.setattr(session, "_draw", lambda view: drawn.append(view) or real_draw(view))
    svgs = [session.state(e)["svg"] for e in ({}, {"smoke": "yes"}, {"smoke": "yes", "xray": "no"})]
    session.state({"asia": "yes"}, "junction")
    session.state({}, "junction")
    assert drawn == ["network", "junction"]
    assert len(set(svgs)) == 3                              # yet each shows its own posteriors


BAR = re.compile(r'<g id="pgm-s-\d+-\d+-1"[^>]*data-variable="([^"]*)" data-state="([^"]*)"[^>]*>'
                 r'<a [^>]*>\s*<rect class="pgm-bar" [^>]*data-full="([^"]*)" [^>]*width="([^"]*)"/>')
PERCENT = re.compile(r'<g id="pgm-s-\d+-\d+-2"[^>]*data-variable="([^"]*)" data-state="([^"]*)"[^>]*>'
                     r'<a [^>]*>\s*<text[^>]*>&#160;([^<]*)%</text>')
SHAPE = re.compile(r'class="pgm-shape" data-for="([^"]*)" data-fill="([^"]*)" fill="([^"]*)"')


@pytest.mark.parametrize("seed", [4, 5])
def test_bars_percentages_and_shading_follow_the_evidence(seed):
    bn = random_network(7, max_parents=2, rng=seed)
    v = bn.variables[2]
    evidence = {v: bn.states(v)[0]}
    svg = ExplorerSession(bn).state(evidence)["svg"]
    exact, _ = _exact(bn, evidence)
    bars = {(a, s): (float(full), float(w)) for a, s, full, w in BAR.findall(svg)}
    assert set(bars) == set(exact)
    for key, (full, width) in bars.items():
        assert full == pytest.approx(60.0) and abs(width - exact[key] * full) < 1e-6
    percents = {(a, s): float(p) for a, s, p in PERCENT.findall(svg)}
    assert set(percents) == set(exact)
    assert all(abs(percents[k] - 100 * p) <= 0.05 + 1e-9 for k, p in exact.items())
    shading = {a: (plain, fill) for a, plain, fill in SHAPE.findall(svg)}
    assert set(shading) == set(bn.variables)
    assert {a for a, (plain, fill) in shading.items() if fill != plain} == {v}


@pytest.mark.parametrize("view", ["network", "moral", "junction", "factor"])
def test_every_view_is_well_formed_svg(asia, view):
    import xml.etree.ElementTree as ET

    svg = ExplorerSession(asia).state({"smoke": "yes"}, view)["svg"]
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    if view != "network":                                   # no states: Graphviz's SVG unchanged
        graph = {"moral": pl.render_moral_graph, "junction": pl.render_junction_tree,
                 "factor": pl.render_factor_graph}[view](asia)
        assert svg == re.sub(r"^.*?(?=<svg)", "", graph.pipe(format="svg").decode(), flags=re.S)


def test_the_shading_is_the_one_render_draws(asia):
    from pgm_lite.explore import OBSERVED_FILL

    svg = pl.render(asia, evidence={"smoke": "yes"}).pipe(format="svg").decode()
    smoke = re.search(r"<title>smoke</title>\s*<(?:path|polygon|ellipse) fill=\"([^\"]*)\"", svg)
    assert smoke.group(1) == OBSERVED_FILL


def test_map_matches_map_query(asia):
    answer = ExplorerSession(asia).map({"xray": "yes"})
    expected = pl.map_query(asia, evidence={"xray": "yes"})
    assert answer["assignment"] == expected.assignment
    assert answer["probability"] == pytest.approx(expected.probability, abs=1e-12)


@pytest.mark.parametrize("evidence, error, match", [
    ({"smok": "yes"}, pl.VariableNotFoundError, "unknown variable 'smok'.*did you mean 'smoke'"),
    ({"smoke": "maybe"}, pl.VariableNotFoundError, "unknown state 'maybe' of variable 'smoke'"),
    ({"either": "no", "lung": "yes"}, pl.ZeroEvidenceError, "probability zero"),
    (["smoke"], pl.ArgumentTypeError, "evidence must be an object"),
])
def test_session_errors(asia, evidence, error, match):
    with pytest.raises(error, match=match):
        ExplorerSession(asia).state(evidence)


def test_unknown_view_lists_the_views(asia):
    with pytest.raises(pl.OptionError, match=r"unknown view 'net'.*\['network', 'moral', 'junction', 'factor'\]"):
        ExplorerSession(asia).state({}, "net")


# -- the web app ---------------------------------------------------------------------------------
@pytest.fixture
def client(asia):
    with TestClient(create_app(asia, name="asia <chest>"), raise_server_exceptions=False) as c:
        yield c


def test_page_is_self_contained(client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "<title>pgm-lite explore: asia &lt;chest&gt;</title>" in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)   # nothing fetched from elsewhere
    for view in ("network", "moral", "junction", "factor"):
        assert f'value="{view}"' in text


def test_state_route_answers_the_posterior(client, asia):
    answer = client.post("/api/state", json={"evidence": {"smoke": "yes"}}).json()
    lung = pl.query(asia, ["lung"], evidence={"smoke": "yes"})
    assert abs(_drawn(answer["svg"])[("lung", "yes")] - lung.values[0]) < 1e-9
    assert answer["evidence"] == {"smoke": "yes"}
    for view in ("moral", "junction", "factor"):
        assert client.post("/api/state", json={"view": view}).json()["view"] == view


def test_posteriors_route_sends_only_json_posteriors(client, asia):
    answer = client.post("/api/posteriors", json={"evidence": {"smoke": "yes", "xray": "no"}}).json()
    assert set(answer) == {"evidence", "p_evidence", "marginals"}
    assert answer["evidence"] == {"smoke": "yes", "xray": "no"}
    assert answer["p_evidence"] == pytest.approx(pl.probability(asia, {"smoke": "yes", "xray": "no"}))
    assert answer["marginals"]["smoke"] == {"yes": 1.0, "no": 0.0}
    for v in sorted(set(asia.variables) - {"smoke", "xray"}):
        q = pl.query(asia, [v], evidence={"smoke": "yes", "xray": "no"})
        assert np.allclose([answer["marginals"][v][s] for s in q.states[v]], q.values, atol=1e-12)


@pytest.mark.parametrize("body, match", [
    (b"not json", "the request body must be JSON"),
    (b"[1, 2]", "must be a JSON object, got list"),
    (b'{"evidence": {"smok": "yes"}}', "unknown variable 'smok'"),
    (b'{"evidence": {"smoke": "maybe"}}', "unknown state 'maybe'"),
    (b'{"evidence": {"either": "no", "lung": "yes"}}', "probability zero"),
    (b'{"evidence": 5}', "evidence must be an object"),
    (b'{"view": "nope"}', "unknown view 'nope'"),
])
def test_malformed_requests_answer_a_clear_message(client, body, match):
    routes = ("/api/state", "/api/posteriors", "/api/map") if b"view" not in body else ("/api/state",)
    for route in routes:
        response = client.post(route, content=body)
        assert response.status_code == 400
        assert re.search(match, response.json()["error"])
        assert "Traceback" not in response.text


def test_unexpected_failures_are_messages_too(client, asia, monkeypatch):
    session = client.app.state.session
    monkeypatch.setattr(session, "_compute", lambda *a: 1 / 0)
    response = client.post("/api/state", json={"evidence": {"asia": "yes"}})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error (ZeroDivisionError): division by zero"}


def test_no_route_reads_a_file(client, monkeypatch):
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    for path in ("/../../etc/passwd", "/static/../setup.cfg", "/asia.bif", "/api/state/../../x"):
        assert client.get(path).status_code in (404, 405)
    client.get("/")
    client.post("/api/state", json={"evidence": {"smoke": "no"}})
    assert opened == []


# -- CLI -----------------------------------------------------------------------------------------
def test_serve_parser_defaults_to_localhost_and_a_free_port():
    from pgm_lite.cli import build_parser

    args = build_parser().parse_args(["serve", "asia"])
    assert (args.host, args.port, args.open) == ("127.0.0.1", 0, False)


def test_serve_on_a_busy_port_is_one_line(capsys):
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        code = main(["serve", "asia", "--port", str(busy.getsockname()[1])])
    finally:
        busy.close()
    err = capsys.readouterr().err
    assert code == 2 and "cannot listen on 127.0.0.1:" in err and len(err.strip().splitlines()) == 1


def test_serve_of_a_missing_file_is_one_line(capsys, tmp_path):
    assert main(["serve", str(tmp_path / "nope.bif")]) == 2
    assert "nope.bif" in capsys.readouterr().err


# -- notebook ------------------------------------------------------------------------------------
def test_widget_follows_clicks_and_refuses_impossible_evidence(asia):
    widget = pl.explore(asia)
    assert type(widget).__name__ == "ExplorerWidget"
    prior = _drawn(widget.svg)[("lung", "yes")]
    widget.evidence = {"smoke": "yes"}                      # what a click sends
    lung = pl.query(asia, ["lung"], evidence={"smoke": "yes"}).values[0]
    assert abs(_drawn(widget.svg)[("lung", "yes")] - lung) < 1e-9
    assert widget.p_evidence == pytest.approx(0.5)
    widget.evidence = {"smoke": "yes", "either": "no", "lung": "yes"}
    assert "probability zero" in widget.message
    assert widget.evidence == {"smoke": "yes"}              # back to what is drawn
    widget.evidence = {}
    assert widget.message == "" and abs(_drawn(widget.svg)[("lung", "yes")] - prior) < 1e-12


def test_explore_without_anywidget_falls_back_to_a_picture(asia, monkeypatch):
    from pgm_lite.explore import _widget

    _widget._widget_class.cache_clear()
    monkeypatch.setitem(sys.modules, "anywidget", None)
    try:
        with pytest.warns(UserWarning, match=r"pip install 'pgm_lite\[explore\]'; showing a static picture"):
            shown = pl.explore(asia, evidence={"smoke": "yes"})
    finally:
        _widget._widget_class.cache_clear()
    assert type(shown).__name__ == "Digraph"
    assert "smoke</B> = yes" in shown.source and "grey75" in shown.source
    assert np.isclose(float(re.search(r"lung</B>.*?(\d+\.\d)%", shown.source).group(1)), 10.0)


def test_import_pgm_lite_does_not_import_the_web_stack():
    import subprocess

    code = ("import sys, pgm_lite; bad = [m for m in ('starlette', 'uvicorn', 'anywidget', 'selenium',"
            " 'ipywidgets') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
