"""FHIR bindings: the shipped ones check clean, each mistake is a pinned diagnostic, and resources map to inputs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_serve_fixtures import LOINC, as_json, bundle, chemotherapy, marker, patient
from typer.testing import CliRunner

import eligo
from eligo.cli.main import app
from eligo.serve import check_bindings, fhir_sources
from eligo.serve.bindings import coding_problem, input_bindings, parse_bindings
from eligo.serve.extract import Extractor, Record, prefetch_keys
from eligo.serve.feedback import FeedbackStore

ROOT = Path(__file__).parent.parent
DEMO = """guideline demo.fitness
  version 1.0.0
  status approved
  effective 2025-01-01

input ecog: count from 0 to 5 "ECOG performance status"
input ca19_9: quantity in U/mL "Serum CA 19-9"

decision operate: fit > unfit, first match
  rule poor_performance: when ecog >= 3 then unfit
  rule marker_high: when ca19_9 > 1000 U/mL then unfit
  otherwise fit
"""
DEMO_BINDINGS = """guideline: demo.fitness
version: 1.0.0
inputs:
  ecog:
    resource: Observation
    profile: http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-ecog-performance-status
    code: [http://loinc.org|89247-1]
    value: valueInteger
    within: 3 months
  ca19_9:
    resource: Observation
    code: [http://loinc.org|24108-3]
    value: valueQuantity
    units: [U/mL, kU/L]
    within: 90 days
"""


@pytest.fixture(scope="module")
def shipped() -> eligo.KnowledgeBase:
    return eligo.load(ROOT / "knowledge")


def demo_kb(tmp_path: Path, bindings: str = DEMO_BINDINGS) -> eligo.KnowledgeBase:
    folder = tmp_path / "demo" / "fitness"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(DEMO)
    (folder / "1.0.0.fhir.yaml").write_text(bindings)
    return eligo.load(tmp_path)


def test_the_shipped_bindings_check_clean_and_cover_the_markers_metastases_and_dates(shipped: eligo.KnowledgeBase) -> None:
    assert check_bindings(shipped) == []
    bound = input_bindings(shipped, "pancreas.liver_metastases", "1.0.0")
    assert {"ca19_9_change", "ca125_change", "cea_change", "metastatic_organs", "preoperative_chemotherapy_given",
            "new_metastatic_sites"} <= set(bound)
    assert [c.token for c in bound["ca19_9_change"].codes] == [f"{LOINC}|24108-3"]
    assert [c.token for c in bound["cea_change"].codes] == [f"{LOINC}|2039-6"]
    assert [c.token for c in bound["ca125_change"].codes] == [f"{LOINC}|10334-1"]
    dates = input_bindings(shipped, "core.endpoints", "1.0.0")
    assert {"resection_date", "died"} <= set(dates)
    assert "all_disease_locally_treatable" not in bound  # a board judgement: asked, not bound


def test_the_docs_get_one_line_per_input_naming_its_fhir_source(shipped: eligo.KnowledgeBase) -> None:
    sources = fhir_sources(shipped, "pancreas.liver_metastases", "1.0.0")
    guideline = shipped.guideline("pancreas.liver_metastases", version="1.0.0")
    assert set(sources) == set(guideline.inputs)
    assert sources["ca19_9_change"] == ("Percent change of the Observation coded LOINC 24108-3 (UCUM U/mL, kU/L) from "
                                        "the latest before the start of chemotherapy to the latest since")
    assert sources["lewis_negative"] == "Not in the record: the service asks for it"
    assert all("\n" not in line for line in sources.values())


def test_loinc_check_digits_and_code_systems() -> None:
    for code in ("24108-3", "2039-6", "10334-1", "89247-1"):
        assert coding_problem(LOINC, code) == "", code
    assert coding_problem(LOINC, "24108-4").startswith("LOINC 24108-4 is not a valid LOINC code")
    assert coding_problem("http://snomed.info/sct", "36733600x").startswith("SNOMED CT 36733600x is not")
    assert coding_problem("loinc", "1-8").startswith("`loinc` is not a code system URI")


BAD = """guideline: demo.fitness
version: 1.0.0
inputs:
  ecog:
    resource: Observation
    code: [http://loinc.org|89247-2]
    value: valueQuantity
    units: [U/mL]
  ca19_9:
    resource: Observation
    code: [http://loinc.org|24108-3]
    value: valueQuantity
    units: [ng/mL]
    within: a while
  ecgo:
    resource: Observation
    code: [http://loinc.org|89247-1]
    value: valueInteger
  extra:
    resource: Observaton
    value: valueInteger
"""


def test_each_binding_mistake_is_a_diagnostic_at_its_line(tmp_path: Path) -> None:
    found = sorted((d.code, d.span.line, d.message) for d in check_bindings(demo_kb(tmp_path, BAD)))
    assert found == [
        ("E201", 14, "inputs.ca19_9.within: `a while` is not a duration"),
        ("E202", 6, "inputs.ecog.code: LOINC 89247-2 is not a valid LOINC code (digits, a hyphen and the mod-10 "
                    "check digit)"),
        ("E206", 15, "`ecgo` is not an input of demo.fitness 1.0.0"),
        ("E206", 19, "`extra` is not an input of demo.fitness 1.0.0"),
        ("E211", 4, "input `ecog` is a count, but Observation.valueQuantity gives a quantity"),
        ("E215", 9, "input `ca19_9` is a concentration in U/mL, but the units ng/mL are not"),
    ]
    hints = {d.message: d.hints for d in check_bindings(demo_kb(tmp_path / "again", BAD))}
    assert hints["`ecgo` is not an input of demo.fitness 1.0.0"] == ("did you mean `ecog`?",)


def test_syntax_errors_and_orphan_files_are_diagnostics_too(tmp_path: Path) -> None:
    broken = parse_bindings("inputs:\n  ecog: [unclosed\n", "x.fhir.yaml")
    assert [(d.code, d.span.line) for d in broken.diagnostics] == [("E200", 3)]
    kb = demo_kb(tmp_path)
    (tmp_path / "demo" / "fitness" / "2.0.0.fhir.yaml").write_text("inputs: {}\n")
    assert [(d.code, d.message) for d in check_bindings(kb)] == [
        ("E207", "2.0.0.fhir.yaml binds a guideline version that does not exist here")]


def test_a_change_over_an_event_must_be_a_percentage_and_the_event_must_exist(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", copy, ignore=shutil.ignore_patterns("cases"))
    path = copy / "pancreas" / "liver_metastases" / "1.0.0.fhir.yaml"
    path.write_text(path.read_text().replace("change_over: preoperative_chemotherapy\n  ca125",
                                             "change_over: chemo_start\n  ca125", 1))
    found = [(d.code, d.message) for d in check_bindings(eligo.load(copy))]
    assert found == [("E212", "input `ca19_9_change`: there is no event `chemo_start` in this file")]


# ------------------------------------------------------------------ resources to inputs
def extract(kb: eligo.KnowledgeBase, data: dict[str, Any], today: dt.date = dt.date(2026, 6, 1)) -> Any:
    bindings = input_bindings(kb, "demo.fitness", "1.0.0")
    keys = prefetch_keys(bindings, {})
    return Extractor(bindings, {}, keys).extract(Record("p1", data, keys), today)


def test_ecog_is_the_latest_within_its_look_back_window(tmp_path: Path) -> None:
    from fhir.resources.R4B.observation import Observation

    def ecog(value: int, day: str) -> Any:
        return Observation(id=f"ecog-{day}", status="final", code={"coding": [{"system": LOINC, "code": "89247-1"}]},
                           subject={"reference": "Patient/p1"}, effectiveDateTime=day, valueInteger=value)

    kb = demo_kb(tmp_path)
    recent = extract(kb, {"observation-89247-1": bundle(ecog(1, "2026-01-02"), ecog(3, "2026-05-01"))})
    assert recent.case["ecog"] == 3 and recent.found["ecog"] == "Observation/ecog-2026-05-01, 2026-05-01"
    stale = extract(kb, {"observation-89247-1": bundle(ecog(3, "2025-12-01"))})
    assert "ecog" not in stale.case  # older than 3 months: not evidence, so unknown
    result = kb.guideline("demo.fitness").evaluate(recent.case)
    assert (result["operate"].value, result["operate"].rule) == ("unfit", "poor_performance")


def test_a_quantity_in_an_accepted_unit_is_converted_and_a_foreign_unit_is_refused(tmp_path: Path) -> None:
    kb = demo_kb(tmp_path)
    ok = extract(kb, {"observation-24108-3": bundle(marker("24108-3", 1200, "2026-05-20", unit="kU/L"))})
    assert ok.case["ca19_9"] == {"value": 1200.0, "unit": "kU/L"} and ok.problems == []
    bad = extract(kb, {"observation-24108-3": bundle(marker("24108-3", 1200, "2026-05-20", unit="mg/dL"))})
    assert [(p.location, p.message) for p in bad.problems] == [(
        "prefetch.observation-24108-3.entry[0].resource.valueQuantity",
        "is in 'mg/dL', but ca19_9 is read in UCUM U/mL, kU/L")]


@given(before=st.floats(1, 10_000), after=st.floats(0, 10_000), unit=st.sampled_from(["U/mL", "kU/L"]),
       older=st.lists(st.floats(1, 10_000), max_size=3))
def test_the_marker_change_is_from_the_latest_before_chemotherapy_to_the_latest_after(
        shipped: eligo.KnowledgeBase, before: float, after: float, unit: str, older: list[float]) -> None:
    bindings = input_bindings(shipped, "pancreas.liver_metastases", "1.0.0")
    from eligo.serve.bindings import events_of

    events = events_of(shipped, "pancreas.liver_metastases", "1.0.0")
    keys = prefetch_keys(bindings, events)
    history = [marker("24108-3", v, f"2025-0{i + 1}-01", oid=f"old-{i}") for i, v in enumerate(older)]
    data = {"patient": as_json(patient()), "procedure-367336001": bundle(chemotherapy("2026-01-10")),
            "observation-24108-3": bundle(*history, marker("24108-3", before, "2026-01-05", unit=unit),
                                          marker("24108-3", after, "2026-04-20", unit=unit))}
    got = Extractor(bindings, events, keys).extract(Record("p1", data, keys), dt.date(2026, 6, 1))
    assert got.case["ca19_9_change"] == {"value": round((after - before) / before * 100, 4), "unit": "%"}
    assert got.case["preoperative_chemotherapy_given"] is True


# ------------------------------------------------------------------ the command
def test_serve_without_trust_or_insecure_refuses_to_start() -> None:
    result = CliRunner().invoke(app, ["serve", "--kb", str(ROOT / "knowledge")])
    assert result.exit_code == 2
    assert "give --trust FILE" in result.output


def test_serve_report_prints_override_rates_per_rule(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.jsonl")
    base = {"guideline": "renal.metastasectomy", "version": "1.0.0", "decision": "metastasectomy", "rule": "too_many"}
    store.append([base | {"outcome": "accepted"}, base | {"outcome": "overridden"}, base | {"outcome": "overridden"}])
    result = CliRunner().invoke(app, ["serve", "--report", "--feedback", str(tmp_path / "f.jsonl")])
    assert result.exit_code == 0
    assert result.output.strip() == ("renal.metastasectomy 1.0.0 metastasectomy too_many: 1 accepted, 2 overridden "
                                     "(67% overridden)")


def test_eligo_check_reports_bindings_problems_with_the_rest(tmp_path: Path) -> None:
    kb = demo_kb(tmp_path, DEMO_BINDINGS.replace("  ca19_9:\n", "  ca19:\n"))
    assert [(d.code, d.span.path.endswith("1.0.0.fhir.yaml"), d.span.line) for d in kb.check()] == [("E206", True, 10)]
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "error[E206]: `ca19` is not an input of demo.fitness 1.0.0" in result.output


def test_a_site_guideline_narrows_the_primary_cancer_it_reads(shipped: eligo.KnowledgeBase) -> None:
    core = input_bindings(shipped, "core.metastasis_timing", "1.0.0")["primary_diagnosed"]
    colorectal = input_bindings(shipped, "colorectal.liver_metastasectomy", "1.0.0")["primary_diagnosed"]
    renal = input_bindings(shipped, "renal.metastasectomy", "1.0.0")["primary_diagnosed"]
    assert "http://snomed.info/sct|363346000" in [c.token for c in core.codes]
    assert [c.code for c in colorectal.codes] == ["C18", "C19", "C20"]
    assert [c.code for c in renal.codes] == ["C64"]
