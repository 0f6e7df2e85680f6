// SqliteLedger: the LedgerStore on the SqliteStore's connection (see sqlite_ledger.h).
#include "store/sqlite/sqlite_ledger.h"

#include <algorithm>
#include <mutex>

#include "store/ledger_rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sigflow {
namespace store_sqlite {
namespace {

using ledger_rows::LedgerRow;

constexpr char kRecommendationColumns[] =
    "id, created_at, ticker, action, confidence, pipeline_id, pipeline_execution_id, signal_ids, "
    "reason, status, attempts, claimed_at, processed_at, dispatcher_run_id, failure_reason, "
    "risk_gate_json";
constexpr char kFillColumns[] =
    "execution_id, recommendation_id, dispatcher_run_id, ticker, action, decision_ts, "
    "simulated_ts, entry_price, fill_model, slippage_bps, qty, notional, stop_loss_price, "
    "take_profit_price, max_hold_minutes, execution_mode, explain_json, risk_json, sim_json";
constexpr char kRunColumns[] =
    "run_id, started_at, finished_at, pulled_count, processed_count, simulated_count, "
    "skipped_count, failed_count, run_config_json, run_summary_json";

std::string Sql(std::string_view a, std::string_view b, std::string_view c = "") {
  std::string sql(a);
  sql.append(b).append(c);
  return sql;
}

class StatementRow final : public LedgerRow {
 public:
  explicit StatementRow(const sqlite::Statement& st) : st_(st) {}
  bool IsNull(int column) const override { return st_.ColumnIsNull(column); }
  int64_t Int(int column) const override { return st_.ColumnInt(column); }
  double Double(int column) const override { return st_.ColumnDouble(column); }
  std::string_view Text(int column) const override { return st_.ColumnText(column); }

 private:
  const sqlite::Statement& st_;
};

// Steps `st` to the end, reading each row with `read`.
template <typename T, typename Read>
Result<std::vector<T>> ReadAll(sqlite::Statement& st, Read read) {
  std::vector<T> out;
  while (true) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<T> item = read(StatementRow(st));
    if (!item.ok()) return item.status();
    out.push_back(std::move(item).value());
  }
  return out;
}

int64_t SqlLimit(int limit) { return limit > 0 ? limit : -1; }  // -1: no limit in SQLite

class SqliteLedger final : public LedgerStore {
 public:
  SqliteLedger(std::mutex* mu, sqlite::Database* db) : mu_(mu), db_(db) {}

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
  // Callers hold *mu_.
  Result<std::optional<Recommendation>> LoadRecommendation(int64_t id);
  Result<std::optional<LedgerEntry>> LoadFill(int64_t recommendation_id);
  Result<TickerActivity> ReadActivity(const Recommendation& current,
                                      const TickerActivityQuery& query);
  Status AppendFill(const LedgerEntry& fill, bool* already_filled);

  std::mutex* mu_;
  sqlite::Database* db_;  // guarded by *mu_
};

// ---- recommendations ----

Result<Recommendation> SqliteLedger::AddRecommendation(Recommendation r) {
  if (Status valid = ValidateNewRecommendation(&r); !valid.ok()) return valid;
  const std::string ids = ledger_rows::SignalIdsJson(r.signal_ids);
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(Sql(
      "INSERT INTO dispatch_recommendations (created_at, ticker, action, confidence, pipeline_id, "
      "pipeline_execution_id, signal_ids, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "RETURNING ",
      kRecommendationColumns));
  if (!st.ok()) return st.status();
  (*st)
      ->BindInt(1, r.created_at_ms)
      .BindText(2, r.ticker)
      .BindText(3, TradeActionName(r.action))
      .BindDouble(4, r.confidence)
      .BindText(7, ids)
      .BindText(8, r.reason_json);
  if (r.pipeline_id.empty()) {
    (*st)->BindNull(5);
  } else {
    (*st)->BindText(5, r.pipeline_id);
  }
  if (r.pipeline_execution_id == 0) {
    (*st)->BindNull(6);
  } else {
    (*st)->BindInt(6, r.pipeline_execution_id);
  }
  auto rows = ReadAll<Recommendation>(**st, ledger_rows::ReadRecommendation);
  if (!rows.ok()) return rows.status();
  if (rows->size() != 1) return Status::Internal("INSERT .. RETURNING gave no row");
  return std::move(rows->front());
}

Result<std::optional<Recommendation>> SqliteLedger::LoadRecommendation(int64_t id) {
  auto st = db_->Cached(
      Sql("SELECT ", kRecommendationColumns, " FROM dispatch_recommendations WHERE id = ?1"));
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, id);
  auto rows = ReadAll<Recommendation>(**st, ledger_rows::ReadRecommendation);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Recommendation>();
  return std::optional<Recommendation>(std::move(rows->front()));
}

