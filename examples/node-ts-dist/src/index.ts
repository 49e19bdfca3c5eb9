import { readFileSync } from "fs";
import { join } from "path";
import { total, Line } from "./invoice";
// ms ships no types: typed here.
const ms: (v: number, o?: { long: boolean }) => string = require("ms");

const lines: Line[] = [
  { item: "Widget", qty: 3, cents: 1250 },
  { item: "Gadget", qty: 1, cents: 9900 },
  { item: "Gizmo", qty: 12, cents: 75 },
];

const template = readFileSync(join(__dirname, "..", "views", "summary.txt"), "utf8");
const body = template
  .replace("{{count}}", String(lines.length))
  .replace("{{total}}", (total(lines) / 100).toFixed(2))
  .replace("{{due}}", ms(30 * 24 * 3600 * 1000, { long: true }));
process.stdout.write(body);
