// Lays out the site's dependency graphs with elkjs (the Eclipse Layout Kernel's layered algorithm).
// Reads {"graphs": [ELK graph, ...]} as JSON on standard input; writes the laid-out graphs as JSON.
// Run by compiler/docs/graph.py at build time; elkjs comes from the repository's package-lock.json (npm ci).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ELK = require("elkjs/lib/elk.bundled.js");

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { graphs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const elk = new ELK();
const laidOut = [];
for (const graph of graphs) laidOut.push(await elk.layout(graph));
process.stdout.write(JSON.stringify({ graphs: laidOut }));
