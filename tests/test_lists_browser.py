""""Try a patient" with a list input in headless Chromium: the lesions are typed as JSON into the list's box, and the
answer shown is Python's, for a settled list and for one known to be incomplete (`{"at_least": [...]}`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import eligo
from tests.test_lists import LISTS
from tests.test_site_browser import CHROMEDRIVER, CHROMIUM, build_site
from tests.test_site_try import decide

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (tests/setup/install.sh)"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, eligo.Guideline]:
    knowledge = tmp_path_factory.mktemp("kb")
    (knowledge / "eligo.toml").write_text('[knowledge_base]\nname = "lists"\n', encoding="utf-8")
    folder = knowledge / "test" / "lists"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(
        "guideline test.lists\n  version 1.0.0\n  status approved\n  effective 2025-01-01\n" + LISTS, encoding="utf-8")
    site = tmp_path_factory.mktemp("site")
    build_site(knowledge, site)
    return site / "guidelines" / "test.lists" / "1.0.0" / "index.html", eligo.load(knowledge).guideline("test.lists")


@pytest.mark.parametrize("lesions", [
    [{"organ": "liver", "size": 20, "treatable": True}, {"organ": "lung", "size": 8, "treatable": True}],
    {"at_least": [{"organ": "liver", "size": 20, "treatable": True}]},
], ids=["settled", "at-least"])
def test_the_form_reads_a_list_as_json_and_decides_as_python_does(page: tuple[Path, eligo.Guideline],
                                                                  browser: Any, lesions: Any) -> None:
    from selenium.webdriver.common.by import By

    path, guideline = page
    case = {"ecog": 0, "lesions": json.dumps(lesions)}
    want = guideline.evaluate({"ecog": 0, "lesions": lesions})["surgery"]
    browser.get(path.as_uri())
    box = browser.find_element(By.ID, "try-lesions")
    assert box.tag_name == "textarea" and "at_least" in box.get_attribute("placeholder")
    answer = decide(browser, case)
    block = answer.find_element(By.CSS_SELECTOR, ".eligo-try-decision")
    assert block.get_attribute("data-status") == want.status
    assert (block.get_attribute("data-value") or None) == want.value
    if want.status == "unknown":
        assert "it needs lesions" in block.text
