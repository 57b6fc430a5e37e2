// Validates rendered Kubernetes manifests offline against the schemas that
// the npm packages kubernetes-models, @kubernetes-models/istio and
// @kubernetes-models/prometheus-operator ship (Kubernetes, Istio,
// Prometheus Operator). Every object must have a schema: an apiVersion or
// kind none of them knows is an error, never a pass.
//
//   node validate_manifests.mjs NODE_MODULES FILE.yaml...
// Prints one line per object; exits 1 naming each invalid object and why.
// The schemas type every known field but do not refuse unknown ones (their
// JSON schemas allow additional properties), as the API server would
// (strict field validation): so the check also watches, through a proxy,
// which fields the schema's validator reads, and names every field of an
// object it inspected that it never read (`spec.replcas`: unknown field),
// and every top-level field its model does not declare (`specs`).
// Objects the schema leaves opaque (never inspected) are not judged.
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

// The top-level fields of a kind, from its model's declaration (the .d.ts
// next to it). The validator cannot tell them: it reads only the fields it
// has rules for, and the packages' schemas drop fields named `description`
// (PriorityClass's). Null when there is no declaration.
function topLevelFields(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  let text;
  try {
    text = readFileSync(`${nodeModules}/${packageOf(group)}/${apiVersion}/${kind}.d.ts`, "utf8");
  } catch {
    return null;
  }
  const start = text.indexOf(`export interface I${kind} `);
  if (start < 0) return null;
  const body = text.slice(start, text.indexOf("\n}", start));
  return new Set([...body.matchAll(/^ {4}"([^"]+)"\??:/gm)].map((match) => match[1]));
}

// A view of `root` that records, per object, every field a reader asks for
// (and all of them when it enumerates the object, as a map's check does).
function watched(root, asked) {
  const note = (target, key) => {
    if (!asked.has(target)) asked.set(target, new Set());
    asked.get(target).add(key);
  };
  const wrap = (value) => {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key !== "string") return Reflect.get(target, key, receiver);
        note(target, key);
        return Object.hasOwn(target, key) ? wrap(target[key]) : Reflect.get(target, key, receiver);
      },
      has(target, key) {
        if (typeof key === "string") note(target, key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        for (const key of Object.keys(target)) note(target, key);
        return Reflect.ownKeys(target);
      },
    });
  };
  return wrap(root);
}

// The fields under `value` that no reader asked for, in objects it inspected.
function unread(value, asked, path, found) {
  if (value === null || typeof value !== "object") return found;
  const keys = asked.get(value);
  for (const key of Object.keys(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (keys && !Array.isArray(value) && !keys.has(key)) found.push(at);
    unread(value[key], asked, at, found);
  }
  return found;
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
    const model = new Model(object);
    const asked = new Map();
    for (const key of Object.keys(object)) {
      if (key !== "apiVersion" && key !== "kind") model[key] = watched(object[key], asked);
    }
    try {
      model.validate();
    } catch (error) {
      failures.push(`${name}: ${error.message}`);
      continue;
    }
    const declared = topLevelFields(object.apiVersion, object.kind);
    if (declared === null) {
      failures.push(`${name}: no declaration of ${object.apiVersion} ${object.kind}'s fields`);
      continue;
    }
    const unknown = [
      ...Object.keys(object).filter((key) => !declared.has(key)),
      ...Object.keys(object).flatMap((key) => unread(object[key], asked, key, [])),
    ];
    if (unknown.length > 0) {
      failures.push(`${name}: unknown field(s) ${unknown.join(", ")}`);
      continue;
    }
    console.log(`ok   ${name} (${object.apiVersion})`);
  }
}
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${objects} object(s), ${failures.length} invalid`);
process.exit(failures.length === 0 && objects > 0 ? 0 : 1);
