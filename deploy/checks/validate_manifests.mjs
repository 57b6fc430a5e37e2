// Validates rendered Kubernetes manifests offline against the schemas that
// the npm packages kubernetes-models, @kubernetes-models/istio and
// @kubernetes-models/prometheus-operator ship (Kubernetes, Istio,
// Prometheus Operator). Every object must have a schema: an apiVersion or
// kind none of them knows is an error, never a pass.
//
//   node validate_manifests.mjs NODE_MODULES FILE.yaml...
// Prints one line per object; exits 1 naming each invalid object and why.
// The schemas type every known field but do not refuse unknown ones (their
// JSON schemas allow additional properties): a misspelled optional field
// passes here and is caught by a server-side dry run only.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [nodeModules, ...files] = process.argv.slice(2);
if (!nodeModules || files.length === 0) {
  console.error("usage: node validate_manifests.mjs NODE_MODULES FILE.yaml...");
  process.exit(2);
}
const importFrom = (path) => import(pathToFileURL(`${nodeModules}/${path}`).href);
const YAML = await importFrom("yaml/dist/index.js");

// The package whose models cover an API group.
function packageOf(group) {
  if (group.endsWith("istio.io")) return "@kubernetes-models/istio";
  if (group === "monitoring.coreos.com") return "@kubernetes-models/prometheus-operator";
  return "kubernetes-models";
}

async function modelOf(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const path = `${packageOf(group)}/${apiVersion}/index.js`;
  let module;
  try {
    module = await importFrom(path);
  } catch {
    return null;
  }
  return typeof module[kind] === "function" ? module[kind] : null;
}

let objects = 0;
const failures = [];
for (const file of files) {
  const documents = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  for (const document of documents) {
    if (document.errors.length > 0) {
      failures.push(`${file}: YAML: ${document.errors[0].message}`);
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    objects++;
    const name = `${file}: ${object.kind ?? "?"} ${object.metadata?.namespace ?? ""}/${
      object.metadata?.name ?? "?"}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      failures.push(`${name}: apiVersion and kind are required`);
      continue;
    }
    const Model = await modelOf(object.apiVersion, object.kind);
    if (Model === null) {
      failures.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`ok   ${name} (${object.apiVersion})`);
    } catch (error) {
      failures.push(`${name}: ${error.message}`);
    }
  }
}
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${objects} object(s), ${failures.length} invalid`);
process.exit(failures.length === 0 && objects > 0 ? 0 : 1);
