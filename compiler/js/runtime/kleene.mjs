// Eligo's JavaScript runtime, written once by hand and copied into every module `eligo js` generates (its four
// parts in order: kleene, cases, cuts, exact). It mirrors the Python runtime: Kleene helpers (null is unknown, NA is `none`), months and days between,
// the hit policies, case validation as eligo.cases does it (the same problems, field and message), and the
// exact refinement of unknowns (eligo.compiled.exact). Dates are held as "YYYY-MM-DD" strings, which order and
// compare as the dates they spell. What is guideline-specific (inputs, rules, domains) is data in PROGRAM.
// Part 1: the outcome encoding (eligo.ir.outcome), three-valued logic, dates, and the hit policies.

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

