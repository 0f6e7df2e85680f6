// PostgresStore::Wake: the trigger dispatcher's batch (core/wake.h) in one round trip.
//
// The client side prepares what the SQL function sigflow_wake (migrations.cc) needs and turns
// its answer into per-signal outcomes:
//  - repeats: a signal flagged duplicate_in_batch or whose id appeared earlier in the batch is
//    never recorded and counts as duplicate (found here with a hash set: no round trip);
//  - per candidate, the JSON list of the ids of its matching non-repeat signals in batch order
//    (batch.matched_signals is called once per candidate); a candidate whose matches are all
//    repeats cannot wake and is not sent;
//  - text is made acceptable to PostgreSQL: a payload's "\u0000" escape (JSONB cannot hold it)
//    becomes "\ufffd", and invalid UTF-8 or NUL bytes in payloads and dead-letter texts become
//    U+FFFD, so one bad signal can never fail a whole batch forever;
//  - the answer names the executions created (by pipeline id) and the non-repeat signals that
//    were already recorded; the waker of a created execution is its candidate's first fresh
//    signal, as sigflow_wake chose it.
// Everything goes out as binary array parameters of one statement: one round trip per batch.
// A batch marked trading_halted goes to sigflow_wake_halted instead (ledger_migration.cc): no
// candidates are sent, and every match of a fresh signal counts as trading_halted.
#include <algorithm>

#include "store/postgres/postgres_store_impl.h"

