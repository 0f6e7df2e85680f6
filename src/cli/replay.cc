#include "cli/replay.h"

#include <chrono>
#include <iostream>
#include <limits>
#include <set>

#include "cli/adapters.h"
#include "cli/commands.h"
#include "cli/open_store.h"
#include "core/signal_codec.h"
#include "core/time_format.h"
#include "generators/generator_registry.h"
#include "market/csv_bar_source.h"
#include "market/features.h"

namespace sigflow {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Bars per store transaction with --store-bars: large enough that a commit's cost is spread
// over many rows, small enough to keep each transaction short.
constexpr size_t kStoreChunk = 5000;

bool ParseDateFlag(const std::string& name, const std::string& text, int64_t* out) {
  if (text.empty()) return true;
  auto ms = ParseIso8601(text);
  if (!ms) {
    std::cerr << "sigflow: " << name << ": expected a date like 2010-01-31, got '" << text << "'\n";
    return false;
  }
  *out = *ms;
  return true;
}

}  // namespace

std::unique_ptr<Replay> Replay::Load(const ReplayFlags& flags, int* exit_code) {
  *exit_code = kExitUsage;
  std::unique_ptr<Replay> replay(new Replay());
  BarQuery query;  // from = -inf: earlier bars warm the indicators up
  replay->emit_from_ms_ = std::numeric_limits<int64_t>::min();
  if (!ParseDateFlag("--from", flags.from, &replay->emit_from_ms_) ||
      !ParseDateFlag("--to", flags.to, &query.to_ms)) {
    return nullptr;
  }
  if (!flags.to.empty()) query.to_ms += kDayMs - 1;  // the whole --to day
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  for (const auto& name : flags.generators) {
    auto created = registry.Create(name, nlohmann::json::object());
    if (!created.ok()) {
      std::cerr << "sigflow: --generators: " << created.status().message() << "\n";
      return nullptr;
    }
    auto* bar_driven = dynamic_cast<BarDrivenGenerator*>(created->get());
    if (bar_driven == nullptr) {
      std::cerr << "sigflow: --generators: '" << name
                << "' does not run on bars and cannot replay history\n";
      return nullptr;
    }
    created->release();
    replay->generators_.emplace_back(bar_driven);
  }

  *exit_code = kExitFailure;
  // --ticker names an OHLCV file's series, or picks one column of a wide file.
  CsvBarSourceOptions options;
  options.ticker = flags.ticker;
  auto source = CsvBarSource::Open(flags.file, options);
  if (!source.ok()) {
    std::cerr << "sigflow: " << source.status().message() << "\n";
    return nullptr;
  }
  if ((*source)->format() == BarCsvFormat::kWideClose) query.ticker = flags.ticker;
  if (Status s = (*source)->Read(query, &replay->bars_); !s.ok()) {
    std::cerr << "sigflow: " << s.message() << "\n";
    return nullptr;
  }
  std::set<std::string_view> tickers;
  for (const Bar& b : replay->bars_) tickers.insert(b.ticker);
  replay->tickers_ = tickers.size();
  *exit_code = kExitOk;
  return replay;
}

Status Replay::StoreBars(MarketStore* market, size_t begin, size_t end) {
  const std::span<const Bar> chunk(bars_.data() + begin, end - begin);
  auto written = market->UpsertBars(chunk);
  if (!written.ok()) return written.status();
  std::vector<Features> rows(chunk.size());
  for (size_t i = 0; i < chunk.size(); ++i) {
    bar_clock_.SetMs(chunk[i].ts_ms);
    if (Status s = features_.Update(chunk[i], &rows[i]); !s.ok()) return s;
  }
  auto stored = market->UpsertFeatures(rows);
  return stored.ok() ? Status::Ok() : stored.status();
}

