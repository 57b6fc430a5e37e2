// Each example's rollout spec names objects its own directory ships: the
// VirtualService with the route and the stable and canary destinations, the
// DestinationRule with both subsets, in the spec's namespace; and the
// PrometheusRule in deploy/base carries exactly the groups of the plain
// rules file that promtool tests.
//
//   node check_examples.mjs NODE_MODULES RENDERED_EXAMPLES.yaml EXAMPLES_DIR RULES.yaml RENDERED_BASE.yaml
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { pathToFileURL } from "node:url";

const [nodeModules, renderedExamples, examplesDir, rulesFile, renderedBase] = process.argv.slice(2);
if (!renderedBase) {
  console.error("usage: node check_examples.mjs NODE_MODULES RENDERED_EXAMPLES.yaml EXAMPLES_DIR RULES.yaml RENDERED_BASE.yaml");
  process.exit(2);
}
const YAML = await import(pathToFileURL(`${nodeModules}/yaml/dist/index.js`).href);
const objectsOf = (file) =>
  YAML.parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((o) => o);

const failures = [];
const objects = objectsOf(renderedExamples);
const find = (kind, namespace, name) =>
  objects.find((o) => o.kind === kind && o.metadata?.namespace === namespace && o.metadata?.name === name);

let specs = 0;
for (const service of readdirSync(examplesDir).sort()) {
  const specFile = `${examplesDir}/${service}/rollout-v2.yaml`;
  if (!existsSync(specFile)) continue;
  specs++;
  const failuresBefore = failures.length;
  const fail = (reason) => failures.push(`${specFile}: ${reason}`);
  const spec = YAML.parse(readFileSync(specFile, "utf8"));
  const target = spec.target;
  if (!find("Namespace", undefined, target.namespace)) fail(`no Namespace ${target.namespace}`);
  const vs = find("VirtualService", target.namespace, target.virtual_service);
  const dr = find("DestinationRule", target.namespace, target.destination_rule);
  if (!vs) fail(`no VirtualService ${target.namespace}/${target.virtual_service}`);
  if (!dr) fail(`no DestinationRule ${target.namespace}/${target.destination_rule}`);
  if (vs) {
    const route = (vs.spec.http ?? []).find((r) => r.name === target.route);
    if (!route) fail(`VirtualService ${vs.metadata.name} has no http route named ${target.route}`);
    for (const side of ["stable", "canary"]) {
      const wanted = target[side];
      if (route && !route.route.some((d) => d.destination.host === wanted.host &&
                                            d.destination.subset === wanted.subset)) {
        fail(`route ${target.route} has no destination ${wanted.host} subset ${wanted.subset}`);
      }
    }
    const weights = route ? route.route.map((d) => d.weight ?? 0) : [];
    if (route && weights.reduce((a, b) => a + b, 0) !== 100) fail(`route ${target.route}'s weights do not add up to 100`);
  }
  if (dr) {
    for (const side of ["stable", "canary"]) {
      if (dr.spec.host !== target[side].host) fail(`DestinationRule host ${dr.spec.host} is not ${target[side].host}`);
      if (!(dr.spec.subsets ?? []).some((s) => s.name === target[side].subset)) {
        fail(`DestinationRule ${dr.metadata.name} has no subset ${target[side].subset}`);
      }
    }
  }
  const binding = objects.find((o) => o.kind === "RoleBinding" && o.metadata?.namespace === target.namespace &&
                                     o.roleRef?.name === "kanarya-target");
  if (!binding) fail(`no RoleBinding to ClusterRole kanarya-target in ${target.namespace}`);
  if (!objects.some((o) => o.kind === "NetworkPolicy" && o.metadata?.namespace === target.namespace)) {
    fail(`no NetworkPolicy in ${target.namespace}`);
  }
  console.log(`${failures.length > failuresBefore ? "FAIL" : "ok  "} ${specFile}`);
}
if (specs === 0) failures.push(`${examplesDir}: no */rollout-v2.yaml`);

const rules = YAML.parse(readFileSync(rulesFile, "utf8"));
const prometheusRule = objectsOf(renderedBase).find((o) => o.kind === "PrometheusRule");
if (!prometheusRule) {
  failures.push(`${renderedBase}: no PrometheusRule`);
} else if (!isDeepStrictEqual(prometheusRule.spec.groups, rules.groups)) {
  failures.push(`PrometheusRule ${prometheusRule.metadata.name} differs from ${rulesFile}: regenerate it (its header says how)`);
} else {
  console.log(`ok   PrometheusRule ${prometheusRule.metadata.name} equals ${rulesFile}`);
}
for (const failure of failures) console.log(`FAIL ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);