namespace sigflow::store_postgres {
namespace {

constexpr char kWakeSql[] =
    "SELECT r_kind, r_id, r_ord, r_pipeline FROM sigflow_wake($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12)";
constexpr char kWakeHaltedSql[] =
    "SELECT r_ord FROM sigflow_wake_halted($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

}  // namespace

std::unique_ptr<PostgresStore::WakeScratch> PostgresStore::TakeScratch() {
  std::lock_guard lock(scratch_mu_);
  if (scratch_.empty()) return std::make_unique<WakeScratch>();
  auto scratch = std::move(scratch_.back());
  scratch_.pop_back();
  return scratch;
}

void PostgresStore::ReturnScratch(std::unique_ptr<WakeScratch> scratch) {
  std::lock_guard lock(scratch_mu_);
  scratch_.push_back(std::move(scratch));
}

Result<WakeResult> PostgresStore::Wake(const WakeBatch& batch) {
  const size_t n = batch.signals.size();
  for (const WakeCandidate& c : batch.candidates) {
    if (c.first_signal >= n) {
      return Status::InvalidArgument("candidate " + std::string(c.pipeline_id) +
                                     ": first_signal out of range");
    }
  }
  WakeResult result;
  result.per_signal.resize(n);
  if (n == 0 && batch.dead_letters.empty()) return result;  // nothing to write: no round trip

  std::unique_ptr<WakeScratch> scratch = TakeScratch();
  WakeScratch& w = *scratch;
  const int64_t now = batch.now_ms > 0 ? batch.now_ms : clock_->NowMs();

  // Repeats within the batch.
  w.repeat.assign(n, 0);
  w.index.clear();
  for (uint32_t i = 0; i < n; ++i) {
    const WakeSignal& s = batch.signals[i];
    const bool first = w.index.emplace(s.signal_id, i).second;
    w.repeat[i] = s.duplicate_in_batch || !first ? 1 : 0;
  }
  // Per candidate, its matching non-repeat signals.
  w.sent.clear();
  w.list_offset.clear();
  w.list_signals.clear();
  const size_t candidates = batch.trading_halted ? 0 : batch.candidates.size();
  for (uint32_t c = 0; c < candidates; ++c) {
    w.matched.clear();
    if (batch.matched_signals) batch.matched_signals(c, &w.matched);
    if (w.matched.empty()) w.matched.push_back(batch.candidates[c].first_signal);
    const auto start = static_cast<uint32_t>(w.list_signals.size());
    for (uint32_t s : w.matched) {
      if (s < n && !w.repeat[s]) w.list_signals.push_back(s);
    }
    if (w.list_signals.size() == start) continue;
    w.sent.push_back(c);
    w.list_offset.push_back(start);
  }
  w.list_offset.push_back(static_cast<uint32_t>(w.list_signals.size()));

  PgParams& p = w.params;
  p.Clear();
  p.BeginArray(oid::kTextArray, oid::kText);
  for (const WakeSignal& s : batch.signals) p.ElementBytes(s.signal_id);
  p.EndArray().BeginArray(oid::kTextArray, oid::kText);
  for (const WakeSignal& s : batch.signals) p.ElementBytes(SafeText(s.payload, true, &w.text));
  p.EndArray().BeginArray(oid::kInt8Array, oid::kInt8);
  for (const WakeSignal& s : batch.signals) p.ElementInt8(s.timestamp_ms);
  p.EndArray().BeginArray(oid::kInt8Array, oid::kInt8);
  for (const WakeSignal& s : batch.signals) p.ElementInt8(s.received_at_ms);
  p.EndArray().BeginArray(oid::kInt4Array, oid::kInt4);
  for (const WakeSignal& s : batch.signals) p.ElementInt4(static_cast<int32_t>(s.matched));
  p.EndArray().BeginArray(oid::kBoolArray, oid::kBool);
  for (uint32_t i = 0; i < n; ++i) p.ElementBool(w.repeat[i] != 0);
  p.EndArray();
  if (!batch.trading_halted) {  // sigflow_wake_halted takes no candidates
    p.BeginArray(oid::kTextArray, oid::kText);
    for (uint32_t c : w.sent) p.ElementBytes(batch.candidates[c].pipeline_id);
    p.EndArray().BeginArray(oid::kTextArray, oid::kText);
    for (size_t k = 0; k < w.sent.size(); ++k) {
      w.text.clear();
      w.text.push_back('[');
      for (uint32_t j = w.list_offset[k]; j < w.list_offset[k + 1]; ++j) {
        if (j > w.list_offset[k]) w.text.push_back(',');
        AppendJsonString(batch.signals[w.list_signals[j]].signal_id, &w.text);
      }
      w.text.push_back(']');
      p.ElementBytes(w.text);
    }
    p.EndArray();
  }
  p.BeginArray(oid::kByteaArray, oid::kBytea);
  for (const DeadLetter& d : batch.dead_letters) p.ElementBytes(d.raw);
  p.EndArray().BeginArray(oid::kTextArray, oid::kText);
  for (const DeadLetter& d : batch.dead_letters) {
    p.ElementBytes(SafeText(d.reason_code, false, &w.text));
  }
  p.EndArray().BeginArray(oid::kTextArray, oid::kText);
  for (const DeadLetter& d : batch.dead_letters) {
    p.ElementBytes(SafeText(d.message, false, &w.text));
  }
  p.EndArray().Int8(now);

  auto answer = Run(batch.trading_halted ? kWakeHaltedSql : kWakeSql, p);
  probe_->wake_batches.fetch_add(1, std::memory_order_relaxed);
  if (!answer.ok()) {
    ReturnScratch(std::move(scratch));
    return answer.status();
  }

  // Freshness first ('d' rows), then the executions.
  w.fresh.assign(n, 0);
  for (uint32_t i = 0; i < n; ++i) w.fresh[i] = w.repeat[i] ? 0 : 1;
  for (int row = 0; row < answer->rows(); ++row) {
    if (batch.trading_halted) {
      const int64_t ord = answer->Int(row, 0);
      if (ord >= 0 && static_cast<size_t>(ord) < n) w.fresh[ord] = 0;
      continue;
    }
    if (answer->Text(row, 0) != "d") continue;
    const int64_t ord = answer->Int(row, 2);
    if (ord >= 0 && static_cast<size_t>(ord) < n) w.fresh[ord] = 0;
  }
  w.index.clear();
  for (uint32_t k = 0; k < w.sent.size(); ++k) {
    w.index.emplace(batch.candidates[w.sent[k]].pipeline_id, k);
  }
  w.enqueued.assign(n, 0);
  for (int row = 0; row < answer->rows() && !batch.trading_halted; ++row) {
    if (answer->Text(row, 0) != "e") continue;
    auto it = w.index.find(answer->Text(row, 3));
    if (it == w.index.end()) {
      ReturnScratch(std::move(scratch));
      return Status::Internal("sigflow_wake created an execution for an unknown candidate " +
                              std::string(answer->Text(row, 3)));
    }
    const uint32_t k = it->second;
    uint32_t waker = UINT32_MAX;
    for (uint32_t j = w.list_offset[k]; j < w.list_offset[k + 1] && waker == UINT32_MAX; ++j) {
      if (w.fresh[w.list_signals[j]]) waker = w.list_signals[j];
    }
    if (waker == UINT32_MAX) waker = w.list_signals[w.list_offset[k]];  // cannot happen
    ++w.enqueued[waker];
    result.enqueued.push_back(EnqueuedExecution{answer->Int(row, 1), w.sent[k], waker});
  }
  std::sort(result.enqueued.begin(), result.enqueued.end(),
            [](const EnqueuedExecution& a, const EnqueuedExecution& b) {
              return a.candidate < b.candidate;
            });

  for (size_t i = 0; i < n; ++i) {
    const uint32_t matched = batch.signals[i].matched;
    SignalOutcome& o = result.per_signal[i];
    o.matched = matched;
    if (!w.fresh[i]) {
      o.duplicate = matched;
      result.duplicate += matched;
      continue;
    }
    if (batch.trading_halted) {
      o.trading_halted = matched;
      result.trading_halted += matched;
      continue;
    }
    o.enqueued = w.enqueued[i];
    o.skipped_running = matched > w.enqueued[i] ? matched - w.enqueued[i] : 0;
    result.skipped_running += o.skipped_running;
  }
  result.dead_lettered = batch.dead_letters.size();
  ReturnScratch(std::move(scratch));
  if (!result.enqueued.empty()) FireExecutionsEnqueued();
  return result;
}

}  // namespace sigflow::store_postgres
