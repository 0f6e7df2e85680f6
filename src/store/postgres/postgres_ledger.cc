// PostgresLedger: the LedgerStore on the PostgresStore's pool (see postgres_ledger.h).
#include "store/postgres/postgres_ledger.h"

#include <algorithm>
#include <string>

#include "store/ledger_rows.h"
#include "store/postgres/postgres_store_impl.h"

namespace sigflow {
namespace store_postgres {
namespace {

using ledger_rows::LedgerRow;

constexpr char kRecommendationColumns[] =
    "id, created_at, ticker, action, confidence, pipeline_id, pipeline_execution_id, "
    "signal_ids::text, reason::text, status, attempts, claimed_at, processed_at, "
    "dispatcher_run_id::text, failure_reason, risk_gate_json::text";
constexpr char kFillColumns[] =
    "execution_id::text, recommendation_id, dispatcher_run_id::text, ticker, action, "
    "decision_ts, simulated_ts, entry_price, fill_model, slippage_bps, qty, notional, "
    "stop_loss_price, take_profit_price, max_hold_minutes, execution_mode, explain_json::text, "
    "risk_json::text, sim_json::text";
constexpr char kRunColumns[] =
    "run_id::text, started_at, finished_at, pulled_count, processed_count, simulated_count, "
    "skipped_count, failed_count, run_config_json::text, run_summary_json::text";

std::string Sql(std::string_view a, std::string_view b, std::string_view c = "") {
  std::string sql(a);
  sql.append(b).append(c);
  return sql;
}

// The key of a ticker's lock (sigflow_settle takes the two-key advisory lock (0x73696764 "sigd",
// key), a form that never collides with the one-key migration lock). FNV-1a: stable across
// processes; two tickers sharing a key only take turns needlessly.
int32_t TickerLockKey(std::string_view ticker) {
  uint32_t h = 2166136261u;
  for (char c : ticker) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return static_cast<int32_t>(h);
}

class ResultRow final : public LedgerRow {
 public:
  ResultRow(const PgResult& result, int row) : result_(result), row_(row) {}
  bool IsNull(int column) const override { return result_.IsNull(row_, column); }
  int64_t Int(int column) const override { return result_.Int(row_, column); }
  double Double(int column) const override { return result_.Double(row_, column); }
  std::string_view Text(int column) const override { return result_.Text(row_, column); }

 private:
  const PgResult& result_;
  int row_;
};

template <typename T, typename Read>
Result<std::vector<T>> ReadAll(const PgResult& result, Read read) {
  std::vector<T> out;
  out.reserve(result.rows());
  for (int i = 0; i < result.rows(); ++i) {
    Result<T> item = read(ResultRow(result, i));
    if (!item.ok()) return item.status();
    out.push_back(std::move(item).value());
  }
  return out;
}

PgParams& OptionalText(PgParams& p, std::string_view text) {
  return text.empty() ? p.Null(oid::kText) : p.Text(text);
}

PgParams& Limit(PgParams& p, int limit) {
  return limit > 0 ? p.Int8(limit) : p.Null(oid::kInt8);  // LIMIT NULL: all rows
}

class PostgresLedger final : public LedgerStore {
 public:
  explicit PostgresLedger(PgPool* pool) : pool_(pool) {}

  Result<Recommendation> AddRecommendation(Recommendation r) override;
  Result<Recommendation> GetRecommendation(int64_t id) override;
  Result<std::vector<Recommendation>> ListRecommendations(
      const RecommendationFilter& filter) override;

  Status OpenRun(const DispatcherRun& run) override;
  Status CloseRun(const DispatcherRun& run) override;
  Result<std::vector<DispatcherRun>> ListRuns(int limit) override;

  Result<ReapedClaims> ReapStaleClaims(int64_t claimed_before_ms, int max_attempts,
                                       int64_t now_ms) override;
  Result<std::vector<Recommendation>> ClaimRecommendations(std::string_view run_id, int max,
                                                           int64_t created_since_ms,
                                                           int64_t now_ms) override;
  Result<SettleResult> Settle(const Recommendation& claimed, const TickerActivityQuery& query,
                              const SettleDecision& decide) override;

