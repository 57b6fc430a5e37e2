// Checks the NetworkPolicies of rendered manifests for address blocks that
// open a pod to (or from) most of the Internet: an ipBlock whose prefix is
// shorter than /8 (IPv4) or /32 (IPv6), 0.0.0.0/0 and ::/0 included, even
// with `except`. What we ship names the addresses it needs (the API
// server's, the webhooks'), as placeholders the installer sets.
//
//   node network_policies.mjs NODE_MODULES FILE.yaml...
// Prints each wide block as `FILE: NetworkPolicy NAMESPACE/NAME: FIELD PATH:
// reason` and exits 1 when there is one, or when the files hold no
// NetworkPolicy at all.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [nodeModules, ...files] = process.argv.slice(2);
if (!nodeModules || files.length === 0) {
  console.error("usage: node network_policies.mjs NODE_MODULES FILE.yaml...");
  process.exit(2);
}
const YAML = await import(pathToFileURL(`${nodeModules}/yaml/dist/index.js`).href);

// The narrowest prefix still judged wide: a /8 is a provider's, a /7 more.
const minimumPrefix = { ipv4: 8, ipv6: 32 };

function problemOf(cidr) {
  const match = /^([0-9a-fA-F:.]+)\/([0-9]+)$/.exec(String(cidr));
  if (!match) return `${cidr} is not a CIDR`;
  const family = match[1].includes(":") ? "ipv6" : "ipv4";
  const prefix = Number(match[2]);
  return prefix < minimumPrefix[family]
    ? `${cidr} is wide open (a /${prefix}; set the addresses the pod needs)`
    : null;
}

let policies = 0;
const failures = [];
for (const file of files) {
  for (const document of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = document.toJS();
    if (object?.kind !== "NetworkPolicy") continue;
    policies++;
    const name = `${file}: NetworkPolicy ${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
    for (const [direction, peers] of [["ingress", "from"], ["egress", "to"]]) {
      (object.spec?.[direction] ?? []).forEach((rule, i) => {
        (rule[peers] ?? []).forEach((peer, j) => {
          if (peer.ipBlock === undefined) return;
          const problem = problemOf(peer.ipBlock.cidr);
          if (problem) failures.push(`${name}: spec.${direction}[${i}].${peers}[${j}].ipBlock.cidr: ${problem}`);
        });
      });
    }
  }
}
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${policies} NetworkPolicy object(s), ${failures.length} wide address block(s)`);
process.exit(failures.length === 0 && policies > 0 ? 0 : 1);
