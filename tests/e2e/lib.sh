# Shared helpers for the end-to-end scripts. Each script gets the sigflow binary as $1.
set -euo pipefail
SIGFLOW=${1:?usage: $0 path/to/sigflow}
WORK=$(mktemp -d /tmp/sigflow-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export SIGFLOW_STORE="$WORK/sigflow.db"
export LOG_LEVEL=WARNING

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# json_get FILE EXPR: evaluates a Python expression over the JSON document `d` in FILE.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# expect_exit CODE CMD...: runs CMD, capturing stdout/stderr in $WORK/out and $WORK/err.
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  set -e
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(head -c 500 "$WORK/err")"
}
