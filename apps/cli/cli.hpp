// cli.hpp — the `temper` command line: train, evaluate, predict, summary, validate, convert.
#pragma once
#include <string>
#include <vector>

namespace temper::cli {

/// Exit codes of the `temper` command.
enum ExitCode : int {
  kOk = 0,
  kRuntimeFailure = 1,  ///< training, evaluation or an output file failed
  kConfigError = 2,     ///< bad arguments, config, data files or model (found before any work)
  kInterrupted = 130,   ///< SIGINT: stopped at the end of a batch, backup saved
};

/// Runs the `temper` command line with `argv`-style arguments (args[0] is the program
/// name) and returns the exit code. Never throws: every error is printed as one line on
/// stderr (no stack trace) and mapped to an ExitCode.
int run(const std::vector<std::string>& args);

/// main(): run() over argc/argv.
int main(int argc, char** argv);

}  // namespace temper::cli
