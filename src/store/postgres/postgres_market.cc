// PostgresStore, the MarketStore side (store/market_store.h): seed 003's lane_telemetry and
// lane_features on the store's pool. A write is one transaction of one statement per chunk of
// rows, the rows sent as array parameters (binary float8: no decimal round trip), so ingesting
// twenty years of daily bars costs a couple of round trips, not one per bar.
#include <algorithm>

#include "market/trend.h"
#include "store/market_rows.h"
#include "store/postgres/postgres_store_impl.h"

namespace sigflow::store_postgres {
namespace {

// Rows per statement: bounds one round trip's size and time well under statement_timeout.
constexpr size_t kChunkRows = 5000;

constexpr char kBarColumns[] = "ticker, ts, open, high, low, close, volume, has_ohlc";
constexpr char kFeatureColumns[] =
    "ticker, ts, computed_at, close, bars, sma_short, sma_long, ema, atr, recent_vol, vol_ratio, "
    "trend";

// Input rows in key order, so that racing writers lock in the same order and queue rather than
// deadlock. Rows left alone by the WHERE (identical values) are not RETURNed; xmax is 0 exactly
// for the rows this statement inserted.
constexpr char kUpsertBars[] = R"sql(
WITH written AS (
  INSERT INTO lane_telemetry AS t (ticker, ts, open, high, low, close, volume, has_ohlc,
                                   ingested_at)
  SELECT u.ticker, u.ts, u.open, u.high, u.low, u.close, u.volume, u.has_ohlc, $9
  FROM unnest($1::text[], $2::int8[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
              $7::float8[], $8::bool[]) AS u (ticker, ts, open, high, low, close, volume, has_ohlc)
  ORDER BY u.ticker, u.ts
  ON CONFLICT (ticker, ts) DO UPDATE SET
    open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
    volume = EXCLUDED.volume, has_ohlc = EXCLUDED.has_ohlc, ingested_at = EXCLUDED.ingested_at
  WHERE (t.open, t.high, t.low, t.close, t.volume, t.has_ohlc) IS DISTINCT FROM
        (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume,
         EXCLUDED.has_ohlc)
  RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
)sql";

constexpr char kUpsertFeatures[] = R"sql(
INSERT INTO lane_features AS f (ticker, ts, computed_at, close, bars, sma_short, sma_long, ema,
                                atr, recent_vol, vol_ratio, trend)
SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::float8[], $5::int8[],
                     $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[],
                     $11::float8[], $12::text[])
       AS u (ticker, ts, computed_at, close, bars, sma_short, sma_long, ema, atr, recent_vol,
             vol_ratio, trend)
ORDER BY 1, 2
ON CONFLICT (ticker, ts) DO UPDATE SET
  computed_at = EXCLUDED.computed_at, close = EXCLUDED.close, bars = EXCLUDED.bars,
  sma_short = EXCLUDED.sma_short, sma_long = EXCLUDED.sma_long, ema = EXCLUDED.ema,
  atr = EXCLUDED.atr, recent_vol = EXCLUDED.recent_vol, vol_ratio = EXCLUDED.vol_ratio,
  trend = EXCLUDED.trend
)sql";

template <typename Row, typename Get>
void ArrayOf(PgParams* params, Oid array_type, Oid element_type, std::span<const Row> rows,
             Get get) {
  params->BeginArray(array_type, element_type);
  for (const Row& row : rows) get(row);
  params->EndArray();
}

void OptionalFloat8(PgParams* params, const std::optional<double>& v) {
  if (v) {
    params->ElementFloat8(*v);
  } else {
    params->ElementNull();
  }
}

Bar ReadBar(const PgResult& r, int row) {
  Bar b;
  b.ticker = std::string(r.Text(row, 0));
  b.ts_ms = r.Int(row, 1);
  b.open = r.Double(row, 2);
  b.high = r.Double(row, 3);
  b.low = r.Double(row, 4);
  b.close = r.Double(row, 5);
  b.volume = r.Double(row, 6);
  b.has_ohlc = r.Bool(row, 7);
  return b;
}

std::optional<double> OptionalDouble(const PgResult& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return r.Double(row, col);
}

Features ReadFeatures(const PgResult& r, int row) {
  Features f;
  f.ticker = std::string(r.Text(row, 0));
  f.ts_ms = r.Int(row, 1);
  f.computed_at_ms = r.Int(row, 2);
  f.close = r.Double(row, 3);
  f.bars = r.Int(row, 4);
  f.sma_short = OptionalDouble(r, row, 5);
  f.sma_long = OptionalDouble(r, row, 6);
  f.ema = OptionalDouble(r, row, 7);
  f.atr = OptionalDouble(r, row, 8);
  f.recent_vol = OptionalDouble(r, row, 9);
  f.vol_ratio = OptionalDouble(r, row, 10);
  if (!r.IsNull(row, 11)) f.trend = ParseTrend(r.Text(row, 11));
  return f;
}

size_t Chunks(size_t rows) { return (rows + kChunkRows - 1) / kChunkRows; }

template <typename Row>
std::span<const Row> Chunk(std::span<const Row> rows, size_t i) {
  const size_t from = i * kChunkRows;
  return rows.subspan(from, std::min(kChunkRows, rows.size() - from));
}

}  // namespace

