#!/usr/bin/env bash
# Nightly drift job: fails (exit 2) when a key expired, is expiring within 14 days, was deleted,
# or had its roles, scope, comment or expiration changed outside the stack. Run it from this
# directory with the same credentials and Pulumi state settings as ci.ts.
set -uo pipefail
cd "$(dirname "$0")"
STACK="${1:-ci}"
KEYPLANE="${KEYPLANE_CLI:-npx --no-install keyplane}"
$KEYPLANE drift --stack "$STACK" --within 14d
status=$?
case $status in
  0) echo "nightly-drift: no drift" ;;
  2) echo "nightly-drift: drift found: run the CI job (pulumi up --refresh) or fix the stack" >&2 ;;
  *) echo "nightly-drift: the check itself failed (exit $status)" >&2 ;;
esac
exit $status
