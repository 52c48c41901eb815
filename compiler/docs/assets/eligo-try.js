// "Try a patient" on a guideline version page: reads the form, decides with the version's generated evaluator
// (assets/eligo/<id>-<version>.js, from `eligo js`), and shows the answer with sentences written at build time by
// the site's explanation generator (the form's JSON words): this script only picks and joins them.
(function () {
  "use strict";

  function join(parts, word) {  // as eligo.docs.prose joins a list
    if (parts.length <= 2) return parts.join(" " + word + " ");
    return parts.slice(0, -1).join(", ") + " " + word + " " + parts[parts.length - 1];
  }

  function readCase(form) {
    const data = {};
    for (const field of form.querySelectorAll(".eligo-try-field")) {
      const control = field.querySelector("input, select, textarea");
      const raw = control.value.trim();
      if (raw === "") continue;  // not known
      const kind = field.dataset.kind;
      if (kind === "bool") data[field.dataset.input] = raw === "yes";
      else if (kind === "number" || kind === "quantity") data[field.dataset.input] = Number(raw);
      else if (kind === "list") {  // JSON; text that is not JSON is refused by the evaluator, with why
        try { data[field.dataset.input] = JSON.parse(raw); } catch (error) { data[field.dataset.input] = raw; }
      }
      else data[field.dataset.input] = raw;
    }
    return data;
  }

  function ruleLines(words, decision, outcome, truths) {
    const out = [];
    const deciding = outcome.rule;
    words.rules.forEach((rule, i) => {
      if (out.stop) return;
      const applied = truths[i];
      if ((words.policy === "first" && applied === false && deciding !== null && deciding !== rule.name) || applied !== false) {
        out.push(...rule.lines[String(applied)]);
      }
      if (words.policy === "first" && (rule.name === deciding || applied === null)) out.stop = true;
    });
    return out;
  }

  function headLines(words, all, outcome) {
    const topic = words.topic;
    if (outcome.status === "decided" && !Array.isArray(outcome.value) && words.decided[outcome.rule]) {
      return words.decided[outcome.rule];
    }
    if (outcome.status === "decided") {
      const shown = (Array.isArray(outcome.value) ? outcome.value : [outcome.value]).map((v) => words.outcomes[v] || v);
      return [[0, `<strong>${topic}: ${shown.join(", ") || "none"}</strong>.`]];
    }
    if (outcome.status === "unknown") {
      const missing = outcome.missing.map((m) => all.inputs[m] || m);
      const possible = outcome.possible.map((p) => words.outcomes[p] || p);
      let head = `<strong>${topic}: unknown.</strong> It cannot be decided yet` +
        (missing.length ? `: it needs ${join(missing, "and")}` : "") + ".";
      if (possible.length) head += ` Still possible: ${join(possible, "or")}.`;
      return [[0, head]];
    }
    const why = { unmatched: "no rule applies", conflict: "rules conflict", open: "an open question" }[outcome.status];
    const reasons = outcome.status === "open" && words.decided[outcome.rule] ? words.decided[outcome.rule].slice(1) : [];
    return [[0, `<strong>${topic}: ${why || outcome.status}.</strong>` +
      (outcome.status === "open" ? " The guideline deliberately leaves this case to the committee." : "")], ...reasons];
  }

  function render(lines) {  // depth 0: a paragraph; depth n: an item of a list nested n levels
    const root = document.createElement("div");
    let stack = [root];
    for (const [depth, html] of lines) {
      if (depth === 0) {
        const p = document.createElement("p");
        p.className = "eligo-try-headline";
        p.innerHTML = html;
        root.appendChild(p);
        stack = [root];
        continue;
      }
      while (stack.length - 1 > depth) stack.pop();
      while (stack.length - 1 < depth) {
        const parent = stack[stack.length - 1];
        const list = document.createElement("ul");
        (parent.lastElementChild && parent.tagName === "UL" ? parent.lastElementChild : parent).appendChild(list);
        stack.push(list);
      }
      const item = document.createElement("li");
      item.innerHTML = html;
      stack[stack.length - 1].appendChild(item);
    }
    return root;
  }

  function summary(words, all, outcome) {
    const list = document.createElement("dl");
    list.className = "eligo-try-summary";
    const add = (term, value, cls) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = term;
      dd.innerHTML = value;
      dd.className = cls;
      list.append(dt, dd);
    };
    add("Status", outcome.status, "eligo-try-status");
    if (outcome.status !== "decided") {
      add("Still possible", outcome.possible.map((p) => words.outcomes[p] || p).join(", ") || "not listed", "eligo-try-possible");
      add("Missing", outcome.missing.map((m) => all.inputs[m] || m).join(", ") || "nothing", "eligo-try-missing");
    }
    return list;
  }

  function decide(form, evaluator, all) {
    const answer = form.querySelector(".eligo-try-answer");
    answer.replaceChildren();
    let result;
    try {
      result = evaluator.evaluate(readCase(form), { criteria: true });
    } catch (error) {
      if (!(error instanceof evaluator.CaseError)) throw error;
      const p = document.createElement("p");
      p.className = "eligo-try-refused";
      p.textContent = "This case cannot be decided as entered:";
      const list = document.createElement("ul");
      for (const problem of error.problems) {
        const item = document.createElement("li");
        item.textContent = `${problem.field}: ${problem.message}` + (problem.hint ? ` (${problem.hint})` : "");
        list.appendChild(item);
      }
      answer.append(p, list);
      return;
    }
    for (const [name, outcome] of Object.entries(result.decisions)) {
      const words = all.decisions[name];
      const block = document.createElement("section");
      block.className = "eligo-try-decision";
      block.dataset.decision = name;
      block.dataset.status = outcome.status;
      block.dataset.value = Array.isArray(outcome.value) ? outcome.value.join(",") : (outcome.value ?? "");
      block.appendChild(render([...headLines(words, all, outcome), ...ruleLines(words, name, outcome, result.criteria[name])]));
      block.appendChild(summary(words, all, outcome));
      answer.appendChild(block);
    }
  }

  function start() {
    for (const form of document.querySelectorAll("form.eligo-try")) {
      const evaluator = (window.eligoGuidelines || {})[form.dataset.guideline];
      const all = JSON.parse(form.querySelector(".eligo-try-words").textContent);
      if (!evaluator) {
        form.querySelector(".eligo-try-answer").textContent = "The evaluator of this version did not load.";
        continue;
      }
      form.addEventListener("submit", (event) => { event.preventDefault(); decide(form, evaluator, all); });
      form.addEventListener("reset", () => form.querySelector(".eligo-try-answer").replaceChildren());
      form.dataset.ready = "yes";
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
