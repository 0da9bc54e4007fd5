#!/usr/bin/env bash
# Installs localrag and its test tools into ./.venv.
#
# llama-cpp-python compiles llama.cpp from source. Its default build targets the build
# machine's exact CPU ("native"), which crashes with "Illegal instruction" on some CPUs
# (seen with AMX), so on x86-64 Linux we build for the instruction sets this CPU reports.
# Set CMAKE_ARGS yourself to override (e.g. -DGGML_CUDA=on for an NVIDIA GPU).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}

if [ -z "${CMAKE_ARGS:-}" ] && [ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ]; then
  args="-DGGML_NATIVE=OFF"
  for f in avx avx2 fma f16c; do
    if grep -qw "$f" /proc/cpuinfo; then args="$args -DGGML_$(echo "$f" | tr a-z A-Z)=ON"; fi
  done
  export CMAKE_ARGS="$args"
  echo "install.sh: building llama.cpp with CMAKE_ARGS=\"$CMAKE_ARGS\"" >&2
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
echo "install.sh: installing localrag (the first build of llama-cpp-python takes about 5 minutes)" >&2
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/localrag --version
