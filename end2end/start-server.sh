#!/usr/bin/env bash
# Starts the built server on a fresh database with the demo data (run from the workspace root).
set -euo pipefail
data=$(mktemp -d /tmp/tessera-e2e.XXXXXX)
export TESSERA_DATA_DIR="$data" TESSERA_SITE_ADDR="127.0.0.1:${TESSERA_E2E_PORT:-3100}"
unset DATABASE_URL
# The bureau posts its reports with this token (tests/external_production.spec.ts).
export TESSERA_BUREAU_TOKEN=e2e-bureau-token
# The card reader tests need pcscd (with vsmartcard's vpcd); the tests insert virtual cards.
source scripts/env.sh
start_pcscd "$data/pcscd.log"
target/debug/tessera demo-data
exec target/debug/tessera serve
