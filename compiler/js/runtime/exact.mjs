// Eligo's JavaScript runtime, part 4: decoding outcomes into results, the exact refinement of unknowns
// (eligo.compiled.exact), what unknown definitions may still be (eligo.compiled.ranges), and `evaluateWith`.

// ------------------------------------------------------------------ decoding and exact unknowns (eligo.compiled.exact)
function ordered(decision, found) {
  const rank = new Map(decision.outcomes.map((o, i) => [o, i]));
  const unique = [...new Set(found.filter((f) => typeof f === "string"))];
  return unique.sort((a, b) => (rank.has(a) ? rank.get(a) : rank.size) - (rank.has(b) ? rank.get(b) : rank.size) || (a < b ? -1 : a > b ? 1 : 0));
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
function refine(program, exprs, index, prepared, missing, values, run) {
  if (!missing.length) return null;
  const found = Object.fromEntries(missing.map((n) => [n, inputClasses(program, exprs, n, prepared)]));
  const order = [...missing].sort((a, b) => (found[a] === null) - (found[b] === null));  // what cannot be split last
  let total = 1;
  for (const n of missing) if (found[n] !== null) total *= found[n].length;
  if (found[order[0]] === null || total > MAX_COMPLETIONS) return null;
  const filled = { ...prepared }, rules = new Set();
  const reads = new Uint8Array(program.nodes.length);
  for (const i of program.nodes[index].reads) reads[i] = 1;
  let budget = 2 * MAX_COMPLETIONS;
  const build = (at) => {
    budget -= 1;
    if (budget < 0) throw new NotExact();
    const result = run(filled, prepared, values, reads).outcomes[index];
    if (result[1] !== UNKNOWN) {
      rules.add(result[2]);
      return { leaf: [result[0] === NA ? null : result[0], result[1]] };
    }
    if (at === missing.length) throw new NotExact();
    const name = order[at], classes = found[name], children = [];
    if (classes === null) throw new NotExact();  // an input whose classes this case does not determine
    for (const value of classes) { filled[name] = value; children.push(build(at + 1)); }
    filled[name] = null;
    const first = JSON.stringify(children[0]);
    return children.every((c) => JSON.stringify(c) === first) ? children[0] : { split: missing.indexOf(name), children };
  };
  try { return [build(0), rules]; } catch (error) { if (error instanceof NotExact) return null; throw error; }
}
function leaves(diagram, found) {
  if (diagram.leaf) found.push(diagram.leaf); else diagram.children.forEach((c) => leaves(c, found));
  return found;
}
function splits(diagram, found) {
  if (!diagram.leaf) { found.add(diagram.split); diagram.children.forEach((c) => splits(c, found)); }
  return found;
}
function decisionResult(program, exprs, index, raw, prepared, values, run) {
  const decision = program.nodes[index];
  const [value, status, ruleIndex, mask] = raw;
  const rule = ruleOf(decision, ruleIndex);
  const possible = kleenePossible(decision, raw);
  if (status === UNKNOWN) {
    const wanted = new Set(mask.flatMap((i) => decision.cones[i]));
    const missing = Object.keys(program.inputs).filter((n) => wanted.has(n) && unsettled(prepared[n]));
    const refined = decision.policy !== "collect" && decision.completable ? refine(program, exprs, index, prepared, missing, values, run) : null;
    if (refined === null) return json(decision.name, null, UNKNOWN, missing, null, [], possible, false);
    const [diagram, rules] = refined;
    if (diagram.leaf) {
      const [v, s] = diagram.leaf;
      const by = rules.size === 1 && (s === DECIDED || s === OPEN) ? ruleOf(decision, [...rules][0]) : null;
      return json(decision.name, s === DECIDED ? v : null, s, [], by, [], [leaf(v, s)]);
    }
    const found = leaves(diagram, []).map(([v, s]) => leaf(v, s));
    const split = splits(diagram, new Set());
    return json(decision.name, null, UNKNOWN, missing.filter((_, i) => split.has(i)), null, [], ordered(decision, found));
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
    return { range: found === null ? [null, null] : found.map((v) => (Number.isFinite(v) ? v : null)), exact: false };
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
