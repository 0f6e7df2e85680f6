// The signal examples of the seeds, verbatim, for the decoder's tests (test data only).
#pragma once

#include <string_view>

namespace sigflow::seed_signals {

// Seed 002, "Signal Format", verbatim.
inline constexpr std::string_view kSeed002 = R"json({
  "signal_id": "uuid",
  "timestamp": 1733875200,
  "signal_type": "golden_cross",
  "source": "golden_cross_generator",
  "tickers": [
    {
      "ticker": "AAPL",
      "signal": "BULLISH",
      "confidence": 85.0,
      "reasoning": "50 SMA crossed above 200 SMA"
    }
  ],
  "metadata": {
    "sma_short": 50,
    "sma_long": 200,
    "timeframe": "D"
  }
})json";

// Seed 004, "Example Signal", verbatim.
inline constexpr std::string_view kSeed004 = R"json({
  "signal_id": "550e8400-e29b-41d4-a716-446655440000",
  "signal_type": "golden_cross",
  "tickers": ["AAPL"],
  "bias": {
    "AAPL": {
      "ticker": "AAPL",
      "bias": "BULLISH",
      "confidence": 0.85,
      "reasoning": "50-day SMA crossed above 200-day SMA"
    }
  },
  "metadata": {
    "sma_short": 50,
    "sma_long": 200,
    "current_price": 175.50
  },
  "timestamp": "2025-12-05T10:30:00Z",
  "source": "golden_cross_generator"
})json";

// Seed 000, "Manual Test: Verify Signal Consumption", verbatim.
inline constexpr std::string_view kSeed000 =
    R"json({"signal_id":"test-123","timestamp":1733875200,"signal_type":"mock","source":"manual_test","tickers":[{"ticker":"AAPL","signal":"BULLISH","confidence":80}],"metadata":{}})json";

// Seed 001, "Emits to Kafka", verbatim.
inline constexpr std::string_view kSeed001 =
    R"json({"tickers": [{"ticker": "AAPL", "signal": "BULLISH", "confidence": 85}]})json";

// Seed 000, "Signal-to-Pipeline Matching", verbatim.
inline constexpr std::string_view kSeed000Matching = R"json({"tickers": ["AAPL", "MSFT"]})json";

}  // namespace sigflow::seed_signals