Result<Recommendation> SqliteLedger::GetRecommendation(int64_t id) {
  std::lock_guard lock(*mu_);
  auto found = LoadRecommendation(id);
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("no recommendation " + std::to_string(id));
  return std::move(**found);
}

Result<std::vector<Recommendation>> SqliteLedger::ListRecommendations(
    const RecommendationFilter& filter) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(Sql("SELECT ", kRecommendationColumns,
                            " FROM dispatch_recommendations WHERE (?1 IS NULL OR status = ?1) "
                            "AND (?2 IS NULL OR ticker = ?2) ORDER BY id DESC LIMIT ?3"));
  if (!st.ok()) return st.status();
  if (filter.status) {
    (*st)->BindText(1, RecommendationStatusName(*filter.status));
  } else {
    (*st)->BindNull(1);
  }
  if (filter.ticker.empty()) {
    (*st)->BindNull(2);
  } else {
    (*st)->BindText(2, filter.ticker);
  }
  (*st)->BindInt(3, SqlLimit(filter.limit));
  return ReadAll<Recommendation>(**st, ledger_rows::ReadRecommendation);
}

// ---- runs ----

Status SqliteLedger::OpenRun(const DispatcherRun& run) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(
      "INSERT INTO dispatcher_runs (run_id, started_at, run_config_json) VALUES (?1, ?2, ?3)");
  if (!st.ok()) return st.status();
  return (*st)
      ->BindText(1, run.run_id)
      .BindInt(2, run.started_at_ms)
      .BindText(3, run.run_config_json)
      .Run();
}

Status SqliteLedger::CloseRun(const DispatcherRun& run) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(
      "UPDATE dispatcher_runs SET finished_at = ?2, pulled_count = ?3, processed_count = ?4, "
      "simulated_count = ?5, skipped_count = ?6, failed_count = ?7, run_summary_json = ?8 "
      "WHERE run_id = ?1 AND finished_at IS NULL");
  if (!st.ok()) return st.status();
  Status status = (*st)
                      ->BindText(1, run.run_id)
                      .BindInt(2, run.finished_at_ms)
                      .BindInt(3, run.pulled_count)
                      .BindInt(4, run.processed_count)
                      .BindInt(5, run.simulated_count)
                      .BindInt(6, run.skipped_count)
                      .BindInt(7, run.failed_count)
                      .BindText(8, run.run_summary_json)
                      .Run();
  if (!status.ok()) return status;
  if (db_->Changes() == 1) return Status::Ok();
  auto exists = db_->Cached("SELECT 1 FROM dispatcher_runs WHERE run_id = ?1");
  if (!exists.ok()) return exists.status();
  auto row = (*exists)->BindText(1, run.run_id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no dispatcher run " + run.run_id);
  return Status::Error("conflict", "dispatcher run " + run.run_id + " is closed already");
}

Result<std::vector<DispatcherRun>> SqliteLedger::ListRuns(int limit) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(Sql("SELECT ", kRunColumns,
                            " FROM dispatcher_runs ORDER BY started_at DESC, rowid DESC LIMIT ?1"));
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, SqlLimit(limit));
  return ReadAll<DispatcherRun>(**st, [](const LedgerRow& row) -> Result<DispatcherRun> {
    return ledger_rows::ReadRun(row);
  });
}

// ---- the dispatcher's cycle ----

