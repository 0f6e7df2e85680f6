#include "work/agent_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace sigflow::agent_config {
namespace {

// 1 as "1", 0.5 as "0.5".
std::string Number(double v) {
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<int64_t>(v));
  return nlohmann::json(v).dump();
}

std::string Range(double min, double max) { return "[" + Number(min) + ", " + Number(max) + "]"; }

}  // namespace

Status CheckKeys(const nlohmann::json& config, std::string_view agent_type,
                 std::initializer_list<std::string_view> known) {
  if (!config.is_object()) return Status::InvalidArgument("config must be an object");
  for (const auto& [key, value] : config.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Status::InvalidArgument("config." + key + " is not a " + std::string(agent_type) +
                                     " setting");
    }
  }
  return Status::Ok();
}

Status CheckNumber(const nlohmann::json& config, const char* key, double min, double max) {
  auto it = config.find(key);
  if (it == config.end()) return Status::Ok();
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < min ||
      it->get<double>() > max) {
    return Status::InvalidArgument(std::string("config.") + key + " must be a number in " +
                                   Range(min, max));
  }
  return Status::Ok();
}

Status CheckPositive(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end()) return Status::Ok();
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0) {
    return Status::InvalidArgument(std::string("config.") + key + " must be a number > 0");
  }
  return Status::Ok();
}

Status CheckInteger(const nlohmann::json& config, const char* key, int64_t min, int64_t max) {
  auto it = config.find(key);
  if (it == config.end()) return Status::Ok();
  if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max) {
    return Status::InvalidArgument(std::string("config.") + key + " must be an integer in [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return Status::Ok();
}

Status CheckBool(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_boolean()) return Status::Ok();
  return Status::InvalidArgument(std::string("config.") + key + " must be true or false");
}

Status CheckAction(const nlohmann::json& config, const char* key, bool allow_no_trade) {
  auto it = config.find(key);
  if (it == config.end()) return Status::Ok();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    if (allow_no_trade && text == kNoTrade) return Status::Ok();
    if (ParseTradeAction(text) && text == Upper(text)) return Status::Ok();
  }
  return Status::InvalidArgument(std::string("config.") + key +
                                 " must be one of BUY_STOCK, BUY_CALL, BUY_PUT, SELL_PREMIUM" +
                                 (allow_no_trade ? ", NO_TRADE" : ""));
}

Status CheckStringArray(const nlohmann::json& config, const char* key, bool actions) {
  auto it = config.find(key);
  if (it == config.end()) return Status::Ok();
  const std::string what =
      std::string("config.") + key + " must be an array of " +
      (actions ? "action names (BUY_STOCK, BUY_CALL, BUY_PUT, SELL_PREMIUM)" : "strings");
  if (!it->is_array()) return Status::InvalidArgument(what);
  for (const auto& item : *it) {
    if (!item.is_string()) return Status::InvalidArgument(what);
    if (actions) {
      const auto& text = item.get_ref<const std::string&>();
      if (!ParseTradeAction(text) || text != Upper(text)) return Status::InvalidArgument(what);
    }
  }
  return Status::Ok();
}

Result<const nlohmann::json*> EarlierOutput(const AgentContext& context, std::string_view self,
                                            std::string_view needed, const char* key) {
  const nlohmann::json* output = context.FindOutput(needed);
  if (output == nullptr || !output->contains(key)) {
    return Status::Error(
        "failed_precondition",
        std::string(self) + " needs a " + std::string(needed) + " node before it in config.nodes");
  }
  return output;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace sigflow::agent_config
