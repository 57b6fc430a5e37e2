#!/usr/bin/env bash
# Installs every package that building, testing and the demo need, on Debian 12
# as root. Idempotent: packages already present are not touched, and apt is
# only consulted when something is missing.
#   scripts/install-deps.sh           build, tests and demo
#   scripts/install-deps.sh --bench   also the comparison tools of bench/ (scipy)
#   scripts/install-deps.sh --fixtures  also R and numpy, which regenerate tests/fixtures/
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev prometheus-cpp-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libsqlite3-dev libcli11-dev
  libcpp-httplib-dev libssl-dev openssl prometheus libboost-math-dev
  curl jq
  clang clang-format libclang-rt-14-dev
)
if [[ "${1:-}" == "--bench" ]]; then packages+=(python3 python3-numpy python3-scipy); fi
if [[ "${1:-}" == "--fixtures" ]]; then packages+=(r-base-core python3 python3-numpy); fi
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
# Debian's kubernetes-client is kubectl 1.20: its `kubectl kustomize`
# (kustomize v2.0.3) renders deploy/, which keeps to the fields it knows.
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# buf (proto lint, and `buf curl` as a grpcurl equivalent) from npm, kept in
# the work tree so nothing global changes.
if [[ ! -x .tools/node_modules/.bin/buf ]]; then
  npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@1
fi

# The deploy checks' schemas (Kubernetes, Istio, Prometheus Operator) and a
# YAML parser, from npm into the same tree (deploy/checks/).
if [[ ! -d .tools/node_modules/@kubernetes-models/prometheus-operator ||
      ! -d .tools/node_modules/yaml ]]; then
  npm install --silent --no-audit --no-fund --prefix .tools kubernetes-models@5 \
    @kubernetes-models/istio@2 @kubernetes-models/prometheus-operator@6 yaml@2
fi