Result<ReapedClaims> SqliteLedger::ReapStaleClaims(int64_t claimed_before_ms, int max_attempts,
                                                   int64_t now_ms) {
  std::lock_guard lock(*mu_);
  auto tx = sqlite::Transaction::Begin(db_);
  if (!tx.ok()) return tx.status();
  ReapedClaims reaped;
  {
    auto fail = db_->Cached(
        "UPDATE dispatch_recommendations SET status = 'FAILED', processed_at = ?3, "
        "failure_reason = 'processing_ttl_expired: claimed ' || attempts || "
        "' times and never settled' "
        "WHERE status = 'PROCESSING' AND claimed_at < ?1 AND attempts >= ?2");
    if (!fail.ok()) return fail.status();
    Status s =
        (*fail)->BindInt(1, claimed_before_ms).BindInt(2, max_attempts).BindInt(3, now_ms).Run();
    if (!s.ok()) return s;
    reaped.failed = db_->Changes();
  }
  {
    auto release = db_->Cached(
        "UPDATE dispatch_recommendations SET status = 'PENDING', dispatcher_run_id = NULL "
        "WHERE status = 'PROCESSING' AND claimed_at < ?1");
    if (!release.ok()) return release.status();
    Status s = (*release)->BindInt(1, claimed_before_ms).Run();
    if (!s.ok()) return s;
    reaped.released = db_->Changes();
  }
  Status committed = tx->Commit();
  if (!committed.ok()) return committed;
  return reaped;
}

Result<std::vector<Recommendation>> SqliteLedger::ClaimRecommendations(std::string_view run_id,
                                                                       int max,
                                                                       int64_t created_since_ms,
                                                                       int64_t now_ms) {
  if (max <= 0) return std::vector<Recommendation>();
  std::lock_guard lock(*mu_);
  auto tx = sqlite::Transaction::Begin(db_);
  if (!tx.ok()) return tx.status();
  Result<std::vector<Recommendation>> claimed = std::vector<Recommendation>();
  {
    // The inner WHERE repeats the partial index's condition word for word so that it is used.
    auto st = db_->Cached(
        Sql("UPDATE dispatch_recommendations SET status = 'PROCESSING', dispatcher_run_id = ?1, "
            "claimed_at = ?2, attempts = attempts + 1 WHERE id IN (SELECT id FROM "
            "dispatch_recommendations WHERE status = 'PENDING' AND created_at >= ?3 "
            "ORDER BY created_at, id LIMIT ?4) RETURNING ",
            kRecommendationColumns));
    if (!st.ok()) return st.status();
    (*st)->BindText(1, run_id).BindInt(2, now_ms).BindInt(3, created_since_ms).BindInt(4, max);
    claimed = ReadAll<Recommendation>(**st, ledger_rows::ReadRecommendation);
  }
  if (!claimed.ok()) return claimed.status();
  Status committed = tx->Commit();
  if (!committed.ok()) return committed;
  std::sort(claimed->begin(), claimed->end(), [](const Recommendation& a, const Recommendation& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms < b.created_at_ms : a.id < b.id;
  });
  return claimed;
}

Result<TickerActivity> SqliteLedger::ReadActivity(const Recommendation& current,
                                                  const TickerActivityQuery& query) {
  TickerActivity activity;
  {
    auto st = db_->Cached(
        "SELECT count(*) FROM dispatch_executions WHERE ticker = ?1 AND simulated_ts >= ?2 AND "
        "simulated_ts < ?3");
    if (!st.ok()) return st.status();
    auto row = (*st)
                   ->BindText(1, current.ticker)
                   .BindInt(2, query.day.since_ms)
                   .BindInt(3, query.day.until_ms)
                   .Step();
    if (!row.ok()) return row.status();
    activity.executions_today = (*st)->ColumnInt(0);
  }
  if (query.rate_window_ms > 0) {
    auto st = db_->Cached(
        "SELECT count(*) FROM dispatch_recommendations WHERE ticker = ?1 AND created_at > ?2 - ?3 "
        "AND (created_at < ?2 OR (created_at = ?2 AND id <= ?4))");
    if (!st.ok()) return st.status();
    auto row = (*st)
                   ->BindText(1, current.ticker)
                   .BindInt(2, current.created_at_ms)
                   .BindInt(3, query.rate_window_ms)
                   .BindInt(4, current.id)
                   .Step();
    if (!row.ok()) return row.status();
    activity.recommendations_in_window = (*st)->ColumnInt(0);
  }
  if (query.open_exposure) {
    // The signs are TradeDirection's (core/recommendation.h).
    auto st = db_->Cached(
        "SELECT coalesce(sum(CASE action WHEN 'BUY_PUT' THEN -notional WHEN 'SELL_PREMIUM' THEN 0 "
        "ELSE notional END), 0.0) FROM dispatch_executions WHERE ticker = ?1 AND "
        "simulated_ts <= ?2 AND simulated_ts + max_hold_minutes * 60000 > ?2");
    if (!st.ok()) return st.status();
    auto row = (*st)->BindText(1, current.ticker).BindInt(2, query.now_ms).Step();
    if (!row.ok()) return row.status();
    activity.open_exposure = (*st)->ColumnDouble(0);
  }
  return activity;
}

