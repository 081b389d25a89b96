#!/usr/bin/env bash
# npm run test:openclaw — the chat flows against a REAL OpenClaw gateway (fake model behind it).
# Installs OpenClaw (~850 MB) into OPENCLAW_REAL_DIR (default: .openclaw-real/, git-ignored) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${SHARED_DIR:-../shared}"
DIR="${OPENCLAW_REAL_DIR:-$PWD/.openclaw-real}"
[ -x "$SHARED/openclaw-real/start.sh" ] || [ -f "$SHARED/openclaw-real/start.sh" ] || {
  echo "test:openclaw needs $SHARED/openclaw-real/start.sh (set SHARED_DIR)" >&2; exit 2; }

bash "$SHARED/openclaw-real/start.sh" "$DIR" >/dev/null
set -a; . "$DIR/env"; set +a
trap '[ "${KEEP_OPENCLAW:-0}" = 1 ] || bash "$SHARED/openclaw-real/stop.sh" "$DIR" >/dev/null 2>&1 || true' EXIT
npx vitest run --config vitest.openclaw.config.ts "$@"
