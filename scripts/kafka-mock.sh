#!/usr/bin/env bash
# Starts and stops a throwaway Kafka (librdkafka's mock cluster, tools/kafka_mock) for tests.
#
#   scripts/kafka-mock.sh start DIR [--brokers N] [--partitions P] [--topic T] [other tool flags]
#   scripts/kafka-mock.sh stop DIR
#
# start: runs sigflow-kafka-mock in the background and returns once it is ready, printing the
#   bootstrap address (also in DIR/bootstrap). DIR/kafka-mock.pid holds its pid, DIR/kafka-mock.log
#   its output. Fails (after printing the log) if it does not come up within 30 s.
# stop: stops it (SIGTERM, then SIGKILL after 5 s) and removes the pid file. Succeeds when nothing
#   runs, so it can sit in a trap that fires whether or not the tests passed:
#
#   scripts/kafka-mock.sh start "$tmp" >/dev/null
#   trap 'scripts/kafka-mock.sh stop "$tmp"' EXIT
#   export KAFKA_BOOTSTRAP_SERVERS=$(cat "$tmp/bootstrap")
#
# The binary: $SIGFLOW_KAFKA_MOCK if set, else the first of build/release and build/asan.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

[[ $# -ge 2 ]] || usage
command=$1
dir=$2
shift 2
pid_file=$dir/kafka-mock.pid
bootstrap_file=$dir/bootstrap
log_file=$dir/kafka-mock.log
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

find_binary() {
  if [[ -n ${SIGFLOW_KAFKA_MOCK:-} ]]; then
    echo "$SIGFLOW_KAFKA_MOCK"
    return
  fi
  local candidate
  for candidate in "$root"/build/release/tools/sigflow-kafka-mock \
                   "$root"/build/asan/tools/sigflow-kafka-mock; do
    if [[ -x $candidate ]]; then
      echo "$candidate"
      return
    fi
  done
  echo "kafka-mock.sh: sigflow-kafka-mock not built (make build), or set SIGFLOW_KAFKA_MOCK" >&2
  exit 1
}

# True if $1 is a live sigflow-kafka-mock (not a recycled pid).
is_mock() {
  [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q sigflow-kafka-mock
}

# True while process $1 exists and is not a zombie (its ports are released once it is gone).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

start() {
  mkdir -p "$dir"
  if [[ -f $pid_file ]] && is_mock "$(cat "$pid_file")"; then
    echo "kafka-mock.sh: already running (pid $(cat "$pid_file"))" >&2
    exit 1
  fi
  rm -f "$bootstrap_file" "$pid_file"
  local binary
  binary=$(find_binary)
  # Own session: not killed with the caller's terminal, and stop can signal it alone.
  setsid "$binary" --bootstrap-file "$bootstrap_file" "$@" >"$log_file" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pid_file"
  local waited=0
  while [[ ! -s $bootstrap_file ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka-mock.sh: sigflow-kafka-mock exited before it was ready:" >&2
      cat "$log_file" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if ((waited >= 300)); then
      echo "kafka-mock.sh: sigflow-kafka-mock not ready after 30 s:" >&2
      cat "$log_file" >&2
      stop
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  cat "$bootstrap_file"
}

stop() {
  [[ -f $pid_file ]] || return 0
  local pid
  pid=$(cat "$pid_file")
  if is_mock "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while alive "$pid" && ((waited < 50)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
    fi
  fi
  rm -f "$pid_file" "$bootstrap_file"
}

case $command in
  start) start "$@" ;;
  stop) stop ;;
  *) usage ;;
esac
