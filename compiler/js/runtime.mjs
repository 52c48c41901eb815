// Eligo's JavaScript runtime, written once by hand and copied into every module `eligo js` generates.
// It mirrors the Python runtime: Kleene helpers (null is unknown, NA is `none`), months and days between,
// the hit policies, case validation as eligo.cases does it (the same problems, field and message), and the
// exact refinement of unknowns (eligo.compiled.exact). Dates are held as "YYYY-MM-DD" strings, which order and
// compare as the dates they spell. What is guideline-specific (inputs, rules, domains) is data in PROGRAM.

export const NA = Object.freeze({ toString: () => "none" });
const DECIDED = 0, UNKNOWN = 1, UNMATCHED = 2, CONFLICT = 3, OPEN = 4;
const STATUSES = ["decided", "unknown", "unmatched", "conflict", "open"];
const OTHERWISE = -1, NO_RULE = -2;
const NO_OUTCOME = "none", OPEN_OUTCOME = "open";  // in `possible`: no rule applies; an open question
const DAYS_PER_MONTH = 365.25 / 12;
const MAX_PROBLEMS = 50, MAX_EXACT = 2 ** 53;

// ------------------------------------------------------------------ Kleene logic
function same(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
function truth(v) { return v === NA ? false : v; }
function not_(v) { return v === null ? null : v !== true; }
function and_(values) { return values.includes(false) ? false : values.includes(null) ? null : true; }
function or_(values) { return values.includes(true) ? true : values.includes(null) ? null : false; }
function compare(op, a, b) {
  if (a === null || b === null) return null;
  if (a === NA || b === NA) return false;
  switch (op) {
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    case ">=": return a >= b;
    case "=": return same(a, b);
    default: return !same(a, b);
  }
}
function arith(op, a, b) {
  if (a === null || b === null) return null;
  if (a === NA || b === NA) return NA;
  return op === "+" ? a + b : op === "-" ? a - b : a * b;
}
function divide(a, b) {  // a divisor known to be zero makes `none`, whatever the dividend
  if (b === 0) return NA;
  if (a === null || b === null) return null;
  if (a === NA || b === NA) return NA;
  return a / b;
}
function neg(v) { return v === null ? null : v === NA ? NA : -v; }
function testNone(v) { return v === null ? null : v === NA; }
function inSet(v, items, negated) {
  if (v === null) return null;
  if (v === NA) return negated;
  if (items.some((item) => item !== null && same(item, v))) return !negated;
  if (items.includes(null)) return null;
  return negated;
}
function between(v, low, high) {
  const above = v === null || low === null ? null : v === NA || low === NA ? false : v >= low;
  const below = v === null || high === null ? null : v === NA || high === NA ? false : v <= high;
  if (above === false || below === false) return false;
  if (above === null || below === null) return null;
  return true;
}
function firstKnown(held, first) {  // the first item the data holds, else the first item (completed or not)
  for (const v of held) if (v !== null) return v;
  return first;
}
function ifElse(cond, then, otherwise) { return cond === true ? then : cond === null ? null : otherwise; }
function lookupKey(keys) { return keys.map((k) => (k === NA ? "\u0000" : typeof k + ":" + k)).join("\u0001"); }
function inBand([low, lowIn, high, highIn], v) {  // eligo.ir.tables.Band.contains
  if (typeof v !== "number") return false;
  if (low !== null && (v < low || (v === low && !lowIn))) return false;
  return !(high !== null && (v > high || (v === high && !highIn)));
}
function bandLookup(rows, keys, fallback) {  // rows: [keys, value]; a key is null (any), a band [..], or a value
  if (keys.includes(null)) return null;
  if (keys.includes(NA)) return fallback;
  for (const [row, value] of rows) {
    if (row.every((k, i) => k === null || (Array.isArray(k) ? inBand(k, keys[i]) : k === keys[i]))) return value;
  }
  return fallback;
}
function lookup(table, keys, fallback) {
  if (keys.includes(null)) return null;
  const key = lookupKey(keys);
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : fallback;
}

// ------------------------------------------------------------------ dates ("YYYY-MM-DD")
function ymd(text) { return [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))]; }
function dayNumber(text) {  // days since 1970-01-01 (setUTCFullYear, since Date.UTC reads years 0-99 as 1900-1999)
  const [y, m, d] = ymd(text);
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  return Math.round(day.getTime() / 86400000);
}
function daysInMonth(y, m) { return [31, (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]; }
function addMonths([y, m, d], months) {
  const total = m - 1 + months;
  const year = y + Math.floor(total / 12), month = ((total % 12) + 12) % 12 + 1;
  return [year, month, Math.min(d, daysInMonth(year, month))];
}
function ymdToDays([y, m, d]) { return dayNumber(`${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`); }
function monthsBetween(start, end) {
  if (start === null || end === null) return null;
  if (end < start) return -monthsBetween(end, start);
  const s = ymd(start), e = ymd(end);
  let months = (e[0] - s[0]) * 12 + e[1] - s[1];
  const endDays = dayNumber(end);
  let anchor = ymdToDays(addMonths(s, months));
  if (anchor > endDays) { months -= 1; anchor = ymdToDays(addMonths(s, months)); }
  return months + (endDays - anchor) / DAYS_PER_MONTH;
}
function daysBetween(start, end) {
  if (start === null || end === null) return null;
  return (dayNumber(end) - dayNumber(start)) / DAYS_PER_MONTH;
}

// ------------------------------------------------------------------ the cut points of a relative input in one case
// (eligo.compiled.cuts): the arithmetic between it and its comparison undone with the case's values, and `months
// between` inverted with the other date by bisection over days with the evaluators' own function
function arithValue(op, a, b) {
  if (a === null || b === null) return null;
  if (a === NA || b === NA || (op === "/" && b === 0)) return NA;
  return op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : a / b;
}
function elapsedValue(unit, a, b) {
  if (typeof a !== "string" || typeof b !== "string") return null;
  return unit === "months" || unit === "years" ? monthsBetween(a, b) : daysBetween(a, b);
}
function isNumber(v) { return typeof v === "number" && Number.isFinite(v); }
function undo(steps, value, operand) {
  for (const step of [...steps].reverse()) {
    if (step.op === "neg") { value = -value; continue; }
    const k = operand(step.operand);
    if (!isNumber(k)) return null;
    if (step.op === "+") value -= k;
    else if (step.op === "-" && !step.left) value += k;
    else if (step.op === "-") value = k - value;
    else if (step.op === "*") { if (k === 0) return null; value /= k; }
    else if (step.op === "/" && !step.left) { if (k === 0) return null; value *= k; }
    else if (step.op === "/") { if (value === 0) return null; value = k / value; }
    else return null;
  }
  return value;
}
function addDays(day, days) {  // throws beyond years 1 to 9999, as Python's dates do
  const [y, m, d] = ymd(day);
  const moved = new Date(0);
  moved.setUTCFullYear(y, m - 1, d + days);
  const year = moved.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError("date out of range");
  return `${String(year).padStart(4, "0")}-${String(moved.getUTCMonth() + 1).padStart(2, "0")}-${String(moved.getUTCDate()).padStart(2, "0")}`;
}
function crossing(pair, movingEnd, other, months) {
  const between = pair.unit === "months" ? monthsBetween : daysBetween;
  const reaches = (days) => {
    const moved = movingEnd ? addDays(other, days) : addDays(other, -days);
    return movingEnd ? between(other, moved) >= months : between(moved, other) >= months;
  };
  const guess = Math.round(months * DAYS_PER_MONTH);  // Python's round: half to even
  const rounded = Math.abs(months * DAYS_PER_MONTH % 1) === 0.5 ? 2 * Math.round(months * DAYS_PER_MONTH / 2) : guess;
  let low = rounded - 64, high = rounded + 64;
  try {
    while (reaches(low)) low -= 4 * (high - low);
    while (!reaches(high)) high += 4 * (high - low);
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (reaches(middle)) high = middle; else low = middle;
    }
    return movingEnd ? addDays(other, high) : addDays(other, -high);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}
function between_(a, b, integer) {  // eligo.ir.domains._between
  if (!Number.isFinite(a) && !Number.isFinite(b)) return 0;
  if (!Number.isFinite(a)) return b - 1;
  if (!Number.isFinite(b)) return a + 1;
  if (integer) { const middle = Math.floor(a) + 1; return middle < b ? middle : null; }
  return a < b ? (a + b) / 2 : null;
}
function representatives(info, cuts) {  // eligo.ir.domains.representatives
  if (info.kind === "bool") return [true, false];
  if (info.kind === "enum") return [...info.values];
  if (info.kind === "date") {
    const points = [cuts.length ? addDays(cuts[0], -1) : "2000-01-01"];
    cuts.forEach((day, i) => {
      points.push(day);
      points.push(i + 1 === cuts.length || cuts[i + 1] > addDays(day, 1) ? addDays(day, 1) : day);
    });
    return [...new Set(points)];
  }
  const low = info.low !== null ? info.low * info.factor : -Infinity, high = info.high !== null ? info.high * info.factor : Infinity;
  const anchors = [low, ...cuts.filter((c) => low <= c && c <= high), high];
  const points = [];
  for (let i = 0; i + 1 < anchors.length; i++) { points.push(anchors[i]); points.push(between_(anchors[i], anchors[i + 1], info.integer)); }
  points.push(high);
  let values = points.filter((v) => v !== null && Number.isFinite(v) && low <= v && v <= high);
  if (info.integer) values = values.filter((v) => Number.isInteger(v));
  if (!values.length) values = [low <= 0 && 0 <= high ? 0 : Number.isFinite(low) ? low : high];
  return [...new Set(values)];
}
function inputClasses(program, exprs, name, c) {
  const fixed = program.domains[name];
  const relative = program.relative[name];
  if (fixed !== null || relative === undefined) return fixed;
  const info = program.inputs[name];
  const operand = (x) => (x !== null && typeof x === "object" && "fn" in x ? exprs[x.fn](c) : x);
  const cuts = [...relative.cuts];
  for (const site of relative.sites) {
    const targets = "values" in site.against ? site.against.values : [operand(site.against)];
    for (const target of targets) {
      if (target === null) return null;  // the case does not hold what this comparison reads
      if (target === NA) continue;
      if (typeof target === "string") {
        if (!site.steps.length && site.pair === null) cuts.push(target);
        continue;
      }
      if (typeof target !== "number") continue;
      const undone = undo(site.steps, target, operand);
      if (undone === null) {
        if (site.steps.some((s) => operand(s.operand) === null)) return null;
        continue;  // the comparison does not depend on `name` in this case
      }
      if (site.pair === null) { cuts.push(undone); continue; }
      const other = c[name === site.pair.end ? site.pair.start : site.pair.end];
      if (typeof other !== "string") return null;
      const found = crossing(site.pair, name === site.pair.end, other, undone);
      if (found !== null) cuts.push(found);
    }
  }
  const kept = info.kind === "date" ? cuts.filter((x) => typeof x === "string") : cuts.filter((x) => typeof x === "number");
  return representatives(info, [...new Set(kept)].sort(info.kind === "date" ? undefined : (a, b) => a - b));
}

// ------------------------------------------------------------------ hit policies: [value, status, rule, unknown rules]
function settled(value, rule) {  // a rule decides: its outcome, or its open question
  return value === OPEN_OUTCOME ? [NA, OPEN, rule, []] : [value, DECIDED, rule, []];
}
function decideFirst(truths, outcomes, fallback) {
  const unknown = [];
  for (let i = 0; i < truths.length; i++) {
    if (truths[i] === true) {
      return unknown.some((j) => outcomes[j] !== outcomes[i]) ? [null, UNKNOWN, i, unknown] : settled(outcomes[i], i);
    }
    if (truths[i] === null) unknown.push(i);
  }
  if (fallback !== null) {
    return unknown.some((j) => outcomes[j] !== fallback) ? [null, UNKNOWN, OTHERWISE, unknown] : settled(fallback, OTHERWISE);
  }
  return unknown.length ? [null, UNKNOWN, NO_RULE, unknown] : [NA, UNMATCHED, NO_RULE, []];
}
function decideUnique(truths, outcomes, fallback) {
  const fired = [], unknown = [];
  truths.forEach((t, i) => { if (t === true) fired.push(i); else if (t === null) unknown.push(i); });
  if (fired.length > 1) return [null, CONFLICT, fired[0], fired];
  let value, index;
  if (fired.length) [value, index] = [outcomes[fired[0]], fired[0]];
  else if (fallback !== null) [value, index] = [fallback, OTHERWISE];
  else return unknown.length ? [null, UNKNOWN, NO_RULE, unknown] : [NA, UNMATCHED, NO_RULE, []];
  if (unknown.some((i) => outcomes[i] !== value)) return [null, UNKNOWN, index, unknown];
  return [value, DECIDED, index, []];
}
function decideCollect(truths, outcomes, fallback, order) {
  const fired = new Set(outcomes.filter((_, i) => truths[i] === true));
  const unknown = truths.map((t, i) => i).filter((i) => truths[i] === null && !fired.has(outcomes[i]));
  if (unknown.length) return [null, UNKNOWN, NO_RULE, unknown];
  if (!fired.size && fallback !== null) fired.add(fallback);
  return [order.filter((o) => fired.has(o)), DECIDED, NO_RULE, []];
}

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
  let budget = 2 * MAX_COMPLETIONS;
  const build = (at) => {
    budget -= 1;
    if (budget < 0) throw new NotExact();
    const result = run(filled, prepared, values).outcomes[index];
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
    const missing = Object.keys(program.inputs).filter((n) => wanted.has(n) && prepared[n] === null);
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
  if (options.criteria) {
    result.criteria = {};
    for (const index of program.own) result.criteria[program.nodes[index].name] = main.truths[index].map((t) => truth(t));
  }
  return result;
}
