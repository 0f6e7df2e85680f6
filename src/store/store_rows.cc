// Pipeline validation and JSON id lists shared by the SQLite and PostgreSQL stores.
#include "store/store_rows.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/ticker.h"

namespace sigflow::store_rows {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Status ValidatePipeline(Pipeline* p) {
  if (Trim(p->name).empty()) return Status::InvalidArgument("name: must not be empty");
  std::vector<std::string> tickers;
  tickers.reserve(p->scanner_tickers.size());
  for (size_t i = 0; i < p->scanner_tickers.size(); ++i) {
    auto t = NormalizeTicker(Trim(p->scanner_tickers[i]));
    if (!t) {
      return Status::InvalidArgument("scanner_tickers[" + std::to_string(i) + "]: \"" +
                                     p->scanner_tickers[i] + "\" is not a ticker symbol");
    }
    if (std::find(tickers.begin(), tickers.end(), *t) == tickers.end()) tickers.push_back(*t);
  }
  p->scanner_tickers = std::move(tickers);
  if (p->trigger_mode == TriggerMode::kSignal && p->scanner_tickers.empty()) {
    return Status::InvalidArgument(
        "scanner_tickers: a signal-mode pipeline needs at least one ticker");
  }
  auto config = nlohmann::json::parse(p->config_json, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object()) return Status::InvalidArgument("config: must be a JSON object");
  return Status::Ok();
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

void AppendJsonStringArray(const std::vector<std::string>& items, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(items[i], out);
  }
  out->push_back(']');
}

}  // namespace sigflow::store_rows
