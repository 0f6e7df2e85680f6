// LedgerStore: durable state of the execution side (seed 003) — recommendations and their
// claims, the immutable ledger of fills, dispatcher runs, the trading state, and the analytics
// queries over them. A seam of its own, beside Store (store.h), sharing its connection(s).
//
// Implementations: OpenSqliteLedger (store/sqlite/sqlite_ledger.h) and OpenPostgresLedger
// (store/postgres/postgres_ledger.h), each over a Store opened by the same backend; the tables
// come with that Store's schema migrations (version 3). The ledger borrows the Store's
// connection(s): the Store must outlive it.
//
// Thread-safety: every method may be called from any thread. Every method either fully happens
// or not at all (one transaction each). Failures are returned, never thrown: `unavailable` when
// the database cannot be reached or is busy past its timeout, `invalid_argument` for a bad
// value (naming the field) or a change the database refuses, `conflict` / `not_found` where
// named below, `internal` otherwise.
//
// What the database itself enforces, whoever writes (these tables' triggers, on both backends):
//  - dispatch_recommendations follows the state machine of core/recommendation.h: a row is
//    inserted PENDING; an UPDATE must be PENDING -> PROCESSING, PROCESSING -> SIMULATED |
//    SKIPPED | FAILED, or PROCESSING -> PENDING (the reaper's release); what a recommendation
//    proposes (ticker, action, confidence, created_at, pipeline ids, signal_ids, reason) never
//    changes; a row is SIMULATED exactly when dispatch_executions holds its fill; only a PENDING
//    row may be deleted.
//  - dispatch_executions is append-only: UPDATE, DELETE and TRUNCATE are refused; one fill per
//    recommendation (UNIQUE recommendation_id, index ux_dispatch_execution_reco); a fill is
//    accepted only for a PROCESSING recommendation of the same ticker and action.
//  - dispatcher_runs: a run is closed once and never deleted; trading_state_changes is
//    append-only.
//
// Times: the caller passes every time that matters (the dispatcher knows which clock each one
// follows, see risk/execution_dispatcher.h); the store stamps nothing by itself.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ledger.h"
#include "core/recommendation.h"
#include "core/status.h"
#include "core/trading_state.h"

namespace sigflow {

// The read side of the trading state, for components that only need to know it (the trigger
// dispatcher). Thread-safe.
class TradingStateReader {
 public:
  virtual ~TradingStateReader() = default;
  // The latest recorded change; ACTIVE (changed_at_ms 0) when none was ever recorded.
  virtual Result<TradingStateRecord> GetTradingState() = 0;
};

// [since_ms, until_ms) in epoch milliseconds; the default is all time.
struct TimeRange {
  int64_t since_ms = std::numeric_limits<int64_t>::min();
  int64_t until_ms = std::numeric_limits<int64_t>::max();
};

struct RecommendationFilter {
  std::optional<RecommendationStatus> status;  // any when unset
  std::string ticker;                          // any when empty
  int limit = 50;                              // newest first (by id); <= 0 means all
};

struct LedgerFilter {
  TimeRange simulated;  // simulated_ts within
  std::string ticker;   // any when empty
  int limit = 50;       // newest first (simulated_ts, then execution order); <= 0 means all
};

struct ReapedClaims {
  int64_t released = 0;  // back to PENDING
  int64_t failed = 0;    // FAILED: attempts used up
};

// What the gates need to know about the recommendation's ticker, read by Settle inside its
// transaction while it holds the ticker's lock (so two dispatchers cannot both take the last
// trade of a daily limit).
struct TickerActivityQuery {
  // Fills of the ticker with simulated_ts in [day.since_ms, day.until_ms) -> executions_today.
  TimeRange day;
  // Recommendations of the ticker created in (created_at - rate_window_ms, created_at], up to and
  // including this one in (created_at, id) order -> recommendations_in_window. 0 skips the count.
  int64_t rate_window_ms = 0;
  // When true: the sum of direction * notional (core/recommendation.h TradeDirection) over the
  // ticker's fills still held at now_ms (simulated_ts <= now_ms < simulated_ts +
  // max_hold_minutes) -> open_exposure. Only the REDUCING state needs it.
  bool open_exposure = false;
  int64_t now_ms = 0;
};

struct TickerActivity {
  int64_t executions_today = 0;
  int64_t recommendations_in_window = 0;
  double open_exposure = 0;
};

// How a claimed recommendation ends.
struct Settlement {
  RecommendationStatus status = RecommendationStatus::kFailed;  // SIMULATED, SKIPPED or FAILED
  std::string failure_reason;                                   // SKIPPED / FAILED
  std::string risk_gate_json;                                   // a JSON object ("" for none)
  int64_t processed_at_ms = 0;
  std::optional<LedgerEntry> fill;  // present exactly when status is SIMULATED
};

// Decides a settlement from the ticker's activity. Runs while Settle is under way (on SQLite,
// inside its transaction): it must be quick and must not call back into the store. It may be
// called more than once (PostgreSQL decides again when the ticker's activity changed between
// its read and its write); only the last decision is written.
using SettleDecision = std::function<Settlement(const TickerActivity&)>;

struct SettleResult {
  Settlement settlement;  // as written (for an existing fill, the fill found in the ledger)
  // The ledger already held a fill for this recommendation (an earlier attempt got that far):
  // that fill stands, the recommendation became SIMULATED, nothing new was appended.
  bool already_filled = false;
};

// Skip counts for `sigflow stats gates` (seed 003's gate questions).
struct GateSkipStats {
  int64_t skipped = 0;  // SKIPPED recommendations processed in the range
  // Per gate (a key of risk_gate_json): SKIPPED recommendations that failed it. One
  // recommendation may fail several gates. Most first, then by name.
  std::vector<std::pair<std::string, int64_t>> failed_by_gate;
  // Per reason code (failure_reason up to its first ':'): the first gate that failed, the one
  // that decided. Most first, then by code.
  std::vector<std::pair<std::string, int64_t>> by_reason;
};

// `sigflow stats positions`: the seed's "average position size by action type".
struct ActionPositionStats {
  TradeAction action = TradeAction::kBuyStock;
  int64_t count = 0;
  double avg_qty = 0;
  double avg_notional = 0;
  double avg_entry = 0;
  double total_notional = 0;
};

struct LedgerCounts {
  int64_t pending = 0, processing = 0, simulated = 0, skipped = 0, failed = 0;  // recommendations
  int64_t fills = 0;  // dispatch_executions rows
  int64_t runs = 0;   // dispatcher_runs rows
};

class LedgerStore : public TradingStateReader {
 public:
  ~LedgerStore() override = default;

