// Eligo's JavaScript runtime, part 2: case validation as eligo.cases does it, with Python's wording of values
// (repr, json.dumps, format(x, "g"), difflib's close matches), so that a refused case names the same problems.

// ------------------------------------------------------------------ messages as Python words them
function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}
function pyNumber(v) {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  let text = String(v);
  const m = /^(-?[0-9.]+)e([+-])([0-9]+)$/.exec(text);
  if (m) text = `${m[1]}e${m[2]}${m[3].padStart(2, "0")}`;
  else if (Math.abs(v) >= 1e16) text = v.toExponential().replace(/e\+?(-?)([0-9]+)$/, (_, s, d) => `e${s || "+"}${d.padStart(2, "0")}`);
  return text;
}
function pyJson(v) {  // json.dumps: ", " and ": " separators, non-ASCII escaped
  if (v === null || v === undefined) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "number") return pyNumber(v);
  if (typeof v === "string") return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  if (Array.isArray(v)) return "[" + v.map(pyJson).join(", ") + "]";
  if (typeof v === "object") return "{" + Object.entries(v).map(([k, x]) => pyJson(k) + ": " + pyJson(x)).join(", ") + "}";
  return String(v);
}
function short(text) { return text.length < 60 ? text : text.slice(0, 57) + "…"; }
function elide(text, limit) {  // reprlib's long-repr elision: the two ends kept, "..." between
  if (text.length <= limit) return text;
  const i = Math.max(0, Math.floor((limit - 3) / 2)), j = Math.max(0, limit - 3 - i);
  return text.slice(0, i) + "..." + text.slice(text.length - j);
}
function pyBounded(v, level) {  // reprlib.Repr with maxlevel 2, four items, 24 characters (eligo.cases._REPR)
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    if (level <= 0) return "[...]";
    const pieces = v.slice(0, 4).map((x) => pyBounded(x, level - 1));
    return "[" + [...pieces, ...(v.length > 4 ? ["..."] : [])].join(", ") + "]";
  }
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).sort();
    if (!keys.length) return "{}";
    if (level <= 0) return "{...}";
    const pieces = keys.slice(0, 4).map((k) => `${pyBounded(k, level - 1)}: ${pyBounded(v[k], level - 1)}`);
    return "{" + [...pieces, ...(keys.length > 4 ? ["..."] : [])].join(", ") + "}";
  }
  if (typeof v === "string") {
    const text = pyRepr(v.slice(0, 24));
    if (text.length <= 24) return text;
    const i = Math.max(0, Math.floor(21 / 2)), j = Math.max(0, 21 - i);
    const kept = pyRepr(v.slice(0, i) + v.slice(v.length - j));
    return kept.slice(0, i) + "..." + kept.slice(kept.length - j);
  }
  const text = v === null ? "None" : v === true ? "True" : v === false ? "False" : typeof v === "number" ? pyNumber(v) : String(v);
  return elide(text, 24);
}
function show(v) {  // eligo.cases._show: a short rendering of a value for a message
  if (typeof v === "string") return v.length < 60 ? pyRepr(v) : pyRepr(v.slice(0, 56)) + "…";
  if (v !== null && typeof v === "object") {
    const items = Array.isArray(v) ? v : Object.values(v);
    const flat = items.length <= 8 && items.every((x) => x === null || typeof x !== "object");
    if (!flat) return short(pyBounded(v, 2));
  }
  return short(pyJson(v));
}
function formatG(x) {  // Python's format(x, "g")
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [mantissa, exponent] = x.toExponential(5).split("e");
  const exp = Number(exponent);
  const strip = (t) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
  if (exp >= -4 && exp < 6) return strip(x.toFixed(5 - exp));
  return `${strip(mantissa)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

// difflib.get_close_matches(name, pool, n=1, cutoff=0.6), as eligo.dsl.diagnostics.did_you_mean uses it
function matchingBlocks(a, b) {
  const b2j = new Map();
  [...b].forEach((ch, j) => { if (!b2j.has(ch)) b2j.set(ch, []); b2j.get(ch).push(j); });
  if (b.length >= 200) {
    const limit = Math.floor(b.length / 100) + 1;
    for (const [ch, js] of [...b2j]) if (js.length > limit) b2j.delete(ch);
  }
  const longest = (alo, ahi, blo, bhi) => {
    let [besti, bestj, bestsize] = [alo, blo, 0];
    let j2len = new Map();
    for (let i = alo; i < ahi; i++) {
      const next = new Map();
      for (const j of b2j.get(a[i]) || []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) || 0) + 1;
        next.set(j, k);
        if (k > bestsize) [besti, bestj, bestsize] = [i - k + 1, j - k + 1, k];
      }
      j2len = next;
    }
    return [besti, bestj, bestsize];
  };
  const queue = [[0, a.length, 0, b.length]], blocks = [];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (k) {
      blocks.push([i, j, k]);
      if (alo < i && blo < j) queue.push([alo, i, blo, j]);
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
    }
  }
  return blocks;
}
function ratio(a, b) {
  const matches = matchingBlocks(a, b).reduce((sum, [, , k]) => sum + k, 0);
  return a.length + b.length ? (2 * matches) / (a.length + b.length) : 1;
}
function didYouMean(name, candidates) {
  const pool = [...new Set(candidates)].sort();
  const a = [...name];
  let best = null, bestScore = -1;
  for (const candidate of pool) {
    const b = [...candidate];
    const score = ratio(b, a);  // SequenceMatcher(None, word, x) with set_seq2(word): `a` is the candidate
    if (score >= 0.6 && score >= bestScore)  // ties: the larger name, as heapq.nlargest
      [best, bestScore] = [candidate, score];
  }
  if (best === null) {
    const lowered = new Map(pool.map((c) => [c.toLowerCase(), c]));
    best = lowered.get(name.toLowerCase()) ?? null;
  }
  return best === null ? "" : `did you mean \`${best}\`?`;
}

