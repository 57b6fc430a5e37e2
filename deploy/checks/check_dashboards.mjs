// The Grafana dashboards' structure, which Grafana would only complain about
// on import: a `datasource` variable of type datasource for Prometheus, and
// every panel and target using it; unique panel ids; panels within the 24
// columns and not overlapping; every target with an expression and a refId.
// (The expressions themselves run on the lab's Prometheus: lab_queries.sh.)
//
//   node check_dashboards.mjs DASHBOARD.json...
import { readFileSync } from "node:fs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check_dashboards.mjs DASHBOARD.json...");
  process.exit(2);
}
const failures = [];
const uids = new Set();
for (const file of files) {
  const fail = (reason) => failures.push(`${file}: ${reason}`);
  const dashboard = JSON.parse(readFileSync(file, "utf8"));
  if (!dashboard.uid || uids.has(dashboard.uid)) fail(`uid missing or repeated: ${dashboard.uid}`);
  uids.add(dashboard.uid);
  const variables = dashboard.templating?.list ?? [];
  const datasource = variables.find((v) => v.name === "datasource");
  if (!datasource || datasource.type !== "datasource" || datasource.query !== "prometheus") {
    fail("no `datasource` variable of type datasource for prometheus");
  }
  const usesDatasource = (ds) => ds?.type === "prometheus" && ds?.uid === "${datasource}";
  for (const variable of variables.filter((v) => v.type === "query")) {
    if (!usesDatasource(variable.datasource)) fail(`variable ${variable.name} does not use $datasource`);
  }
  const ids = new Set();
  const cells = new Map();  // "x,y" -> panel title, for overlaps
  for (const panel of dashboard.panels ?? []) {
    const name = `panel ${panel.id} "${panel.title}"`;
    if (ids.has(panel.id)) fail(`${name}: id repeated`);
    ids.add(panel.id);
    const { x, y, w, h } = panel.gridPos ?? {};
    if (![x, y, w, h].every(Number.isInteger) || x < 0 || w < 1 || x + w > 24 || h < 1) {
      fail(`${name}: gridPos ${JSON.stringify(panel.gridPos)} outside the 24 columns`);
      continue;
    }
    for (let i = x; i < x + w; i++) {
      for (let j = y; j < y + h; j++) {
        const other = cells.get(`${i},${j}`);
        if (other) fail(`${name} overlaps ${other}`);
        cells.set(`${i},${j}`, name);
      }
    }
    if (panel.type === "row") continue;
    if (!usesDatasource(panel.datasource)) fail(`${name}: datasource is not $datasource`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) fail(`${name}: no target`);
    const refIds = new Set();
    for (const target of targets) {
      if (!target.expr?.trim()) fail(`${name}: a target without an expression`);
      if (!target.refId || refIds.has(target.refId)) fail(`${name}: refId missing or repeated`);
      refIds.add(target.refId);
      if (target.datasource && !usesDatasource(target.datasource)) {
        fail(`${name}: target ${target.refId}'s datasource is not $datasource`);
      }
    }
  }
  console.log(`${file}: ${ids.size} panels`);
}
for (const failure of failures) console.log(`FAIL ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);
