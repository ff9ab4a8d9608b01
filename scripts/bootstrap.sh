#!/usr/bin/env bash
# Installs what Gantry needs on a fresh Debian machine, and does nothing (quickly) when it is there:
# system packages (apt), node modules (npm ci), the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

# command:package pairs; a missing command installs its Debian package.
# runc, iproute2, nftables: the node agent; cc: its container shim; skopeo, umoci, docker-registry,
# busybox-static: images for the demo and the tests (a real registry on loopback); etcd-server: the
# distributed store backend and its tests; /usr/bin/chromium: the dashboard's browser tests.
SYSTEM_DEPS=(git:git openssl:openssl runc:runc ip:iproute2 nft:nftables cc:gcc skopeo:skopeo umoci:umoci
  docker-registry:docker-registry busybox:busybox-static etcd:etcd-server /usr/bin/chromium:chromium)
missing=()
for pair in "${SYSTEM_DEPS[@]}"; do
  want="${pair%%:*}"
  if [[ "$want" == /* ]]; then
    [ -x "$want" ] || missing+=("${pair#*:}")
  else
    command -v "$want" >/dev/null 2>&1 || missing+=("${pair#*:}")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "gantry bootstrap: missing system packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  echo "gantry bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# node modules: reinstall when the lock file moved or the native module does not load on this Node.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || ! node -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1; then
  # `npm install` with the committed lock, not `npm ci`: the lock cannot list the optional
  # platform packages of some tools (e.g. @biomejs/cli-darwin-arm64) that this machine's registry
  # does not serve, and `npm ci` refuses such a lock; `npm install` installs the locked versions.
  echo "gantry bootstrap: npm install (locked versions)" >&2
  npm install --no-audit --no-fund --loglevel=error
fi

# build: when any source is newer than the last build.
if [ ! -f dist/.stamp ] || [ -n "$(find src bench tsconfig.json package.json -newer dist/.stamp -print -quit)" ]; then
  echo "gantry bootstrap: building" >&2
  rm -rf dist
  npx tsc -p tsconfig.json
  touch dist/.stamp
fi

# the dashboard (ui/, Vite → dist/ui): when one of its sources is newer than the last UI build;
# after the TypeScript build, which may have emptied dist/.
if [ ! -f dist/ui/.stamp ] || [ -n "$(find ui package.json -newer dist/ui/.stamp -print -quit)" ]; then
  echo "gantry bootstrap: building the dashboard" >&2
  npx vite build -c ui/vite.config.ts
  touch dist/ui/.stamp
fi

# the node agent's container shim (C): after the build, which may have emptied dist/.
if [ ! -x dist/gantry-shim ] || [ src/agent/runtime/shim.c -nt dist/gantry-shim ]; then
  cc -O2 -Wall -o dist/gantry-shim src/agent/runtime/shim.c
fi

# the node agent's interactive-exec helper (C; receives runc's pty over SCM_RIGHTS): same as the shim.
if [ ! -x dist/gantry-exec-tty ] || [ src/agent/runtime/exec-tty.c -nt dist/gantry-exec-tty ]; then
  cc -O2 -Wall -o dist/gantry-exec-tty src/agent/runtime/exec-tty.c
fi
