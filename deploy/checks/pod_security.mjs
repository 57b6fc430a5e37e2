// Checks every workload in rendered manifests against the Kubernetes Pod
// Security Standards, "restricted" profile (which includes "baseline"), as
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
// states them for the latest version: the pod spec of each Pod, Deployment,
// ReplicaSet, StatefulSet, DaemonSet, Job and CronJob, with every container,
// init container and ephemeral container.
//
//   node pod_security.mjs NODE_MODULES FILE.yaml...
// Prints each violation as `FILE: KIND NAMESPACE/NAME: FIELD PATH: reason`
// and exits 1 when there is one, or when the files hold no workload at all.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [nodeModules, ...files] = process.argv.slice(2);
if (!nodeModules || files.length === 0) {
  console.error("usage: node pod_security.mjs NODE_MODULES FILE.yaml...");
  process.exit(2);
}
const YAML = await import(pathToFileURL(`${nodeModules}/yaml/dist/index.js`).href);

// Where each workload kind keeps its pod spec.
const podSpecPaths = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};
const allowedVolumeTypes = new Set([
  "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
  "projected", "secret",
]);
const safeSysctls = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const allowedSeLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t",
  "container_engine_t"]);

const allowedAppArmorTypes = new Set(["RuntimeDefault", "Localhost"]);
const appArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/";

// The violations of one pod (its spec at `base`, its metadata at `metaBase`),
// each `path: reason`.
function violationsOf(pod, base, metadata, metaBase) {
  const found = [];
  const add = (path, reason) => found.push(`${path}: ${reason}`);
  const podContext = pod.securityContext ?? {};
  const checkAppArmor = (profile, path) => {
    if (profile?.type !== undefined && !allowedAppArmorTypes.has(profile.type)) {
      add(`${path}.type`, `must be RuntimeDefault or Localhost, got ${profile.type}`);
    }
  };
  const checkHostProcess = (context, path) => {
    if (context?.windowsOptions?.hostProcess === true) {
      add(`${path}.windowsOptions.hostProcess`, "must not be true");
    }
  };
  // The AppArmor annotations older clusters read: runtime/default or localhost/*.
  for (const [key, value] of Object.entries(metadata?.annotations ?? {})) {
    if (key.startsWith(appArmorAnnotation) && value !== "runtime/default" &&
        !String(value).startsWith("localhost/")) {
      add(`${metaBase}.annotations["${key}"]`, `must be runtime/default or localhost/*, got ${value}`);
    }
  }
  checkHostProcess(podContext, `${base}.securityContext`);

  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[field] === true) add(`${base}.${field}`, "must not be true");
  }
  (pod.volumes ?? []).forEach((volume, i) => {
    const type = Object.keys(volume).find((key) => key !== "name");
    if (!allowedVolumeTypes.has(type)) {
      add(`${base}.volumes[${i}].${type}`, `volume type ${type} is not allowed`);
    }
  });
  (podContext.sysctls ?? []).forEach((sysctl, i) => {
    if (!safeSysctls.has(sysctl.name)) {
      add(`${base}.securityContext.sysctls[${i}].name`, `${sysctl.name} is not a safe sysctl`);
    }
  });
  if (podContext.runAsUser === 0) add(`${base}.securityContext.runAsUser`, "must not be 0");
  const podSeccomp = podContext.seccompProfile?.type;
  if (podSeccomp !== undefined && !["RuntimeDefault", "Localhost"].includes(podSeccomp)) {
    add(`${base}.securityContext.seccompProfile.type`, `must be RuntimeDefault or Localhost, got ${podSeccomp}`);
  }
  checkAppArmor(podContext.appArmorProfile, `${base}.securityContext.appArmorProfile`);
  const checkSeLinux = (options, path) => {
    if (!options) return;
    if (!allowedSeLinuxTypes.has(options.type ?? "")) add(`${path}.type`, `${options.type} is not allowed`);
    if (options.user) add(`${path}.user`, "must not be set");
    if (options.role) add(`${path}.role`, "must not be set");
  };
  checkSeLinux(podContext.seLinuxOptions, `${base}.securityContext.seLinuxOptions`);

  const containers = [
    ...(pod.initContainers ?? []).map((c, i) => [c, `${base}.initContainers[${i}]`]),
    ...(pod.containers ?? []).map((c, i) => [c, `${base}.containers[${i}]`]),
    ...(pod.ephemeralContainers ?? []).map((c, i) => [c, `${base}.ephemeralContainers[${i}]`]),
  ];
  if ((pod.containers ?? []).length === 0) add(`${base}.containers`, "a pod needs a container");
  for (const [container, path] of containers) {
    const context = container.securityContext ?? {};
    const at = `${path}.securityContext`;
    if (context.privileged === true) add(`${at}.privileged`, "must not be true");
    if (context.allowPrivilegeEscalation !== false) {
      add(`${at}.allowPrivilegeEscalation`, "must be false");
    }
    const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (runAsNonRoot !== true) add(`${at}.runAsNonRoot`, "must be true (here or in the pod)");
    if (context.runAsUser === 0) add(`${at}.runAsUser`, "must not be 0");
    const seccomp = context.seccompProfile?.type ?? podSeccomp;
    if (!["RuntimeDefault", "Localhost"].includes(seccomp)) {
      add(`${at}.seccompProfile.type`, "must be RuntimeDefault or Localhost (here or in the pod)");
    }
    checkAppArmor(context.appArmorProfile, `${at}.appArmorProfile`);
    checkHostProcess(context, at);
    checkSeLinux(context.seLinuxOptions, `${at}.seLinuxOptions`);
    if (context.procMount !== undefined && context.procMount !== "Default") {
      add(`${at}.procMount`, "must be Default");
    }
    const drop = context.capabilities?.drop ?? [];
    if (!drop.includes("ALL")) add(`${at}.capabilities.drop`, "must include ALL");
    for (const capability of context.capabilities?.add ?? []) {
      if (capability !== "NET_BIND_SERVICE") {
        add(`${at}.capabilities.add`, `${capability} may not be added (only NET_BIND_SERVICE)`);
      }
    }
    (container.ports ?? []).forEach((port, i) => {
      if (port.hostPort) add(`${path}.ports[${i}].hostPort`, "must not be set");
    });
  }
  return found;
}

let workloads = 0;
let violations = 0;
for (const file of files) {
  for (const document of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = document.toJS();
    const path = object && podSpecPaths[object.kind];
    if (!path) continue;
    workloads++;
    let pod = object;
    for (const key of path) pod = pod?.[key];
    // The pod's metadata: beside its spec (the template's, for a controller).
    const metaPath = [...path.slice(0, -1), "metadata"];
    let metadata = object;
    for (const key of metaPath) metadata = metadata?.[key];
    const name = `${file}: ${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
    const found = pod
      ? violationsOf(pod, path.join("."), metadata, metaPath.join("."))
      : [`${path.join(".")}: missing`];
    for (const violation of found) console.log(`FAIL ${name}: ${violation}`);
    if (found.length === 0) console.log(`ok   ${name}: restricted`);
    violations += found.length;
  }
}
console.log(`${workloads} workload(s), ${violations} violation(s) of the restricted profile`);
process.exit(violations === 0 && workloads > 0 ? 0 : 1);
