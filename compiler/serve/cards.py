"""CDS Hooks services from a knowledge base, and the cards that answer a hook request.

A service is one decision of a guideline version in force (drafts only when asked); a decision whose
bindings name the order it is about (`orders:`) also gets an order-select and an order-sign service,
whose cards answer the draft orders for it (and offer to remove one the guideline advises against).
Cards are worded as the docs site words the guideline (`eligo.docs.prose`), name the guideline, version
and SHA-256, link to the version's page, say so when the guideline leaves the case open on purpose, and,
when the decision is unknown, say which inputs are missing, which FHIR data would decide them (or why
the record's data do not), and suggest ordering what can be ordered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eligo.docs import prose
from eligo.dsl import ast
from eligo.serve.bindings import (
    LOINC,
    ORDER_CODE,
    ORDER_HOOKS,
    Binding,
    Event,
    Order,
)
from eligo.serve.extract import Extracted, Extractor, key_of, prefetch_keys
from eligo.serve.knowledge import bindings_of, events_of, input_bindings, orders_of
from eligo.serve.sources import describe

if TYPE_CHECKING:
    from eligo import DecisionResult, Guideline, KnowledgeBase, Result

NAMESPACE = uuid.UUID("6f1f3f0e-5e7a-4c5b-9a61-2f0d3c1e0b13")  # cards' uuids: uuid5 of what the card says
DISCUSS = ("discuss", "board", "review", "refer")  # outcomes that leave the question open for the board
OPEN = "open"  # a rule's outcome and a status: the guideline deliberately does not settle the case


@dataclass(frozen=True, slots=True)
class CardKey:
    """What a card uuid stands for, so that feedback can be counted per rule after a restart."""

    service: str
    guideline: str
    version: str
    sha256: str
    decision: str
    status: str
    rule: str | None


@dataclass(frozen=True)
class Words:
    """What a service's cards say that does not depend on the patient, worded (and their uuids made) once."""

    title: str
    labels: Mapping[str, str]  # input -> its linked name
    missing: Mapping[str, str]  # input -> its line in the list of what is missing, without the action
    order_key: Mapping[str, str]  # bound input -> its prefetch key
    rules: Mapping[str, tuple[str, ...]]  # rule name -> the rule as the docs site words it
    outcomes: Mapping[str, str]  # outcome (and `none`, `open` in `possible`) -> how a card says it
    uuids: Mapping[tuple[str, str | None], str]  # (status, rule) -> the card's uuid
    anchors: Mapping[tuple[str, str | None], str]  # (status, rule) -> the link to the guideline's page
    asks: Mapping[str, tuple[str, str, str]]  # bound laboratory input -> (label, LOINC code, suggestion uuid)
    unbound: Mapping[str, tuple[str, ...]]  # list input -> the fields of its records its binding does not read
    source: dict[str, str]
    links_label: str
    signature: str

    @classmethod
    def of(cls, service: Service) -> Words:
        topic = prose.humanize(service.decision.name)
        labels = {name: service.vocab.name(name) for name in service.guideline.inputs}
        missing = {}
        unbound: dict[str, tuple[str, ...]] = {}
        for name, info in service.guideline.inputs.items():
            what = f" ({info.description})" if info.description else ""
            binding = service.bindings.get(name)
            missing[name] = f"- {labels[name]}{what}" + (f": {describe(binding, service.events)}" if binding else "")
            if binding is not None and binding.each is not None:
                unbound[name] = tuple(f.name for f in info.fields if f.name not in {b.name for b in binding.each})
        keys = {n: key_of(service.prefetch, b.resource, b.search_codes) for n, b in service.bindings.items()}
        decision = service.decision
        rules = {r.name: _rule_words(decision.name, topic, r, service.vocab) for r in decision.rules}
        if decision.default is not None:
            rules["otherwise"] = (f"No rule above applies, so the {topic} decision is "
                                  f"**{prose.outcome(decision.default.outcome)}** (`otherwise`).",)
        outcomes = {o: prose.outcome(o) for o in decision.outcomes} | {"none": "no rule applies",
                                                                        "open": "an open question"}
        uuids = {(s, r): service.card_uuid(s, r) for s, r in service.card_statuses()}
        anchors = {(s, r): service.page + "#" + (prose.anchor("rule", f"{decision.name}-{r}") if r
                                                  else prose.anchor("decision", decision.name))
                   for s, r in service.card_statuses()}
        asks = {}
        for name, binding in service.bindings.items():
            loinc = [c for c in binding.codes if c.system == LOINC] if binding.resource == "Observation" else []
            if loinc:
                asks[name] = (prose.humanize(name).removesuffix(" change"), loinc[0].code,
                              str(uuid.uuid5(NAMESPACE, f"{service.id}|order|{name}")))
        g = service.guideline
        return cls(topic[:1].upper() + topic[1:], labels, missing, keys, rules, outcomes, uuids, anchors, asks, unbound,
                   {"label": _clip(f"Eligo {g.id} {g.version} (SHA-256 {g.sha256[:12]}…)", 100), "url": service.page},
                   f"{g.title} {g.version}", f"Guideline {g.id} {g.version} ({g.status}), SHA-256 `{g.sha256}`.")


