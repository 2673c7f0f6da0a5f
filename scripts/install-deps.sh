#!/usr/bin/env bash
# Installs the Debian 12 packages Temper needs to build, test, run its demo and every documented
# command, skipping those already present. Run as root (or with sudo) on a fresh machine; safe
# to re-run.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache
  libopenblas-dev libdnnl-dev libxtensor-dev libxtensor-blas-dev libxsimd-dev xtl-dev
  # Debian's oneDNN is built with the OpenCL GPU runtime: its CMake config (find_package(dnnl))
  # requires the OpenCL headers and loader, which libdnnl-dev only recommends.
  ocl-icd-opencl-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev zlib1g-dev
  doctest-dev libhdf5-dev libzip-dev libcli11-dev libyaml-cpp-dev
  dataset-fashion-mnist
  # The documented commands: the Iris and diabetes configs read scikit-learn's bundled data
  # sets, and the docs tests (tests/docs/) run the h5py example with Debian's python3.
  python3 python3-sklearn python3-h5py
  # The portability tests run the library on emulated older CPUs (no AVX; AVX2 without AVX-512).
  qemu-user
  # scripts/fuzz.sh (run by CI): libFuzzer ships only with Clang; its runtime (and Clang's ASan
  # and UBSan runtimes) are in libclang-rt-14-dev.
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
