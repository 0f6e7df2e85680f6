#include "market/trend.h"

namespace sigflow {

Trend ClassifyTrend(double close, double sma_short, double sma_long) {
  if (close > sma_short && sma_short > sma_long) return Trend::kUp;
  if (close < sma_short && sma_short < sma_long) return Trend::kDown;
  return Trend::kFlat;
}

std::string_view TrendName(Trend trend) {
  switch (trend) {
    case Trend::kUp:
      return "UP";
    case Trend::kDown:
      return "DOWN";
    case Trend::kFlat:
      break;
  }
  return "FLAT";
}

std::optional<Trend> ParseTrend(std::string_view name) {
  if (name == "UP") return Trend::kUp;
  if (name == "DOWN") return Trend::kDown;
  if (name == "FLAT") return Trend::kFlat;
  return std::nullopt;
}

}  // namespace sigflow