def _rule_words(decision: str, topic: str, rule: ast.Rule, vocab: prose.Vocabulary) -> tuple[str, ...]:
    if rule.outcome != OPEN:
        return tuple(prose.rule_prose(decision, rule.outcome, rule.condition, vocab))
    lines = prose.condition_lines(rule.condition, vocab)
    lead = f"The guideline deliberately leaves the {topic} decision open (rule `{rule.name}`) when"
    return (f"{lead} {lines[0]}.",) if len(lines) == 1 else (f"{lead} {lines[0]}", "", *lines[1:])


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    guideline: Guideline
    decision: ast.Decision
    bindings: Mapping[str, Binding]
    events: Mapping[str, Event]
    prefetch: Mapping[str, str]
    page: str
    vocab: prose.Vocabulary
    order: Order | None = None  # order-select and order-sign: what the decision is about when it is ordered

    @property
    def title(self) -> str:
        on = f" (on {'signing' if self.hook == 'order-sign' else 'selecting'} {self._ordered})" if self.order else ""
        return f"{self.guideline.title}: {prose.humanize(self.decision.name)}{on}"

    @property
    def _ordered(self) -> str:
        return self.order.description or "the order" if self.order is not None else ""

    def descriptor(self) -> dict[str, object]:
        g = self.guideline
        summary = g.module.header.summary or g.title
        return {
            "hook": self.hook, "id": self.id, "title": self.title,
            "description": f"{summary} ({g.id} {g.version}, {g.status}; decision {self.decision.name})",
            "prefetch": dict(self.prefetch), "version": g.version,
            "extension": {"eligo": {"guideline": g.id, "version": g.version, "sha256": g.sha256,
                                    "decision": self.decision.name, "documentation": self.page}},
        }

    @functools.cached_property
    def extractor(self) -> Extractor:
        return Extractor(self.bindings, self.events, self.prefetch)

    @functools.cached_property
    def words(self) -> Words:
        return Words.of(self)

    def card_uuid(self, status: str, rule: str | None) -> str:
        g = self.guideline
        return str(uuid.uuid5(NAMESPACE, f"{self.id}|{g.version}|{g.sha256}|{status}|{rule or ''}"))

    def card_statuses(self) -> list[tuple[str, str | None]]:
        """Every (status, rule) a card of this service can stand for."""
        rules: list[tuple[str, str | None]] = [(OPEN if r.outcome == OPEN else "decided", r.name)
                                               for r in self.decision.rules]
        if self.decision.default is not None:
            rules.append(("decided", "otherwise"))
        return [*rules, ("unknown", None), ("unmatched", None), ("conflict", None)]

    def card_keys(self) -> dict[str, CardKey]:
        g = self.guideline
        return {u: CardKey(self.id, g.id, g.version, g.sha256, self.decision.name, s, r)
                for (s, r), u in self.words.uuids.items()}


def build_services(kb: KnowledgeBase, today: dt.date, docs_url: str, drafts: bool = False) -> dict[str, Service]:
    """One service per decision of every guideline version in force on `today` (and the latest draft if asked)."""
    services: dict[str, Service] = {}
    for gid in kb.ids():
        try:
            guideline = kb.guideline(gid, as_of=today)
        except LookupError:
            if not drafts:
                continue
            try:
                guideline = kb.guideline(gid, allow_draft=True)
            except LookupError:
                continue
        if drafts and guideline.status == "approved":
            try:
                newest = kb.guideline(gid, allow_draft=True)
                guideline = newest if newest.status == "draft" else guideline
            except LookupError:
                pass
        guideline.compile_unknowns()  # the exact diagrams built now, not by the request that would need them
        bindings = input_bindings(kb, guideline.id, guideline.version)
        events = events_of(kb, guideline.id, guideline.version)
        keys = prefetch_keys({n: b for n, b in bindings.items() if n in guideline.inputs}, events)
        page = f"{docs_url.rstrip('/')}/guidelines/{guideline.id}/{guideline.version}/"
        vocab = _vocabulary(guideline, page)
        hook = _hook(kb, guideline)
        orders = orders_of(kb, guideline.id, guideline.version)
        own = {n: b for n, b in bindings.items() if n in guideline.inputs}
        for decision in guideline.module.decisions:
            sid = f"{guideline.id}.{decision.name}"
            services[sid] = Service(sid, hook, guideline, decision, own, events, keys, page, vocab)
            if decision.name in orders:
                for order_hook in ORDER_HOOKS:
                    services[f"{sid}.{order_hook}"] = Service(f"{sid}.{order_hook}", order_hook, guideline, decision,
                                                              own, events, keys, page, vocab, orders[decision.name])
    return services


