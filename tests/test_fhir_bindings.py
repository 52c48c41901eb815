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
from eligo.serve.bindings import coding_problem, parse_bindings
from eligo.serve.extract import Extractor, prefetch_keys
from eligo.serve.feedback import FeedbackStore
from eligo.serve.knowledge import input_bindings
from eligo.serve.record import Record

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
    from eligo.serve.knowledge import events_of

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


# ------------------------------------------------------------------ FHIR dates
@pytest.mark.parametrize(("value", "kind", "start", "end"), [
    ("2024", "dateTime", "2024-01-01", "2024-12-31"),
    ("2024-02", "date", "2024-02-01", "2024-02-29"),
    ("2023-02", "dateTime", "2023-02-01", "2023-02-28"),
    ("2024-05-01", "date", "2024-05-01", "2024-05-01"),
    ("2024-05-01T23:30:00-05:00", "dateTime", "2024-05-01", "2024-05-01"),  # the day written, in its own zone
    ("2024-05-01T00:10:00.123+14:00", "instant", "2024-05-01", "2024-05-01"),
    ("2015-06-30T23:59:60Z", "instant", "2015-06-30", "2015-06-30"),  # a leap second
])
def test_fhir_dates_are_the_days_they_may_stand_for(value: str, kind: str, start: str, end: str) -> None:
    from eligo.serve.fhirdate import period

    found = period(value, kind)
    assert (found.start.isoformat(), found.end.isoformat(), found.text) == (start, end, value)


@pytest.mark.parametrize(("value", "kind", "why"), [
    ("2024-05-01T10:00", "dateTime", "write YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with a time zone"),
    ("2024-05-01T10:00:00", "dateTime", "with a time zone (Z or +hh:mm)"),
    ("2024-05-01", "instant", "write YYYY-MM-DDThh:mm:ss with a time zone"),
    ("2024-05-01T10:00:00Z", "date", "write YYYY, YYYY-MM or YYYY-MM-DD (no time)"),
    ("2024-13", "dateTime", "month must be in 1..12"),
    ("2023-02-29", "date", "day is out of range for month"),
    ("2024-05-01T25:00:00Z", "dateTime", "the time 25:00:00 is not hh:mm:ss on a 24-hour clock"),
    ("2024-05-01T10:00:00+15:00", "dateTime", "the time zone +15:00 is not between -13:59 and +14:00"),
    ("0000", "date", "there is no year 0000"),
    ("24-05-01", "date", "write YYYY"),
    (20240501, "date", "it is not a string"),
])
def test_a_value_that_is_no_fhir_date_says_why(value: object, kind: str, why: str) -> None:
    from eligo.serve.fhirdate import FhirDateError, period

    with pytest.raises(FhirDateError, match="is not a FHIR") as raised:
        period(value, kind)
    assert why in str(raised.value)


def _ecog(value: int, day: str, oid: str) -> Any:
    from fhir.resources.R4B.observation import Observation

    return as_json(Observation(id=oid, status="final", code={"coding": [{"system": LOINC, "code": "89247-1"}]},
                               subject={"reference": "Patient/p1"}, effectiveDateTime="2026-05-01",
                               valueInteger=value)) | {"effectiveDateTime": day}


def test_a_partial_date_that_may_fall_outside_the_window_leaves_the_input_open_and_says_why(tmp_path: Path) -> None:
    kb = demo_kb(tmp_path)  # ecog: the latest within 3 months of 2026-06-01 (from 2026-03-02 or so)
    inside = extract(kb, {"observation-89247-1": {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": _ecog(1, "2026-05", "may")}]}})
    assert inside.case["ecog"] == 1 and inside.unsure == {}  # all of May is within the window
    straddles = extract(kb, {"observation-89247-1": {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": _ecog(3, "2026-03", "march")}]}})
    assert "ecog" not in straddles.case and straddles.problems == []
    assert straddles.unsure["ecog"] == ("Observation/march, 2026-03 is dated 2026-03 only, which may or may not be "
                                        "within the last 3 months")
    order_open = extract(kb, {"observation-89247-1": {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": _ecog(1, "2026-05-10", "tenth")}, {"resource": _ecog(3, "2026-05", "may")}]}})
    assert order_open.unsure["ecog"] == "which record is the latest is not known: Observation/may, 2026-05 is dated " \
                                        "2026-05 only"


def test_a_date_time_is_read_on_the_day_written_and_a_bad_one_is_a_problem_at_its_place(tmp_path: Path) -> None:
    kb = demo_kb(tmp_path)
    late = extract(kb, {"observation-89247-1": {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": _ecog(2, "2026-05-31T23:30:00-05:00", "late")}]}})
    assert late.case["ecog"] == 2 and late.found["ecog"] == "Observation/late, 2026-05-31"
    bad = extract(kb, {"observation-89247-1": {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": _ecog(2, "2026-05-31T23:30", "bad")}]}})
    assert [(p.location, p.message[:62]) for p in bad.problems] == [(
        "prefetch.observation-89247-1.entry[0].resource.effectiveDateTime",
        "`2026-05-31T23:30` is not a FHIR dateTime: write YYYY, YYYY-MM")]
