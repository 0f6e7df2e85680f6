#!/usr/bin/env bash
# Three `sigflow dispatch` processes in one consumer group on a 3-partition Kafka topic (the
# mock cluster) and two `sigflow work` processes, all on one PostgreSQL. A deterministic workload
# (INTEG_SIGNALS signals, default 20,000, over INTEG_PIPELINES pipelines, default 200, some
# inactive, some periodic, some watching tickers no signal has) goes in through `sigflow publish`;
# once everything is recorded and run, the database must show exactly the expected result (see
# run_checks in lib.sh).
#
#   bash tests/integration/multiprocess.sh path/to/sigflow path/to/sigflow-kafka-mock
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_everything 25450

publish_lines 1 "$N_SIGNALS"
wait_drained
check_roles_alive
stop_roles
run_checks
