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