Status SqliteLedger::AppendFill(const LedgerEntry& f, bool* already_filled) {
  auto st = db_->Cached(Sql("INSERT INTO dispatch_executions (", kFillColumns,
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                            "?14, ?15, ?16, ?17, ?18, ?19) ON CONFLICT (recommendation_id) "
                            "DO NOTHING"));
  if (!st.ok()) return st.status();
  Status status = (*st)
                      ->BindText(1, f.execution_id)
                      .BindInt(2, f.recommendation_id)
                      .BindText(3, f.dispatcher_run_id)
                      .BindText(4, f.ticker)
                      .BindText(5, TradeActionName(f.action))
                      .BindInt(6, f.decision_ts_ms)
                      .BindInt(7, f.simulated_ts_ms)
                      .BindDouble(8, f.entry_price)
                      .BindText(9, f.fill_model)
                      .BindDouble(10, f.slippage_bps)
                      .BindDouble(11, f.qty)
                      .BindDouble(12, f.notional)
                      .BindDouble(13, f.stop_loss_price)
                      .BindDouble(14, f.take_profit_price)
                      .BindInt(15, f.max_hold_minutes)
                      .BindText(16, ExecutionModeName(f.execution_mode))
                      .BindText(17, f.explain_json)
                      .BindText(18, f.risk_json)
                      .BindText(19, f.sim_json)
                      .Run();
  if (!status.ok()) return status;
  *already_filled = db_->Changes() == 0;
  return Status::Ok();
}

Result<SettleResult> SqliteLedger::Settle(const Recommendation& claimed,
                                          const TickerActivityQuery& query,
                                          const SettleDecision& decide) {
  std::lock_guard lock(*mu_);
  // BEGIN IMMEDIATE holds the database's write lock: no other connection can fill this ticker
  // between the activity read and the fill (SQLite has no finer lock to take).
  auto tx = sqlite::Transaction::Begin(db_);
  if (!tx.ok()) return tx.status();
  auto current = LoadRecommendation(claimed.id);
  if (!current.ok()) return current.status();
  if (!*current) return Status::NotFound("no recommendation " + std::to_string(claimed.id));
  const Recommendation& rec = **current;
  if (rec.status != RecommendationStatus::kProcessing ||
      rec.dispatcher_run_id != claimed.dispatcher_run_id) {
    return Status::Error("conflict", "recommendation " + std::to_string(rec.id) + " is " +
                                         std::string(RecommendationStatusName(rec.status)) +
                                         " under run '" + rec.dispatcher_run_id + "', not " +
                                         "PROCESSING under run '" + claimed.dispatcher_run_id +
                                         "': its claim was lost");
  }
  auto activity = ReadActivity(rec, query);
  if (!activity.ok()) return activity.status();
  SettleResult result;
  result.settlement = decide(*activity);
  const Settlement& s = result.settlement;
  if (Status valid = ledger_rows::CheckSettlement(rec, s); !valid.ok()) return valid;
  if (s.fill) {
    Status appended = AppendFill(*s.fill, &result.already_filled);
    if (!appended.ok()) return appended;
  }
  {
    auto st = db_->Cached(
        "UPDATE dispatch_recommendations SET status = ?2, failure_reason = ?3, "
        "risk_gate_json = ?4, processed_at = ?5 WHERE id = ?1");
    if (!st.ok()) return st.status();
    (*st)
        ->BindInt(1, rec.id)
        .BindText(2, RecommendationStatusName(s.status))
        .BindInt(5, s.processed_at_ms);
    if (s.failure_reason.empty()) {
      (*st)->BindNull(3);
    } else {
      (*st)->BindText(3, s.failure_reason);
    }
    if (s.risk_gate_json.empty()) {
      (*st)->BindNull(4);
    } else {
      (*st)->BindText(4, s.risk_gate_json);
    }
    Status updated = (*st)->Run();
    if (!updated.ok()) return updated;
  }
  if (result.already_filled) {
    auto existing = LoadFill(rec.id);
    if (!existing.ok()) return existing.status();
    result.settlement.fill = std::move(*existing);
  }
  Status committed = tx->Commit();
  if (!committed.ok()) return committed;
  return result;
}

