// Eligo's JavaScript runtime, part 4: decoding outcomes into results, the exact refinement of unknowns
// (eligo.compiled.exact), what unknown definitions may still be (eligo.compiled.ranges), and `evaluateWith`.

// ------------------------------------------------------------------ decoding and exact unknowns (eligo.compiled.exact)
function ordered(decision, found) {
  const rank = new Map(decision.outcomes.map((o, i) => [o, i]));
  const unique = [...new Set(found.filter((f) => typeof f === "string"))];
  // the declared order, then `open`, NO_OUTCOME last (as eligo.compiled.exact.ordered and the SQL back end)
  return unique.sort((a, b) => (rank.has(a) ? rank.get(a) : rank.size) - (rank.has(b) ? rank.get(b) : rank.size)
    || (a === NO_OUTCOME) - (b === NO_OUTCOME));
}
function kleenePossible(decision, raw) {
  if (decision.policy === "collect") return [];
  const [value, status, rule, mask] = raw;
  if (status === OPEN) return [OPEN_OUTCOME];
  if (status !== UNKNOWN) return status === DECIDED && typeof value === "string" ? [value] : [NO_OUTCOME];
  const found = mask.map((i) => decision.rules[i].outcome);
  if (rule >= 0) found.push(decision.rules[rule].outcome);
  else if (rule === OTHERWISE && decision.default !== null) found.push(decision.default.outcome);
  else found.push(NO_OUTCOME);
  if (decision.policy === "unique" && (mask.length > 1 || (rule >= 0 && mask.length))) found.push(NO_OUTCOME);
  return ordered(decision, found);
}
function ruleOf(decision, index) {
  return index >= 0 ? decision.rules[index] : index === OTHERWISE ? decision.default : null;
}
function json(name, value, status, missing = [], rule = null, conflicting = [], possible = [], exact = true) {
  return {
    value: value === NA ? null : value, status: STATUSES[status], possible, missing,
    rule: rule ? rule.name : null, because: rule ? rule.because : [], cites: rule ? rule.cites : [],
    ...(status === OPEN ? { reason: rule ? rule.because.join(" ") : "" } : {}),
    ...(conflicting.length ? { conflicting } : {}), ...(exact ? {} : { exact: false }),
  };
}
function leaf(value, status) { return status === DECIDED ? String(value) : status === OPEN ? OPEN_OUTCOME : NO_OUTCOME; }
const MAX_COMPLETIONS = 4096;
class NotExact extends Error {}
// The decision as a function of its missing inputs (eligo.compiled.exact.refine): a reduced decision diagram over
// their classes, its leaves' answers, the inputs it splits on and the rules that decided its leaves, gathered as it is
// built. A branch stops as soon as three values decide it, skips the inputs no rule it leaves unknown reads, and a
// split whose branches are alike is dropped. null when completions cannot decide exactly.
function refine(program, exprs, index, prepared, missing, values, run, mask) {
  if (!missing.length) return null;
  const decision = program.nodes[index];
  let splits = [];
  const whole = [];  // lists, split last: a branch may not need them (eligo.compiled.exact.refine)
  for (const name of missing) {
    const classes = inputClasses(program, exprs, name, prepared), listed = decision.lists[name];
    const lists = classes === null && listed ? listCompletions(listed, prepared[name]) : null;
    if (lists !== null) whole.push([name, lists, null]); else splits.push([name, classes, null]);
  }
  splits.push(...whole);
  let total = 1;
  for (const [, classes] of splits) total *= classes !== null ? classes.length : 1;
  if (splits.some(([, classes]) => classes === null)) {
    for (const pair of program.joint) {  // both dates of a time between them missing: split on that time alone
      if (missing.includes(pair.start) && missing.includes(pair.end)) {
        splits = splits.filter(([name]) => name !== pair.start && name !== pair.end);
        splits.push([pair.start, pair.completions, pair.end]);
        total *= pair.completions.length;
      }
    }
    splits.sort((a, b) => (a[1] === null) - (b[1] === null));  // what cannot be split last: a branch may not need it
    if (splits[0][1] === null) return null;
  }
  if (total > MAX_COMPLETIONS) return null;
  const filled = { ...prepared }, answers = new Map(), split = new Set(), rules = new Set();
  const reads = new Uint8Array(program.nodes.length);
  for (const i of decision.reads) reads[i] = 1;
  const build = (at, unknown) => {
    const wanted = new Set(unknown.flatMap((i) => decision.cones[i]));
    while (at < splits.length && !wanted.has(splits[at][0]) && !wanted.has(splits[at][2])) at += 1;
    if (at === splits.length) throw new NotExact();  // unknown with every input it needs completed
    const [name, classes, other] = splits[at];
    if (classes === null) throw new NotExact();  // an input whose classes this case does not determine
    const children = [];
    for (const item of classes) {
      if (other === null) filled[name] = item; else [filled[name], filled[other]] = item;
      const [value, status, rule, below] = run(filled, prepared, values, reads).outcomes[index];
      if (status === UNKNOWN) { children.push(build(at + 1, below)); continue; }
      rules.add(rule);
      const answer = [value === NA ? null : value, status];
      answers.set(JSON.stringify(answer), answer);
      children.push({ leaf: answer });
    }
    filled[name] = null;
    if (other !== null) filled[other] = null;
    const first = JSON.stringify(children[0]);
    if (children.some((c) => JSON.stringify(c) !== first)) {
      split.add(name);
      if (other !== null) split.add(other);  // either date alone moves the time across every threshold
      return { split: name, children };
    }
    return children[0];
  };
  try {
    return { diagram: build(0, mask), answers: [...answers.values()], splits: split, rules };
  } catch (error) {
    if (error instanceof NotExact) return null;
    throw error;
  }
}
function decisionResult(program, exprs, index, raw, prepared, values, run) {
  const decision = program.nodes[index];
  const [value, status, ruleIndex, mask] = raw;
  const rule = ruleOf(decision, ruleIndex);
  const possible = kleenePossible(decision, raw);
  if (status === UNKNOWN) {
    const wanted = new Set(mask.flatMap((i) => decision.cones[i]));
    const missing = Object.keys(program.inputs).filter((n) => wanted.has(n) && unsettled(prepared[n]));
    const refined = decision.policy !== "collect" && decision.completable
      ? refine(program, exprs, index, prepared, missing, values, run, mask) : null;
    if (refined === null) return json(decision.name, null, UNKNOWN, missing, null, [], possible, false);
    if (refined.diagram.leaf) {
      const [v, s] = refined.diagram.leaf;
      const by = refined.rules.size === 1 && (s === DECIDED || s === OPEN) ? ruleOf(decision, [...refined.rules][0]) : null;
      return json(decision.name, s === DECIDED ? v : null, s, [], by, [], [leaf(v, s)]);
    }
    const found = refined.answers.map(([v, s]) => leaf(v, s));
    return json(decision.name, null, UNKNOWN, missing.filter((n) => refined.splits.has(n)), null, [], ordered(decision, found));
  }
  const conflicting = status === CONFLICT ? mask.map((i) => decision.rules[i].name) : [];
  if (status === OPEN && decision.policy !== "collect") return json(decision.name, null, OPEN, [], rule, [], [OPEN_OUTCOME]);
  const decided = status === DECIDED && rule !== null;
  return json(decision.name, value, status, [], decided ? rule : null, conflicting, possible);
}
// What an unknown definition may still be (eligo.compiled.ranges): the values completions of its missing inputs give
const MAX_RANGE_COMPLETIONS = MAX_COMPLETIONS / 4;
const SETS = ["bool", "enum"];
function bounded(info) { return SETS.includes(info.kind) || (info.low !== null && info.high !== null && (info.kind === "number" || info.kind === "quantity")); }
function everyValue(info, classes) {  // the classes are every value the input can take
  if (SETS.includes(info.kind)) return true;
  return info.kind === "number" && info.integer && info.low !== null && info.high !== null
    && new Set(classes).size === info.high - info.low + 1;
}
function multilinear(definition, missing) {
  if (!definition.arithmetic || definition.chains === null) return false;
  if (definition.chains.some(([subject]) => subject === null)) return false;  // the time between two dates
  const named = definition.chains.map(([subject]) => subject).filter((s) => missing.includes(s));
  if (new Set(named).size !== named.length) return false;
  return definition.chains.every(([subject, divides]) => !missing.includes(subject) || !divides);
}
function* combinations(lists, at = 0, chosen = []) {
  if (at === lists.length) { yield chosen; return; }
  for (const value of lists[at]) yield* combinations(lists, at + 1, [...chosen, value]);
}
function stillPossible(program, exprs, run, prepared, index) {
  const definition = program.definitions[index];
  const missing = Object.keys(program.inputs).filter((n) => definition.cone.includes(n) && unsettled(prepared[n]));
  if (definition.bounded && missing.every((n) => program.inputs[n].kind === "list")) {  // eligo.compiled.ranges
    const found = BOUNDS[index](prepared);  // a count, sum or distinct of a partly known list: its bounds
    if (found === null) return { range: [null, null], exact: false };
    const range = found.map((v) => (Number.isFinite(v) ? v : null));
    return definition.everyElement ? { range } : { range, exact: false };  // eligo.compiled.ranges._list_range
  }
  if (definition.observes) return { exact: false };
  const kind = definition.kind;
  let enumerated = true;  // every value of every missing input is tried
  if (!SETS.includes(kind) && !missing.every((n) => bounded(program.inputs[n]))) return { range: [null, null], exact: false };
  const candidates = [];
  for (const name of missing) {
    const classes = inputClasses(program, exprs, name, prepared);
    if (classes === null) return { exact: false };
    enumerated = enumerated && everyValue(program.inputs[name], classes);
    const ends = SETS.includes(kind) ? [] : program.inputs[name].ends.filter((v) => !classes.includes(v));
    candidates.push([...classes, ...ends]);
  }
  if (candidates.reduce((total, c) => total * c.length, 1) > MAX_RANGE_COMPLETIONS) return { exact: false };
  const seen = [];
  for (const combination of combinations(candidates)) {
    const completed = { ...prepared };
    missing.forEach((name, i) => { completed[name] = combination[i]; });
    const value = run(completed, completed, null).values[index];
    if (!seen.some((v) => same(v, value))) seen.push(value);
  }
  const exact = enumerated || (!SETS.includes(kind) && multilinear(definition, missing) && missing.every((n) => bounded(program.inputs[n])));
  let found;
  if (SETS.includes(kind)) {
    const order = kind === "bool" ? [true, false] : definition.values;
    const rank = (v) => (order.includes(v) ? order.indexOf(v) : order.length);
    found = { possible: [...seen].sort((a, b) => rank(a) - rank(b)).map(jsonValue) };
  } else {
    const numbers = seen.filter((v) => v !== null && v !== NA);
    const least = numbers.reduce((a, b) => (b < a ? b : a), numbers[0]), most = numbers.reduce((a, b) => (b > a ? b : a), numbers[0]);
    found = { range: numbers.length ? [least, most] : null };
    if (seen.includes(NA)) found.none = true;
  }
  if (!exact) found.exact = false;
  return found;
}
function jsonValue(v) {
  if (v === NA) return "none";
  return Array.isArray(v) ? v.map(jsonValue) : v;
}

// The result of a case, as `eligo eval --json` gives it (without the trace); `criteria` adds each own decision's
// rule truths (true, false or null), which the docs site's form words as prose.
function evaluateWith(program, run, exprs, input, options = {}) {
  const prepared = normalise(program, input, options.source ?? "case", options.ignoreUnknown ?? false);
  const main = run(prepared, prepared, null);
  const decisions = {};
  for (const index of program.own) {
    decisions[program.nodes[index].name] = decisionResult(program, exprs, index, main.outcomes[index], prepared, main.values, run);
  }
  const values = {};
  for (const [name, index] of program.values) values[name] = jsonValue(main.values[index]);
  const result = { guideline: program.id, version: program.version, sha256: program.sha256, decisions, values };
  const unknown = program.values.filter(([, index]) => main.values[index] === null);
  if (unknown.length) {
    result.unknown_values = Object.fromEntries(unknown.map(([name, index]) => [name, stillPossible(program, exprs, run, prepared, index)]));
  }
  if (options.criteria) {
    result.criteria = {};
    for (const index of program.own) result.criteria[program.nodes[index].name] = main.truths[index].map((t) => truth(t));
  }
  return result;
}