// The shape of every Latest* read: `sql` binds $1 ticker, $2 time, $3 limit and orders by ts
// DESC; the rows come back oldest first.
template <typename Row, typename Read>
Result<std::vector<Row>> PostgresStore::Latest(const std::string& sql, std::string_view ticker,
                                               int64_t at_or_before_ms, int limit, Read read) {
  auto symbol = market_rows::QueryTicker(ticker);
  if (!symbol.ok()) return symbol.status();
  if (Status s = market_rows::CheckLimit(limit); !s.ok()) return s;
  PgParams params;
  params.Text(*symbol).Int8(at_or_before_ms).Int8(limit);
  auto r = Run(sql.c_str(), params);
  if (!r.ok()) return r.status();
  std::vector<Row> out;
  out.reserve(r->rows());
  for (int i = r->rows() - 1; i >= 0; --i) out.push_back(read(*r, i));
  return out;
}

Status PostgresStore::InTransaction(size_t chunks,
                                    const std::function<Status(size_t, PgConnection&)>& each) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  if (Status s = (*conn)->ExecScript("BEGIN"); !s.ok()) return s;
  for (size_t i = 0; i < chunks; ++i) {
    if (Status s = each(i, **conn); !s.ok()) {
      if ((*conn)->ok()) (*conn)->ExecScript("ROLLBACK");
      return s;
    }
  }
  return (*conn)->ExecScript("COMMIT");
}

