#include "generators/generator_config.h"

#include <algorithm>
#include <cmath>

#include "core/ticker.h"

namespace sigflow {

ConfigReader::ConfigReader(std::string generator, const nlohmann::json& config)
    : generator_(std::move(generator)), config_(config) {
  if (!config_.is_object() && !config_.is_null()) {
    errors_.push_back(generator_ + ": config must be a JSON object, got " + config_.dump());
  }
}

const nlohmann::json* ConfigReader::Find(const std::string& key) {
  read_.insert(key);
  if (!config_.is_object()) return nullptr;
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return nullptr;
  return &*it;
}

void ConfigReader::Fail(const std::string& key, const std::string& what) {
  errors_.push_back(generator_ + "." + key + ": " + what);
}

int ConfigReader::Int(const std::string& key, int default_value, int min, int max) {
  const nlohmann::json* v = Find(key);
  if (!v) return default_value;
  if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
    Fail(key, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                  "], got " + v->dump());
    return default_value;
  }
  return static_cast<int>(v->get<int64_t>());
}

double ConfigReader::Number(const std::string& key, double default_value, double min, double max) {
  const nlohmann::json* v = Find(key);
  if (!v) return default_value;
  if (!v->is_number() || !(v->get<double>() >= min) || !(v->get<double>() <= max)) {
    nlohmann::json lo = min, hi = max;
    Fail(key, "expected a number in [" + lo.dump() + ", " + hi.dump() + "], got " + v->dump());
    return default_value;
  }
  return v->get<double>();
}

std::string ConfigReader::String(const std::string& key, const std::string& default_value,
                                 const std::vector<std::string>& allowed) {
  const nlohmann::json* v = Find(key);
  if (!v) return default_value;
  if (!v->is_string() ||
      std::find(allowed.begin(), allowed.end(), v->get<std::string>()) == allowed.end()) {
    Fail(key, "expected one of " + nlohmann::json(allowed).dump() + ", got " + v->dump());
    return default_value;
  }
  return v->get<std::string>();
}

std::vector<std::string> ConfigReader::Tickers(const std::string& key) {
  std::vector<std::string> out;
  const nlohmann::json* v = Find(key);
  if (!v) return out;
  if (!v->is_array()) {
    Fail(key, "expected a list of symbols, got " + v->dump());
    return out;
  }
  for (const auto& t : *v) {
    auto ticker = t.is_string() ? NormalizeTicker(t.get<std::string>()) : std::nullopt;
    if (!ticker) {
      Fail(key, t.dump() + " is not a valid ticker");
      continue;
    }
    if (std::find(out.begin(), out.end(), *ticker) == out.end()) out.push_back(*ticker);
  }
  return out;
}

std::chrono::milliseconds ConfigReader::Seconds(const std::string& key, double default_seconds) {
  const nlohmann::json* v = Find(key);
  double seconds = default_seconds;
  if (v) {
    if (!v->is_number() || !(v->get<double>() > 0) || !(v->get<double>() <= 1e7)) {
      Fail(key, "expected a number of seconds in (0, 1e7], got " + v->dump());
    } else {
      seconds = v->get<double>();
    }
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

Status ConfigReader::Finish() {
  if (config_.is_object()) {
    for (const auto& [key, value] : config_.items()) {
      if (!read_.count(key)) errors_.push_back(generator_ + ": unknown config key '" + key + "'");
    }
  }
  if (errors_.empty()) return Status::Ok();
  std::string message;
  for (const auto& e : errors_) message += (message.empty() ? "" : "; ") + e;
  return Status::InvalidArgument(message);
}

}  // namespace sigflow
