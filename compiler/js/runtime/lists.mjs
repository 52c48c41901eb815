// ------------------------------------------------------------------ lists of records (eligo.ir.lists)
// A list input's value is an array of element objects (null where a field is unknown) with `complete` false
// when the list is known to be incomplete ("at least these"). `judge(element)` gives [where, body].
function unsettled(v) {  // eligo.ir.lists.unsettled: missing, or a list with something unknown
  return v === null || (Array.isArray(v) && (v.complete === false || v.some((e) => Object.values(e).some((x) => x === null))));
}
function listBounds(op, records, judge, range, values) {
  if (records === null) return null;
  let low = 0, high = 0, unknownValues = 0, certainUnknown = false;
  const seen = new Set(), maybeSeen = new Set();
  for (const element of records) {
    let [where, body] = judge(element);
    where = truth(where);
    if (where === false) continue;
    if (op === "count") {
      low += where === true ? 1 : 0;
      high += 1;
    } else if (op === "sum") {
      const [lo, hi] = body !== null ? [body, body] : range;
      low += where === true ? lo : Math.min(lo, 0);
      high += where === true ? hi : Math.max(hi, 0);
    } else if (body === null) {
      unknownValues += 1;
      certainUnknown = certainUnknown || where === true;
    } else {
      maybeSeen.add(body);
      if (where === true) seen.add(body);
    }
  }
  if (op === "distinct") [low, high] = [seen.size || (certainUnknown ? 1 : 0), maybeSeen.size + unknownValues];
  if (records.complete === false) {  // more elements may come, each within the field's range
    if (op !== "sum" || range[1] > 0) high = Infinity;
    if (op === "sum" && range[0] < 0) low = -Infinity;
  }
  if (op === "distinct" && values !== null) high = Math.min(high, values);
  return [low, high];
}
function listValue(found) { return found === null || found[0] !== found[1] ? null : found[0]; }
function listCompare(op, found, other, flipped) {
  if (found === null || other === null) return null;
  if (other === NA) return false;
  const [low, high] = found;
  if (flipped) op = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" }[op] ?? op;
  switch (op) {
    case "<": return high < other ? true : low >= other ? false : null;
    case "<=": return high <= other ? true : low > other ? false : null;
    case ">": return low > other ? true : high <= other ? false : null;
    case ">=": return low >= other ? true : high < other ? false : null;
    case "=": return low === other && high === other ? true : other < low || other > high ? false : null;
    default: return low === other && high === other ? false : other < low || other > high ? true : null;
  }
}
function listQuantify(op, records, judge) {
  if (records === null) return null;
  let unsure = records.complete === false;
  for (const element of records) {
    let [where, body] = judge(element);
    [where, body] = [truth(where), truth(body)];
    if (op === "any") {
      if (where === true && body === true) return true;
      if (where !== false && body !== false) unsure = true;
    } else {
      if (where === true && body === false) return false;
      if (where !== false && body !== true) unsure = true;
    }
  }
  return unsure ? null : op === "all";
}
function listExtreme(op, records, judge) {
  if (records === null || records.complete === false) return null;
  let best = NA;
  for (const element of records) {
    let [where, body] = judge(element);
    where = truth(where);
    if (where === false) continue;
    if (where === null || body === null) return null;
    if (best === NA || (op === "largest" ? body > best : body < best)) best = body;
  }
  return best;
}
function convertList(info, v, units, problems) {  // eligo.cases.convert_list
  let complete = true;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "at_least" in v) {
    [v, complete] = [v.at_least, false];
  }
  const record = info.spec.slice("list of ".length);
  if (!Array.isArray(v)) {
    problems.push({ field: info.name, message: `expected a list of ${record} records (an array of objects), got ${show(v)}`,
                    hint: "write [{...}, ...], or {\"at_least\": [...]} when more may exist" });
    const empty = [];
    empty.complete = complete;
    return empty;
  }
  const fields = Object.fromEntries(info.fields.map((f) => [f.name, f]));
  const out = [];
  v.forEach((item, index) => {
    const where = `${info.name}[${index}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      problems.push({ field: where, message: `expected an object with fields ${Object.keys(fields).join(", ")}, got ${show(item)}`, hint: "" });
      return;
    }
    const element = Object.fromEntries(Object.keys(fields).map((name) => [name, null]));
    for (const [name, raw] of Object.entries(item)) {
      const spec = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : null;
      if (spec === null) {
        const shown = name.length <= 80 ? name : name.slice(0, 77) + "…";
        problems.push({ field: `${where}.${shown}`, message: "is not a field of this record", hint: didYouMean(shown, Object.keys(fields)) });
      } else if (raw !== null && raw !== undefined) {
        try { element[name] = convert(spec, raw, units); } catch (error) {
          if (!(error instanceof CaseValueError)) throw error;
          problems.push({ field: `${where}.${name}`, message: error.detail, hint: error.hint });
        }
      }
    }
    out.push(element);
  });
  out.complete = complete;
  return out;
}
// The completions of a partly known list in one case (eligo.compiled.list_states): one complete list per state of the
// decision's list operations that some completion reaches. `domain` is eligo.ir.list_domains.ListDomain, embedded.
const LIST_MEMO = new WeakMap();
function listStep(domain, state, option, element) {
  const effects = domain.effects[option], out = state.slice();
  domain.ops.forEach(([op, cap, summed], k) => {
    const effect = effects[k], value = out[k];
    if (op === "count") out[k] = Math.min(value + effect, cap);
    else if (op === "any" || op === "all" || op === "largest") out[k] = Math.max(value, effect);
    else if (op === "distinct") {
      if (value >= 0 && effect >= 0) { const mask = value | (1 << effect); out[k] = bitCount(mask) >= cap ? -1 : mask; }
    } else if (op === "smallest") out[k] = value < 0 ? effect : effect < 0 ? value : Math.min(value, effect);
    else if (effect) out[k] = value + element[summed];
  });
  return out;
}
function listCanonical(domain, state) {  // eligo.ir.list_domains.ListDomain.canonical
  const out = state.slice();
  domain.groups.forEach((groups, k) => {
    let value = out[k];
    if (!groups.length || value <= 0) return;
    for (const group of groups) {
      const seen = bitCount(value & group);
      value &= ~group;
      let low = group;
      for (let i = 0; i < seen; i += 1) { const chosen = low & -low; value |= chosen; low ^= chosen; }
    }
    out[k] = value;
  });
  return out.join();
}
function bitCount(mask) { let n = 0; for (let m = mask; m; m &= m - 1) n += 1; return n; }
function listClassIndex(domain, field, value) {
  const cuts = domain.cuts[field], reps = domain.reps[field];
  if (cuts === null) return reps.indexOf(value);
  const signature = (v) => cuts.map((c) => (v < c ? 0 : v === c ? 1 : 2)).join();
  const wanted = signature(value);
  return reps.findIndex((rep) => signature(rep) === wanted);
}
function listCompletions(domain, records) {
  records = records ?? Object.assign([], { complete: false });
  let memo = LIST_MEMO.get(domain);
  if (memo === undefined) LIST_MEMO.set(domain, (memo = new Map()));
  const key = JSON.stringify([records.complete !== false, records]);
  if (!memo.has(key)) {
    if (memo.size >= 1024) memo.clear();
    memo.set(key, listSearch(domain, records));
  }
  return memo.get(key);
}
function listSearch(domain, records) {
  const summed = domain.ops.map(([, , s]) => s).filter((s) => s !== null);
  const complete = records.complete !== false;
  if (summed.length && !complete) return null;
  const initial = domain.ops.map(([op, cap]) => (op === "largest" || op === "smallest" || (op === "distinct" && cap === 0) ? -1 : 0));
  let states = new Map([[initial.join(), [initial, []]]]);
  for (let index = 0; index < records.length; index += 1) {
    const element = records[index];
    if (summed.some((s) => element[s] === null || element[s] === undefined)) return null;
    const known = domain.fields.map((name, i) => (element[name] === null || element[name] === undefined ? -1 : listClassIndex(domain, i, element[name])));
    if (known.some((k, i) => k < 0 && element[domain.fields[i]] !== null && element[domain.fields[i]] !== undefined)) return null;
    const options = [];
    domain.classes.forEach((indices, c) => { if (known.every((k, i) => k < 0 || k === indices[i])) options.push(c); });
    const following = new Map();
    for (const [state, path] of states.values()) {
      for (const option of options) {
        const reached = listStep(domain, state, option, element), at = reached.join();  // known elements: no renaming
        if (!following.has(at)) following.set(at, [reached, [...path, [index, option]]]);
      }
    }
    states = following;
    if (states.size > MAX_LIST_STATES) return null;
  }
  if (!complete) {  // extra elements are of every class: renamed states are alike (eligo.compiled.list_states)
    const renamed = new Map();
    for (const [state, path] of states.values()) {
      const key = listCanonical(domain, state);
      if (!renamed.has(key)) renamed.set(key, [state, path]);
    }
    states = renamed;
    let frontier = [...states.keys()];
    while (frontier.length) {
      const later = [];
      for (const at of frontier) {
        const [state, path] = states.get(at);
        for (let option = 0; option < domain.classes.length; option += 1) {
          const reached = listStep(domain, state, option, null), key = listCanonical(domain, reached);
          if (!states.has(key)) { states.set(key, [reached, [...path, [-1, option]]]); later.push(key); }
        }
      }
      if (states.size > MAX_LIST_STATES) return null;
      frontier = later;
    }
  }
  const kept = new Map();
  for (const [state, path] of states.values()) {
    const seen = domain.ops.map(([op, cap], k) => {  // eligo.ir.list_domains.ListDomain.observable
      const value = op === "distinct" ? (state[k] < 0 ? cap : bitCount(state[k])) : state[k];
      return op === "count" || op === "distinct" ? domain.points[k].map((c) => (value < c ? 0 : value === c ? 1 : 2)).join(":") : value;
    }).join();
    if (!kept.has(seen)) kept.set(seen, path);
  }
  return [...kept.values()].map((path) => path.map(([index, option]) => {
    const element = index >= 0 ? { ...records[index] } : Object.fromEntries(domain.names.map((n) => [n, null]));
    domain.fields.forEach((name, i) => {
      if (element[name] === null || element[name] === undefined) element[name] = domain.reps[i][domain.classes[option][i]];
    });
    return element;
  }));
}
const MAX_LIST_STATES = 4096;  // eligo.ir.domains.MAX_COMPLETIONS