// ---- the ledger ----

Result<std::optional<LedgerEntry>> SqliteLedger::LoadFill(int64_t recommendation_id) {
  auto st = db_->Cached(
      Sql("SELECT ", kFillColumns, " FROM dispatch_executions WHERE recommendation_id = ?1"));
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, recommendation_id);
  auto rows = ReadAll<LedgerEntry>(**st, ledger_rows::ReadLedgerEntry);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<LedgerEntry>();
  return std::optional<LedgerEntry>(std::move(rows->front()));
}

Result<std::optional<LedgerEntry>> SqliteLedger::FindFill(int64_t recommendation_id) {
  std::lock_guard lock(*mu_);
  return LoadFill(recommendation_id);
}

Result<std::vector<LedgerEntry>> SqliteLedger::ListLedger(const LedgerFilter& filter) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(Sql("SELECT ", kFillColumns,
                            " FROM dispatch_executions WHERE simulated_ts >= ?1 AND "
                            "simulated_ts < ?2 AND (?3 IS NULL OR ticker = ?3) "
                            "ORDER BY simulated_ts DESC, recommendation_id DESC LIMIT ?4"));
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, filter.simulated.since_ms).BindInt(2, filter.simulated.until_ms);
  if (filter.ticker.empty()) {
    (*st)->BindNull(3);
  } else {
    (*st)->BindText(3, filter.ticker);
  }
  (*st)->BindInt(4, SqlLimit(filter.limit));
  return ReadAll<LedgerEntry>(**st, ledger_rows::ReadLedgerEntry);
}

// ---- analytics ----

Result<GateSkipStats> SqliteLedger::CountGateSkips(const TimeRange& processed) {
  std::lock_guard lock(*mu_);
  auto tx = sqlite::Transaction::Begin(db_, sqlite::Transaction::Mode::kDeferred);
  if (!tx.ok()) return tx.status();
  GateSkipStats stats;
  auto counts = [&](const char* sql, std::vector<std::pair<std::string, int64_t>>* out) -> Status {
    auto st = db_->Cached(sql);
    if (!st.ok()) return st.status();
    (*st)->BindInt(1, processed.since_ms).BindInt(2, processed.until_ms);
    while (true) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (out == nullptr) {
        stats.skipped = (*st)->ColumnInt(0);
      } else {
        out->emplace_back(std::string((*st)->ColumnText(0)), (*st)->ColumnInt(1));
      }
    }
    return Status::Ok();
  };
  Status s = counts(
      "SELECT count(*) FROM dispatch_recommendations WHERE status = 'SKIPPED' AND "
      "processed_at >= ?1 AND processed_at < ?2",
      nullptr);
  if (!s.ok()) return s;
  // A gate failed when its entry says "passed": false (json_extract gives 0 for false).
  s = counts(
      "SELECT g.key, count(*) FROM dispatch_recommendations r, json_each(r.risk_gate_json) g "
      "WHERE r.status = 'SKIPPED' AND r.processed_at >= ?1 AND r.processed_at < ?2 AND "
      "json_extract(g.value, '$.passed') = 0 GROUP BY g.key",
      &stats.failed_by_gate);
  if (!s.ok()) return s;
  s = counts(
      "SELECT CASE WHEN instr(failure_reason, ':') > 0 THEN "
      "substr(failure_reason, 1, instr(failure_reason, ':') - 1) ELSE failure_reason END AS code, "
      "count(*) FROM dispatch_recommendations WHERE status = 'SKIPPED' AND processed_at >= ?1 "
      "AND processed_at < ?2 GROUP BY code",
      &stats.by_reason);
  if (!s.ok()) return s;
  ledger_rows::SortCounts(&stats.failed_by_gate);
  ledger_rows::SortCounts(&stats.by_reason);
  return stats;
}

