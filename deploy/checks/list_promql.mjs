// Prints every PromQL expression of the alerting rules and the Grafana
// dashboards, one per line as `SOURCE<TAB>EXPRESSION`, made runnable as an
// instant query against the lab's Prometheus:
// - dashboards: Grafana's variables take values that select everything the
//   lab has ($job: kanarya, $namespace: .*, $__range: 1h, $__rate_interval:
//   1m, $__interval: 1m); a variable left over is an error;
// - rules: an alert's trailing threshold (`> 0`, `== 1`, `> 2 * 3600`) is cut,
//   and absent(X) becomes X, so the query shows the series the alert reads
//   exist with those labels, whether or not the alert would fire.
//
//   node list_promql.mjs NODE_MODULES RULES.yaml DASHBOARD.json...
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [nodeModules, rulesFile, ...dashboards] = process.argv.slice(2);
if (!rulesFile || dashboards.length === 0) {
  console.error("usage: node list_promql.mjs NODE_MODULES RULES.yaml DASHBOARD.json...");
  process.exit(2);
}
const YAML = await import(pathToFileURL(`${nodeModules}/yaml/dist/index.js`).href);
const oneLine = (expr) => expr.replace(/\s+/g, " ").trim();
let failed = false;

for (const group of YAML.parse(readFileSync(rulesFile, "utf8")).groups) {
  for (const rule of group.rules) {
    let expr = oneLine(rule.expr).replace(/\s*(==|!=|>=|<=|>|<)\s*[0-9.]+(\s*[*+]\s*[0-9.]+)*$/, "");
    const absent = /^absent\((.*)\)$/.exec(expr);
    if (absent) expr = absent[1];
    console.log(`${rulesFile}: ${rule.alert ?? rule.record}\t${expr}`);
  }
}

const values = { job: "kanarya", namespace: ".*", __range: "1h", __rate_interval: "1m", __interval: "1m" };
for (const file of dashboards) {
  const dashboard = JSON.parse(readFileSync(file, "utf8"));
  // A variable's label_values(SELECTOR, LABEL) is Grafana's, not PromQL:
  // run as count by (LABEL) (SELECTOR).
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    const labelValues = /^label_values\((.*),\s*(\w+)\)$/.exec(query ?? "");
    if (variable.type !== "query") continue;
    if (!labelValues) {
      console.error(`${file}: variable ${variable.name}: not label_values(SELECTOR, LABEL): ${query}`);
      failed = true;
      continue;
    }
    const selector = labelValues[1].replace(/\$\{?(\w+)\}?/g, (whole, name) => values[name] ?? whole);
    console.log(`${file}: variable ${variable.name}\tcount by (${labelValues[2]}) (${selector})`);
  }
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      const expr = oneLine(target.expr).replace(/\$\{?(\w+)\}?/g, (whole, name) => values[name] ?? whole);
      if (expr.includes("$")) {
        console.error(`${file}: ${panel.title}: unknown variable in ${expr}`);
        failed = true;
      }
      console.log(`${file}: ${panel.title} (${target.refId})\t${expr}`);
    }
  }
}
process.exit(failed ? 1 : 0);
