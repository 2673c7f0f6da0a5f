// main.cpp — the `temper` executable (see docs/cli.md).
#include "cli/cli.hpp"

int main(int argc, char** argv) { return temper::cli::main(argc, argv); }
