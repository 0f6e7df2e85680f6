#include "cli/replay.h"

#include <chrono>
#include <iostream>

#include "cli/adapters.h"
#include "cli/commands.h"
#include "cli/open_store.h"
#include "core/signal_codec.h"
#include "core/time_format.h"
#include "generators/bar_driven_generator.h"
#include "generators/generator_registry.h"
#include "market/csv_bar_source.h"

namespace sigflow {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool ParseDateFlag(const std::string& name, const std::string& text, int64_t* out) {
  if (text.empty()) return true;
  auto ms = ParseIso8601(text);
  if (!ms) {
    std::cerr << "sigflow generate: " << name << ": expected a date like 2010-01-31, got '" << text
              << "'\n";
    return false;
  }
  *out = *ms;
  return true;
}

}  // namespace

int RunReplay(const ReplayFlags& flags) {
  BarQuery query;
  if (!ParseDateFlag("--from", flags.from, &query.from_ms) ||
      !ParseDateFlag("--to", flags.to, &query.to_ms)) {
    return kExitUsage;
  }
  if (!flags.to.empty()) query.to_ms += 86400000 - 1;  // the whole --to day
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  std::vector<std::unique_ptr<BarDrivenGenerator>> generators;
  for (const auto& name : flags.generators) {
    auto created = registry.Create(name, nlohmann::json::object());
    if (!created.ok()) {
      std::cerr << "sigflow generate: --generators: " << created.status().message() << "\n";
      return kExitUsage;
    }
    auto* bar_driven = dynamic_cast<BarDrivenGenerator*>(created->get());
    if (bar_driven == nullptr) {
      std::cerr << "sigflow generate: --generators: '" << name
                << "' does not run on bars and cannot replay history\n";
      return kExitUsage;
    }
    created->release();
    generators.emplace_back(bar_driven);
  }

  const auto load_started = SteadyClock::now();
  // --ticker names an OHLCV file's series, or picks one column of a wide file.
  CsvBarSourceOptions options;
  options.ticker = flags.ticker;
  auto source = CsvBarSource::Open(flags.file, options);
  if (!source.ok()) {
    std::cerr << "sigflow generate: " << source.status().message() << "\n";
    return kExitFailure;
  }
  if ((*source)->format() == BarCsvFormat::kWideClose) query.ticker = flags.ticker;
  std::vector<Bar> bars;
  if (Status s = (*source)->Read(query, &bars); !s.ok()) {
    std::cerr << "sigflow generate: " << s.message() << "\n";
    return kExitFailure;
  }

  std::unique_ptr<BusProducer> producer;
  if (flags.to_bus) {
    auto settings = LoadSettingsOrPrint(SettingFlags{flags.store, std::nullopt});
    if (!settings) return kExitUsage;
    auto opened = OpenProducer(*settings);
    if (!opened.ok()) {
      std::cerr << "sigflow generate: " << opened.status().message() << "\n";
      return kExitFailure;
    }
    producer = std::move(opened).value();
  }

  const auto started = SteadyClock::now();
  auto next_progress = started + std::chrono::seconds(1);
  std::vector<Signal> signals;
  std::string line;
  std::vector<std::string> payloads;
  std::vector<OutgoingRecord> records;
  size_t emitted = 0;
  auto flush = [&]() -> bool {
    if (signals.empty()) return true;
    payloads.resize(signals.size());
    records.clear();
    for (size_t i = 0; i < signals.size(); ++i) {
      payloads[i].clear();
      EncodeSignal(signals[i], &payloads[i]);
      if (!producer) std::cout << payloads[i] << '\n';
      records.push_back(OutgoingRecord{signals[i].tickers.front().ticker, payloads[i]});
    }
    if (producer) {
      if (Status s = producer->PublishBatch(records); !s.ok()) {
        std::cerr << "sigflow generate: publishing failed: " << s.ToString() << "\n";
        return false;
      }
    }
    emitted += signals.size();
    signals.clear();
    return true;
  };
  for (size_t i = 0; i < bars.size(); ++i) {
    for (auto& g : generators) {
      if (Status s = g->OnBar(bars[i], &signals); !s.ok()) {
        std::cerr << "sigflow generate: bar " << bars[i].ticker << " "
                  << FormatIso8601(bars[i].ts_ms).substr(0, 10) << ": " << s.message() << "\n";
        return kExitFailure;
      }
    }
    if (signals.size() >= 256 && !flush()) return kExitFailure;
    if ((i & 1023) == 0 && SteadyClock::now() >= next_progress) {
      std::cerr << "replay: " << i << "/" << bars.size() << " bars, " << emitted + signals.size()
                << " signals\n";
      next_progress = SteadyClock::now() + std::chrono::seconds(1);
    }
  }
  if (!flush()) return kExitFailure;
  std::cout.flush();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  const double load_seconds = std::chrono::duration<double>(started - load_started).count();
  std::cerr << "replay: " << bars.size() << " bars of " << (*source)->Tickers().size()
            << " ticker(s) through " << generators.size() << " generator(s): " << emitted
            << " signals " << (producer ? "published" : "written") << " in " << seconds * 1000
            << " ms (" << (seconds > 0 ? bars.size() / seconds : 0) << " bars/s; loading took "
            << load_seconds * 1000 << " ms)\n";
  return kExitOk;
}

}  // namespace sigflow
