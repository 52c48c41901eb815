""""Try a patient" in a real browser: headless Chromium fills a version page's form for a decided, an unknown and a
refused patient and reads the answer, which must be Python's (decision, possible outcomes, missing facts, the
refusal's message) in the site's own prose; over http and from disk (file://, no server); at 1280 and 390 px."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import eligo
from tests.test_site_browser import (
    CHROMEDRIVER,
    CHROMIUM,
    KNOWLEDGE,
    WIDTHS,
    _QuietHandler,
    at_width,
    build_site,
    no_sideways_scroll,
    screenshot,
)

PAGE = "guidelines/sarcoma.pulmonary_metastasectomy/2.0.0/"
EXAMPLE = "DFI exactly 24 months is not favourable"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (tests/setup/install.sh)"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The site built into a temporary folder, served on 127.0.0.1 at a free port: (its URL, its folder)."""
    folder = tmp_path_factory.mktemp("site")
    build_site(KNOWLEDGE, folder)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", folder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@functools.cache
def guideline() -> eligo.Guideline:
    return eligo.load(KNOWLEDGE).guideline("sarcoma.pulmonary_metastasectomy", version="2.0.0")


def example_case() -> dict[str, Any]:
    g = guideline()
    example = next(e for e in g.module.examples if e.title == EXAMPLE)
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in g.example_case(example).items()}


