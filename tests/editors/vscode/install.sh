#!/usr/bin/env bash
# Installs what the real-VS-Code test (tests/editors/test_vscode.py) needs, when missing:
#   - Debian packages: chromium, ripgrep and the native build deps of code-server;
#   - code-server@4.100.3 (VS Code 1.100.3, the last release that runs on Node 20), from npm,
#     with @vscode/ripgrep fed a local tarball instead of its GitHub download;
#   - playwright-core (npm, pinned by tests/editors/vscode/package-lock.json; never
#     `playwright install`: Debian's /usr/bin/chromium is the browser).
# Everything npm installs goes to a cache directory outside the repository:
#   ${LEXIS_EDITOR_TOOLS:-$HOME/.cache/lexis-ls/editor-tools}
# Usage: tests/editors/vscode/install.sh        (idempotent; a second run takes < 1 s)
# Prints the tools directory on its last line. Exits non-zero when anything cannot be installed.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
TOOLS="${LEXIS_EDITOR_TOOLS:-$HOME/.cache/lexis-ls/editor-tools}"
CODE_SERVER_VERSION="4.100.3"
RG_CACHE_NAME="vscode-ripgrep-cache-1.15.11"
RG_TARBALL="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"

log() { echo "[vscode-install] $*" >&2; }
die() { echo "[vscode-install] ERROR: $*" >&2; exit 1; }

mkdir -p "$TOOLS"

# ---- Debian packages -------------------------------------------------------------------
APT_PACKAGES=(build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev
              libsecret-1-dev ripgrep chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
pkgs=()
for p in "${missing[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
if [ "${#pkgs[@]}" -gt 0 ]; then
  log "apt-get install ${pkgs[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${pkgs[*]}"
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || die "apt-get update failed"
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 \
    || die "apt-get install ${pkgs[*]} failed"
fi
# Node.js and npm are the machine's (Debian 12's nodejs is 18: too old for code-server 4.100).
command -v node >/dev/null 2>&1 || die "node is not installed (Node.js >= 20 with npm is needed)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (Node.js >= 20 with npm is needed)"
command -v chromium >/dev/null 2>&1 || die "chromium is not on PATH after install"
command -v rg >/dev/null 2>&1 || die "rg (ripgrep) is not on PATH after install"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node >= 20 needed (found $(node --version))"

# ---- code-server -----------------------------------------------------------------------
CS_DIR="$TOOLS/code-server-$CODE_SERVER_VERSION"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
if [ ! -x "$CS_BIN" ] || [ ! -f "$CS_DIR/.complete" ]; then
  log "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (about a minute)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable): it first looks in
  # $TMPDIR/vscode-ripgrep-cache-1.15.11/ for the tarball, so give it Debian's rg there.
  RG_TMP="$TOOLS/tmp"
  mkdir -p "$RG_TMP/$RG_CACHE_NAME"
  if [ ! -f "$RG_TMP/$RG_CACHE_NAME/$RG_TARBALL" ]; then
    stage="$(mktemp -d)"
    cp "$(command -v rg)" "$stage/rg"
    tar -C "$stage" -czf "$RG_TMP/$RG_CACHE_NAME/$RG_TARBALL" rg
    rm -rf "$stage"
  fi
  echo '{"name":"lexis-code-server","private":true}' > "$CS_DIR/package.json"
  (
    cd "$CS_DIR"
    export TMPDIR="$RG_TMP"
    export npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
  ) || die "npm install code-server@$CODE_SERVER_VERSION failed (see above)"
  [ -x "$CS_BIN" ] || die "code-server binary missing after install: $CS_BIN"
  "$CS_BIN" --version >/dev/null 2>&1 || die "installed code-server does not run: $CS_BIN --version"
  touch "$CS_DIR/.complete"
fi

# ---- playwright-core (the driver's only dependency) ------------------------------------
DRIVER_DIR="$TOOLS/driver"
if [ ! -d "$DRIVER_DIR/node_modules/playwright-core" ] \
   || ! cmp -s "$HERE/package-lock.json" "$DRIVER_DIR/package-lock.json"; then
  log "installing playwright-core into $DRIVER_DIR"
  rm -rf "$DRIVER_DIR"
  mkdir -p "$DRIVER_DIR"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$DRIVER_DIR/"
  (cd "$DRIVER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
     npm ci --no-audit --no-fund --loglevel=error >&2) \
    || die "npm ci (playwright-core) failed"
fi

echo "$TOOLS"
