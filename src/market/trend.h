// Trend state from a close and two moving averages (seed 003's `trend` feature).
//
// UP   when close > sma_short > sma_long (price above a rising stack of averages),
// DOWN when close < sma_short < sma_long,
// FLAT otherwise (mixed or equal: no clear trend).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sigflow {

enum class Trend : uint8_t { kFlat, kUp, kDown };

Trend ClassifyTrend(double close, double sma_short, double sma_long);
std::string_view TrendName(Trend trend);                 // "UP", "DOWN", "FLAT"
std::optional<Trend> ParseTrend(std::string_view name);  // exact names above; nullopt otherwise

}  // namespace sigflow
