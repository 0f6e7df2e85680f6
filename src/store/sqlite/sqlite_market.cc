// SqliteStore, the MarketStore side (store/market_store.h): seed 003's lane_telemetry and
// lane_features on the store's own connection, behind the same mutex.
#include <algorithm>

#include "market/trend.h"
#include "store/market_rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sigflow::store_sqlite {
namespace {

constexpr char kBarColumns[] = "ticker, ts, open, high, low, close, volume, has_ohlc";
constexpr char kFeatureColumns[] =
    "ticker, ts, computed_at, close, bars, sma_short, sma_long, ema, atr, recent_vol, vol_ratio, "
    "trend";

Bar ReadBar(const sqlite::Statement& st) {
  Bar b;
  b.ticker = std::string(st.ColumnText(0));
  b.ts_ms = st.ColumnInt(1);
  b.open = st.ColumnDouble(2);
  b.high = st.ColumnDouble(3);
  b.low = st.ColumnDouble(4);
  b.close = st.ColumnDouble(5);
  b.volume = st.ColumnDouble(6);
  b.has_ohlc = st.ColumnInt(7) != 0;
  return b;
}

std::optional<double> OptionalDouble(const sqlite::Statement& st, int column) {
  if (st.ColumnIsNull(column)) return std::nullopt;
  return st.ColumnDouble(column);
}

void BindOptional(sqlite::Statement& st, int index, const std::optional<double>& value) {
  if (value) {
    st.BindDouble(index, *value);
  } else {
    st.BindNull(index);
  }
}

Features ReadFeatures(const sqlite::Statement& st) {
  Features f;
  f.ticker = std::string(st.ColumnText(0));
  f.ts_ms = st.ColumnInt(1);
  f.computed_at_ms = st.ColumnInt(2);
  f.close = st.ColumnDouble(3);
  f.bars = st.ColumnInt(4);
  f.sma_short = OptionalDouble(st, 5);
  f.sma_long = OptionalDouble(st, 6);
  f.ema = OptionalDouble(st, 7);
  f.atr = OptionalDouble(st, 8);
  f.recent_vol = OptionalDouble(st, 9);
  f.vol_ratio = OptionalDouble(st, 10);
  if (!st.ColumnIsNull(11)) f.trend = ParseTrend(st.ColumnText(11));
  return f;
}

// Steps `st` to the end, appending read(st) for every row.
template <typename Row, typename Read>
Status Collect(sqlite::Statement& st, std::vector<Row>* out, Read read) {
  while (true) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    out->push_back(read(st));
  }
}

}  // namespace

// The shape of every Latest* read: `sql` binds ?1 ticker, ?2 time, ?3 limit and orders by ts
// DESC; the rows come back oldest first.
template <typename Row, typename Read>
Result<std::vector<Row>> SqliteStore::Latest(const std::string& sql, std::string_view ticker,
                                             int64_t at_or_before_ms, int limit, Read read) {
  auto symbol = market_rows::QueryTicker(ticker);
  if (!symbol.ok()) return symbol.status();
  if (Status s = market_rows::CheckLimit(limit); !s.ok()) return s;
  std::lock_guard lock(mu_);
  auto st = db_->Cached(sql);
  if (!st.ok()) return st.status();
  (*st)->BindText(1, *symbol).BindInt(2, at_or_before_ms).BindInt(3, limit);
  std::vector<Row> out;
  if (Status s = Collect(**st, &out, read); !s.ok()) return s;
  std::reverse(out.begin(), out.end());
  return out;
}

Result<BarWriteResult> SqliteStore::UpsertBars(std::span<const Bar> bars) {
  if (Status s = market_rows::CheckBars(bars); !s.ok()) return s;
  BarWriteResult result;
  if (bars.empty()) return result;
  const int64_t now = clock_->NowMs();
  std::lock_guard lock(mu_);
  auto tx = sqlite::Transaction::Begin(db_.get());
  if (!tx.ok()) return tx.status();
  // Insert first; on a conflict, rewrite only a row whose values differ, so that an identical
  // bar keeps its ingested_at and costs no write.
  auto insert = db_->Cached(
      "INSERT INTO lane_telemetry (ticker, ts, open, high, low, close, volume, has_ohlc, "
      "ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (ticker, ts) DO NOTHING");
  if (!insert.ok()) return insert.status();
  auto update = db_->Cached(
      "UPDATE lane_telemetry SET open = ?3, high = ?4, low = ?5, close = ?6, volume = ?7, "
      "has_ohlc = ?8, ingested_at = ?9 WHERE ticker = ?1 AND ts = ?2 AND "
      "(open IS NOT ?3 OR high IS NOT ?4 OR low IS NOT ?5 OR close IS NOT ?6 OR "
      "volume IS NOT ?7 OR has_ohlc IS NOT ?8)");
  if (!update.ok()) return update.status();
  auto bind = [&](sqlite::Statement& st, const Bar& b) -> sqlite::Statement& {
    return st.BindText(1, b.ticker)
        .BindInt(2, b.ts_ms)
        .BindDouble(3, b.open)
        .BindDouble(4, b.high)
        .BindDouble(5, b.low)
        .BindDouble(6, b.close)
        .BindDouble(7, b.volume)
        .BindInt(8, b.has_ohlc ? 1 : 0)
        .BindInt(9, now);
  };
  for (const Bar& b : bars) {
    if (Status s = bind(**insert, b).Run(); !s.ok()) return s;
    if (db_->Changes() == 1) {
      ++result.inserted;
      continue;
    }
    if (Status s = bind(**update, b).Run(); !s.ok()) return s;
    ++(db_->Changes() == 1 ? result.updated : result.unchanged);
  }
  if (Status s = tx->Commit(); !s.ok()) return s;
  return result;
}

