// JSON views of pipelines and executions for `--json` output, and CLI input helpers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/execution.h"
#include "core/pipeline.h"
#include "core/status.h"

namespace sigflow {

// What a pipeline added without --config runs: the bias agent over its triggering signals.
inline constexpr char kDefaultPipelineConfig[] =
    R"({"nodes":[{"agent_type":"bias_agent","config":{}}]})";

nlohmann::json PipelineToJson(const Pipeline& p);
nlohmann::json ExecutionToJson(const Execution& e);
// Normalises and validates symbols; `invalid_argument` names the first bad one.
Result<std::vector<std::string>> ParseTickerList(const std::vector<std::string>& symbols);

}  // namespace sigflow
