#include "market/bar_validation.h"

#include <cmath>
#include <string>

#include "core/ticker.h"
#include "core/time_format.h"

namespace sigflow {
namespace {

std::string Where(const std::string& ticker, int64_t ts_ms) {
  return ticker + " " + FormatIso8601(ts_ms).substr(0, 10) + ": ";
}

std::string Number(double v) {
  std::string s = std::to_string(v);
  return std::isfinite(v) ? s : (std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
}

Status CheckTicker(const std::string& ticker) {
  auto normalized = NormalizeTicker(ticker);
  if (!normalized || *normalized != ticker) {
    return Status::InvalidArgument("'" + ticker + "' is not a normalised ticker symbol");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateBar(const Bar& bar) {
  if (Status s = CheckTicker(bar.ticker); !s.ok()) return s;
  const struct {
    const char* name;
    double value;
  } prices[] = {{"open", bar.open}, {"high", bar.high}, {"low", bar.low}, {"close", bar.close}};
  for (const auto& p : prices) {
    if (!std::isfinite(p.value) || p.value <= 0) {
      return Status::InvalidArgument(Where(bar.ticker, bar.ts_ms) + p.name +
                                     " must be finite and > 0, got " + Number(p.value));
    }
  }
  if (!std::isfinite(bar.volume) || bar.volume < 0) {
    return Status::InvalidArgument(Where(bar.ticker, bar.ts_ms) +
                                   "volume must be finite and >= 0, got " + Number(bar.volume));
  }
  if (bar.high < bar.low) {
    return Status::InvalidArgument(Where(bar.ticker, bar.ts_ms) + "high " + Number(bar.high) +
                                   " is below low " + Number(bar.low));
  }
  return Status::Ok();
}

Status ValidateFeatures(const Features& row) {
  if (Status s = CheckTicker(row.ticker); !s.ok()) return s;
  if (!std::isfinite(row.close) || row.close <= 0) {
    return Status::InvalidArgument(Where(row.ticker, row.ts_ms) +
                                   "close must be finite and > 0, got " + Number(row.close));
  }
  if (row.bars < 1) {
    return Status::InvalidArgument(Where(row.ticker, row.ts_ms) + "bars must be >= 1, got " +
                                   std::to_string(row.bars));
  }
  const struct {
    const char* name;
    const std::optional<double>& value;
  } values[] = {{"sma_short", row.sma_short},
                {"sma_long", row.sma_long},
                {"ema", row.ema},
                {"atr", row.atr},
                {"recent_vol", row.recent_vol},
                {"vol_ratio", row.vol_ratio}};
  for (const auto& v : values) {
    if (v.value && !std::isfinite(*v.value)) {
      return Status::InvalidArgument(Where(row.ticker, row.ts_ms) + v.name +
                                     " must be finite, got " + Number(*v.value));
    }
  }
  return Status::Ok();
}

}  // namespace sigflow