  // ---- recommendations: the writer side (the order_manager agent, manual entry) ----
  // Inserts a PENDING recommendation and returns it as stored (id assigned, ticker normalised;
  // the dispatcher-owned fields are ignored). `invalid_argument` naming the field for: a bad
  // ticker, confidence outside [0, 1] or not finite, created_at_ms <= 0, reason_json not a JSON
  // object, pipeline_execution_id < 0. The explanation convention (reason_json), so that the
  // ledger can link a fill back to how it came about:
  //   {"rule": "<strategy rule that fired>", "pipeline_id": ..., "execution_id": <executions.id>,
  //    "signals": [{"signal_id": ..., "bias": ..., "confidence": ...}, ...],
  //    "features": {"ts": ..., "computed_at": ..., "recent_vol": ..., "atr": ..., ...}}
  // Any JSON object is accepted; "rule" is what `stats` groups strategies by.
  virtual Result<Recommendation> AddRecommendation(Recommendation recommendation) = 0;
  virtual Result<Recommendation> GetRecommendation(int64_t id) = 0;  // `not_found`
  virtual Result<std::vector<Recommendation>> ListRecommendations(
      const RecommendationFilter& filter) = 0;

  // ---- the execution dispatcher's cycle ----
  // Inserts an open run (run_id, started_at_ms, run_config_json). `conflict` if run_id exists.
  virtual Status OpenRun(const DispatcherRun& run) = 0;
  // Closes the open run run.run_id with its counts, finished_at_ms and run_summary_json.
  // `not_found` for an unknown run, `conflict` if it was closed already.
  virtual Status CloseRun(const DispatcherRun& run) = 0;
  virtual Result<std::vector<DispatcherRun>> ListRuns(int limit) = 0;  // newest first; <= 0: all

  // PROCESSING recommendations claimed before claimed_before_ms (their dispatcher died or hung)
  // go back to PENDING, or to FAILED ("processing_ttl_expired: ...", processed_at now_ms) once
  // they have been claimed max_attempts times.
  virtual Result<ReapedClaims> ReapStaleClaims(int64_t claimed_before_ms, int max_attempts,
                                               int64_t now_ms) = 0;
  // Atomically moves up to `max` PENDING recommendations created at or after created_since_ms,
  // oldest first, to PROCESSING under run_id (claimed_at now_ms, attempts + 1), and commits
  // before returning. Concurrent claimers never get the same row and never wait for each other's
  // rows (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one immediate transaction).
  virtual Result<std::vector<Recommendation>> ClaimRecommendations(std::string_view run_id, int max,
                                                                   int64_t created_since_ms,
                                                                   int64_t now_ms) = 0;
  // Ends a claimed recommendation atomically: checks that `claimed` (by id) is still PROCESSING
  // under claimed.dispatcher_run_id, reads the ticker's activity (`query`), calls `decide`, and
  // appends the fill (when SIMULATED) and writes the status, failure_reason, risk_gate_json and
  // processed_at in one transaction that holds the ticker's lock and in which the activity is
  // still what `decide` saw. `conflict` (nothing written) when the claim
  // was lost (reaped and maybe re-claimed by another run); `invalid_argument` when the decision
  // is inconsistent (SIMULATED without a fill, a fill for another recommendation, a status that
  // is not final) or refused by the database.
  virtual Result<SettleResult> Settle(const Recommendation& claimed,
                                      const TickerActivityQuery& query,
                                      const SettleDecision& decide) = 0;

  // ---- the ledger ----
  virtual Result<std::optional<LedgerEntry>> FindFill(int64_t recommendation_id) = 0;
  virtual Result<std::vector<LedgerEntry>> ListLedger(const LedgerFilter& filter) = 0;

  // ---- analytics ----
  // SKIPPED recommendations whose processed_at lies in `processed`.
  virtual Result<GateSkipStats> CountGateSkips(const TimeRange& processed) = 0;
  // Fills whose simulated_ts lies in `simulated`, grouped by action (in TradeAction order).
  virtual Result<std::vector<ActionPositionStats>> PositionsByAction(
      const TimeRange& simulated) = 0;
  virtual Result<LedgerCounts> Counts() = 0;

  // ---- trading state ----
  // Appends a change (the new current state). `invalid_argument` when reason or changed_by is
  // empty or changed_at_ms <= 0.
  virtual Status SetTradingState(const TradingStateRecord& change) = 0;
  // Newest first; <= 0 means all.
  virtual Result<std::vector<TradingStateRecord>> ListTradingStates(int limit) = 0;
};

}  // namespace sigflow