Result<std::vector<ActionPositionStats>> SqliteLedger::PositionsByAction(
    const TimeRange& simulated) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(
      "SELECT action, count(*), avg(qty), avg(notional), avg(entry_price), sum(notional) "
      "FROM dispatch_executions WHERE simulated_ts >= ?1 AND simulated_ts < ?2 GROUP BY action");
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, simulated.since_ms).BindInt(2, simulated.until_ms);
  auto rows =
      ReadAll<ActionPositionStats>(**st, [](const LedgerRow& row) -> Result<ActionPositionStats> {
        return ledger_rows::ReadPositionStats(row);
      });
  if (!rows.ok()) return rows.status();
  ledger_rows::SortByAction(&*rows);
  return rows;
}

Result<LedgerCounts> SqliteLedger::Counts() {
  std::lock_guard lock(*mu_);
  auto tx = sqlite::Transaction::Begin(db_, sqlite::Transaction::Mode::kDeferred);
  if (!tx.ok()) return tx.status();
  auto st = db_->Cached(
      "SELECT status, count(*) FROM dispatch_recommendations GROUP BY status UNION ALL "
      "SELECT 'fills', count(*) FROM dispatch_executions UNION ALL "
      "SELECT 'runs', count(*) FROM dispatcher_runs");
  if (!st.ok()) return st.status();
  LedgerCounts counts;
  while (true) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ledger_rows::AddCount((*st)->ColumnText(0), (*st)->ColumnInt(1), &counts);
  }
  return counts;
}

// ---- trading state ----

Result<TradingStateRecord> SqliteLedger::GetTradingState() {
  auto latest = ListTradingStates(1);
  if (!latest.ok()) return latest.status();
  if (latest->empty()) return TradingStateRecord{};
  return std::move(latest->front());
}

Status SqliteLedger::SetTradingState(const TradingStateRecord& change) {
  if (Status valid = ledger_rows::CheckTradingStateChange(change); !valid.ok()) return valid;
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(
      "INSERT INTO trading_state_changes (state, reason, changed_by, changed_at) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!st.ok()) return st.status();
  return (*st)
      ->BindText(1, TradingStateName(change.state))
      .BindText(2, change.reason)
      .BindText(3, change.changed_by)
      .BindInt(4, change.changed_at_ms)
      .Run();
}

Result<std::vector<TradingStateRecord>> SqliteLedger::ListTradingStates(int limit) {
  std::lock_guard lock(*mu_);
  auto st = db_->Cached(
      "SELECT state, reason, changed_by, changed_at FROM trading_state_changes "
      "ORDER BY id DESC LIMIT ?1");
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, SqlLimit(limit));
  return ReadAll<TradingStateRecord>(**st, ledger_rows::ReadTradingState);
}

}  // namespace
}  // namespace store_sqlite

Result<std::unique_ptr<LedgerStore>> OpenSqliteLedger(Store* store) {
  auto* sqlite = dynamic_cast<store_sqlite::SqliteStore*>(store);
  if (sqlite == nullptr) {
    return Status::InvalidArgument("the SQLite ledger needs the store returned by OpenSqliteStore");
  }
  return std::unique_ptr<LedgerStore>(std::make_unique<store_sqlite::SqliteLedger>(
      sqlite->connection_mutex(), sqlite->connection()));
}

}  // namespace sigflow