// ------------------------------------------------------------------ case validation (eligo.cases.normalise)
class CaseValueError extends Error {
  constructor(message, hint = "") { super(message); this.detail = message; this.hint = hint; }
}
export class CaseError extends Error {
  constructor(problems, source = "case", more = 0) {
    const kept = problems.slice(0, MAX_PROBLEMS);
    more += Math.max(problems.length - MAX_PROBLEMS, 0);
    const total = kept.length + more;
    let lines = kept.map((p) => `  - ${p.field}: ${p.message}` + (p.hint ? ` (${p.hint})` : "")).join("\n");
    if (more) lines += `\n  - … and ${more} more`;
    super(`${source} was refused (${total} problem${total !== 1 ? "s" : ""}):\n${lines}`);
    this.name = "CaseError";
    this.problems = kept;
    this.more = more;
    this.source = source;
  }
}
function readNumber(v, integer) {
  if (typeof v !== "number") throw new CaseValueError(`expected ${integer ? "a whole number" : "a number"}, got ${show(v)}`);
  if (!Number.isFinite(v)) throw new CaseValueError(`expected a finite number, got ${Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf"}`);
  if (Number.isInteger(v) && Math.abs(v) > MAX_EXACT && integer) {
    throw new CaseValueError(`${show(v)} is too large for a count`, "at most 9,007,199,254,740,992");
  }
  if (integer && !Number.isInteger(v)) throw new CaseValueError(`expected a whole number, got ${pyNumber(v)}`);
  return v;
}
function inRange(info, declared, canonical) {
  const unit = info.unit && info.unit !== "%" ? ` ${info.unit}` : info.unit || "";
  if (info.low !== null && declared < info.low - 1e-9) {
    throw new CaseValueError(info.high !== null
      ? `${formatG(declared)}${unit} is below the declared range ${info.lowG} to ${info.highG}${unit}`
      : `${formatG(declared)}${unit} is below the minimum ${info.lowG}${unit}`);
  }
  if (info.high !== null && declared > info.high + 1e-9) {
    throw new CaseValueError(`${formatG(declared)}${unit} is above the declared range ` +
      `${info.low !== null ? info.lowStr + " to " : ""}${info.highG}${unit}`);
  }
  return canonical;
}
const QUANTITY = /^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([^\s\d].*?)\s*$/u;
const DATE = /^ *([0-9]{4})-([0-9]{2})-([0-9]{2}) *$/;
function readQuantity(info, v, units) {
  const declared = info.unit ? units[info.unit] ?? null : null;
  let number, unit;
  if (typeof v === "number") [number, unit] = [readNumber(v, false), declared];
  else {
    let raw, unitName, match;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 2 && "value" in v
        && "unit" in v && typeof v.unit === "string") [raw, unitName] = [v.value, v.unit];
    else if (typeof v === "string" && (match = QUANTITY.exec(v))) [raw, unitName] = [Number(match[1]), match[2]];
    else throw new CaseValueError(`${info.expected}, got ${show(v)}`);
    number = readNumber(raw, false);
    unit = units[unitName] ?? null;
    if (unit === null) throw new CaseValueError(`unknown unit ${show(unitName)}`, didYouMean(unitName, Object.keys(units)) || "e.g. months");
  }
  if (unit === null || unit.dimension !== info.dimension) {
    throw new CaseValueError(`${show(v)} is not ${info.describe}`, `give it in ${info.unit}`);
  }
  const canonical = number * unit.factor;
  if (!Number.isFinite(canonical)) throw new CaseValueError(`${show(v)} is too large`, "give a finite number");
  return inRange(info, declared ? canonical / declared.factor : canonical, canonical);
}
function readDate(v) {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  const match = typeof v === "string" ? DATE.exec(v) : null;
  if (match) {
    const [y, m, d] = match.slice(1).map(Number);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
      throw new CaseValueError(`${v.trim()} is not a real date`, "check the month and day");
    }
    return `${match[1]}-${match[2]}-${match[3]}`;
  }
  throw new CaseValueError(`expected a date written YYYY-MM-DD, got ${show(v)}`);
}
function convert(info, v, units) {
  switch (info.kind) {
    case "bool":
      if (typeof v === "boolean") return v;
      if (typeof v === "string" && ["yes", "no", "true", "false"].includes(v.toLowerCase())) return ["yes", "true"].includes(v.toLowerCase());
      throw new CaseValueError(`expected yes/no (true or false), got ${show(v)}`);
    case "number": return inRange(info, readNumber(v, info.integer), readNumber(v, info.integer));
    case "quantity": return readQuantity(info, v, units);
    case "date": return readDate(v);
    case "enum":
      if (typeof v !== "string") throw new CaseValueError(`expected one of ${info.values.join(", ")}, got ${show(v)}`);
      if (!info.values.includes(v)) {
        throw new CaseValueError(`${show(v)} is not a value of ${info.spec}`, didYouMean(v, info.values) || `one of ${info.values.join(", ")}`);
      }
      return v;
  }
  throw new CaseValueError(`input of type ${info.describe} cannot be given in a case`);
}
function normalise(program, input, source = "case", ignoreUnknown = false) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new CaseError([{ field: "(case)", message: `a case must map input names to values, got ${show(input ?? null)}`, hint: "" }], source);
  }
  const problems = [];
  let more = 0;
  const out = {};
  for (const name of Object.keys(program.inputs)) out[name] = null;
  for (const [field, value] of Object.entries(input)) {
    const info = Object.prototype.hasOwnProperty.call(program.inputs, field) ? program.inputs[field] : null;
    let problem = null;
    if (info === null) {
      if (ignoreUnknown) continue;
      const name = field.length <= 80 ? field : field.slice(0, 77) + "…";
      const hint = problems.length < MAX_PROBLEMS && name.length < 200 ? didYouMean(name, Object.keys(program.inputs)) : "";
      problem = { field: name, message: "is not an input of this guideline", hint };
    } else if (value !== null && value !== undefined && info.kind === "list") {
      const found = [];
      out[field] = convertList(info, value, program.units, found);
      for (const each of found) if (problems.length < MAX_PROBLEMS) problems.push(each); else more += 1;
    } else if (value !== null && value !== undefined) {
      try { out[field] = convert(info, value, program.units); } catch (error) {
        if (!(error instanceof CaseValueError)) throw error;
        problem = { field, message: error.detail, hint: error.hint };
      }
    }
    if (problem !== null) {
      if (problems.length < MAX_PROBLEMS) problems.push(problem); else more += 1;
    }
  }
  if (problems.length) throw new CaseError(problems, source, more);
  return out;
}