def fill(browser: Any, case: dict[str, Any]) -> None:
    """Type each known fact into its control (keyboard for numbers and choices; a date picker's value is set)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.find_element(By.CSS_SELECTOR, "form.eligo-try button[type=reset]").click()
    for name, value in case.items():
        control = browser.find_element(By.ID, f"try-{name}")
        if control.tag_name == "select":
            Select(control).select_by_value("yes" if value is True else "no" if value is False else str(value))
        elif control.get_attribute("type") == "date":
            browser.execute_script("arguments[0].value = arguments[1];"
                                   "arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", control, value)
        else:
            control.send_keys(str(value))


def decide(browser: Any, case: dict[str, Any]) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.CSS_SELECTOR, "form.eligo-try")
                                     .get_attribute("data-ready") == "yes")
    details = browser.find_element(By.CSS_SELECTOR, "details.eligo-try-details")
    if details.get_attribute("open") is None:  # the form is folded until asked for: open it by keyboard
        details.find_element(By.TAG_NAME, "summary").send_keys(Keys.ENTER)
        assert details.get_attribute("open") is not None
    fill(browser, case)
    button = browser.find_element(By.CSS_SELECTOR, "form.eligo-try button[type=submit]")
    button.send_keys(Keys.ENTER)  # by keyboard
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".eligo-try-answer > *"))
    return browser.find_element(By.CSS_SELECTOR, ".eligo-try-answer")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_form_decides_a_patient_as_python_does_and_says_why(site: tuple[str, Path], browser: Any,
                                                                width: int) -> None:
    from selenium.webdriver.common.by import By

    at_width(browser, width)
    browser.get(site[0] + PAGE + "#try-a-patient")
    case = example_case()
    want = guideline().evaluate(case)["pulmonary_metastasectomy"]
    assert (want.status, want.value, want.rule) == ("decided", "discuss_at_tumour_board", "dfi_not_favourable")
    answer = decide(browser, case)
    block = answer.find_element(By.CSS_SELECTOR, ".eligo-try-decision")
    assert (block.get_attribute("data-status"), block.get_attribute("data-value")) == (want.status, want.value)
    text = block.text
    assert "Pulmonary metastasectomy: discuss at tumour board (by rule DFI not favourable)." in text, text
    assert "Rule 6, DFI not favourable (discuss at tumour board), applies" in text, text
    assert "Rule 1, beyond oligometastatic (not candidate), does not apply" in text, text
    for internal in ("`", "→", "[", "dfi_not_favourable", "None"):
        assert internal not in text, internal
    no_sideways_scroll(browser)
    form = browser.find_element(By.CSS_SELECTOR, "form.eligo-try")
    for field in form.find_elements(By.CSS_SELECTOR, ".eligo-try-field"):
        assert field.rect["x"] >= 0 and field.rect["x"] + field.rect["width"] <= width, field.text
    browser.execute_script("arguments[0].scrollIntoView()", form)
    screenshot(browser, f"try-a-patient-form-{width}")
    browser.execute_script("arguments[0].scrollIntoView()", block)
    screenshot(browser, f"try-a-patient-decided-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_form_names_what_is_missing_for_an_unknown_patient(site: tuple[str, Path], browser: Any,
                                                               width: int) -> None:
    from selenium.webdriver.common.by import By

    at_width(browser, width)
    browser.get(site[0] + PAGE + "#try-a-patient")
    case = {k: v for k, v in example_case().items() if k not in ("recurrence_detected", "metastases_detected")}
    want = guideline().evaluate(case)["pulmonary_metastasectomy"]
    assert want.status == "unknown" and want.missing and len(want.possible) > 1
    answer = decide(browser, case)
    block = answer.find_element(By.CSS_SELECTOR, ".eligo-try-decision")
    assert block.get_attribute("data-status") == "unknown"
    missing = block.find_element(By.CSS_SELECTOR, ".eligo-try-missing").text
    possible = block.find_element(By.CSS_SELECTOR, ".eligo-try-possible").text
    labels = [link.text for link in block.find_elements(By.CSS_SELECTOR, ".eligo-try-missing a")]
    assert len(labels) == len(want.missing), (missing, want.missing)
    for name, label in zip(want.missing, labels, strict=True):
        link = block.find_element(By.LINK_TEXT, label)
        assert link.get_attribute("href").endswith(f"#input-{name}")
    assert possible.split(", ") == [eligo.docs.prose.humanize(p) for p in want.possible]
    assert "It cannot be decided yet: it needs" in block.text and "Still possible:" in block.text
    no_sideways_scroll(browser)
    browser.execute_script("arguments[0].scrollIntoView()", block)
    screenshot(browser, f"try-a-patient-unknown-{width}")


def test_the_form_refuses_what_python_refuses(site: tuple[str, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    at_width(browser, 1280)
    browser.get(site[0] + PAGE)
    case = {**example_case(), "metastatic_lesions": 2.5}
    with pytest.raises(eligo.CaseError) as refused:
        guideline().evaluate(case)
    answer = decide(browser, case)
    shown = [item.text for item in answer.find_elements(By.CSS_SELECTOR, "li")]
    assert shown == [str(p) for p in refused.value.problems]


def test_every_control_has_a_label_and_a_not_known_choice(site: tuple[str, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site[0] + PAGE)
    browser.execute_script("document.querySelector('details.eligo-try-details').open = true")
    fields = browser.find_elements(By.CSS_SELECTOR, ".eligo-try-field")
    assert len(fields) == len(guideline().inputs)
    for field in fields:
        control = field.find_element(By.CSS_SELECTOR, "input, select")
        label = field.find_element(By.CSS_SELECTOR, f"label[for='{control.get_attribute('id')}']")
        assert label.text.strip()
        assert field.find_element(By.ID, control.get_attribute("aria-describedby")).text.strip()
        if control.tag_name == "select":
            assert control.find_element(By.CSS_SELECTOR, "option").text == "not known"
        else:  # an empty box is "not known"
            assert control.get_attribute("value") == ""


def test_the_form_works_from_disk_without_a_server(site: tuple[str, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get((site[1] / PAGE / "index.html").as_uri())
    answer = decide(browser, example_case())
    block = answer.find_element(By.CSS_SELECTOR, ".eligo-try-decision")
    assert block.get_attribute("data-value") == "discuss_at_tumour_board"


def test_every_version_page_answers_a_patient_with_nothing_known(site: tuple[str, Path], browser: Any) -> None:
    """Every guideline and shared module with decisions: an empty form decides what it can, as Python does, without
    a script error."""
    from selenium.webdriver.common.by import By

    kb = eligo.load(KNOWLEDGE)
    pages = [(module_id, v.header.version) for module_id in kb.ids() for v in kb.versions(module_id)]
    checked = 0
    for module_id, version in pages:
        compiled = kb.guideline(module_id, version=version, allow_draft=True)
        if not compiled.decision_names:
            continue
        browser.get_log("browser")  # drained: what earlier pages logged is not this page's
        browser.get(f"{site[0]}guidelines/{module_id}/{version}/")
        answer = decide(browser, {})
        want = compiled.evaluate({})
        blocks = answer.find_elements(By.CSS_SELECTOR, ".eligo-try-decision")
        assert [(b.get_attribute("data-decision"), b.get_attribute("data-status")) for b in blocks] == \
            [(name, d.status) for name, d in want.decisions.items()], module_id
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e["source"] == "javascript"]
        assert errors == [], errors
        checked += 1
    assert checked >= 7
