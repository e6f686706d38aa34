#!/bin/sh
# The authority pipeline for any CI system: review a change, gate it on its governing teams'
# approvals, and on merge apply exactly the reviewed plans.
#
#   authority-ci.sh pull-request   codeowners --check, review, gate
#   authority-ci.sh merge          apply the reviewed plans (refused when a plan changed)
#   authority-ci.sh codeowners | review | gate | apply   one step
#
# Settings (environment):
#   AUTHORITY            the CLI (default: npx authority)
#   AUTHORITY_REPORT     the ownership report (default: authority-review.json); the saved plans
#                        it names must travel with it from the pull-request job to the merge job
#   AUTHORITY_APPROVALS  approvals: a JSON file {"planDigest": ..., "approvedBy": [...]} or a
#                        comma-separated list of the teams (names or handles) that approved
#   AUTHORITY_GATE_LEVEL advisory | soft | hard (default hard)
#   AUTHORITY_STACKS     the cdktf stack folders, if not cdktf.out/stacks
#   Platforms: AUTHORITY_<PLATFORM>_PGHOST ... (see README); team state: AUTHORITY_STATE_BACKEND=pg
#   with PG_CONN_STR and PGPASSWORD.
set -eu

AUTHORITY=${AUTHORITY:-npx authority}
REPORT=${AUTHORITY_REPORT:-authority-review.json}
LEVEL=${AUTHORITY_GATE_LEVEL:-hard}

approvals() {
  if [ -z "${AUTHORITY_APPROVALS+x}" ]; then
    echo "authority-ci: set AUTHORITY_APPROVALS to an approvals file or a list of approving teams" >&2
    exit 2
  fi
}

step_codeowners() {
  $AUTHORITY codeowners --check
}

step_review() {
  # Plans every domain, saves the plans and writes the report the gate and apply read.
  $AUTHORITY review --format json --out "$REPORT"
}

step_gate() {
  approvals
  $AUTHORITY gate --report "$REPORT" --approvals "$AUTHORITY_APPROVALS" --level "$LEVEL"
}

step_apply() {
  approvals
  if [ -n "${AUTHORITY_STACKS:-}" ]; then
    $AUTHORITY apply --report "$REPORT" --approvals "$AUTHORITY_APPROVALS" --stacks "$AUTHORITY_STACKS"
  else
    $AUTHORITY apply --report "$REPORT" --approvals "$AUTHORITY_APPROVALS"
  fi
}

case "${1:-}" in
  pull-request) step_codeowners; step_review; step_gate ;;
  merge) step_apply ;;
  codeowners | review | gate | apply) "step_$1" ;;
  *) echo "usage: $0 pull-request | merge | codeowners | review | gate | apply" >&2; exit 2 ;;
esac
