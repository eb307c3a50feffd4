"""The explorer in a real browser: headless Debian Chromium driven by selenium against
``pgm-lite serve asia`` (``make test`` installs ``chromium`` and ``chromium-driver``)."""

import os
import re
import shutil
import subprocess
import sys

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import pgm_lite as pl
from pgm_lite.explore import OBSERVED_FILL

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000"]
WAIT = 30  # seconds, an upper bound for a page update on a busy 2-core machine, not a timing check


def _binary(*names):
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            return path
    raise AssertionError(f"none of {names} is installed; `make test` installs Debian's chromium and "
                         "chromium-driver (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def server():
    proc = subprocess.Popen([sys.executable, "-m", "pgm_lite.cli", "serve", "asia", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, proc.stderr.read() if proc.poll() else "")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = Options()
    options.binary_location = _binary("chromium", "chromium-browser")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(_binary("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _updates(driver):
    return int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-updates"))


def _click_and_wait(driver, variable, state):
    before = _updates(driver)
    _state(driver, variable, state).click()
    WebDriverWait(driver, WAIT).until(lambda d: _updates(d) > before)


def _state(driver, variable, state):
    return driver.find_element(By.CSS_SELECTOR, f'[data-variable="{variable}"][data-state="{state}"]')


def _probability(driver, variable, state):
    return float(_state(driver, variable, state).get_attribute("data-probability"))


def _drawn(driver):
    """{(variable, state): data-probability} of every clickable element of the page."""
    found = {}
    for variable, state, p in driver.execute_script(
            "return Array.from(document.querySelectorAll('#picture [data-variable][data-state]'),"
            " (el) => [el.dataset.variable, el.dataset.state, el.getAttribute('data-probability')]);"):
        found.setdefault((variable, state), set()).add(float(p))
    assert all(len(ps) == 1 for ps in found.values())      # every cell of a state agrees
    return {k: ps.pop() for k, ps in found.items()}


def _assert_matches_query(driver, model, evidence):
    drawn = _drawn(driver)
    assert len(drawn) == sum(model.cardinality(v) for v in model.variables)
    for v in model.variables:
        if v in evidence:
            expected = [float(s == evidence[v]) for s in model.states(v)]
        else:
            expected = pl.query(model, [v], evidence=evidence).values
        for s, p in zip(model.states(v), expected):
            assert abs(drawn[(v, s)] - p) < 1e-9, (v, s, drawn[(v, s)], p)


def _shown(driver, variable, state):
    """(bar width / full width, percentage text, shape fill) of a state as the page shows it."""
    return tuple(driver.execute_script(
        "const [v, s] = arguments; const cells = Array.from(document.querySelectorAll("
        "'#picture .pgm-state')).filter((el) => el.dataset.variable === v && el.dataset.state === s);"
        "const bar = cells.map((el) => el.querySelector('rect.pgm-bar')).find((r) => r);"
        "const shape = Array.from(document.querySelectorAll('#picture .pgm-shape'))"
        ".find((el) => el.dataset.for === v);"
        "return [Number(bar.getAttribute('width')) / Number(bar.dataset.full),"
        " cells[cells.length - 1].textContent.trim(), shape.getAttribute('fill')];",
        variable, state))


def _download(driver):
    """The SVG the download link gives (the link is clicked, the browser's saving cancelled)."""
    return driver.execute_async_script(
        "const done = arguments[0], link = document.getElementById('download');"
        "link.addEventListener('click', (event) => event.preventDefault(), { once: true });"
        "link.click(); fetch(link.href).then((r) => r.text()).then(done);")


def test_clicking_a_state_observes_it_and_clicking_again_clears_it(server, browser):
    asia = pl.example("asia")
    browser.get(server)
    WebDriverWait(browser, WAIT).until(lambda d: _updates(d) >= 1)
    prior = pl.query(asia, ["lung"]).values[asia.states("lung").index("yes")]
    assert abs(_probability(browser, "lung", "yes") - prior) < 1e-9
    _assert_matches_query(browser, asia, {})
    browser.execute_script("document.querySelector('#picture svg').dataset.marker = 'drawn once';")

    _click_and_wait(browser, "smoke", "yes")
    posterior = pl.query(asia, ["lung"], evidence={"smoke": "yes"})
    expected = posterior.values[posterior.states["lung"].index("yes")]
    assert abs(_probability(browser, "lung", "yes") - expected) < 1e-9
    assert abs(expected - prior) > 1e-3                     # the click did change the answer
    _assert_matches_query(browser, asia, {"smoke": "yes"})
    assert "smoke = yes" in browser.find_element(By.ID, "evidence").text
    p_evidence = float(browser.find_element(By.ID, "p-evidence").get_attribute("data-value"))
    assert abs(p_evidence - pl.probability(asia, {"smoke": "yes"})) < 1e-12
    assert _probability(browser, "smoke", "yes") == 1.0
    # updated in place: the same SVG element, its bars, percentages and shading follow
    assert browser.execute_script("return document.querySelector('#picture svg').dataset.marker;") \
        == "drawn once"
    width, text, fill = _shown(browser, "lung", "yes")
    assert abs(width - expected) < 1e-9 and text == f"{100 * expected:.1f}%" and fill == "none"
    assert _shown(browser, "smoke", "yes") == (1.0, "100.0%", OBSERVED_FILL)
    svg = _download(browser)                                # the download is the current picture
    assert svg.startswith("<?xml") and "pgm-hit" not in svg
    saved = re.search(r'data-variable="lung" data-state="yes" data-probability="([^"]*)"', svg)
    assert abs(float(saved.group(1)) - expected) < 1e-9
    assert re.search(rf'data-for="smoke" data-fill="none" fill="{OBSERVED_FILL}"', svg)

    _click_and_wait(browser, "smoke", "yes")                # again: back to the prior
    assert abs(_probability(browser, "lung", "yes") - prior) < 1e-9
    _assert_matches_query(browser, asia, {})
    assert _shown(browser, "smoke", "yes")[2] == "none"
    assert "none" in browser.find_element(By.ID, "evidence").text


def test_impossible_evidence_shows_a_message_and_keeps_the_picture(server, browser):
    browser.get(server)
    WebDriverWait(browser, WAIT).until(lambda d: _updates(d) >= 1)
    _click_and_wait(browser, "either", "no")
    _click_and_wait(browser, "lung", "yes")                 # lung=yes forces either=yes
    message = browser.find_element(By.ID, "message")
    assert message.is_displayed()
    assert "probability zero" in message.text
    assert "Traceback" not in browser.page_source
    assert "either = no" in browser.find_element(By.ID, "evidence").text   # previous evidence kept
    _click_and_wait(browser, "either", "no")
    assert not message.is_displayed()


def test_map_button_and_views(server, browser):
    asia = pl.example("asia")
    browser.get(server)
    WebDriverWait(browser, WAIT).until(lambda d: _updates(d) >= 1)
    before = _updates(browser)
    browser.find_element(By.ID, "map").click()
    WebDriverWait(browser, WAIT).until(lambda d: _updates(d) > before)
    shown = {li.get_attribute("data-variable"): li.get_attribute("data-state")
             for li in browser.find_elements(By.CSS_SELECTOR, "#map-result li")}
    assert shown == pl.map_query(asia).assignment
    for view, marker in [("junction", "junction_tree"), ("factor", "factor_graph"), ("moral", "moral_graph")]:
        before = _updates(browser)
        browser.execute_script(
            "const s = document.getElementById('view'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('change'));", view)
        WebDriverWait(browser, WAIT).until(lambda d, n=before: _updates(d) > n)
        assert marker in browser.find_element(By.ID, "picture").get_attribute("innerHTML")
    href = browser.find_element(By.ID, "download").get_attribute("href")
    assert href.startswith("blob:")
