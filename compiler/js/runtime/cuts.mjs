// Eligo's JavaScript runtime, part 3: the value classes of a relative input in one case (eligo.ir.domains,
// eligo.compiled.cuts), which the exact refinement splits missing inputs by.

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
function undoStep(step, value, k) {
  if (step.op === "neg") return -value;
  if (!isNumber(k)) return null;
  if (step.op === "+") return value - k;
  if (step.op === "-") return step.left ? k - value : value + k;
  if (step.op === "*") return k !== 0 ? value / k : null;
  if (step.op === "/" && !step.left) return k !== 0 ? value * k : null;
  if (step.op === "/") return value !== 0 ? k / value : null;  // k / x = value at x = k / value
  return null;
}
function undo(steps, value, operand) {  // the subject's values at which `steps` give `value` (eligo.ir.domains.undo)
  let found = [value];
  for (const step of [...steps].reverse()) {
    const k = step.op !== "neg" ? operand(step.operand) : 0;
    const each = Array.isArray(k) ? k : [k];
    found = each.flatMap((x) => found.map((v) => undoStep(step, v, x)).filter((v) => v !== null));
  }
  return found;
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
function representatives(info, cuts, sides = null) {  // eligo.ir.domains.representatives
  // sides: [cut, "le" | "lt" | "eq"]: the classes a comparison cannot tell apart are merged (`x > 12` only splits
  // at or below 12 from above it)
  const found = someOfEach(info, cuts);
  if (found === null || sides === null || sides.every(([, side]) => side === "eq")) return found;
  const kept = new Map();
  for (const value of found) {
    const signature = JSON.stringify(sides.map(([c, side]) => (side === "le" ? value <= c : side === "lt" ? value < c : [value < c, value === c])));
    if (!kept.has(signature)) kept.set(signature, value);
  }
  return [...kept.values()];
}
function someOfEach(info, cuts) {
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
  const operand = (x) => (x !== null && typeof x === "object" ? ("fn" in x ? exprs[x.fn](c) : x.points) : x);
  const sides = relative.cuts.map(([cut, side]) => [cut, side]);
  const cuts = sides.map(([cut]) => cut);
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
      if (site.steps.some((s) => operand(s.operand) === null)) return null;
      const undone = undo(site.steps, target, operand);  // empty: it does not depend on `name` in this case
      if (site.pair === null) { cuts.push(...undone); continue; }
      const other = c[name === site.pair.end ? site.pair.start : site.pair.end];
      if (typeof other !== "string") return null;
      for (const months of undone) {
        const found = crossing(site.pair, name === site.pair.end, other, months);
        if (found !== null) cuts.push(found);
      }
    }
  }
  const kept = info.kind === "date" ? cuts.filter((x) => typeof x === "string") : cuts.filter((x) => typeof x === "number");
  for (const cut of kept) if (!sides.some(([c]) => c === cut)) sides.push([cut, "eq"]);
  return representatives(info, [...new Set(kept)].sort(info.kind === "date" ? undefined : (a, b) => a - b), sides);
}