int Replay::Run(const Emit& emit, MarketStore* market) {
  const auto started = SteadyClock::now();
  auto next_progress = started + std::chrono::seconds(1);
  std::vector<Signal> signals;
  size_t stored_up_to = 0;
  auto flush = [&]() -> bool {
    std::erase_if(signals, [this](const Signal& s) { return s.timestamp_ms < emit_from_ms_; });
    const size_t kept = signals.size();
    if (signals.empty()) return true;
    if (Status s = emit(&signals); !s.ok()) {
      std::cerr << "sigflow: replay: " << s.ToString() << "\n";
      return false;
    }
    signals_ += kept;
    signals.clear();
    return true;
  };
  auto store_to = [&](size_t end) -> bool {
    if (market == nullptr || end == stored_up_to) return true;
    if (Status s = StoreBars(market, stored_up_to, end); !s.ok()) {
      std::cerr << "sigflow: replay: storing bars: " << s.ToString() << "\n";
      return false;
    }
    stored_up_to = end;
    return true;
  };
  for (size_t i = 0; i < bars_.size(); ++i) {
    for (auto& g : generators_) {
      if (Status s = g->OnBar(bars_[i], &signals); !s.ok()) {
        std::cerr << "sigflow: replay: bar " << bars_[i].ticker << " "
                  << FormatIso8601(bars_[i].ts_ms).substr(0, 10) << ": " << s.message() << "\n";
        return kExitFailure;
      }
    }
    if (i + 1 - stored_up_to >= kStoreChunk && !store_to(i + 1)) return kExitFailure;
    // The bars a batch of signals fired on are stored before the batch goes out.
    const bool time_ends = i + 1 == bars_.size() || bars_[i + 1].ts_ms != bars_[i].ts_ms;
    const bool due = settle_ ? time_ends && !signals.empty() : signals.size() >= 256;
    if (due) {
      const size_t before = signals_;
      if (!(store_to(i + 1) && flush())) return kExitFailure;
      if (settle_ && signals_ > before) settle_(bars_[i].ts_ms);
    }
    if ((i & 1023) == 0 && SteadyClock::now() >= next_progress) {
      std::cerr << "replay: " << i << "/" << bars_.size() << " bars, " << signals_ + signals.size()
                << " signals\n";
      next_progress = SteadyClock::now() + std::chrono::seconds(1);
    }
  }
  if (!store_to(bars_.size()) || !flush()) return kExitFailure;
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  std::cerr << "replay: " << bars_.size() << " bars of " << tickers_ << " ticker(s) through "
            << generators_.size() << " generator(s): " << signals_ << " signals in "
            << seconds * 1000 << " ms (" << (seconds > 0 ? bars_.size() / seconds : 0) << " bars/s)"
            << (market ? "; bars and features stored" : "") << "\n";
  return kExitOk;
}

Replay::Emit EncodingEmit(BusProducer* producer, std::function<void(size_t)> published) {
  struct Buffers {
    std::vector<std::string> payloads;
    std::vector<OutgoingRecord> records;
  };
  auto buffers = std::make_shared<Buffers>();  // reused across batches
  return [producer, published, buffers](std::vector<Signal>* signals) -> Status {
    buffers->payloads.resize(signals->size());
    buffers->records.clear();
    for (size_t i = 0; i < signals->size(); ++i) {
      std::string& payload = buffers->payloads[i];
      payload.clear();
      EncodeSignal((*signals)[i], &payload);
      if (producer == nullptr) std::cout << payload << '\n';
      buffers->records.push_back(OutgoingRecord{(*signals)[i].tickers.front().ticker, payload});
    }
    if (producer != nullptr) {
      Status s = producer->PublishBatch(buffers->records);
      if (!s.ok()) return Status::Error(s.code(), "publishing failed: " + s.message());
    }
    if (published) published(signals->size());
    return Status::Ok();
  };
}

int RunReplay(const ReplayFlags& flags) {
  int exit_code = kExitOk;
  auto replay = Replay::Load(flags, &exit_code);
  if (!replay) return exit_code;

  std::optional<Settings> settings;
  if (flags.to_bus || flags.store_bars) {
    settings = LoadSettingsOrPrint(SettingFlags{flags.store, std::nullopt});
    if (!settings) return kExitUsage;
  }
  std::unique_ptr<BusProducer> producer;
  if (flags.to_bus) {
    auto opened = OpenProducer(*settings);
    if (!opened.ok()) {
      std::cerr << "sigflow generate: " << opened.status().message() << "\n";
      return kExitFailure;
    }
    producer = std::move(opened).value();
  }
  std::unique_ptr<Store> store;
  MarketStore* market = nullptr;
  if (flags.store_bars) {
    store = OpenStoreOrPrint(*settings);
    if (!store) return kExitFailure;
    market = MarketStoreOf(store.get());
  }

  auto emit = EncodingEmit(producer.get());
  const int code = replay->Run(emit, market);
  std::cout.flush();
  return code;
}

}  // namespace sigflow