  Result<std::optional<LedgerEntry>> FindFill(int64_t recommendation_id) override;
  Result<std::vector<LedgerEntry>> ListLedger(const LedgerFilter& filter) override;

  Result<GateSkipStats> CountGateSkips(const TimeRange& processed) override;
  Result<std::vector<ActionPositionStats>> PositionsByAction(const TimeRange& simulated) override;
  Result<LedgerCounts> Counts() override;

  Result<TradingStateRecord> GetTradingState() override;
  Status SetTradingState(const TradingStateRecord& change) override;
  Result<std::vector<TradingStateRecord>> ListTradingStates(int limit) override;

 private:
  Result<PgResult> Run(const std::string& sql, PgParams& params) {
    auto conn = pool_->Acquire();
    if (!conn.ok()) return conn.status();
    return (*conn)->Exec(sql.c_str(), params);
  }

  PgPool* pool_;
};

// ---- recommendations ----

Result<Recommendation> PostgresLedger::AddRecommendation(Recommendation r) {
  if (Status valid = ValidateNewRecommendation(&r); !valid.ok()) return valid;
  PgParams p;
  p.Int8(r.created_at_ms).Text(r.ticker).Text(TradeActionName(r.action)).Float8(r.confidence);
  OptionalText(p, r.pipeline_id);
  if (r.pipeline_execution_id == 0) {
    p.Null(oid::kInt8);
  } else {
    p.Int8(r.pipeline_execution_id);
  }
  p.Text(ledger_rows::SignalIdsJson(r.signal_ids)).Text(r.reason_json);
  auto result = Run(Sql("INSERT INTO dispatch_recommendations (created_at, ticker, action, "
                        "confidence, pipeline_id, pipeline_execution_id, signal_ids, reason) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) RETURNING ",
                        kRecommendationColumns),
                    p);
  if (!result.ok()) return result.status();
  if (result->rows() != 1) return Status::Internal("INSERT .. RETURNING gave no row");
  return ledger_rows::ReadRecommendation(ResultRow(*result, 0));
}

Result<Recommendation> PostgresLedger::GetRecommendation(int64_t id) {
  PgParams p;
  p.Int8(id);
  auto result = Run(
      Sql("SELECT ", kRecommendationColumns, " FROM dispatch_recommendations WHERE id = $1"), p);
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return Status::NotFound("no recommendation " + std::to_string(id));
  return ledger_rows::ReadRecommendation(ResultRow(*result, 0));
}

Result<std::vector<Recommendation>> PostgresLedger::ListRecommendations(
    const RecommendationFilter& filter) {
  PgParams p;
  OptionalText(p, filter.status ? RecommendationStatusName(*filter.status) : "");
  OptionalText(p, filter.ticker);
  Limit(p, filter.limit);
  auto result = Run(Sql("SELECT ", kRecommendationColumns,
                        " FROM dispatch_recommendations WHERE ($1::text IS NULL OR status = $1) "
                        "AND ($2::text IS NULL OR ticker = $2) ORDER BY id DESC LIMIT $3"),
                    p);
  if (!result.ok()) return result.status();
  return ReadAll<Recommendation>(*result, ledger_rows::ReadRecommendation);
}

// ---- runs ----

Status PostgresLedger::OpenRun(const DispatcherRun& run) {
  PgParams p;
  p.Text(run.run_id).Int8(run.started_at_ms).Text(run.run_config_json);
  auto result =
      Run("INSERT INTO dispatcher_runs (run_id, started_at, run_config_json) "
          "VALUES ($1::uuid, $2, $3::jsonb)",
          p);
  return result.ok() ? Status::Ok() : result.status();
}

Status PostgresLedger::CloseRun(const DispatcherRun& run) {
  PgParams p;
  p.Text(run.run_id)
      .Int8(run.finished_at_ms)
      .Int8(run.pulled_count)
      .Int8(run.processed_count)
      .Int8(run.simulated_count)
      .Int8(run.skipped_count)
      .Int8(run.failed_count)
      .Text(run.run_summary_json);
  // One round trip: the update, or why there was nothing to update.
  auto result =
      Run("WITH closed AS (UPDATE dispatcher_runs SET finished_at = $2, pulled_count = $3, "
          "processed_count = $4, simulated_count = $5, skipped_count = $6, failed_count = $7, "
          "run_summary_json = $8::jsonb WHERE run_id = $1::uuid AND finished_at IS NULL "
          "RETURNING 1) SELECT (SELECT count(*) FROM closed), "
          "EXISTS (SELECT 1 FROM dispatcher_runs WHERE run_id = $1::uuid)",
          p);
  if (!result.ok()) return result.status();
  if (result->Int(0, 0) == 1) return Status::Ok();
  if (!result->Bool(0, 1)) return Status::NotFound("no dispatcher run " + run.run_id);
  return Status::Error("conflict", "dispatcher run " + run.run_id + " is closed already");
}

Result<std::vector<DispatcherRun>> PostgresLedger::ListRuns(int limit) {
  PgParams p;
  Limit(p, limit);
  auto result = Run(Sql("SELECT ", kRunColumns,
                        " FROM dispatcher_runs ORDER BY started_at DESC, run_id LIMIT $1"),
                    p);
  if (!result.ok()) return result.status();
  return ReadAll<DispatcherRun>(*result, [](const LedgerRow& row) -> Result<DispatcherRun> {
    return ledger_rows::ReadRun(row);
  });
}

// ---- the dispatcher's cycle ----

Result<ReapedClaims> PostgresLedger::ReapStaleClaims(int64_t claimed_before_ms, int max_attempts,
                                                     int64_t now_ms) {
  PgParams p;
  p.Int8(claimed_before_ms).Int4(max_attempts).Int8(now_ms);
  // One statement: both updates see the same snapshot, and each row goes one way. SKIP LOCKED: a
  // row being settled right now is not stale, whatever its claim time says.
  auto result =
      Run("WITH stale AS (SELECT id, attempts >= $2 AS used_up FROM dispatch_recommendations "
          "WHERE status = 'PROCESSING' AND claimed_at < $1 FOR UPDATE SKIP LOCKED), "
          "reaped AS (UPDATE dispatch_recommendations r SET "
          "status = CASE WHEN s.used_up THEN 'FAILED' ELSE 'PENDING' END, "
          "processed_at = CASE WHEN s.used_up THEN $3 ELSE r.processed_at END, "
          "failure_reason = CASE WHEN s.used_up THEN 'processing_ttl_expired: claimed ' || "
          "r.attempts || ' times and never settled' ELSE r.failure_reason END, "
          "dispatcher_run_id = CASE WHEN s.used_up THEN r.dispatcher_run_id ELSE NULL END "
          "FROM stale s WHERE r.id = s.id RETURNING s.used_up) "
          "SELECT count(*) FILTER (WHERE NOT used_up), count(*) FILTER (WHERE used_up) FROM reaped",
          p);
  if (!result.ok()) return result.status();
  ReapedClaims reaped;
  reaped.released = result->Int(0, 0);
  reaped.failed = result->Int(0, 1);
  return reaped;
}

Result<std::vector<Recommendation>> PostgresLedger::ClaimRecommendations(std::string_view run_id,
                                                                         int max,
                                                                         int64_t created_since_ms,
                                                                         int64_t now_ms) {
  if (max <= 0) return std::vector<Recommendation>();
  PgParams p;
  p.Text(run_id).Int8(now_ms).Int8(created_since_ms).Int4(max);
  auto result = Run(Sql("WITH picked AS (SELECT id AS picked_id FROM dispatch_recommendations "
                        "WHERE status = 'PENDING' AND created_at >= $3 ORDER BY created_at, id "
                        "LIMIT $4 FOR UPDATE SKIP LOCKED) "
                        "UPDATE dispatch_recommendations SET status = 'PROCESSING', "
                        "dispatcher_run_id = $1::uuid, claimed_at = $2, attempts = attempts + 1 "
                        "FROM picked WHERE id = picked.picked_id RETURNING ",
                        kRecommendationColumns),
                    p);
  if (!result.ok()) return result.status();
  auto claimed = ReadAll<Recommendation>(*result, ledger_rows::ReadRecommendation);
  if (!claimed.ok()) return claimed;
  std::sort(claimed->begin(), claimed->end(), [](const Recommendation& a, const Recommendation& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms < b.created_at_ms : a.id < b.id;
  });
  return claimed;
}

Result<SettleResult> PostgresLedger::Settle(const Recommendation& claimed,
                                            const TickerActivityQuery& query,
                                            const SettleDecision& decide) {
  // Round trip 1: the claim and the ticker's activity, without a lock (optimistic).
  PgParams p;
  p.Int8(claimed.id)
      .Int8(query.day.since_ms)
      .Int8(query.day.until_ms)
      .Int8(query.rate_window_ms)
      .Bool(query.open_exposure)
      .Int8(query.now_ms);
  auto row = Run(Sql("SELECT ", kRecommendationColumns,
                     ", a.r_today, a.r_in_window, a.r_exposure FROM dispatch_recommendations r, "
                     "LATERAL sigflow_ticker_activity(r.ticker, r.id, r.created_at, $2, $3, $4, "
                     "$5, $6) a WHERE r.id = $1"),
                 p);
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return Status::NotFound("no recommendation " + std::to_string(claimed.id));
  auto current = ledger_rows::ReadRecommendation(ResultRow(*row, 0));
  if (!current.ok()) return current.status();
  const Recommendation& rec = *current;
  auto lost = [&] {
    return Status::Error("conflict", "recommendation " + std::to_string(rec.id) +
                                         " is no longer PROCESSING under run '" +
                                         claimed.dispatcher_run_id + "': its claim was lost");
  };
  if (rec.status != RecommendationStatus::kProcessing ||
      rec.dispatcher_run_id != claimed.dispatcher_run_id) {
    return lost();
  }
  TickerActivity activity;
  activity.executions_today = row->Int(0, 16);
  activity.recommendations_in_window = row->Int(0, 17);
  activity.open_exposure = row->Double(0, 18);

  // Round trip 2 (and more only when the ticker's activity changed in between: another
  // dispatcher filled it): sigflow_settle locks, checks and writes in one statement.
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    SettleResult result;
    result.settlement = decide(activity);
    const Settlement& s = result.settlement;
    if (Status valid = ledger_rows::CheckSettlement(rec, s); !valid.ok()) return valid;
    PgParams w;
    w.Int8(rec.id)
        .Text(rec.dispatcher_run_id)
        .Int4(TickerLockKey(rec.ticker))
        .Int8(query.day.since_ms)
        .Int8(query.day.until_ms)
        .Int8(query.rate_window_ms)
        .Bool(query.open_exposure)
        .Int8(query.now_ms)
        .Int8(activity.executions_today)
        .Int8(activity.recommendations_in_window)
        .Float8(activity.open_exposure)
        .Text(RecommendationStatusName(s.status));
    OptionalText(w, s.failure_reason);
    OptionalText(w, s.risk_gate_json);
    w.Int8(s.processed_at_ms);
    if (s.fill) {
      const LedgerEntry& f = *s.fill;
      w.Text(f.execution_id)
          .Text(f.ticker)
          .Text(TradeActionName(f.action))
          .Int8(f.decision_ts_ms)
          .Int8(f.simulated_ts_ms)
          .Float8(f.entry_price)
          .Text(f.fill_model)
          .Float8(f.slippage_bps)
          .Float8(f.qty)
          .Float8(f.notional)
          .Float8(f.stop_loss_price)
          .Float8(f.take_profit_price)
          .Int4(f.max_hold_minutes)
          .Text(ExecutionModeName(f.execution_mode))
          .Text(f.explain_json)
          .Text(f.risk_json)
          .Text(f.sim_json);
    } else {
      for (Oid type : {oid::kText, oid::kText, oid::kText, oid::kInt8, oid::kInt8, oid::kFloat8,
                       oid::kText, oid::kFloat8, oid::kFloat8, oid::kFloat8, oid::kFloat8,
                       oid::kFloat8, oid::kInt4, oid::kText, oid::kText, oid::kText, oid::kText}) {
        w.Null(type);
      }
    }
    auto settled =
        Run("SELECT r_outcome, r_already_filled, r_today, r_in_window, r_exposure FROM "
            "sigflow_settle($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
            "$14::jsonb, $15, $16::uuid, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, "
            "$28, $29, $30::jsonb, $31::jsonb, $32::jsonb)",
            w);
    if (!settled.ok()) return settled.status();
    if (settled->rows() != 1) return Status::Internal("sigflow_settle returned no row");
    const std::string_view outcome = settled->Text(0, 0);
    if (outcome == "lost") return lost();
    if (outcome == "stale") {
      activity.executions_today = settled->Int(0, 2);
      activity.recommendations_in_window = settled->Int(0, 3);
      activity.open_exposure = settled->Double(0, 4);
      continue;
    }
    result.already_filled = settled->Bool(0, 1);
    if (result.already_filled) {
      auto existing = FindFill(rec.id);
      if (!existing.ok()) return existing.status();
      result.settlement.fill = std::move(*existing);
    }
    return result;
  }
  return Status::Unavailable("ticker " + rec.ticker + " kept changing under recommendation " +
                             std::to_string(rec.id) + " (" + std::to_string(kAttempts) +
                             " attempts); try again");
}

// ---- the ledger ----

Result<std::optional<LedgerEntry>> PostgresLedger::FindFill(int64_t recommendation_id) {
  PgParams p;
  p.Int8(recommendation_id);
  auto result = Run(
      Sql("SELECT ", kFillColumns, " FROM dispatch_executions WHERE recommendation_id = $1"), p);
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return std::optional<LedgerEntry>();
  auto entry = ledger_rows::ReadLedgerEntry(ResultRow(*result, 0));
  if (!entry.ok()) return entry.status();
  return std::optional<LedgerEntry>(std::move(entry).value());
}

Result<std::vector<LedgerEntry>> PostgresLedger::ListLedger(const LedgerFilter& filter) {
  PgParams p;
  p.Int8(filter.simulated.since_ms).Int8(filter.simulated.until_ms);
  OptionalText(p, filter.ticker);
  Limit(p, filter.limit);
  auto result = Run(Sql("SELECT ", kFillColumns,
                        " FROM dispatch_executions WHERE simulated_ts >= $1 AND "
                        "simulated_ts < $2 AND ($3::text IS NULL OR ticker = $3) "
                        "ORDER BY simulated_ts DESC, recommendation_id DESC LIMIT $4"),
                    p);
  if (!result.ok()) return result.status();
  return ReadAll<LedgerEntry>(*result, ledger_rows::ReadLedgerEntry);
}

// ---- analytics ----

Result<GateSkipStats> PostgresLedger::CountGateSkips(const TimeRange& processed) {
  PgParams p;
  p.Int8(processed.since_ms).Int8(processed.until_ms);
  // One statement, one snapshot: 't' the total, 'g' per failed gate, 'r' per reason code.
  auto result =
      Run("WITH skipped AS (SELECT risk_gate_json, failure_reason FROM dispatch_recommendations "
          "WHERE status = 'SKIPPED' AND processed_at >= $1 AND processed_at < $2) "
          "SELECT 't', '', count(*) FROM skipped "
          "UNION ALL SELECT 'g', g.key, count(*) FROM skipped s, "
          "jsonb_each(coalesce(s.risk_gate_json, '{}')) g "
          "WHERE g.value -> 'passed' = 'false'::jsonb GROUP BY g.key "
          "UNION ALL SELECT 'r', split_part(coalesce(failure_reason, ''), ':', 1), count(*) "
          "FROM skipped GROUP BY 2",
          p);
  if (!result.ok()) return result.status();
  GateSkipStats stats;
  for (int i = 0; i < result->rows(); ++i) {
    const std::string_view kind = result->Text(i, 0);
    if (kind == "t") {
      stats.skipped = result->Int(i, 2);
    } else {
      auto& out = kind == "g" ? stats.failed_by_gate : stats.by_reason;
      out.emplace_back(std::string(result->Text(i, 1)), result->Int(i, 2));
    }
  }
  ledger_rows::SortCounts(&stats.failed_by_gate);
  ledger_rows::SortCounts(&stats.by_reason);
  return stats;
}

Result<std::vector<ActionPositionStats>> PostgresLedger::PositionsByAction(
    const TimeRange& simulated) {
  PgParams p;
  p.Int8(simulated.since_ms).Int8(simulated.until_ms);
  auto result =
      Run("SELECT action, count(*), avg(qty), avg(notional), avg(entry_price), sum(notional) "
          "FROM dispatch_executions WHERE simulated_ts >= $1 AND simulated_ts < $2 GROUP BY action",
          p);
  if (!result.ok()) return result.status();
  auto rows = ReadAll<ActionPositionStats>(*result, ledger_rows::ReadPositionStats);
  if (!rows.ok()) return rows.status();
  ledger_rows::SortByAction(&*rows);
  return rows;
}

Result<LedgerCounts> PostgresLedger::Counts() {
  PgParams p;
  auto result =
      Run("SELECT status, count(*) FROM dispatch_recommendations GROUP BY status UNION ALL "
          "SELECT 'fills', count(*) FROM dispatch_executions UNION ALL "
          "SELECT 'runs', count(*) FROM dispatcher_runs",
          p);
  if (!result.ok()) return result.status();
  LedgerCounts counts;
  for (int i = 0; i < result->rows(); ++i) {
    ledger_rows::AddCount(result->Text(i, 0), result->Int(i, 1), &counts);
  }
  return counts;
}

// ---- trading state ----

Result<TradingStateRecord> PostgresLedger::GetTradingState() {
  auto latest = ListTradingStates(1);
  if (!latest.ok()) return latest.status();
  if (latest->empty()) return TradingStateRecord{};
  return std::move(latest->front());
}

Status PostgresLedger::SetTradingState(const TradingStateRecord& change) {
  if (Status valid = ledger_rows::CheckTradingStateChange(change); !valid.ok()) return valid;
  PgParams p;
  p.Text(TradingStateName(change.state))
      .Text(change.reason)
      .Text(change.changed_by)
      .Int8(change.changed_at_ms);
  auto result =
      Run("INSERT INTO trading_state_changes (state, reason, changed_by, changed_at) "
          "VALUES ($1, $2, $3, $4)",
          p);
  return result.ok() ? Status::Ok() : result.status();
}

Result<std::vector<TradingStateRecord>> PostgresLedger::ListTradingStates(int limit) {
  PgParams p;
  Limit(p, limit);
  auto result =
      Run("SELECT state, reason, changed_by, changed_at FROM trading_state_changes "
          "ORDER BY id DESC LIMIT $1",
          p);
  if (!result.ok()) return result.status();
  return ReadAll<TradingStateRecord>(*result, ledger_rows::ReadTradingState);
}

}  // namespace
}  // namespace store_postgres

Result<std::unique_ptr<LedgerStore>> OpenPostgresLedger(Store* store) {
  auto* postgres = dynamic_cast<store_postgres::PostgresStore*>(store);
  if (postgres == nullptr) {
    return Status::InvalidArgument(
        "the PostgreSQL ledger needs the store returned by OpenPostgresStore");
  }
  return std::unique_ptr<LedgerStore>(
      std::make_unique<store_postgres::PostgresLedger>(&postgres->pool()));
}

}  // namespace sigflow
