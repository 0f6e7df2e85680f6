// Helpers for the agents' ValidateConfig and Run: checking a node's "config" object key by key,
// with messages that name the key ("config.min_confidence must be a number in [0, 1]"), and
// reading the values back with their defaults. Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/recommendation.h"
#include "core/status.h"
#include "work/agent.h"

namespace sigflow::agent_config {

// `invalid_argument` unless `config` is an object whose keys are all in `known`; the message
// names the first unknown key and the agent ("config.x is not a strategy_agent setting").
Status CheckKeys(const nlohmann::json& config, std::string_view agent_type,
                 std::initializer_list<std::string_view> known);

// Each checks config[key] when present (absent is fine: the default applies).
Status CheckNumber(const nlohmann::json& config, const char* key, double min, double max);
Status CheckPositive(const nlohmann::json& config, const char* key);  // a finite number > 0
Status CheckInteger(const nlohmann::json& config, const char* key, int64_t min, int64_t max);
Status CheckBool(const nlohmann::json& config, const char* key);
// An action name (BUY_STOCK, BUY_CALL, BUY_PUT, SELL_PREMIUM) or, with allow_no_trade, NO_TRADE.
Status CheckAction(const nlohmann::json& config, const char* key, bool allow_no_trade);
// An array of strings; with actions, each must be an action name (NO_TRADE excluded).
Status CheckStringArray(const nlohmann::json& config, const char* key, bool actions);

// The output of the latest earlier node of `needed` that holds `key`, for the agent `self`:
// `failed_precondition` ("strategy_agent needs a bias_agent node before it in config.nodes")
// when there is none.
Result<const nlohmann::json*> EarlierOutput(const AgentContext& context, std::string_view self,
                                            std::string_view needed, const char* key);

// "NO_TRADE": what a rule answers when it recommends nothing.
inline constexpr std::string_view kNoTrade = "NO_TRADE";

// The upper-case form of a ticker symbol, for comparisons with decoded signals' tickers.
std::string Upper(std::string_view text);

}  // namespace sigflow::agent_config
