#!/usr/bin/env bash
# Installs the real n8n used by the end-to-end tests into a cache folder outside the repository,
# once: later calls find the finished install and return at once. Prints the install folder.
#
#   TANGOE_CACHE_DIR  cache root (default: $HOME/.cache/tangoe-token)
#   N8N_VERSION       n8n version (default: 2.41.1; 2.41.3 does not install from the registry)
#
# Needs Node >= 22.16 first on PATH (the same Node that later runs n8n), npm, and a C++
# tool chain for sqlite3's native module (no prebuilt binary can be downloaded here).
set -euo pipefail

version="${N8N_VERSION:-2.41.1}"
cache="${TANGOE_CACHE_DIR:-$HOME/.cache/tangoe-token}"
dir="$cache/n8n-$version"
marker="$dir/.installed"

if [ -f "$marker" ]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
# One installer at a time (a test run and CI may call this together).
exec 9>"$cache/n8n-$version.lock"
flock 9
if [ -f "$marker" ]; then
  echo "$dir"
  exit 0
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<22||(a===22&&b<16)) { console.error("install-n8n: Node >= 22.16 must be first on PATH, found " + process.version); process.exit(1) }'

# node-gyp must build against the headers of the Node that runs n8n; it cannot download them here.
nodedir="$(node -e '
const fs = require("node:fs"), path = require("node:path")
const bin = path.dirname(fs.realpathSync(process.execPath))
const candidates = [path.join(bin, ".."), path.join(bin, "..", "node_modules", `node-${process.platform}-${process.arch}`), "/usr/local", "/usr"]
const want = process.versions.node
for (const dir of candidates) {
  try {
    const h = fs.readFileSync(path.join(dir, "include", "node", "node_version.h"), "utf8")
    const v = ["MAJOR", "MINOR", "PATCH"].map((k) => h.match(new RegExp(`define NODE_${k}_VERSION (\\d+)`))[1]).join(".")
    if (v === want) { console.log(path.resolve(dir)); process.exit(0) }
  } catch {}
}
')"

start=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
printf '{ "name": "n8n-e2e-install", "private": true }\n' > package.json
echo "install-n8n: installing n8n@$version into $dir (several minutes, ~3 GB)" >&2
npm install "n8n@$version" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
echo "install-n8n: building sqlite3 for Node $(node -v)${nodedir:+ with headers from $nodedir}" >&2
if [ -n "$nodedir" ]; then
  npm_config_nodedir="$nodedir" npm rebuild sqlite3 --loglevel=error >&2
else
  npm rebuild sqlite3 --loglevel=error >&2
fi
node -e 'require("sqlite3")' >&2
[ -x node_modules/.bin/n8n ]
printf '%s installed in %ss with Node %s\n' "n8n@$version" "$(( $(date +%s) - start ))" "$(node -v)" > "$marker"
cat "$marker" >&2
echo "$dir"
