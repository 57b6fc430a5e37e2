# kanaryad and kanaryactl in a minimal image, built by any OCI builder:
#   docker build -t kanarya .          (or podman / buildah / kaniko)
# Stage 1 builds with the project's own install script and CMake preset;
# stage 2 holds the two binaries, the shared libraries they link (the Debian
# packages found from the binaries themselves) and CA certificates, and runs
# as an unprivileged user whose home and state directory it owns. The
# manifests in deploy/ run it read-only, with the state on a volume at
# /var/lib/kanarya.

FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake --preset release -DKANARYA_BUILD_BENCHMARKS=OFF \
 && cmake --build --preset release -j"$(nproc)" --target kanaryad kanaryactl \
 && install -D -m 0755 build/release/daemon/kanaryad /out/usr/local/bin/kanaryad \
 && install -D -m 0755 build/release/cli/kanaryactl /out/usr/local/bin/kanaryactl
# The runtime packages: whatever Debian package ships each shared library the
# binaries load, so the list cannot drift from the code.
RUN for binary in /out/usr/local/bin/*; do ldd "$binary"; done \
  | awk '/=> \// {print $3}' | sort -u \
  | while read -r library; do \
      dpkg -S "$library" 2>/dev/null || dpkg -S "$(realpath "$library")"; \
    done \
  | cut -d: -f1 | sort -u >/out/runtime-packages \
 && test -s /out/runtime-packages

FROM debian:bookworm-slim
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && groupadd --gid 65532 kanarya \
 && useradd --uid 65532 --gid 65532 --home-dir /var/lib/kanarya --no-create-home \
      --shell /usr/sbin/nologin kanarya \
 && install -d -o 65532 -g 65532 -m 0750 /var/lib/kanarya
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
USER 65532:65532
WORKDIR /var/lib/kanarya
EXPOSE 7443 7444
ENTRYPOINT ["/usr/local/bin/kanaryad"]
CMD ["--data_dir=/var/lib/kanarya", "--grpc_address=127.0.0.1:7443", "--http_address=0.0.0.0:7444"]