def _hook(kb: KnowledgeBase, guideline: Guideline) -> str:
    file = bindings_of(kb).get((guideline.id, guideline.version))
    return file.hook if file is not None else "patient-view"


def _vocabulary(guideline: Guideline, page: str) -> prose.Vocabulary:
    inputs = guideline.inputs
    vocab = prose.Vocabulary.of(guideline.module, yes_no=[n for n, i in inputs.items() if i.type.kind == "bool"],
                                inputs=inputs)
    return dataclasses.replace(vocab, links={name: page + link for name, link in vocab.links.items()})


# ------------------------------------------------------------------ cards
def _clip(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _indicator(decision: ast.Decision, result: DecisionResult) -> str:
    if result.status == "conflict":
        return "warning"
    if result.status == "decided" and decision.ordered and len(decision.outcomes) > 1 \
            and result.value == decision.outcomes[-1]:
        return "warning"
    return "info"


def _open(value: object) -> bool:
    return isinstance(value, str) and any(word in value for word in DISCUSS)


@dataclass(frozen=True, slots=True)
class DraftOrder:
    """A draft order of the request that the service's decision is about: its reference and how to name it."""

    reference: str
    label: str


def draft_orders(service: Service, resources: Collection[object]) -> list[DraftOrder]:
    """The draft orders (resources of context.draftOrders) that are for what the service's decision is about."""
    order = service.order
    if order is None:
        return []
    element = ORDER_CODE[order.resource]
    tokens = {c.token for c in order.codes}
    out = []
    for resource in resources:
        if not isinstance(resource, dict) or resource.get("resourceType") != order.resource:
            continue
        concept = resource.get(element)
        codings = concept.get("coding") if isinstance(concept, dict) else None
        codes = {f"{c.get('system')}|{c.get('code')}" for c in codings if isinstance(c, dict)} \
            if isinstance(codings, list) else set()
        if codes & tokens:
            text = concept.get("text") if isinstance(concept, dict) else None
            out.append(DraftOrder(f"{order.resource}/{resource.get('id', '?')}",
                                  text if isinstance(text, str) and text else order.description or order.resource))
    return out


def cards(service: Service, result: Result, extracted: Extracted, patient_id: str,
          unreachable: Collection[str] = (), orders: Sequence[DraftOrder] = ()) -> list[dict[str, Any]]:
    """The one card answering this request for the service's decision (`unreachable`: prefetch keys that the
    record's FHIR server did not answer; `orders`: the draft orders it answers, for order-select and order-sign)."""
    decision = service.decision
    outcome = result.decisions[decision.name]
    g = service.guideline
    words = service.words
    title = words.title + (" ordered" if orders else "")
    lines: list[str] = []
    if orders:
        lines += [f"The draft order{'s' * (len(orders) > 1)} "
                  + ", ".join(f"{o.label} (`{o.reference}`)" for o in orders)
                  + f" {'are' if len(orders) > 1 else 'is'} for what the guideline decides here:", ""]
    rule = outcome.rule if outcome.status in ("decided", OPEN) else None
    suggestions: list[dict[str, Any]] = []
    if outcome.status == "decided" and rule is not None and rule in words.rules:
        summary = f"{title}: {words.outcomes.get(str(outcome.value)) or prose.outcome(str(outcome.value))}"
        lines += words.rules[rule]
        lines += [f"> {because}" for because in outcome.because]
        if _open(outcome.value):
            summary += " (an open question for the tumour board)"
            lines.append("This is an open question: the guideline leaves it to the multidisciplinary tumour board.")
        if orders and _indicator(decision, outcome) == "warning":
            suggestions += [_withdraw(service, o) for o in orders]
    elif outcome.status == OPEN:
        summary = f"{title}: an open question the guideline leaves to the tumour board"
        lines += words.rules.get(rule or "", ())
        lines += [f"> {because}" for because in outcome.because]
        lines.append("The guideline does not settle this case on purpose; the multidisciplinary tumour board decides.")
    elif outcome.status == "conflict":
        summary = f"{title}: rules disagree ({', '.join(outcome.conflicting)}); an open question"
        lines.append("Rules that give different outcomes all apply: " + ", ".join(f"`{r}`" for r in outcome.conflicting)
                     + ". This is an open question for the tumour board.")
    elif outcome.status == "unmatched":
        summary = f"{title}: no rule applies"
        lines.append("No rule of the guideline applies to this patient and it has no `otherwise`.")
    else:
        missing = outcome.missing
        summary = f"{title}: undecided, {len(missing)} fact{'s' * (len(missing) != 1)} missing"
        if outcome.possible:
            lines.append("Still possible: " + ", ".join(f"**{words.outcomes.get(p, p)}**" for p in outcome.possible) + ".")
        in_record = [n for n in missing if n in service.bindings]
        asked = [n for n in missing if n not in service.bindings]
        if in_record:
            lines += ["Not decided yet. FHIR data that would decide it:", ""]
            lines += [_missing_line(service, name, unreachable, extracted) for name in in_record]
            suggestions += [_order_test(words.asks[n], n, patient_id) for n in in_record if n in words.asks]
        if asked:
            lines += ["", "Not held in the record; to be recorded (the tumour board's judgement):", ""]
            lines += [words.missing[name] for name in asked]
    summary = _clip(f"{summary} ({g.id} {g.version})")
    if extracted.found:
        lines += ["", "From the record:", ""]
        lines += [f"- {words.labels[n]}: {show(extracted.case.get(n))} ({where})" for n, where in extracted.found.items()]
    lines += ["", words.signature]
    key = (outcome.status, rule)
    card: dict[str, Any] = {
        "uuid": words.uuids.get(key) or service.card_uuid(*key),
        "summary": summary,
        "indicator": _indicator(decision, outcome),
        "detail": "\n".join(lines),
        "source": words.source,
        "links": [{"label": words.links_label, "url": words.anchors.get(key, service.page), "type": "absolute"}],
    }
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "any"
    return [card]


def _missing_line(service: Service, name: str, unreachable: Collection[str], extracted: Extracted) -> str:
    words = service.words
    binding = service.bindings[name]
    if name in extracted.unsure:
        return f"{words.missing[name]}; the record does not settle it: {extracted.unsure[name]}."
    if name in extracted.lists:
        unread = words.unbound.get(name, ())
        why = "; ".join(filter(None, [extracted.lists[name].why(), f"{', '.join(unread)} not read from the record"
                                      if unread else ""])) or "what it holds does not settle the decision"
        return f"{words.missing[name]}; the record does not settle it: {why}; the tumour board confirms or completes it."
    if words.order_key[name] in unreachable:
        return f"{words.missing[name]}; the record's FHIR server could not be reached for it."
    return f"{words.missing[name]}; none found: " + ("order or record it." if binding.resource == "Observation"
                                                     else "record it.")


def show(value: object) -> str:
    """A case value as a card shows it: `-75%`, `yes`, `2026-01-10`, `3`, and a list of records one by one
    (`at least 2: organ liver, treatable yes; organ liver, treatable unknown`)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) or (isinstance(value, dict) and set(value) == {"at_least"}):
        records = value if isinstance(value, list) else value["at_least"]
        shown = "; ".join(", ".join(f"{k} {'unknown' if v is None else show(v)}" for k, v in r.items()) for r in records)
        return f"{'' if isinstance(value, list) else 'at least '}{len(records)}" + (f": {shown}" if shown else "")
    if isinstance(value, dict):
        number, unit = value.get("value"), value.get("unit")
        text = f"{number:g}" if isinstance(number, int | float) else str(number)
        return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
    return str(value)


def _order_test(ask: tuple[str, str, str], name: str, patient_id: str) -> dict[str, Any]:
    """An order for a missing laboratory value: a draft ServiceRequest for its LOINC test."""
    label, code, suggestion = ask
    request = {"resourceType": "ServiceRequest", "status": "draft", "intent": "proposal",
               "code": {"coding": [{"system": LOINC, "code": code}], "text": label},
               "subject": {"reference": f"Patient/{patient_id}"}}
    return {"label": _clip(f"Order {label} (LOINC {code})", 80), "uuid": suggestion,
            "actions": [{"type": "create", "description": f"Order {label}", "resource": request}]}


def _withdraw(service: Service, order: DraftOrder) -> dict[str, Any]:
    """For a draft order the guideline advises against: remove it (the clinician chooses; CDS Hooks `delete`)."""
    return {"label": _clip(f"Remove the draft order {order.label}", 80),
            "uuid": str(uuid.uuid5(NAMESPACE, f"{service.id}|withdraw|{order.reference}")),
            "actions": [{"type": "delete", "description": f"Remove the draft order {order.reference}",
                         "resourceId": [order.reference]}]}
