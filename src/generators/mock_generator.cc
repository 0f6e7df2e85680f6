#include "generators/mock_generator.h"

#include <cmath>

#include "core/uuid.h"

namespace sigflow {

Result<std::unique_ptr<SignalGenerator>> MockSignalGenerator::Create(const nlohmann::json& config) {
  if (!config.is_object())
    return Status::InvalidArgument("mock generator: config must be an object");
  auto gen = std::make_unique<MockSignalGenerator>();
  for (const auto& [key, value] : config.items()) {
    if (key == "tickers") {
      if (!value.is_array())
        return Status::InvalidArgument("mock.tickers: expected a list of symbols");
      for (const auto& t : value) {
        if (!t.is_string() || t.get<std::string>().empty()) {
          return Status::InvalidArgument("mock.tickers: every entry must be a non-empty string");
        }
        gen->tickers_.push_back(t.get<std::string>());
      }
    } else if (key == "emission_probability") {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) {
        return Status::InvalidArgument(
            "mock.emission_probability: expected a number in [0, 1], got " + value.dump());
      }
      gen->emission_probability_ = value.get<double>();
    } else if (key == "bias_options") {
      if (!value.is_array() || value.empty()) {
        return Status::InvalidArgument("mock.bias_options: expected a non-empty list");
      }
      for (const auto& b : value) {
        auto bias = b.is_string() ? ParseBias(b.get<std::string>()) : std::nullopt;
        if (!bias) {
          return Status::InvalidArgument("mock.bias_options: " + b.dump() +
                                         " is not BULLISH, BEARISH or NEUTRAL");
        }
        gen->bias_options_.push_back(*bias);
      }
    } else if (key == "interval_seconds") {
      if (!value.is_number() || !(value.get<double>() > 0)) {
        return Status::InvalidArgument("mock.interval_seconds: expected a positive number, got " +
                                       value.dump());
      }
      gen->interval_ = std::chrono::milliseconds(std::llround(value.get<double>() * 1000));
    } else if (key == "seed") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return Status::InvalidArgument("mock.seed: expected a non-negative integer, got " +
                                       value.dump());
      }
      gen->rng_.seed(static_cast<uint64_t>(value.get<int64_t>()));
    } else {
      return Status::InvalidArgument("mock: unknown config key '" + key + "'");
    }
  }
  if (!config.contains("seed")) gen->rng_.seed(std::random_device{}());
  if (gen->tickers_.empty()) return Status::InvalidArgument("mock.tickers: no tickers to watch");
  if (gen->bias_options_.empty()) {
    gen->bias_options_ = {Bias::kBullish, Bias::kBearish, Bias::kNeutral};
  }
  return std::unique_ptr<SignalGenerator>(std::move(gen));
}

Status MockSignalGenerator::Generate(int64_t now_ms, std::vector<Signal>* out) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_real_distribution<double> confidence(0.5, 0.95);
  std::uniform_int_distribution<size_t> pick(0, bias_options_.size() - 1);
  for (const auto& ticker : tickers_) {
    if (unit(rng_) >= emission_probability_) continue;
    Signal s;
    s.signal_id = NewUuid();
    s.timestamp_ms = now_ms;
    s.signal_type = "mock";
    s.source = std::string(name());
    TickerSignal t;
    t.ticker = ticker;
    t.bias = bias_options_[pick(rng_)];
    t.confidence = std::round(confidence(rng_) * 100) / 100;
    t.reasoning = "Mock " + std::string(BiasName(t.bias)) + " signal for testing";
    s.tickers.push_back(std::move(t));
    s.metadata_json = R"({"generator":"mock"})";
    out->push_back(std::move(s));
  }
  return Status::Ok();
}

}  // namespace sigflow