Result<std::vector<StoredBar>> SqliteStore::LatestBars(std::string_view ticker,
                                                       int64_t at_or_before_ms, int limit) {
  static const std::string kSql = std::string("SELECT ") + kBarColumns +
                                  ", ingested_at FROM lane_telemetry WHERE ticker = ?1 AND "
                                  "ts <= ?2 ORDER BY ts DESC LIMIT ?3";
  return Latest<StoredBar>(kSql, ticker, at_or_before_ms, limit, [](const sqlite::Statement& row) {
    return StoredBar{ReadBar(row), row.ColumnInt(8)};
  });
}

Result<std::vector<Bar>> SqliteStore::ReadBars(std::string_view ticker, int64_t from_ms,
                                               int64_t to_ms) {
  auto symbol = market_rows::QueryTicker(ticker);
  if (!symbol.ok()) return symbol.status();
  std::lock_guard lock(mu_);
  static const std::string kSql = std::string("SELECT ") + kBarColumns +
                                  " FROM lane_telemetry WHERE ticker = ?1 AND ts >= ?2 AND "
                                  "ts <= ?3 ORDER BY ts";
  auto st = db_->Cached(kSql);
  if (!st.ok()) return st.status();
  (*st)->BindText(1, *symbol).BindInt(2, from_ms).BindInt(3, to_ms);
  std::vector<Bar> out;
  if (Status s = Collect(**st, &out, ReadBar); !s.ok()) return s;
  return out;
}

Result<std::vector<BarSeriesInfo>> SqliteStore::ListBarSeries() {
  std::lock_guard lock(mu_);
  auto st = db_->Cached(
      "SELECT ticker, count(*), min(ts), max(ts), max(ingested_at) FROM lane_telemetry "
      "GROUP BY ticker ORDER BY ticker");
  if (!st.ok()) return st.status();
  std::vector<BarSeriesInfo> out;
  Status s = Collect(**st, &out, [](const sqlite::Statement& row) {
    return BarSeriesInfo{std::string(row.ColumnText(0)), row.ColumnInt(1), row.ColumnInt(2),
                         row.ColumnInt(3), row.ColumnInt(4)};
  });
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> SqliteStore::UpsertFeatures(std::span<const Features> rows) {
  if (Status s = market_rows::CheckFeatures(rows); !s.ok()) return s;
  if (rows.empty()) return int64_t{0};
  std::lock_guard lock(mu_);
  auto tx = sqlite::Transaction::Begin(db_.get());
  if (!tx.ok()) return tx.status();
  static const std::string kSql =
      std::string("INSERT INTO lane_features (") + kFeatureColumns +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (ticker, ts) DO UPDATE SET computed_at = excluded.computed_at, "
      "close = excluded.close, bars = excluded.bars, sma_short = excluded.sma_short, "
      "sma_long = excluded.sma_long, ema = excluded.ema, atr = excluded.atr, "
      "recent_vol = excluded.recent_vol, vol_ratio = excluded.vol_ratio, trend = excluded.trend";
  auto st = db_->Cached(kSql);
  if (!st.ok()) return st.status();
  for (const Features& f : rows) {
    sqlite::Statement& row = **st;
    row.BindText(1, f.ticker)
        .BindInt(2, f.ts_ms)
        .BindInt(3, f.computed_at_ms)
        .BindDouble(4, f.close)
        .BindInt(5, f.bars);
    BindOptional(row, 6, f.sma_short);
    BindOptional(row, 7, f.sma_long);
    BindOptional(row, 8, f.ema);
    BindOptional(row, 9, f.atr);
    BindOptional(row, 10, f.recent_vol);
    BindOptional(row, 11, f.vol_ratio);
    if (f.trend) {
      row.BindText(12, TrendName(*f.trend));
    } else {
      row.BindNull(12);
    }
    if (Status s = row.Run(); !s.ok()) return s;
  }
  if (Status s = tx->Commit(); !s.ok()) return s;
  return static_cast<int64_t>(rows.size());
}

Result<std::vector<Features>> SqliteStore::LatestFeatures(std::string_view ticker,
                                                          int64_t at_or_before_ms, int limit) {
  static const std::string kSql = std::string("SELECT ") + kFeatureColumns +
                                  " FROM lane_features WHERE ticker = ?1 AND ts <= ?2 "
                                  "ORDER BY ts DESC LIMIT ?3";
  return Latest<Features>(kSql, ticker, at_or_before_ms, limit, ReadFeatures);
}

}  // namespace sigflow::store_sqlite
