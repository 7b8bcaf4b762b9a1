#!/bin/sh
# Installs Open Model Hub's production dependencies and starts it. The Dockerfile runs
# `install-and-start.sh install` at build time and `install-and-start.sh start` as its command;
# on a plain host, run it without an argument to do both.
#
#   install   npm ci --omit=dev, then the build (dist/) unless it is already there and current.
#             esbuild comes with tsx, a runtime dependency, so this works without dev dependencies.
#   start     exec node … dist/src/main.js, as `npm start` (signals reach the bot directly: SIGTERM stops it cleanly).
set -eu

cd "$(dirname "$0")/.."
step="${1:-all}"

install() {
  # --prefer-offline: use the npm cache when it has the exact versions the lock file names.
  npm ci --omit=dev --prefer-offline --no-audit --no-fund
  node scripts/ensure-build.mjs
  # Fail the install, not the first start, when something is missing.
  test -f dist/src/main.js
  node -e "require('better-sqlite3')(':memory:').close()"
}

start() {
  # As `npm start` (package.json); README → Limits says why MALLOC_ARENA_MAX and --heap-growing-percent.
  MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" exec node --enable-source-maps --heap-growing-percent=30 dist/src/main.js
}

case "$step" in
  install) install ;;
  start) start ;;
  all) install && start ;;
  *) echo "usage: $0 [install|start]" >&2; exit 2 ;;
esac
