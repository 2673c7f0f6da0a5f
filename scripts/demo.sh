#!/usr/bin/env bash
# One command: install what is missing, build, and train the Fashion-MNIST MLP example.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"${TEMPER_BUILD_DIR:-$root/build}/examples/01_fashion_mnist_mlp" "$@"
