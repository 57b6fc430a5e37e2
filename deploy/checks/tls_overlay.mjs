// Checks the rendered TLS overlay (deploy/overlays/tls): kanaryad gets
// --tls_cert and --tls_key, both files in a volume of the Secret
// kanarya-tls mounted into the container, and its readiness is not the
// kubelet's gRPC probe (which cannot speak TLS) but an HTTP one.
//
//   node tls_overlay.mjs NODE_MODULES RENDERED.yaml
// Prints each problem and exits 1 when there is one.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [nodeModules, file] = process.argv.slice(2);
if (!nodeModules || !file) {
  console.error("usage: node tls_overlay.mjs NODE_MODULES RENDERED.yaml");
  process.exit(2);
}
const YAML = await import(pathToFileURL(`${nodeModules}/yaml/dist/index.js`).href);
const deployment = YAML.parseAllDocuments(readFileSync(file, "utf8"))
  .map((document) => document.toJS())
  .find((object) => object?.kind === "Deployment" && object.metadata?.name === "kanarya");
const problems = [];
const pod = deployment?.spec?.template?.spec;
const container = pod?.containers?.find((c) => c.name === "kanaryad");
if (!container) {
  problems.push("no Deployment kanarya with a container kanaryad");
} else {
  const secretVolumes = new Set(
    (pod.volumes ?? []).filter((v) => v.secret?.secretName === "kanarya-tls").map((v) => v.name));
  const secretMounts = (container.volumeMounts ?? []).filter((m) => secretVolumes.has(m.name));
  for (const flag of ["--tls_cert", "--tls_key"]) {
    const arg = (container.args ?? []).find((a) => a.startsWith(`${flag}=`));
    const path = arg?.slice(flag.length + 1);
    if (!path) {
      problems.push(`args: ${flag} is not set`);
    } else if (!secretMounts.some((m) => path.startsWith(`${m.mountPath}/`))) {
      problems.push(`args: ${flag}=${path} is not in a mounted volume of Secret kanarya-tls`);
    }
  }
  const readiness = container.readinessProbe ?? {};
  if (readiness.grpc !== undefined) {
    problems.push("readinessProbe.grpc: the kubelet's gRPC probe cannot speak TLS");
  }
  if (readiness.httpGet?.path !== "/readyz") problems.push("readinessProbe: must be httpGet /readyz");
}
for (const problem of problems) console.log(`FAIL ${file}: Deployment kanarya: ${problem}`);
if (problems.length === 0) console.log(`ok   ${file}: kanaryad serves TLS from Secret kanarya-tls`);
process.exit(problems.length === 0 ? 0 : 1);
