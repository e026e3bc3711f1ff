#!/usr/bin/env bash
# Starts the built server on a fresh database with the demo data (run from the workspace root).
set -euo pipefail
data=$(mktemp -d /tmp/tessera-e2e.XXXXXX)
export TESSERA_DATA_DIR="$data" TESSERA_SITE_ADDR="127.0.0.1:${TESSERA_E2E_PORT:-3100}"
unset DATABASE_URL
# Every browser test signs in from 127.0.0.1, about seventy times in a few minutes: more than
# one address would in production. The sign-in limits themselves are tested in the engine and
# measured by scripts/bench login-flood.
export TESSERA_LIMIT_SIGN_IN_PER_SOURCE=300/600
# The bureau posts its reports with this token (tests/external_production.spec.ts).
export TESSERA_BUREAU_TOKEN=e2e-bureau-token
# The card reader tests need pcscd (with vsmartcard's vpcd); the tests insert virtual cards.
# Mail goes to a real SMTP server on loopback (aiosmtpd) that keeps a maildir the tests read
# (tests/mobile_id.spec.ts: the QR code by e-mail).
maildir="${TESSERA_E2E_MAILDIR:-/tmp/tessera-e2e-mail}"
rm -rf "$maildir"
smtp_port=$(( ${TESSERA_E2E_PORT:-3100} + 25 ))
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$maildir" &
smtp_pid=$!
trap 'kill $smtp_pid 2>/dev/null || true' EXIT
export TESSERA_SMTP_HOST=127.0.0.1 TESSERA_SMTP_PORT="$smtp_port"
source scripts/env.sh
start_pcscd "$data/pcscd.log"
target/debug/tessera demo-data
target/debug/tessera serve
