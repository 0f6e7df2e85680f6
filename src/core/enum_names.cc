// Text forms of the domain enums, as they appear in JSON, logs and the store.
#include <algorithm>
#include <cctype>

#include "core/execution.h"
#include "core/pipeline.h"
#include "core/signal.h"

namespace sigflow {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view BiasName(Bias bias) {
  switch (bias) {
    case Bias::kBullish:
      return "BULLISH";
    case Bias::kBearish:
      return "BEARISH";
    case Bias::kNeutral:
      return "NEUTRAL";
    case Bias::kUnspecified:
      break;
  }
  return "";
}

std::optional<Bias> ParseBias(std::string_view text) {
  for (Bias b : {Bias::kBullish, Bias::kBearish, Bias::kNeutral}) {
    if (EqualsIgnoreCase(text, BiasName(b))) return b;
  }
  return std::nullopt;
}

std::string_view TriggerModeName(TriggerMode mode) {
  return mode == TriggerMode::kSignal ? "signal" : "periodic";
}

std::optional<TriggerMode> ParseTriggerMode(std::string_view text) {
  if (EqualsIgnoreCase(text, "signal")) return TriggerMode::kSignal;
  if (EqualsIgnoreCase(text, "periodic")) return TriggerMode::kPeriodic;
  return std::nullopt;
}

std::string_view ExecutionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kPending:
      return "PENDING";
    case ExecutionStatus::kRunning:
      return "RUNNING";
    case ExecutionStatus::kCompleted:
      return "COMPLETED";
    case ExecutionStatus::kFailed:
      return "FAILED";
  }
  return "";
}

std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view text) {
  for (ExecutionStatus s : {ExecutionStatus::kPending, ExecutionStatus::kRunning,
                            ExecutionStatus::kCompleted, ExecutionStatus::kFailed}) {
    if (EqualsIgnoreCase(text, ExecutionStatusName(s))) return s;
  }
  return std::nullopt;
}

std::vector<std::string_view> Signal::TickerSymbols() const {
  std::vector<std::string_view> out;
  out.reserve(tickers.size());
  for (const auto& t : tickers) out.push_back(t.ticker);
  return out;
}

}  // namespace sigflow
