// sigflow: one binary, one subcommand per role. Only this directory wires concrete adapters.
#include <iostream>

#include "cli/commands.h"
#include "cli/settings.h"

int main(int argc, char** argv) {
  CLI::App app{
      "sigflow: wakes trading pipelines the moment market signals arrive, runs them, and keeps\n"
      "a record of every decision. `sigflow run` starts every role in one process on the\n"
      "embedded store; each role also runs alone (dispatch, work, generate)."};
  app.require_subcommand(1);
  app.footer(sigflow::EnvironmentHelp());
  int exit_code = sigflow::kExitOk;
  sigflow::AddRunCommands(app, &exit_code);
  sigflow::AddPublishCommand(app, &exit_code);
  sigflow::AddPipelinesCommand(app, &exit_code);
  sigflow::AddExecutionsCommand(app, &exit_code);
  sigflow::AddBarsCommand(app, &exit_code);
  sigflow::AddExecuteCommand(app, &exit_code);
  sigflow::AddLedgerCommands(app, &exit_code);
  sigflow::AddRecommendationCommands(app, &exit_code);
  sigflow::AddBenchCommand(app, &exit_code);
  sigflow::AddLagCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : sigflow::kExitUsage;
  }
  return exit_code;
}
