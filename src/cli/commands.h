// The `sigflow` subcommands. Each Add*Command registers one subcommand (with its --help) on the
// root CLI11 app; when it runs, it stores the process exit code in `*exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace sigflow {

void AddRunCommands(CLI::App& app, int* exit_code);  // run, dispatch, work, generate
void AddPublishCommand(CLI::App& app, int* exit_code);
void AddPipelinesCommand(CLI::App& app, int* exit_code);
void AddExecutionsCommand(CLI::App& app, int* exit_code);
void AddBenchCommand(CLI::App& app, int* exit_code);
void AddPipelineBenchCommand(CLI::App& bench, int* exit_code);  // bench pipeline
void AddLagCommand(CLI::App& app, int* exit_code);  // the dispatchers' Kafka consumer lag
void AddBarsCommand(CLI::App& app, int* exit_code);
void AddExecuteCommand(CLI::App& app, int* exit_code);          // execute
void AddLedgerCommands(CLI::App& app, int* exit_code);          // ledger, runs, stats
void AddRecommendationCommands(CLI::App& app, int* exit_code);  // recommendations, trading-state

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and something failed (e.g. rejected)
inline constexpr int kExitUsage = 2;    // bad flags, environment or config

}  // namespace sigflow
