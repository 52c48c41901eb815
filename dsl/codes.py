"""The catalogue of every diagnostic code: what it means, a source that triggers it, and its fix.

E0xx come from the parser (dsl/), E1xx and W1xx from the checker (compiler/). Every `wrong`
source yields exactly its code and every `right` source yields no diagnostic at all
(tests/test_codes.py holds both to that). `path` is where the example lives in a knowledge
base, and `others` are further files of that knowledge base that the example needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Literal["error", "warning"]
    title: str
    explanation: str
    wrong: str
    right: str
    path: str = "demo/codes/1.0.0.eligo"
    others: tuple[tuple[str, str], ...] = ()

    @property
    def stage(self) -> Literal["parse", "check", "sql", "verify"]:
        """Where the code is raised: parsing one file, checking a knowledge base, compiling to SQL, or
        verifying a guideline (`eligo verify`)."""
        if self.code.startswith("V"):
            return "verify"
        return "parse" if self.code.startswith("E0") else "sql" if self.code in SQL_CODES else "check"


SQL_CODES = frozenset({"E170"})


_H = "guideline demo.codes\n  version 1.0.0\n\n"
_LESIONS = "input liver_lesions: count from 0 to 100\n"
_DECISION = (
    "decision resection: candidate > not_candidate\n"
    "  rule few: when liver_lesions <= 5 then candidate\n"
    "  otherwise not_candidate\n"
)
_BASE = _H + _LESIONS + _DECISION
_SCORE = "kind risk: low | high\ninput score: count from 0 to 5\n"
_SCORE_TABLE = "table group by score -> risk\n  0 to 2:   low\n  3 to 5:   high\n"
_RISK_DECISION = ("decision treatment: intensive | standard\n  rule high: when group[score] = high then intensive\n"
                  "  otherwise standard\n")


def _core(version: str, extra: str = "") -> tuple[str, str]:
    """A used module `core.oligo` at `version`, with one input and one definition."""
    return (f"core/oligo/{version}.eligo",
            f"guideline core.oligo\n  version {version}\n\ninput organs: count from 0 to 10\n"
            f"define oligometastatic: organs <= 3\n{extra}"
            "decision spread: limited | wide\n  rule few: when oligometastatic then limited\n  otherwise wide\n")


_LISTS = (_H + "kind organ: liver | lung\nrecord lesion:\n  organ: organ\n  size: quantity in mm from 0 to 300\n"
          "  treatable: yes/no\ninput lesions: list of lesion\n")
_FEW = ("decision resection: candidate > not_candidate\n  rule few: when count(lesions) <= 5 then candidate\n"
        "  otherwise not_candidate\n")

_ADDED = ('property "Another lesion never makes a patient more of a candidate":\n'
          "  resection never increases as a lesion is added to lesions\n")
_LESION = "{organ liver, size 20 mm, treatable yes}"


def _list_example(lesions: int, outcome: str) -> str:
    given = ",\n        ".join([_LESION] * lesions)
    return f'example "{lesions} lesions":\n  given lesions [{given}]\n  expect resection = {outcome}\n'


_IMAGED = (
    "decision resection: candidate > not_candidate\n"
    "  rule imaged: when liver_lesions is known then candidate\n"
    "  otherwise not_candidate\n"
)
_USES_CORE = (
    "decision resection: candidate > not_candidate\n"
    "  rule few: when oligo.oligometastatic then candidate\n"
    "  otherwise not_candidate\n"
)



def _v_example(lesions: int, outcome: str = "not_candidate", extra: str = "") -> str:
    return (f'example "{lesions} lesions":\n  given {extra}liver_lesions {lesions}\n'
            f"  expect resection = {outcome}\n")


_V_EXAMPLE_2 = _v_example(2, "candidate")
_V_EXAMPLE_8 = _v_example(8, "discuss")
_V_EXAMPLES = _V_EXAMPLE_2 + _v_example(8)
_V_EXAMPLES_3 = _V_EXAMPLE_2 + _v_example(4, "discuss") + _v_example(8)
_V_EXAMPLES_9 = _V_EXAMPLE_2 + _v_example(9)
_THREE = "decision resection: candidate > discuss > not_candidate, first match\n"
_MONOTONE = ('property "More lesions never improve the recommendation":\n'
             "  resection never increases as liver_lesions increases\n")
_R0 = "input r0_feasible: yes/no\n"
_R0_EXAMPLES = _v_example(3, "not_candidate", "r0_feasible no, ") + _v_example(3, "candidate", "r0_feasible yes, ")
_IMPLIES = (_v_example(3, "candidate", "r0_feasible yes, ")
            + 'property "No R0, no resection":\n  when not r0_feasible then resection is not_candidate\n')
_SITES = "kind site: colorectal | pancreas\ninput primary_site: site\n"
_SITE_EXAMPLE = 'example "Pancreas":\n  given primary_site pancreas\n  expect resection = not_candidate\n'
_DATES = ("input resection_date: date\ninput salvage_surgery_date: date, optional\ninput last_follow_up: date\n")
_DFS = ('example "Alive at 12 months":\n  given resection_date 2024-01-10, last_follow_up 2025-01-10\n'
        "  expect disease_free_survival = 12 months\n"
        'property "Salvage surgery does not reset the clock":\n'
        "  disease_free_survival does not depend on salvage_surgery_date\n")
_MARGINS = ("kind margin: R0 | R1\nkind therapy: effective_therapy | limited_therapy\n"
            "kind consequence: achieved | mitigated | missed\ninput resection_margin: margin\n"
            "input chemotherapy: therapy\ntable consequence_of by margin, therapy -> consequence\n")
_MARGIN_USE = ("define margin_consequence: consequence_of[resection_margin, chemotherapy]\n"
               'example "R1 with effective therapy":\n  given resection_margin R1, chemotherapy effective_therapy\n'
               "  expect margin_consequence = mitigated\n")


def _entries() -> list[Code]:
    return [
        # ------------------------------------------------------------ limits
        Code("E001", "error", "the file is larger than 1 MB",
             "Eligo refuses to read a source file over one megabyte, before parsing it. A guideline that "
             "large is hard to review; split it into modules joined with `use`.",
             _BASE + "# " + "x" * 1_000_000 + "\n", _BASE),
        Code("E002", "error", "an expression is nested too deeply",
             "An expression may nest at most 64 levels (brackets, `not`, minus signs). Deeper nesting is "
             "almost always generated by mistake and is unreadable; name the parts with `define`.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when " + "not " * 70 + "liver_lesions <= 5 then candidate\n  otherwise not_candidate\n",
             _BASE),
        # ------------------------------------------------------------ layout and lexical
        Code("E010", "error", "the file ends in the middle of a construct",
             "The last line stops before the construct it starts is complete, for example when it ends "
             "with `\\`, which joins a line to the next one. Finish the construct or remove the `\\`.",
             _BASE + "input r0_achievable: yes/no \\\n", _BASE),
        Code("E011", "error", "a line is indented wrongly",
             "Indentation shows what belongs to what: the lines of a decision, table, example or "
             "property are indented under it, and other lines start at the left margin. Align the line "
             "with the lines it belongs with.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n   otherwise not_candidate\n",
             _BASE),
        Code("E012", "error", "a text has no closing quote",
             'Texts (titles, descriptions, `because` reasons) are written in double quotes and must end '
             'on the same line they start. Add the closing " .',
             _H + 'input liver_lesions: count from 0 to 100 "Liver metastases on CT\n' + _DECISION,
             _H + 'input liver_lesions: count from 0 to 100 "Liver metastases on CT"\n' + _DECISION),
        Code("E013", "error", "curly or single quotes around a text",
             'Word processors turn " into curly quotes “ ”, which Eligo does not accept. Texts use straight '
             "double quotes; edit the file in a plain-text editor.",
             _H + "input liver_lesions: count from 0 to 100 “Liver metastases”\n" + _DECISION,
             _H + 'input liver_lesions: count from 0 to 100 "Liver metastases"\n' + _DECISION),
        Code("E014", "error", "an unexpected word or symbol",
             "The parser met a word or symbol that cannot stand at this place, often a misspelt keyword. "
             "The message lists what may come here, and a hint names the closest keyword.",
             _H + "inptu liver_lesions: count from 0 to 100\n" + _DECISION, _BASE),
        Code("E015", "error", "`==` used to compare",
             "Eligo writes equality with a single `=`, as in `primary_site = colorectal`. Replace `==` with `=`.",
             _BASE + "input r0_achievable: yes/no\ndefine resectable: r0_achievable == yes\n"
             "decision surgery: operate | refer\n  rule r0: when resectable then operate\n  otherwise refer\n",
             _BASE + "input r0_achievable: yes/no\ndefine resectable: r0_achievable = yes\n"
             "decision surgery: operate | refer\n  rule r0: when resectable then operate\n  otherwise refer\n"),
        Code("E016", "error", "a rule has no `then`",
             "A rule reads `rule NAME: when CONDITION then OUTCOME`. Without `then`, Eligo cannot tell "
             "where the condition ends and which outcome the rule gives.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 candidate\n  otherwise not_candidate\n",
             _BASE),
        Code("E017", "error", "a rule has no `when`",
             "A rule's condition starts with `when`: `rule NAME: when CONDITION then OUTCOME`.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: liver_lesions <= 5 then candidate\n  otherwise not_candidate\n",
             _BASE),
        Code("E018", "error", "a rule has no name or no colon",
             "Every rule has a name, used in explanations and in `expect … by rule NAME`, followed by a "
             "colon: `rule few_lesions: when …`.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule: when liver_lesions <= 5 then candidate\n  otherwise not_candidate\n",
             _BASE),
        Code("E019", "error", "an input has no colon or no type",
             "An input declares a patient fact and its type: `input liver_lesions: count from 0 to 100`. "
             "The type (yes/no, count, number, percent, date, duration, quantity or a kind) follows the colon.",
             _H + "input liver_lesions count\n" + _DECISION, _BASE),
        Code("E020", "error", "a header line is given twice",
             "Each header detail (`version`, `title`, `status`, …) may appear once. Keep the right one.",
             "guideline demo.codes\n  version 1.0.0\n  version 1.1.0\n\n" + _LESIONS + _DECISION, _BASE),
        Code("E021", "error", "the guideline has no version",
             "Every guideline file states its version under the `guideline` line, such as `version 1.0.0`; "
             "cases and audits refer to guidelines by version.",
             'guideline demo.codes\n  title "Resection"\n\n' + _LESIONS + _DECISION,
             'guideline demo.codes\n  version 1.0.0\n  title "Resection"\n\n' + _LESIONS + _DECISION),
        Code("E022", "error", "a date that does not exist",
             "Dates are written YYYY-MM-DD and must exist in the calendar: 2025-02-30 does not. Check the "
             "day and the month.",
             "guideline demo.codes\n  version 1.0.0\n  status approved\n  effective 2025-02-30\n\n"
             + _LESIONS + _DECISION,
             "guideline demo.codes\n  version 1.0.0\n  status approved\n  effective 2025-02-28\n\n"
             + _LESIONS + _DECISION),
        Code("E023", "error", "an expectation compares with something other than `=`",
             "An example states the outcome it expects exactly: `expect resection = candidate`. Orderings "
             "such as `<` belong in conditions, not in expectations.",
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection > not_candidate\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        Code("E024", "error", "a keyword or mark is missing",
             "Something Eligo needs is missing at this place, most often the colon after a name "
             "(`define NAME: …`) or `->` in a table line. The message names what to add.",
             _BASE + "define few_lesions liver_lesions <= 5\n"
             "decision imaging: mri | ct\n  rule few: when few_lesions then mri\n  otherwise ct\n",
             _BASE + "define few_lesions: liver_lesions <= 5\n"
             "decision imaging: mri | ct\n  rule few: when few_lesions then mri\n  otherwise ct\n"),
        Code("E025", "error", "the header is not indented",
             "The details of a guideline (`version`, `title`, `status`, …) are indented under the "
             "`guideline` line so that Eligo knows they belong to it.",
             "guideline demo.codes\nversion 1.0.0\n\n" + _LESIONS + _DECISION, _BASE),
        Code("E026", "error", "a name is written in quotes",
             "Names of inputs, definitions, rules and references are plain words joined with `_`, such as "
             "`liver_lesions`; quoted text is for titles and descriptions.",
             _H + 'input "liver lesions": count from 0 to 100\n' + _DECISION, _BASE),
        Code("E027", "error", "a number with two decimal points",
             "A number has at most one decimal point, such as `5.5`. Something like `5.0.1` is usually a "
             "typing slip; versions such as 1.0.0 appear only in the header and in `use`.",
             _BASE + "input cea: number from 0 to 1000\ndefine high_cea: cea > 5.0.1\n"
             "decision marker: high | normal\n  rule raised: when high_cea then high\n  otherwise normal\n",
             _BASE + "input cea: number from 0 to 1000\ndefine high_cea: cea > 5.0\n"
             "decision marker: high | normal\n  rule raised: when high_cea then high\n  otherwise normal\n"),
        Code("E028", "error", "a decision has no outcomes",
             "A decision lists its possible outcomes after the colon, best first and separated by `>` "
             "(or by `|` when they have no order): `decision resection: candidate > not_candidate`.",
             _H + _LESIONS + "decision resection:\n  rule few: when liver_lesions <= 5 then candidate\n"
             "  otherwise not_candidate\n",
             _BASE),
        Code("E029", "error", "a table row has no value",
             "Each row of a table gives a key and then its value, such as `renal_cell   24 months`. Write "
             "`none` for a key with no value.",
             _H + "kind site: colorectal | renal_cell\ninput primary_site: site\n"
             "table interval by primary_site -> duration\n  colorectal 12 months\n  renal_cell\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n",
             _H + "kind site: colorectal | renal_cell\ninput primary_site: site\n"
             "table interval by primary_site -> duration\n  colorectal 12 months\n  renal_cell 24 months\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n"),
        Code("E030", "error", "a bracket is never closed",
             "Every `(`, `[` and `{` needs its closing partner. An open bracket joins the following "
             "lines to it, so the error is reported at the bracket itself.",
             _BASE + "input ca19_9_change: percent from -100 to 100, optional\n"
             "input ca125_change: percent from -100 to 100, optional\n"
             "define marker_fall: first known of (ca19_9_change, ca125_change <= -50%\n"
             "decision response: responding | not_responding\n"
             "  rule fall: when marker_fall then responding\n  otherwise not_responding\n",
             _BASE + "input ca19_9_change: percent from -100 to 100, optional\n"
             "input ca125_change: percent from -100 to 100, optional\n"
             "define marker_fall: first known of (ca19_9_change, ca125_change) <= -50%\n"
             "decision response: responding | not_responding\n"
             "  rule fall: when marker_fall then responding\n  otherwise not_responding\n"),
        Code("E031", "error", "a closing bracket without an opening one",
             "A `)`, `]` or `}` closes nothing: it is extra, or its opening partner is missing.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when (liver_lesions <= 5)) then candidate\n  otherwise not_candidate\n",
             _BASE),
        Code("E032", "error", "an operator from another language",
             "Eligo spells logic in words: `and`, `or`, `not`; and compares with `=`, `!=`, `<`, `<=`, `>`, "
             "`>=`. Symbols such as `&&`, `||`, `!` or `=>` come from programming languages.",
             _BASE + "input r0_achievable: yes/no\ndefine operable: r0_achievable && liver_lesions <= 5\n"
             "decision surgery: operate | refer\n  rule ok: when operable then operate\n  otherwise refer\n",
             _BASE + "input r0_achievable: yes/no\ndefine operable: r0_achievable and liver_lesions <= 5\n"
             "decision surgery: operate | refer\n  rule ok: when operable then operate\n  otherwise refer\n"),
        Code("E033", "error", "the file does not start with `guideline`",
             "An Eligo file starts with `guideline area.name`, followed by its indented header. Only "
             "comments and blank lines may come before it.",
             "input liver_lesions: count from 0 to 100\n" + _BASE, _BASE),
        Code("E034", "error", "a character Eligo does not use",
             "The character has no meaning in Eligo, such as a `;` at the end of a line or `//` for a "
             "comment (comments start with `#`). Remove it.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate;\n  otherwise not_candidate\n",
             _BASE),
        Code("E035", "error", "a version is not written MAJOR.MINOR.PATCH",
             "Versions have three numbers, such as 2.0.0: the first changes when recommendations change, the "
             "second for additions, the third for corrections.",
             "guideline demo.codes\n  version 1.0\n\n" + _LESIONS + _DECISION, _BASE),
        Code("E036", "error", "an unknown status",
             "A guideline's status is `draft` while it is written, `approved` once signed off, or "
             "`retired` when withdrawn.",
             "guideline demo.codes\n  version 1.0.0\n  status final\n\n" + _LESIONS + _DECISION,
             "guideline demo.codes\n  version 1.0.0\n  status draft\n\n" + _LESIONS + _DECISION),
        Code("E037", "error", "a date is not written YYYY-MM-DD",
             "Dates are written year-month-day with dashes, such as 2026-01-01, so that they read the same "
             "in every country.",
             "guideline demo.codes\n  version 1.0.0\n  status approved\n  effective 01/02/2026\n\n"
             + _LESIONS + _DECISION,
             "guideline demo.codes\n  version 1.0.0\n  status approved\n  effective 2026-02-01\n\n"
             + _LESIONS + _DECISION),
        Code("E038", "error", "the values after `given` are not separated by commas",
             "An example gives each input and its value, separated by commas: "
             "`given liver_lesions 2, r0_achievable yes`.",
             _BASE + "input r0_achievable: yes/no\ndefine resectable: r0_achievable\n"
             "decision surgery: operate | refer\n  rule ok: when resectable then operate\n  otherwise refer\n"
             'example "two lesions":\n  given liver_lesions 2 r0_achievable yes\n  expect resection = candidate\n',
             _BASE + "input r0_achievable: yes/no\ndefine resectable: r0_achievable\n"
             "decision surgery: operate | refer\n  rule ok: when resectable then operate\n  otherwise refer\n"
             'example "two lesions":\n  given liver_lesions 2, r0_achievable yes\n  expect resection = candidate\n'),
        Code("E039", "error", "`=` or `:` after an input in `given`",
             "After `given`, each input is followed directly by its value: `given liver_lesions 2`.",
             _BASE + 'example "two lesions":\n  given liver_lesions = 2\n  expect resection = candidate\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        Code("E040", "error", "a line outside the block it belongs to",
             "`rule` and `otherwise` lines belong indented under their decision, `given` and `expect` under "
             "their example, and `because` and `cite` under what they explain.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\notherwise not_candidate\n",
             _BASE),
        Code("E041", "error", "`between … to …` instead of `between … and …`",
             "A range test reads `x between LOW and HIGH`, both ends included. `from … to …` is only used "
             "for the declared range of an input.",
             _H + "input age: number from 0 to 120\n"
             "decision fitness: fit | unfit\n  rule adult: when age between 18 to 75 then fit\n  otherwise unfit\n",
             _H + "input age: number from 0 to 120\n"
             "decision fitness: fit | unfit\n  rule adult: when age between 18 and 75 then fit\n  otherwise unfit\n"),
        Code("E042", "error", "a set of values not written in braces",
             "A test for one of several values is written with curly braces: "
             "`primary_site in {colorectal, renal_cell}`.",
             _H + "kind site: colorectal | renal_cell | pancreas\ninput primary_site: site\n"
             "decision resection: candidate > not_candidate\n"
             "  rule site: when primary_site in (colorectal, renal_cell) then candidate\n  otherwise not_candidate\n",
             _H + "kind site: colorectal | renal_cell | pancreas\ninput primary_site: site\n"
             "decision resection: candidate > not_candidate\n"
             "  rule site: when primary_site in {colorectal, renal_cell} then candidate\n  otherwise not_candidate\n"),
        Code("E043", "error", "an example or property without a title and colon",
             'An example or property starts with a title in double quotes and a colon: `example "Two '
             'lesions":`, with its lines indented below.',
             _BASE + 'example "two lesions"\n  given liver_lesions 2\n  expect resection = candidate\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        Code("E044", "error", "`if` without `then` or `else`",
             "A choice between two values reads `if CONDITION then VALUE else VALUE`; both branches are "
             "needed so that the value is always defined.",
             _BASE + "input r0_achievable: yes/no\ndefine limit: if r0_achievable then 8\n"
             "decision extended: yes_extended | no_extended\n"
             "  rule many: when liver_lesions <= limit then yes_extended\n  otherwise no_extended\n",
             _BASE + "input r0_achievable: yes/no\ndefine limit: if r0_achievable then 8 else 5\n"
             "decision extended: yes_extended | no_extended\n"
             "  rule many: when liver_lesions <= limit then yes_extended\n  otherwise no_extended\n"),
        Code("E045", "error", "outcomes mix `>` and `|` out of order",
             "A decision's outcomes are ordered, best first with `>`, or unordered with `|`; a mixed scale "
             "lists its ordered part first and the outcomes beside the order after it (`group_I > group_II | "
             "not_staged`). Order matters for properties such as 'never decreases', which compare only the "
             "ordered part.",
             _H + _LESIONS + "decision resection: candidate | discuss > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise discuss\n",
             _H + _LESIONS + "decision resection: candidate > discuss > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise discuss\n"),
        Code("E046", "error", "`is` followed by something other than missing, known or none",
             "`is` tests whether a value is `missing`, `known` or `none`. Write `is known` rather than "
             "`is not missing`, and compare values with `=`.",
             _H + "input liver_lesions: count from 0 to 100, optional\n"
             "decision resection: candidate > not_candidate\n"
             "  rule imaged: when liver_lesions is not missing then candidate\n  otherwise not_candidate\n",
             _H + "input liver_lesions: count from 0 to 100, optional\n"
             "decision resection: candidate > not_candidate\n"
             "  rule imaged: when liver_lesions is known then candidate\n  otherwise not_candidate\n"),
        Code("E047", "error", "a line ending in `,`, `|`, `and` or `or` runs into the next",
             "A line that ends with `,`, `|`, `and` or `or` continues on the next line, so that long lists "
             "can wrap. A stray one at the end of a line swallows the following line.",
             _H + "input liver_lesions: count from 0 to 100,\n" + _DECISION, _BASE),
        Code("E048", "error", "the values of a kind separated by commas",
             "A kind lists its values separated by `|`: `kind site: colorectal | renal_cell`.",
             _H + "kind site: colorectal, renal_cell\ninput primary_site: site\n"
             "decision resection: candidate > not_candidate\n"
             "  rule site: when primary_site = colorectal then candidate\n  otherwise not_candidate\n",
             _H + "kind site: colorectal | renal_cell\ninput primary_site: site\n"
             "decision resection: candidate > not_candidate\n"
             "  rule site: when primary_site = colorectal then candidate\n  otherwise not_candidate\n"),
        Code("E049", "error", "a text without quotes",
             "Citations, reasons and titles are texts and need double quotes: "
             '`because "a longer interval suggests slower growth"`.',
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate because few lesions\n  otherwise not_candidate\n",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             '  rule few: when liver_lesions <= 5 then candidate because "few lesions"\n  otherwise not_candidate\n'),
        Code("E050", "error", "a name with a dash or a leading digit",
             "Names are made of letters, digits and `_`, and start with a letter: `ca19_9`, not `ca19-9`. "
             "A dash would read as a minus sign.",
             _BASE + "input ca19-9: quantity in U/mL from 0 to 100000\n",
             _BASE + "input ca19_9: quantity in U/mL from 0 to 100000\n"
             "decision marker: high | normal\n  rule raised: when ca19_9 > 37 U/mL then high\n  otherwise normal\n"),
        Code("E051", "error", "a decision, table, example or property with nothing under it",
             "A decision needs its rules, a table its rows, an example its `given` and `expect` lines, and a "
             "property its statement, indented under the line that opens it.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "define few: liver_lesions <= 5\n",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when few then candidate\n  otherwise not_candidate\ndefine few: liver_lesions <= 5\n"),
        Code("E052", "error", "a quantity input without its unit",
             "A measured quantity states its unit in its type, such as `quantity in U/mL`, so that "
             "thresholds and patient values are compared in the same unit.",
             _BASE + "input ca19_9: quantity from 0 to 100000\n",
             _BASE + "input ca19_9: quantity in U/mL from 0 to 100000\n"
             "decision marker: high | normal\n  rule raised: when ca19_9 > 37 U/mL then high\n  otherwise normal\n"),
        Code("E053", "error", "an input's range written with units",
             "The range of an input is written in plain numbers, `from 0 to 100`; the unit comes from the "
             "input's type.",
             _BASE + "input ca19_9_change: percent from -100% to 100%\n",
             _BASE + "input ca19_9_change: percent from -100 to 100\n"
             "decision response: responding | not_responding\n"
             "  rule fall: when ca19_9_change <= -50% then responding\n  otherwise not_responding\n"),
        Code("E054", "error", "an input after `given` without a value",
             "Each input named after `given` is followed by its value, or by `missing` for an unknown "
             "value: `given liver_lesions 2`.",
             _BASE + 'example "two lesions":\n  given liver_lesions\n  expect resection = candidate\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        Code("E055", "error", "a value after `given` without the input's name",
             "Each value after `given` follows the name of the input it belongs to: "
             "`given recurrence_detected 2025-07-10`.",
             _BASE + 'example "two lesions":\n  given 2\n  expect resection = candidate\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        # ------------------------------------------------------------ characters and literals
        Code("E060", "error", "a letter or digit that only looks like an ASCII one",
             "Names, numbers and versions are written in ASCII, so that two that look alike are alike: a "
             "version 1.0.0 written with a Cyrillic or full-width digit would be a second, different 1.0.0. "
             "Retype the character.",
             "guideline demo.codes\n  version 1.0.\uff10\n\n" + _LESIONS + _DECISION, _BASE),
        Code("E061", "error", "the file is not UTF-8 text",
             "Eligo reads source files as UTF-8. A byte that is not UTF-8 (from a Latin-1 or Windows-1252 "
             "editor, shown here as \ufffd) is refused where it occurs; save the file as UTF-8.",
             _BASE + "define caf\ufffd_visit: liver_lesions > 2\n", _BASE + "# reviewed at the Café Central\n"),
        Code("E062", "error", "a byte-order mark",
             "The file starts with (or contains) the invisible character U+FEFF, which some editors write at "
             "the start of a UTF-8 file. Save the file as UTF-8 without a byte-order mark.",
             "\ufeff" + _BASE, _BASE),
        Code("E064", "error", "a band ending in a bare number without `:` before the row's value",
             "In a table keyed by a number, a row's band is followed by its value; when the band ends in a "
             "bare number (`0 to 2`), a `:` comes between them, or the value's name would read as a unit. "
             "`eligo fmt` writes the colon in every banded row.",
             _H + "kind risk: low | high\ninput score: count from 0 to 5\ntable group by score -> risk\n"
             "  0 to 2 low\n  3 to 5 high\n",
             _H + _SCORE + _SCORE_TABLE + _RISK_DECISION),
        Code("E063", "error", "a number with more digits than Eligo computes with",
             "Guidelines are computed in double-precision numbers, in Python and in SQL alike. A number of "
             "10^15 or more, or with more than 15 significant digits, would not be the number written; "
             "write it with fewer digits.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5.0000000000000001 then candidate\n  otherwise not_candidate\n",
             _BASE),
        *_checker_entries(),
    ]


def _checker_entries() -> list[Code]:
    site = "kind site: colorectal | renal_cell | pancreas\ninput primary_site: site\n"
    return [
        Code("E100", "error", "a name that is not declared",
             "The expression refers to a name that is neither an input, a definition, a table nor a "
             "decision of this guideline. It is often a typing slip; the hint names the closest name.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule many: when liver_lesions > 10 then not_candidate\n"
             "  rule few: when liver_lesion <= 5 then candidate\n  otherwise not_candidate\n",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule many: when liver_lesions > 10 then not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise not_candidate\n"),
        Code("E101", "error", "a value that the kind does not have",
             "An input of a kind can only take the values listed in the kind. Check the spelling against "
             "the `kind` line; the hint names the closest value.",
             _H + site + "decision resection: candidate > not_candidate\n"
             "  rule site: when primary_site = colorectl then candidate\n  otherwise not_candidate\n",
             _H + site + "decision resection: candidate > not_candidate\n"
             "  rule site: when primary_site = colorectal then candidate\n  otherwise not_candidate\n"),
        Code("E102", "error", "a name declared twice",
             "Each input, definition, table, decision and kind has its own name within a guideline, so "
             "that every reference means one thing.",
             _BASE + "input liver_lesions: count from 0 to 50\n", _BASE),
        Code("E103", "error", "two rules of a decision share a name",
             "Rule names appear in explanations and in `expect … by rule`; within a decision each must be "
             "different.",
             _H + _LESIONS + "input r0_achievable: yes/no\ndecision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n"
             "  rule few: when r0_achievable then candidate\n  otherwise not_candidate\n",
             _H + _LESIONS + "input r0_achievable: yes/no\ndecision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n"
             "  rule clear_margin: when r0_achievable then candidate\n  otherwise not_candidate\n"),
        Code("E104", "error", "a unit Eligo does not know",
             "Units are named as UCUM names them: months, weeks, days, years, %, U/mL, kU/L, ng/mL, ug/L, "
             "mg/dL, g/dL, umol/L, mmol/L, mL/min/{1.73_m2}, 10*9/L, Gy, mm, cm, m2, kg (the language reference "
             "lists them all, with the common spellings accepted). The hint names the closest known unit.",
             _H + "input ca19_9: quantity in U/mL from 0 to 100000\n"
             "decision marker: high | normal\n  rule raised: when ca19_9 > 37 U/mm then high\n  otherwise normal\n",
             _H + "input ca19_9: quantity in U/mL from 0 to 100000\n"
             "decision marker: high | normal\n  rule raised: when ca19_9 > 37 U/mL then high\n  otherwise normal\n"),
        Code("E105", "error", "a number without its unit",
             "A duration, percentage or measured quantity is compared with a value in a unit: `12 months`, "
             "`50%`, `37 U/mL`. A bare number is ambiguous (12 days or 12 months?).",
             _H + "input treatment_completed: date\ninput recurrence_detected: date\n"
             "define interval: months between treatment_completed and recurrence_detected\n"
             "decision timing: late | early\n  rule long: when interval > 12 then late\n  otherwise early\n",
             _H + "input treatment_completed: date\ninput recurrence_detected: date\n"
             "define interval: months between treatment_completed and recurrence_detected\n"
             "decision timing: late | early\n  rule long: when interval > 12 months then late\n  otherwise early\n"),
        Code("E106", "error", "values of different types combined",
             "The expression compares or combines values that cannot go together, such as a date with a "
             "count. Compare like with like, or compute the interval with `months between`.",
             _H + "input treatment_completed: date\n"
             "decision timing: late | early\n  rule long: when treatment_completed > 12 then late\n"
             "  otherwise early\n",
             _H + "input treatment_completed: date\n"
             "decision timing: late | early\n  rule long: when treatment_completed > 2024-01-01 then late\n"
             "  otherwise early\n"),
        Code("E107", "error", "units that measure different things",
             "The two sides are measured in units of different dimensions, such as ng/mL and cm, so they "
             "cannot be compared; units convert only within a dimension (mg/dL and ng/mL do, mg/dL and "
             "umol/L do not without the molar mass). The hint lists the units of each side. Check the unit "
             "of the threshold.",
             _H + "input cea: quantity in ng/mL from 0 to 10000\n"
             "decision marker: high | normal\n  rule raised: when cea > 5 cm then high\n  otherwise normal\n",
             _H + "input cea: quantity in ng/mL from 0 to 10000\n"
             "decision marker: high | normal\n  rule raised: when cea > 5 ng/mL then high\n  otherwise normal\n"),
        Code("E108", "error", "a threshold outside the input's declared range",
             "The input is declared `from LOW to HIGH`, and a threshold outside that range makes the rule "
             "always or never apply, which is usually a slip (such as 500 for 50).",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 500 then candidate\n  otherwise not_candidate\n",
             _BASE),
        Code("E109", "error", "a table without a row for every value",
             "A table keyed by a kind needs a row for each value of the kind, or an `otherwise` row; "
             "otherwise some patients would get no value.",
             _H + site + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  renal_cell 24 months\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n",
             _H + site + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  renal_cell 24 months\n  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n"),
        Code("E110", "error", "two table rows with the same key",
             "Each key may appear in one row only; with two rows, the table would give two values for the "
             "same patient.",
             _H + site + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  colorectal 24 months\n  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n",
             _H + site + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  renal_cell 24 months\n  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n"),
        Code("E111", "error", "a table row with the wrong number of keys",
             "A table `by a, b` has two keys in every row (use `any` for either); a row with more or fewer "
             "keys cannot be matched.",
             _H + site + "kind margin: R0 | R1 | R2\ninput margin_status: margin\n"
             "table risk by primary_site, margin_status -> count\n  colorectal, R0 1\n  renal_cell 2\n"
             "  otherwise 3\n"
             "decision follow_up: intensive | routine\n"
             "  rule high: when risk[primary_site, margin_status] > 1 then intensive\n  otherwise routine\n",
             _H + site + "kind margin: R0 | R1 | R2\ninput margin_status: margin\n"
             "table risk by primary_site, margin_status -> count\n  colorectal, R0 1\n  renal_cell, any 2\n"
             "  otherwise 3\n"
             "decision follow_up: intensive | routine\n"
             "  rule high: when risk[primary_site, margin_status] > 1 then intensive\n  otherwise routine\n"),
        Code("E112", "error", "a table value of the wrong type",
             "A table declares the type of its values after `->`; each row must give a value of that "
             "type, such as a duration with its unit.",
             _H + site + "table interval by primary_site -> duration\n  colorectal yes\n"
             "  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n",
             _H + site + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  otherwise late\n"),
        Code("E113", "error", "an outcome the decision does not declare",
             "A rule or `otherwise` may only give one of the outcomes listed on the decision line. Add the "
             "outcome there, or correct its spelling.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidat\n  otherwise not_candidate\n",
             _BASE),
        Code("E114", "error", "rules of a `unique` decision can both apply",
             "In a `unique` decision at most one rule may apply to any patient. Two rules test the same "
             "input against overlapping values, so a patient could match both.",
             _H + site + "decision resection: candidate | not_candidate, unique\n"
             "  rule crc: when primary_site = colorectal then candidate\n"
             "  rule crc_again: when primary_site in {colorectal, pancreas} then not_candidate\n"
             "  otherwise not_candidate\n",
             _H + site + "decision resection: candidate | not_candidate, unique\n"
             "  rule crc: when primary_site = colorectal then candidate\n"
             "  rule others: when primary_site in {renal_cell, pancreas} then not_candidate\n"
             "  otherwise not_candidate\n"),
        Code("E115", "error", "an example gives an input that does not exist",
             "Every name after `given` must be an input of the guideline (or of a module it uses).",
             _BASE + 'example "two lesions":\n  given liver_lesion 2\n  expect resection = candidate\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        Code("E116", "error", "an example gives an impossible value",
             "The value given in an example does not fit the input: wrong type, outside the declared range, "
             "or not a value of the kind.",
             _BASE + 'example "too many lesions":\n  given liver_lesions 250\n  expect resection = not_candidate\n',
             _BASE + 'example "many lesions":\n  given liver_lesions 25\n  expect resection = not_candidate\n'),
        Code("E117", "error", "an example expects something that does not exist",
             "An `expect` line names a decision or definition of the guideline and one of its outcomes "
             "(and, with `by rule`, one of its rules).",
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = resectable\n',
             _BASE + 'example "two lesions":\n  given liver_lesions 2\n  expect resection = candidate\n'),
        Code("E118", "error", "an approved guideline without an effective date",
             "An approved guideline states from when it applies with `effective YYYY-MM-DD`, so that a "
             "case can be evaluated by the version in force on its date.",
             "guideline demo.codes\n  version 1.0.0\n  status approved\n\n" + _LESIONS + _DECISION,
             "guideline demo.codes\n  version 1.0.0\n  status approved\n  effective 2026-01-01\n\n"
             + _LESIONS + _DECISION),
        Code("E119", "error", "a citation of an undeclared reference",
             "`cite KEY` refers to a `reference KEY \"…\"` line of the guideline. Declare the reference, or "
             "correct the key.",
             _H + 'reference fong1999 "Fong Y, et al. Ann Surg 1999;230:309-18"\n' + _LESIONS
             + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate cite fong1998\n"
             "  otherwise not_candidate cite fong1999\n",
             _H + 'reference fong1999 "Fong Y, et al. Ann Surg 1999;230:309-18"\n' + _LESIONS
             + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate cite fong1999\n"
             "  otherwise not_candidate cite fong1999\n"),
        Code("E120", "error", "`use` of a module that does not exist",
             "No file in the knowledge base declares the module named after `use`. Check the module's name "
             "(`area.name`).",
             _H + "use core.oligometastatic ^1.0 as oligo\n" + _USES_CORE,
             _H + "use core.oligo ^1.0 as oligo\n" + _USES_CORE, others=(_core("1.0.0"),)),
        Code("E121", "error", "no version satisfies the constraint",
             "The module exists, but none of its versions matches the constraint after its name, such as "
             "`^2.0` when only 1.x versions exist.",
             _H + "use core.oligo ^2.0 as oligo\n" + _USES_CORE,
             _H + "use core.oligo ^1.0 as oligo\n" + _USES_CORE, others=(_core("1.0.0"),)),
        Code("E122", "error", "modules that use each other in a cycle",
             "Module A uses B and B uses A, directly, through others, or A uses itself. Move what both need "
             "into a third module that both use.",
             _H + "use demo.codes ^1.0 as again\n" + _LESIONS + _DECISION, _BASE),
        Code("E123", "error", "conflicting version constraints on one module",
             "Two modules in the same guideline ask for versions of one module that no single version "
             "satisfies. Align the constraints.",
             _H + "use core.oligo ^1.0 as oligo\nuse core.staging ^1.0 as staging\n" + _USES_CORE
             + "decision stage: early | late\n  rule low: when staging.low then early\n  otherwise late\n",
             _H + "use core.oligo ^2.0 as oligo\nuse core.staging ^1.0 as staging\n" + _USES_CORE
             + "decision stage: early | late\n  rule low: when staging.low then early\n  otherwise late\n",
             others=(_core("1.0.0"), _core("2.0.0"),
                     ("core/staging/1.0.0.eligo",
                      "guideline core.staging\n  version 1.0.0\n\nuse core.oligo ^2.0 as oligo\n"
                      "define low: oligo.oligometastatic\n"))),
        Code("E124", "error", "the file's place does not match its header",
             "A guideline lives at knowledge/<area>/<name>/<version>.eligo, matching its `guideline` and "
             "`version` lines, so that every version is found where it is expected.",
             "guideline demo.codes\n  version 1.1.0\n\n" + _LESIONS + _DECISION, _BASE),
        Code("E125", "error", "definitions that depend on each other in a cycle",
             "A definition uses another that, directly or through others, uses the first; neither can be "
             "computed. One of them must be computed from inputs alone.",
             _H + _LESIONS + "define few: liver_lesions <= 5 and not many\ndefine many: not few\n"
             "decision resection: candidate > not_candidate\n  rule small: when few then candidate\n"
             "  otherwise not_candidate\n",
             _H + _LESIONS + "define few: liver_lesions <= 5\ndefine many: not few\n"
             "decision resection: candidate > not_candidate\n  rule small: when few and not many then candidate\n"
             "  otherwise not_candidate\n"),
        Code("E126", "error", "a rule's condition is not yes/no",
             "The condition after `when` must be true or false, such as `liver_lesions <= 5`; a bare count "
             "or date is not a condition.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions then candidate\n  otherwise not_candidate\n",
             _BASE),
        Code("E127", "error", "a range whose low end is above its high end",
             "An input's range reads `from LOW to HIGH` with LOW not above HIGH.",
             _H + "input liver_lesions: count from 100 to 0, optional\n" + _IMAGED,
             _H + "input liver_lesions: count from 0 to 100, optional\n" + _IMAGED),
        Code("E128", "error", "one input declared with different types",
             "Inputs are patient facts shared by name across modules; two modules must agree on the type "
             "of an input with the same name.",
             _H + "use core.oligo ^1.0 as oligo\ninput organs: yes/no\n" + _USES_CORE
             + "decision spread: limited | wide\n  rule one: when organs then limited\n  otherwise wide\n",
             _H + "use core.oligo ^1.0 as oligo\ninput organs: count from 0 to 10\n" + _USES_CORE
             + "decision spread: limited | wide\n  rule one: when organs <= 1 then limited\n  otherwise wide\n",
             others=(_core("1.0.0"),)),
        Code("E129", "error", "an input of a kind that is not declared",
             "An input's type is one of yes/no, count, number, percent, date, duration, quantity, or the name "
             "of a `kind`. A misspelt type reads as an unknown kind.",
             _H + "input treatment_completed: datetime\ninput recurrence_detected: date\n"
             "define interval: months between treatment_completed and recurrence_detected\n"
             "decision timing: late | early\n  rule long: when interval > 12 months then late\n  otherwise early\n",
             _H + "input treatment_completed: date\ninput recurrence_detected: date\n"
             "define interval: months between treatment_completed and recurrence_detected\n"
             "decision timing: late | early\n  rule long: when interval > 12 months then late\n  otherwise early\n"),
        Code("E130", "error", "a table looked up with the wrong keys",
             "A table is looked up with as many keys as it is keyed `by`, each of the right type: "
             "`interval[primary_site]`.",
             _H + site + _LESIONS + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[liver_lesions] < 18 months then early\n"
             "  rule crc: when primary_site = colorectal then late\n  otherwise late\n",
             _H + site + _LESIONS + "table interval by primary_site -> duration\n  colorectal 12 months\n"
             "  otherwise none\n"
             "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
             "  rule crc: when liver_lesions > 3 then late\n  otherwise late\n"),
        Code("E131", "error", "a property about something that does not exist, or has no order",
             "A property names a decision or definition and, for 'never decreases', one with ordered "
             "outcomes (`best > … > worst`). Check the names and the decision's order.",
             _H + _LESIONS + "decision resection: candidate | not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise not_candidate\n"
             'property "more lesions never help":\n  resection never increases as liver_lesions increases\n',
             _BASE + 'property "more lesions never help":\n  resection never increases as liver_lesions increases\n'),
        Code("E133", "error", "an element added to something that is not a list, or to a decision with no order",
             "`D never increases as a lesion is added to lesions` needs a list input (`input lesions: list of "
             "lesion`), the noun of its record (or `element`), and a decision with ordered outcomes (`best > … > "
             "worst`) or a yes/no or numeric definition.",
             _LISTS + _FEW.replace("candidate > not_candidate", "candidate | not_candidate") + _ADDED,
             _LISTS + _FEW + _ADDED),
        Code("E132", "error", "two files declare the same guideline version",
             "Each version of a guideline lives in exactly one file. When a guideline changes, give the new "
             "file a new version.",
             _BASE, _BASE.replace("version 1.0.0", "version 1.0.1"), path="demo/codes/1.0.1.eligo",
             others=(("demo/codes/1.0.0.eligo", _BASE),)),
        Code("E140", "error", "a table row's band that does not fit its key",
             "A table keyed by a number, count, percentage, duration or quantity has bands as row keys "
             "(`0 to 2`, `12 months to under 36 months`, `over 12 months to 24 months`, `under 12 months`, "
             "`3 months or less`, `36 months or more`, `over 50%`, or one value); their bounds are of the key's "
             "type, in its units, lowest first. A key that is a "
             "kind or yes/no takes values, not bands.",
             _H + _SCORE + "table group by score -> risk\n  0 to 2:   low\n  3 to 5 months: high\n" + _RISK_DECISION,
             _H + _SCORE + _SCORE_TABLE + _RISK_DECISION),
        Code("E141", "error", "bands of a table that overlap",
             "Each value of a banded key falls in one band of a row's other keys: `0 to 2` and `2 to 5` both "
             "hold 2. End a band with `to under` where the next begins, or start the next one higher.",
             _H + _SCORE + "table group by score -> risk\n  0 to 2:   low\n  2 to 5:   high\n" + _RISK_DECISION,
             _H + _SCORE + _SCORE_TABLE + _RISK_DECISION),
        Code("E142", "error", "an open question without the committee's reason",
             "`then open` declares that the guideline deliberately does not settle a case, even with every "
             "input known; a patient there gets the status `open` and the reason, so the rule says why with "
             "`because \"…\"`.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule many: when liver_lesions > 20 then open\n  rule few: when liver_lesions <= 5 then candidate\n"
             "  otherwise not_candidate\n",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule many: when liver_lesions > 20 then open\n    because \"The seed does not address more than 20.\"\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise not_candidate\n"),
        Code("E143", "error", "an open question in a decision that is not first match",
             "An open question is a rule of a first-match decision: the rules before it settle the cases they "
             "cover, and the open question applies to the rest of its condition. Write the decision with "
             "`first match`.",
             _H + _LESIONS + "decision resection: candidate | not_candidate, unique\n"
             "  rule many: when liver_lesions > 20 then open because \"Not addressed.\"\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise not_candidate\n",
             _H + _LESIONS + "decision resection: candidate | not_candidate, first match\n"
             "  rule many: when liver_lesions > 20 then open because \"Not addressed.\"\n"
             "  rule few: when liver_lesions <= 5 then candidate\n  otherwise not_candidate\n"),
        Code("E170", "error", "a SQL dialect cannot express a construct of the guideline",
             "Raised when a guideline is compiled to SQL for a database whose dialect lacks a construct it "
             "uses, for example date arithmetic. The guideline itself is valid: evaluate it in Python or "
             "with DuckDB, or give the computed value as an input.",
             _H + "input treatment_completed: date\ninput recurrence_detected: date\n"
             "define interval: months between treatment_completed and recurrence_detected\n"
             "decision timing: late | early\n  rule long: when interval > 12 months then late\n  otherwise early\n",
             _H + "input interval: duration in months from 0 to 600\n"
             "decision timing: late | early\n  rule long: when interval > 12 months then late\n  otherwise early\n"),
        Code("E070", "error", "a record field that is itself a list",
             "Each field of a `record` holds one value for each element (`size: quantity in mm`); a list inside a "
             "list is not part of the language. Give the inner list as an input of its own, or the one value "
             "the guideline needs (a count, a yes/no).",
             _LISTS.replace("  treatable: yes/no\n", "  treatable: yes/no\n  satellites: list of lesion\n") + _FEW,
             _LISTS.replace("  treatable: yes/no\n", "  treatable: yes/no\n  satellites: count\n") + _FEW),
        Code("E071", "error", "a list operation written in the wrong form",
             "`count(L)`, `any(L)` count or test the elements of a list (with `where` to filter them); `all(L have "
             "C)` needs what every element must have; `largest`, `smallest`, `sum` and `distinct` are taken over "
             "a field: `largest(size of L)`, `distinct(organ of L)`.",
             _LISTS + _FEW.replace("count(lesions) <= 5", "count(lesions) <= 5 and all(lesions where treatable)"),
             _LISTS + _FEW.replace("count(lesions) <= 5", "count(lesions) <= 5 and all(lesions have treatable)")),
        Code("E192", "error", "a list operation over something that is not a list",
             "A list operation is taken over an input declared `list of RECORD`, and the record must be declared "
             "with `record NAME:` and one indented line per field.",
             _LISTS.replace("list of lesion", "list of lesions") + _FEW,
             _LISTS + _FEW),
        Code("E193", "error", "a list operation inside another's condition",
             "The `where` and `have` of a list operation look at one element at a time; a list operation inside "
             "them is not part of the language. Combine the conditions in one `where`, or define the inner "
             "value on its own.",
             _LISTS + _FEW.replace("count(lesions) <= 5", "count(lesions where count(lesions) > 2) <= 5"),
             _LISTS + _FEW.replace("count(lesions) <= 5", "count(lesions where size > 2 cm) <= 5")),
        Code("E194", "error", "a field a record does not have, or of the wrong type for the operation",
             "`largest`, `smallest` and `sum` are taken over a field of the record; `sum` adds numbers or "
             "quantities, `largest` and `smallest` also take dates; count the values of a kind with `distinct`.",
             _LISTS + _FEW.replace("count(lesions) <= 5", "largest(organ of lesions) = liver"),
             _LISTS + _FEW.replace("count(lesions) <= 5", "distinct(organ of lesions) <= 2")),
        Code("E195", "error", "a list of records used as a single value",
             "A list input is read through a list operation: `count(L)`, `any(L where C)`, `all(L have C)`, "
             "`largest(FIELD of L)`, `sum`, `smallest`, `distinct`. Compared, added or defined as it is, it has "
             "no single value.",
             _LISTS + _FEW.replace("count(lesions) <= 5", "lesions <= 5"),
             _LISTS + _FEW),
        Code("W150", "warning", "an input that nothing uses",
             "The input is declared but no definition, table or decision of its module, or of a module "
             "using it, reads it, so asking for it burdens data collection for nothing (another guideline "
             "declaring an input of the same name does not count). Use it or remove it; an input recorded "
             "on purpose but not a criterion is kept without a warning by a property saying so: "
             "`DECISION does not depend on NAME`.",
             _BASE + "input r0_achievable: yes/no\n",
             _BASE + "input ecog: count from 0 to 5\n"
             'property "ECOG is recorded, not a criterion":\n  resection does not depend on ecog\n'),
        Code("W155", "warning", "a unit written in another spelling than its canonical one",
             "Eligo accepts common spellings of a unit (`ng/ml`, `µg/L`, `mg/dl`) and reads them as the unit "
             "UCUM names (`ng/mL`, `ug/L`, `mg/dL`); the source should use one spelling per unit, so that "
             "searching and reviewing find every threshold. Singular durations (`1 year`) are not flagged.",
             _H + "input cea: quantity in ng/mL from 0 to 10000\n"
             "decision marker: high | normal\n  rule raised: when cea > 5 ng/ml then high\n  otherwise normal\n",
             _H + "input cea: quantity in ng/mL from 0 to 10000\n"
             "decision marker: high | normal\n  rule raised: when cea > 5 ng/mL then high\n  otherwise normal\n"),
        Code("W151", "warning", "a definition or table that nothing uses",
             "The definition or table is never referred to, so it has no effect on any decision. Use it or "
             "remove it.",
             _BASE + "define many: liver_lesions > 5\n", _BASE),
        Code("W153", "warning", "a reference that is never cited",
             "The reference is declared but no rule, row or definition cites it. Cite it where it "
             "supports the guideline, or remove it.",
             _H + 'reference fong1999 "Fong Y, et al. Ann Surg 1999;230:309-18"\n' + _BASE[len(_H):],
             _H + 'reference fong1999 "Fong Y, et al. Ann Surg 1999;230:309-18"\n' + _LESIONS
             + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate cite fong1999\n  otherwise not_candidate\n"),
        Code("W154", "warning", "a decision without `otherwise`",
             "When no rule applies to a patient and there is no `otherwise`, the decision gives no outcome "
             "(a gap in the guideline). Add `otherwise OUTCOME` to say what happens then.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n",
             _BASE),
        # ------------------------------------------------------------ verify (eligo verify)
        Code("V201", "error", "a gap: a patient no rule covers",
             "Some patient matches no rule of a decision that has no `otherwise`, so the guideline gives them no "
             "outcome. `eligo verify` shows such a patient; cover them with a rule or an `otherwise`.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n" + _V_EXAMPLES,
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n  otherwise not_candidate\n" + _V_EXAMPLES),
        Code("V202", "error", "two rules of a unique decision apply to one patient",
             "Under the unique hit policy at most one rule may apply to a patient, but `eligo verify` found a "
             "patient two rules both fit (`between` includes its ends). Make the conditions exclusive, or use "
             "`first match` if the order should decide.",
             _H + _LESIONS + "decision resection: candidate > discuss > not_candidate, unique\n"
             "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule some: when liver_lesions between 3 and 5 then discuss\n  otherwise not_candidate\n"
             + _V_EXAMPLES_3,
             _H + _LESIONS + "decision resection: candidate > discuss > not_candidate, unique\n"
             "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule some: when liver_lesions between 4 and 5 then discuss\n  otherwise not_candidate\n"
             + _V_EXAMPLES_3),
        Code("V203", "error", "a rule no patient satisfies",
             "No patient can satisfy the rule's condition (here no count is both above 8 and below 6), so the rule "
             "never applies. Correct the condition or remove the rule.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n"
             "  rule many: when liver_lesions > 8 and liver_lesions < 6 then not_candidate\n"
             "  otherwise not_candidate\n" + _V_EXAMPLES,
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n"
             "  rule many: when liver_lesions > 8 then not_candidate\n"
             "  otherwise not_candidate\n" + _V_EXAMPLES_9),
        Code("V204", "error", "a rule that earlier rules always pre-empt",
             "Under first match, every patient the rule applies to is already decided by a rule listed before it, "
             "so it never decides anything. Move it above them, narrow the earlier rules, or remove it.",
             _H + _LESIONS + "decision resection: candidate > discuss > not_candidate, first match\n"
             "  rule many: when liver_lesions > 5 then discuss\n"
             "  rule very_many: when liver_lesions > 10 then not_candidate\n  otherwise candidate\n"
             + _V_EXAMPLE_2 + _V_EXAMPLE_8,
             _H + _LESIONS + "decision resection: candidate > discuss > not_candidate, first match\n"
             "  rule very_many: when liver_lesions > 10 then not_candidate\n"
             "  rule many: when liver_lesions > 5 then discuss\n  otherwise candidate\n"
             + _V_EXAMPLE_2 + _V_EXAMPLE_8 + _v_example(12)),
        Code("V208", "error", "an unknown outcome that no missing data could change",
             "The decision is unknown for want of some inputs, yet every value they could take gives the same "
             "outcome: the guideline asks for data it does not need. Eligo decides such cases itself where the "
             "missing inputs are compared with constants, directly or through arithmetic with other inputs the "
             "case holds; here the count is multiplied by itself, which completions by classes cannot undo, so "
             "the three-valued answer stands (marked inexact), yet a square is never negative and the test "
             "decides nothing.",
             _H + _LESIONS + _R0 + "decision resection: candidate > not_candidate\n"
             "  rule not_resectable: when not r0_feasible and liver_lesions * liver_lesions >= 0 then "
             "not_candidate\n"
             "  otherwise candidate\n" + _R0_EXAMPLES,
             _H + _LESIONS + _R0 + "decision resection: candidate > not_candidate\n"
             "  rule not_resectable: when not r0_feasible then not_candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n  otherwise candidate\n" + _R0_EXAMPLES
             + _v_example(8, "not_candidate", "r0_feasible yes, ")),
        Code("V209", "error", "a `never decreases as` property fails",
             "Two patients who differ only in the named input (or the inputs of the named definition) move the "
             "outcome the way the property forbids. `eligo verify` shows both patients; correct the rules or the "
             "property.",
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule some: when liver_lesions <= 5 then not_candidate\n  otherwise discuss\n"
             + _V_EXAMPLE_2 + _v_example(4) + _V_EXAMPLE_8 + _MONOTONE,
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule some: when liver_lesions <= 5 then discuss\n  otherwise not_candidate\n"
             + _V_EXAMPLE_2 + _v_example(4, "discuss") + _v_example(8) + _MONOTONE),
        Code("V217", "error", "an `as a lesion is added to` property fails",
             "Some patient's outcome moves the way the property forbids when one element is added to the list, "
             "here because `>=` was written for `<=`. `eligo verify` shows the patient, the element added and both "
             "outcomes; correct the rules or the property.",
             _LISTS + _FEW.replace("<= 5", ">= 5") + _list_example(4, "not_candidate") + _list_example(6, "candidate")
             + _ADDED,
             _LISTS + _FEW + _list_example(4, "candidate") + _list_example(6, "not_candidate") + _ADDED),
        Code("V210", "error", "a `does not depend on` property fails",
             "Changing only the named inputs changes the target, here because the survival clock stops at a "
             "salvage operation (immortal time bias). `eligo verify` shows both patients.",
             _H + _DATES + "define disease_free_survival: months between resection_date and\n"
             "    first known of (salvage_surgery_date, last_follow_up)\n" + _DFS,
             _H + _DATES + "define disease_free_survival: months between resection_date and last_follow_up\n"
             "define months_to_salvage: months between resection_date and salvage_surgery_date\n"
             'example "Salvage at 6 months":\n  given resection_date 2024-01-10, salvage_surgery_date 2024-07-10, '
             "last_follow_up 2025-01-10\n  expect months_to_salvage = 6 months\n" + _DFS),
        Code("V211", "error", "a `when … then` property fails",
             "A patient meets the property's condition but the decision gives another outcome. `eligo verify` "
             "shows the patient and the rules that decided.",
             _H + _LESIONS + _R0 + "decision resection: candidate > discuss > not_candidate\n"
             "  rule resectable: when r0_feasible and liver_lesions <= 5 then candidate\n"
             "  otherwise discuss\n" + _IMPLIES,
             _H + _LESIONS + _R0 + "decision resection: candidate > discuss > not_candidate\n"
             "  rule not_resectable: when not r0_feasible then not_candidate\n"
             "  rule resectable: when liver_lesions <= 5 then candidate\n  otherwise discuss\n"
             + _v_example(4, "not_candidate", "r0_feasible no, ") + _IMPLIES),
        Code("V212", "error", "a rule no example reaches",
             "No `example` of the guideline is decided by this rule, so nothing shows the committee what it does. "
             "Add an example whose patient it decides; `eligo verify` suggests one.",
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n  otherwise discuss\n" + _V_EXAMPLE_2,
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n  otherwise discuss\n" + _V_EXAMPLE_2
             + _v_example(8, "not_candidate")),
        Code("V213", "error", "a table row earlier rows always match first",
             "Tables use the first row that matches, and the rows above this one match every key it covers, so "
             "it is never used. Remove it or move it above them.",
             _H + _MARGINS + "  R0, any                  achieved\n  any, effective_therapy   mitigated\n"
             "  R0, effective_therapy    mitigated\n  otherwise                missed\n" + _MARGIN_USE,
             _H + _MARGINS + "  R0, any                  achieved\n  any, effective_therapy   mitigated\n"
             "  otherwise                missed\n" + _MARGIN_USE),
        Code("V214", "error", "a property whose condition does not check",
             "The `when` condition of a property has an error (a name, a type or a unit), so the property cannot "
             "be checked. Correct the condition.",
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 5 then candidate\n"
             "  otherwise not_candidate\n" + _V_EXAMPLE_2
             + 'property "Many lesions exclude resection":\n  when liver_lesions > 5 months then resection is '
             "not_candidate\n",
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 5 then candidate\n"
             "  otherwise not_candidate\n" + _V_EXAMPLE_2
             + 'property "Many lesions exclude resection":\n  when liver_lesions > 5 then resection is '
             "not_candidate\n"),
        Code("V215", "warning", "an `otherwise` that is never used",
             "The rules already cover every patient, so the `otherwise` line never decides anything. Remove it, "
             "or keep it knowingly as a safety net.",
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 5 then candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n  otherwise not_candidate\n" + _V_EXAMPLES,
             _H + _LESIONS + "decision resection: candidate > not_candidate\n"
             "  rule few: when liver_lesions <= 3 then candidate\n"
             "  rule many: when liver_lesions > 5 then not_candidate\n  otherwise not_candidate\n" + _V_EXAMPLES),
        Code("V216", "warning", "a property never put to the test",
             "Among the generated patients none met the property's condition (or none gave comparable outcomes), "
             "so it was not tested at all; here no count is above 5 and below 3. Check that it says what you mean.",
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 5 then candidate\n"
             "  otherwise not_candidate\n" + _V_EXAMPLE_2 + _V_EXAMPLE_8.replace("discuss", "not_candidate")
             + 'property "Many lesions exclude resection":\n  when liver_lesions > 5 and liver_lesions < 3 then '
             "resection is not_candidate\n",
             _H + _LESIONS + _THREE + "  rule few: when liver_lesions <= 5 then candidate\n"
             "  otherwise not_candidate\n" + _V_EXAMPLE_2 + _V_EXAMPLE_8.replace("discuss", "not_candidate")
             + 'property "Many lesions exclude resection":\n  when liver_lesions > 5 then resection is '
             "not_candidate\n"),
    ]


CATALOGUE: dict[str, Code] = {entry.code: entry for entry in _entries()}


# ------------------------------------------------------------ FHIR bindings (E2xx): the companion <version>.fhir.yaml
# Their examples are bindings files (`path`) for the guideline in `others`; tests/test_codes.py writes both to disk.
_FHIR_GUIDELINE = (_H + "input liver_lesions: count from 0 to 100\ninput ca19_9: quantity in U/mL\n"
                   "input r0_feasible: yes/no\n"
                   "decision resection: candidate > not_candidate\n"
                   "  rule favourable: when liver_lesions <= 5 and ca19_9 < 1000 U/mL and r0_feasible then candidate\n"
                   "  otherwise not_candidate\n")
_FHIR = (
    "guideline: demo.codes\nversion: 1.0.0\n"
    "events:\n  diagnosis: {resource: Condition, code: [http://snomed.info/sct|363346000], select: earliest}\n"
    "inputs:\n"
    "  liver_lesions: {resource: Condition, code: [http://snomed.info/sct|94381002], value: count}\n"
    "  ca19_9: {resource: Observation, code: [http://loinc.org|24108-3], value: valueQuantity, units: [U/mL],\n"
    "           after: diagnosis}\n"
    "  r0_feasible:\n    resource: Observation\n    code: [http://example.org/margins|assessment]\n"
    "    value: valueCodeableConcept\n    map: {http://example.org/margins|r0: true, http://example.org/margins|r1: false}\n"
)
_ORDERS = "orders:\n  resection: {resource: ServiceRequest, code: [http://snomed.info/sct|387713003]}\n"


def _fhir(code: str, title: str, explanation: str, wrong: str, right: str = _FHIR,
          path: str = "demo/codes/1.0.0.fhir.yaml") -> Code:
    return Code(code, "error", title, explanation, wrong, right, path, (("demo/codes/1.0.0.eligo", _FHIR_GUIDELINE),))


_FHIR_LIST_GUIDELINE = (_H + "kind organ: liver | lung\nrecord lesion:\n  organ: organ\n  treatable: yes/no, optional\n"
                        "input lesions: list of lesion\n"
                        "decision resection: candidate > not_candidate\n"
                        "  rule few: when count(lesions) <= 5 and all(lesions have treatable) then candidate\n"
                        "  otherwise not_candidate\n")
_FHIR_LIST = (
    "guideline: demo.codes\nversion: 1.0.0\ninputs:\n  lesions:\n    resource: BodyStructure\n"
    "    code: [http://terminology.hl7.org/CodeSystem/icd-o-3|8000/6]\n"
    "    each:\n"
    "      organ: {value: location, map: {http://snomed.info/sct|10200004: liver, http://snomed.info/sct|39607008: lung}}\n"
    "      treatable: {extension: http://example.org/fhir/StructureDefinition/locally-treatable, value: valueBoolean}\n"
)


def _fhir_list(code: str, title: str, explanation: str, wrong: str) -> Code:
    """A bindings example for a guideline with a list input (`lesions: list of lesion`)."""
    return Code(code, "error", title, explanation, wrong, _FHIR_LIST, "demo/codes/1.0.0.fhir.yaml",
                (("demo/codes/1.0.0.eligo", _FHIR_LIST_GUIDELINE),))


def _bindings_entries() -> list[Code]:
    return [
        _fhir("E200", "a bindings file that is not YAML",
              "The companion `.fhir.yaml` of a guideline version must be valid YAML; here a `{` is never closed.",
              _FHIR.replace("value: count}", "value: count")),
        _fhir("E201", "a bindings file laid out wrongly",
              "A section, field or value is not what a bindings file holds (a mapping where one is needed, a known "
              "field, a duration such as `6 months`, a code written `system|code`).",
              _FHIR.replace("value: count}", "value: count, within: a while}"),
              _FHIR.replace("value: count}", "value: count, within: 6 months}")),
        _fhir("E202", "a code that cannot be right",
              "A LOINC code ends in a mod-10 check digit and a SNOMED CT identifier is digits only; 24108-4 fails the "
              "check (CA 19-9 is 24108-3).",
              _FHIR.replace("24108-3", "24108-4")),
        _fhir("E203", "a bindings file naming another guideline",
              "The `guideline` and `version` lines of a bindings file must be those of the `.eligo` file beside it.",
              _FHIR.replace("guideline: demo.codes", "guideline: demo.other")),
        _fhir("E204", "not a CDS hook the service can answer",
              "`hook` names the CDS hook of the guideline's services, such as `patient-view`; order-select and "
              "order-sign follow from `orders:` instead.",
              _FHIR.replace("version: 1.0.0\n", "version: 1.0.0\nhook: chart-open\n"),
              _FHIR.replace("version: 1.0.0\n", "version: 1.0.0\nhook: patient-view\n")),
        _fhir("E205", "an instance selection that is not `latest` or `earliest`",
              "When several resources match, `select` says which one counts: the `latest` or the `earliest`.",
              _FHIR.replace("select: earliest", "select: first")),
        _fhir("E206", "a binding for a name that is not an input",
              "Each entry under `inputs:` binds an input the guideline declares or uses; a misspelt name binds "
              "nothing.",
              _FHIR.replace("  r0_feasible:\n", "  r0_feasable:\n"),
              _FHIR),
        _fhir("E207", "a bindings file without its guideline version",
              "A bindings file is named after the `.eligo` file of the version it binds and sits beside it; no "
              "version 1.1.0 exists here.",
              _FHIR.replace("version: 1.0.0", "version: 1.1.0"), path="demo/codes/1.1.0.fhir.yaml"),
        _fhir("E208", "a resource type bindings do not read",
              "Bindings read Observation, Condition, Procedure and Patient resources; `Observaton` is none of them.",
              _FHIR.replace("resource: Observation, code: [http://loinc.org", "resource: Observaton, code: "
                            "[http://loinc.org")),
        _fhir("E209", "a binding without the codes that select its resources",
              "An Observation, Condition or Procedure is found by its code (LOINC, SNOMED CT, ICD-10); without one "
              "every resource of the type would match.",
              _FHIR.replace("code: [http://loinc.org|24108-3], ", "")),
        _fhir("E210", "an element bindings do not read",
              "`value` names the element that holds the input's value, such as `valueQuantity` of an Observation.",
              _FHIR.replace("value: valueQuantity", "value: valueString")),
        _fhir("E211", "an element of another type than its input",
              "The element must give the input's type: CA 19-9 is a quantity in U/mL, so it comes from "
              "`valueQuantity`, not a whole number.",
              _FHIR.replace("value: valueQuantity, units: [U/mL],", "value: valueInteger,")),
        _fhir("E212", "an event that is not declared",
              "`before`, `after` and `change_over` name an event under `events:` (its resource and codes).",
              _FHIR.replace("after: diagnosis", "after: surgery")),
        _fhir("E213", "units missing from a quantity, or given for something else",
              "A quantity binding lists the UCUM units it accepts, so a value in any other unit is refused rather "
              "than misread; other bindings take no units.",
              _FHIR.replace(" units: [U/mL],", "")),
        _fhir("E214", "a UCUM unit Eligo does not convert",
              "Each unit of a quantity binding must be a UCUM code that Eligo knows, so that values can be compared "
              "with the guideline's thresholds.",
              _FHIR.replace("units: [U/mL]", "units: [U/dL]")),
        _fhir("E215", "units that do not measure the input",
              "The units must measure what the input measures: CA 19-9 is in U/mL, a mass concentration such as "
              "ng/mL is another quantity.",
              _FHIR.replace("units: [U/mL]", "units: [ng/mL]"),
              _FHIR.replace("units: [U/mL]", "units: [U/mL, kU/L]")),
        _fhir("E216", "a coded value without its map",
              "A `valueCodeableConcept` binding maps each `system|code` the record may hold to one of the input's "
              "values.",
              _FHIR.replace("    map: {http://example.org/margins|r0: true, http://example.org/margins|r1: false}\n",
                            "")),
        _fhir("E217", "a code mapped to a value the input cannot take",
              "Every value in a `map` must be one of the input's values; `r0_feasible` is yes/no, so `maybe` is not "
              "one.",
              _FHIR.replace("margins|r1: false", "margins|r1: maybe")),
        _fhir("E218", "an order for a name that is not a decision",
              "Each entry under `orders:` names a decision of the guideline and the order it is about, so that "
              "order-select and order-sign services answer that order.",
              _FHIR + _ORDERS.replace("  resection:", "  resections:"), _FHIR + _ORDERS),
        _fhir("E219", "an order that is not an order resource",
              "A draft order is a ServiceRequest, MedicationRequest or DeviceRequest with the codes of what is "
              "ordered; a Procedure is what has been done.",
              _FHIR + _ORDERS.replace("ServiceRequest", "Procedure"), _FHIR + _ORDERS),
        _fhir_list("E220", "a list input bound as one value, or one value bound as a list",
                   "A list input (`list of lesion`) is read one record per matching resource, its fields under "
                   "`each:`; a single value is bound with `value:` and takes no `each:`.",
                   _FHIR_LIST.split("    each:\n")[0]),
        _fhir_list("E221", "a list read from a resource that cannot give records",
                   "The records of a list come one per BodyStructure (an mCODE Tumor), Condition or Observation, whose "
                   "elements the fields are read from; a Procedure holds no lesion.",
                   _FHIR_LIST.replace("resource: BodyStructure", "resource: Procedure")),
        _fhir_list("E222", "a single-value setting on a list binding",
                   "`select`, `before`, `after`, `change_over`, `units` and `map` choose or read one value; a list "
                   "takes every matching resource, and says per field under `each:` where it comes from. `within` "
                   "needs a dated resource, and an mCODE Tumor has no date.",
                   _FHIR_LIST.replace("    each:\n", "    within: 6 months\n    each:\n")),
        _fhir_list("E223", "a field under `each:` that the record does not have",
                   "Each entry under `each:` names a field of the list's record; `organs` is not a field of "
                   "`lesion`.",
                   _FHIR_LIST.replace("      organ: {", "      organs: {")),
        _fhir_list("E224", "an extension not named by its URL",
                   "An extension is identified by its canonical URL (`Extension.url`); a field read from an "
                   "extension names that URL and the value[x] it holds.",
                   _FHIR_LIST.replace("http://example.org/fhir/StructureDefinition/locally-treatable",
                                      "locally-treatable")),
    ]


CATALOGUE.update({entry.code: entry for entry in _bindings_entries()})