Result<BarWriteResult> PostgresStore::UpsertBars(std::span<const Bar> bars) {
  if (Status s = market_rows::CheckBars(bars); !s.ok()) return s;
  BarWriteResult result;
  if (bars.empty()) return result;
  const int64_t now = clock_->NowMs();
  PgParams params;
  Status s = InTransaction(Chunks(bars.size()), [&](size_t i, PgConnection& conn) -> Status {
    const std::span<const Bar> chunk = Chunk(bars, i);
    params.Clear();
    ArrayOf(&params, oid::kTextArray, oid::kText, chunk,
            [&](const Bar& b) { params.ElementBytes(b.ticker); });
    ArrayOf(&params, oid::kInt8Array, oid::kInt8, chunk,
            [&](const Bar& b) { params.ElementInt8(b.ts_ms); });
    for (double Bar::*price : {&Bar::open, &Bar::high, &Bar::low, &Bar::close, &Bar::volume}) {
      ArrayOf(&params, oid::kFloat8Array, oid::kFloat8, chunk,
              [&](const Bar& b) { params.ElementFloat8(b.*price); });
    }
    ArrayOf(&params, oid::kBoolArray, oid::kBool, chunk,
            [&](const Bar& b) { params.ElementBool(b.has_ohlc); });
    params.Int8(now);
    auto r = conn.Exec(kUpsertBars, params);
    if (!r.ok()) return r.status();
    const int64_t inserted = r->Int(0, 0), updated = r->Int(0, 1);
    result.inserted += inserted;
    result.updated += updated;
    result.unchanged += static_cast<int64_t>(chunk.size()) - inserted - updated;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<std::vector<StoredBar>> PostgresStore::LatestBars(std::string_view ticker,
                                                         int64_t at_or_before_ms, int limit) {
  static const std::string kSql = std::string("SELECT ") + kBarColumns +
                                  ", ingested_at FROM lane_telemetry WHERE ticker = $1 AND "
                                  "ts <= $2 ORDER BY ts DESC LIMIT $3";
  return Latest<StoredBar>(kSql, ticker, at_or_before_ms, limit, [](const PgResult& r, int i) {
    return StoredBar{ReadBar(r, i), r.Int(i, 8)};
  });
}

Result<std::vector<Bar>> PostgresStore::ReadBars(std::string_view ticker, int64_t from_ms,
                                                 int64_t to_ms) {
  auto symbol = market_rows::QueryTicker(ticker);
  if (!symbol.ok()) return symbol.status();
  PgParams params;
  params.Text(*symbol).Int8(from_ms).Int8(to_ms);
  static const std::string kSql = std::string("SELECT ") + kBarColumns +
                                  " FROM lane_telemetry WHERE ticker = $1 AND ts >= $2 AND "
                                  "ts <= $3 ORDER BY ts";
  auto r = Run(kSql.c_str(), params);
  if (!r.ok()) return r.status();
  std::vector<Bar> out;
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadBar(*r, i));
  return out;
}

Result<std::vector<BarSeriesInfo>> PostgresStore::ListBarSeries() {
  PgParams none;
  auto r =
      Run("SELECT ticker, count(*), min(ts), max(ts), max(ingested_at) FROM lane_telemetry "
          "GROUP BY ticker ORDER BY ticker",
          none);
  if (!r.ok()) return r.status();
  std::vector<BarSeriesInfo> out;
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back(
        {std::string(r->Text(i, 0)), r->Int(i, 1), r->Int(i, 2), r->Int(i, 3), r->Int(i, 4)});
  }
  return out;
}

Result<int64_t> PostgresStore::UpsertFeatures(std::span<const Features> rows) {
  if (Status s = market_rows::CheckFeatures(rows); !s.ok()) return s;
  if (rows.empty()) return int64_t{0};
  PgParams params;
  Status s = InTransaction(Chunks(rows.size()), [&](size_t i, PgConnection& conn) -> Status {
    const std::span<const Features> chunk = Chunk(rows, i);
    params.Clear();
    ArrayOf(&params, oid::kTextArray, oid::kText, chunk,
            [&](const Features& f) { params.ElementBytes(f.ticker); });
    for (int64_t Features::*field : {&Features::ts_ms, &Features::computed_at_ms}) {
      ArrayOf(&params, oid::kInt8Array, oid::kInt8, chunk,
              [&](const Features& f) { params.ElementInt8(f.*field); });
    }
    ArrayOf(&params, oid::kFloat8Array, oid::kFloat8, chunk,
            [&](const Features& f) { params.ElementFloat8(f.close); });
    ArrayOf(&params, oid::kInt8Array, oid::kInt8, chunk,
            [&](const Features& f) { params.ElementInt8(f.bars); });
    for (std::optional<double> Features::*value :
         {&Features::sma_short, &Features::sma_long, &Features::ema, &Features::atr,
          &Features::recent_vol, &Features::vol_ratio}) {
      ArrayOf(&params, oid::kFloat8Array, oid::kFloat8, chunk,
              [&](const Features& f) { OptionalFloat8(&params, f.*value); });
    }
    ArrayOf(&params, oid::kTextArray, oid::kText, chunk, [&](const Features& f) {
      if (f.trend) {
        params.ElementBytes(TrendName(*f.trend));
      } else {
        params.ElementNull();
      }
    });
    auto r = conn.Exec(kUpsertFeatures, params);
    return r.ok() ? Status::Ok() : r.status();
  });
  if (!s.ok()) return s;
  return static_cast<int64_t>(rows.size());
}

Result<std::vector<Features>> PostgresStore::LatestFeatures(std::string_view ticker,
                                                            int64_t at_or_before_ms, int limit) {
  static const std::string kSql = std::string("SELECT ") + kFeatureColumns +
                                  " FROM lane_features WHERE ticker = $1 AND ts <= $2 "
                                  "ORDER BY ts DESC LIMIT $3";
  return Latest<Features>(kSql, ticker, at_or_before_ms, limit, ReadFeatures);
}

}  // namespace sigflow::store_postgres
