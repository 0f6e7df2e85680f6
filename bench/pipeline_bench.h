// RunPipelineBench: the production path end to end on one machine — a producer publishing
// signals to a bus topic at an offered rate, one trigger dispatcher consuming them and waking
// pipelines in the store, and a worker pool running the executions — and, apart, the worker
// queue alone at full speed.
//
// Workload (a pure function of the options and the seed): `pipelines` signal-mode pipelines
// without nodes (a run is the queue's own cost: the claim with its inputs, and the completion),
// each watching 1–3 tickers drawn uniformly from the first half of `tickers` symbols. Signals
// name one ticker drawn uniformly from all of them, so about half match nothing.
//
// Phases, one JSON object each (returned in order):
//  - "load": for every offered rate in `loads` (signals/s; 0 = as fast as the producer can
//    publish while at most `max_in_flight` signals are published but not yet dispatched, which
//    keeps the bus's retention from dropping any), `seconds` of publishing to a fresh topic, then
//    the dispatcher drains what is left. sustained_signals_per_sec = signals dispatched / time
//    from the first publish to the last dispatch. At a paced load, signal k arrives at k / load
//    seconds, and the producer publishes what has arrived once per `publish_interval`. Latency
//    per signal, in microseconds: from its arrival (at load max: from the producer's call that
//    published it) to the commit of the store transaction of the batch that carried it (the
//    transaction that created its execution, or found its pipelines already queued); so the
//    wait for the next publish is part of it. p50/p99/p99.9 over every signal. Database round trips
//    are counted at the client (every statement the dispatcher's store connection sent, cache
//    refreshes included), per batch and per signal; batches_without_round_trip counts the batches
//    that cost none. Workers run meanwhile, on their own store connection(s); their figures are in
//    the line too. With `dispatchers` > 1, that many dispatchers share the topic as one consumer
//    group (each on its own thread and store connection, as separate processes would); figures are
//    summed. batch_processing_us / store_wake_us split a batch's time: all of it, and the Wake
//    call.
//  - "nothing_matched": the same at `unmatched_load` signals/s with signals naming only tickers
//    no pipeline watches: how many round trips a batch costs when it wakes nothing.
//  - "worker_queue": `queue_rounds` rounds of one Wake that queues an execution for every
//    pipeline (one round trip), then the worker pool drains them at full speed:
//    claimed_per_sec / completed_per_sec over the draining time.
// The store must be fresh (no pipelines, no executions); topics are created by the wiring.
// Not thread-safe; one call at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/status.h"
#include "store/store.h"

namespace sigflow {

struct PipelineBenchOptions {
  std::vector<int64_t> loads = {1000, 10000, 0};  // signals/s; 0 = as many as sustained
  double seconds = 5;                             // of publishing per load
  int64_t unmatched_load = 10000;                 // 0 skips the phase
  size_t pipelines = 2000;
  size_t tickers = 2000;
  size_t batch_size = 1000;  // the dispatcher's BATCH_SIZE
  int partitions = 3;
  int dispatchers = 1;           // members of the dispatchers' consumer group, one thread each
  size_t max_in_flight = 30000;  // for load 0: published but not yet dispatched
  // At a paced load, the producer publishes what arrived once per interval (0: as soon as one
  // signal is due), as a producer with linger.ms = interval would. Not 0 by default: the mock
  // cluster walks a partition's whole list of message sets on every fetch, so one message set
  // per signal or two cost it most of a core at 10,000/s (BENCHMARKS.md, run F).
  std::chrono::microseconds publish_interval{4000};
  int worker_threads = 2;
  int claim_batch = 64;
  int queue_rounds = 3;  // 0 skips the worker-queue phase
  uint64_t seed = 42;
};

// A store connection of its own and how many round trips it has sent so far.
struct BenchStore {
  std::unique_ptr<Store> store;
  std::function<uint64_t()> round_trips;
};

// What the benchmark needs from the composition root (the CLI wires Kafka and PostgreSQL).
struct PipelineBenchWiring {
  std::string backend;  // for the report, e.g. "kafka-mock+postgres"
  std::function<Result<BenchStore>()> open_store;
  std::function<Status(const std::string& topic, int partitions)> create_topic;
  std::function<Result<std::unique_ptr<BusProducer>>(const std::string& topic)> open_producer;
  std::function<Result<std::unique_ptr<BusConsumer>>(const std::string& topic,
                                                     const std::string& group)>
      open_consumer;
};

// One JSON object per phase; `progress` (optional) gets a line per phase as it ends.
Result<std::vector<nlohmann::json>> RunPipelineBench(const PipelineBenchOptions& options,
                                                     const PipelineBenchWiring& wiring,
                                                     std::ostream* progress);

}  // namespace sigflow
