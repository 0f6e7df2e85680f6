// `sigflow bars ingest | list | features`: price bars into and out of the store's lane_telemetry,
// and the features computed from them (lane_features).
#include <cstdio>
#include <iostream>

#include "cli/bar_refresh.h"
#include "cli/commands.h"
#include "cli/open_store.h"
#include "core/time_format.h"
#include "market/csv_bar_source.h"
#include "market/features.h"
#include "market/features_json.h"
#include "market/finnhub/finnhub_bar_source.h"
#include "store/market_store.h"

namespace sigflow {
namespace {

struct BarsFlags {
  std::string store;
  std::string file;
  std::string ticker;
  std::vector<std::string> tickers;  // fetch
  std::string from, to;              // fetch
  bool no_features = false;
  int limit = 20;
  bool json = false;
};

std::string Date(int64_t ts_ms) { return FormatIso8601(ts_ms).substr(0, 10); }

// Opens the store named by the flags; prints the error and returns nullptr on failure.
std::unique_ptr<Store> Open(const BarsFlags& flags, int* exit_code) {
  auto settings = LoadSettingsOrPrint(SettingFlags{flags.store, std::nullopt});
  if (!settings) {
    *exit_code = kExitUsage;
    return nullptr;
  }
  auto store = OpenStoreOrPrint(*settings);
  if (!store) *exit_code = kExitFailure;
  return store;
}

int RunIngest(const BarsFlags& flags) {
  CsvBarSourceOptions options;
  options.ticker = flags.ticker;
  auto source = CsvBarSource::Open(flags.file, options);
  if (!source.ok()) {
    std::cerr << "sigflow bars ingest: " << source.status().message() << "\n";
    return kExitFailure;
  }
  BarQuery query;
  if ((*source)->format() == BarCsvFormat::kWideClose) query.ticker = flags.ticker;
  std::vector<Bar> bars;
  if (Status s = (*source)->Read(query, &bars); !s.ok()) {
    std::cerr << "sigflow bars ingest: " << s.message() << "\n";
    return kExitUsage;
  }
  int exit_code = kExitOk;
  auto store = Open(flags, &exit_code);
  if (!store) return exit_code;
  MarketStore* market = MarketStoreOf(store.get());
  auto written = market->UpsertBars(bars);
  if (!written.ok()) {
    std::cerr << "sigflow bars ingest: " << written.status().ToString() << "\n";
    return kExitFailure;
  }
  std::vector<std::string> tickers;
  for (const auto& t : (*source)->Tickers()) {
    if (query.ticker.empty() || t == query.ticker) tickers.push_back(t);
  }
  int64_t feature_rows = 0;
  if (!flags.no_features) {
    for (const auto& t : tickers) {
      auto rows = RecomputeFeatures(market, t);
      if (!rows.ok()) {
        std::cerr << "sigflow bars ingest: features of " << t << ": " << rows.status().ToString()
                  << "\n";
        return kExitFailure;
      }
      feature_rows += *rows;
    }
  }
  nlohmann::json summary = {{"file", flags.file},          {"bars", bars.size()},
                            {"tickers", tickers},          {"inserted", written->inserted},
                            {"updated", written->updated}, {"unchanged", written->unchanged},
                            {"feature_rows", feature_rows}};
  if (flags.json) {
    std::cout << summary.dump() << "\n";
  } else {
    std::printf(
        "%s: %zu bars of %zu ticker(s): %lld new, %lld updated, %lld unchanged; %lld "
        "feature rows computed\n",
        flags.file.c_str(), bars.size(), tickers.size(), static_cast<long long>(written->inserted),
        static_cast<long long>(written->updated), static_cast<long long>(written->unchanged),
        static_cast<long long>(feature_rows));
  }
  return kExitOk;
}

int RunFetch(const BarsFlags& flags) {
  BarQuery query;
  if (!flags.from.empty()) {
    auto ms = ParseIso8601(flags.from);
    if (!ms) {
      std::cerr << "sigflow bars fetch: --from: expected a date like 2024-01-31\n";
      return kExitUsage;
    }
    query.from_ms = *ms;
  }
  if (!flags.to.empty()) {
    auto ms = ParseIso8601(flags.to);
    if (!ms) {
      std::cerr << "sigflow bars fetch: --to: expected a date like 2024-12-31\n";
      return kExitUsage;
    }
    query.to_ms = *ms + kDayMs - 1;
  }
  auto options = FinnhubFromEnv();
  if (!options.ok()) {
    std::cerr << "sigflow bars fetch: " << options.status().message() << "\n";
    return kExitUsage;
  }
  auto source = FinnhubBarSource::Open(*options);
  if (!source.ok()) {
    std::cerr << "sigflow bars fetch: " << source.status().message() << "\n";
    return kExitUsage;
  }
  int exit_code = kExitOk;
  auto store = Open(flags, &exit_code);
  if (!store) return exit_code;
  MarketStore* market = MarketStoreOf(store.get());
  for (const std::string& ticker : flags.tickers) {
    query.ticker = ticker;
    std::vector<Bar> bars;
    if (Status s = (*source)->Read(query, &bars); !s.ok()) {
      std::cerr << "sigflow bars fetch: " << s.ToString() << "\n";
      exit_code = kExitFailure;
      continue;  // the other tickers still come in
    }
    auto written = market->UpsertBars(bars);
    auto features = written.ok() && !bars.empty() ? RecomputeFeatures(market, bars[0].ticker)
                                                  : Result<int64_t>(int64_t{0});
    if (!written.ok() || !features.ok()) {
      std::cerr << "sigflow bars fetch: " << ticker << ": "
                << (written.ok() ? features.status() : written.status()).ToString() << "\n";
      exit_code = kExitFailure;
      continue;
    }
    std::printf("%s: %zu bars from Finnhub: %lld new, %lld updated, %lld unchanged\n",
                ticker.c_str(), bars.size(), static_cast<long long>(written->inserted),
                static_cast<long long>(written->updated),
                static_cast<long long>(written->unchanged));
  }
  return exit_code;
}

int RunList(const BarsFlags& flags) {
  int exit_code = kExitOk;
  auto store = Open(flags, &exit_code);
  if (!store) return exit_code;
  MarketStore* market = MarketStoreOf(store.get());
  if (flags.ticker.empty()) {
    auto series = market->ListBarSeries();
    if (!series.ok()) {
      std::cerr << "sigflow bars list: " << series.status().ToString() << "\n";
      return kExitFailure;
    }
    nlohmann::json out = nlohmann::json::array();
    if (!flags.json)
      std::printf("%-10s  %7s  %-10s  %-10s  %s\n", "TICKER", "BARS", "FIRST", "LAST",
                  "LAST INGESTED");
    for (const auto& s : *series) {
      out.push_back({{"ticker", s.ticker},
                     {"bars", s.bars},
                     {"first", Date(s.first_ts_ms)},
                     {"last", Date(s.last_ts_ms)},
                     {"last_ingested_at", FormatIso8601(s.last_ingested_at_ms)}});
      if (!flags.json) {
        std::printf("%-10s  %7lld  %-10s  %-10s  %s\n", s.ticker.c_str(),
                    static_cast<long long>(s.bars), Date(s.first_ts_ms).c_str(),
                    Date(s.last_ts_ms).c_str(), FormatIso8601(s.last_ingested_at_ms).c_str());
      }
    }
    if (flags.json) std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  auto bars = market->LatestBars(flags.ticker, MarketStore::kNoLimitMs, flags.limit);
  if (!bars.ok()) {
    std::cerr << "sigflow bars list: " << bars.status().message() << "\n";
    return bars.status().code() == "invalid_argument" ? kExitUsage : kExitFailure;
  }
  nlohmann::json out = nlohmann::json::array();
  if (!flags.json) {
    std::printf("%-10s  %-10s  %12s  %12s  %12s  %12s  %14s\n", "TICKER", "DATE", "OPEN", "HIGH",
                "LOW", "CLOSE", "VOLUME");
  }
  for (const auto& s : *bars) {
    const Bar& b = s.bar;
    out.push_back({{"ticker", b.ticker},
                   {"date", Date(b.ts_ms)},
                   {"ts", FormatIso8601(b.ts_ms)},
                   {"open", b.open},
                   {"high", b.high},
                   {"low", b.low},
                   {"close", b.close},
                   {"volume", b.volume},
                   {"has_ohlc", b.has_ohlc},
                   {"ingested_at", FormatIso8601(s.ingested_at_ms)}});
    if (!flags.json) {
      std::printf("%-10s  %-10s  %12.4f  %12.4f  %12.4f  %12.4f  %14.0f\n", b.ticker.c_str(),
                  Date(b.ts_ms).c_str(), b.open, b.high, b.low, b.close, b.volume);
    }
  }
  if (flags.json) std::cout << out.dump(2) << "\n";
  if (bars->empty() && !flags.json) std::cerr << "no bars stored for " << flags.ticker << "\n";
  return kExitOk;
}

int RunFeatures(const BarsFlags& flags) {
  int exit_code = kExitOk;
  auto store = Open(flags, &exit_code);
  if (!store) return exit_code;
  auto rows = MarketStoreOf(store.get())
                  ->LatestFeatures(flags.ticker, MarketStore::kNoLimitMs, flags.limit);
  if (!rows.ok()) {
    std::cerr << "sigflow bars features: " << rows.status().message() << "\n";
    return rows.status().code() == "invalid_argument" ? kExitUsage : kExitFailure;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : *rows) {
    nlohmann::json row = FeatureValuesJson(f);
    row["ticker"] = f.ticker;
    row["date"] = Date(f.ts_ms);
    row["computed_at"] = FormatIso8601(f.computed_at_ms);
    row["bars"] = f.bars;
    out.push_back(std::move(row));
  }
  if (flags.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& row : out) std::cout << row.dump() << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddBarsCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "bars", "Price bars in the store (lane_telemetry) and their features (lane_features)");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<BarsFlags>();
  auto add_store = [flags](CLI::App* sub) {
    sub->add_option("--store", flags->store, "store database file (default ./data/sigflow.db)");
  };

  auto* ingest = cmd->add_subcommand(
      "ingest",
      "Store the bars of a CSV file (Date,Open,High,Low,Close,Volume, or Date + one close column\n"
      "per ticker). Idempotent: bars already stored with the same values are left as they are.\n"
      "Then recompute each ingested ticker's features over all its stored bars.\n"
      "Example: sigflow bars ingest data/sp500_2000_2020_daily.csv --ticker ^GSPC");
  ingest->add_option("FILE", flags->file, "CSV file of daily bars")->required();
  ingest->add_option("--ticker", flags->ticker,
                     "the ticker of an OHLCV file (default: from its name), or the one column of "
                     "a wide file to ingest");
  ingest->add_flag("--no-features", flags->no_features, "store the bars only");
  ingest->add_flag("--json", flags->json, "print the summary as one JSON line");
  add_store(ingest);
  ingest->callback([flags, exit_code] { *exit_code = RunIngest(*flags); });

  auto* fetch = cmd->add_subcommand(
      "fetch",
      "Fetch daily candles from Finnhub (FINNHUB_API_KEY; FINNHUB_BASE_URL, default\n"
      "https://finnhub.io/api/v1; at most FINNHUB_CALLS_PER_MINUTE requests a minute, default 60)\n"
      "and store them like `bars ingest`, features included. Without --from: the last 730 days.");
  fetch->add_option("TICKER", flags->tickers, "one or more symbols")->required();
  fetch->add_option("--from", flags->from, "first date, YYYY-MM-DD");
  fetch->add_option("--to", flags->to, "last date, YYYY-MM-DD (default today)");
  add_store(fetch);
  fetch->callback([flags, exit_code] { *exit_code = RunFetch(*flags); });

  auto* list = cmd->add_subcommand(
      "list", "Without --ticker: one line per stored ticker. With --ticker: its latest bars");
  list->add_option("--ticker", flags->ticker, "the ticker whose bars to list");
  list->add_option("--limit", flags->limit, "the latest this many bars")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  list->add_flag("--json", flags->json, "print a JSON array");
  add_store(list);
  list->callback([flags, exit_code] { *exit_code = RunList(*flags); });

  auto* features = cmd->add_subcommand(
      "features",
      "A ticker's latest feature rows (SMA, EMA, ATR, volatility, trend), one JSON\n"
      "object per line, oldest first");
  features->add_option("--ticker", flags->ticker, "the ticker")->required();
  features->add_option("--limit", flags->limit, "the latest this many rows")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  features->add_flag("--json", flags->json, "print one JSON array instead");
  add_store(features);
  features->callback([flags, exit_code] { *exit_code = RunFeatures(*flags); });
}

}  // namespace sigflow
