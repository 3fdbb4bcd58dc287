#!/usr/bin/env bash
# Builds, on the development machine, everything benchmarks/gpu/run.sh needs on a GPU host that has
# no JDK, into devcarry/ (ignored by git; carry it to the GPU host beside the repository):
#
#   devcarry/runtime.tar.xz        a jlink'd Java 25 runtime (java.base, java.desktop, java.logging,
#                                  jdk.incubator.vector; native symbols stripped; ~21 MB packed)
#   devcarry/lib/*.jar             the application (gpt4roi/target/dist/lib) + benchmarks-0.1.0.jar
#   devcarry/opencl/libOpenCL.so.1 the OpenCL ICD loader (Debian's ocl-icd-libopencl1), in case the host lacks one
#
# The full dist runtime of `mvn package -Pruntime` is ~100 MB, more than a device call may carry
# (64 MiB with the repository), hence this smaller, compressed one. When the repository and
# devcarry/ would pass 63 MiB it falls back to java.base,java.logging,jdk.incubator.vector
# (~13 MB packed; cannot decode images, so run.sh skips the demo). GPU_RUNTIME_MODULES overrides.
#
# Usage (repository root): benchmarks/gpu/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
modules="${GPU_RUNTIME_MODULES:-java.base,java.desktop,java.logging,jdk.incubator.vector}"
minimal_modules="java.base,java.logging,jdk.incubator.vector"
loader="${OPENCL_LOADER:-/usr/lib/x86_64-linux-gnu/libOpenCL.so.1}"

echo "building the jars (mvn -q -pl benchmarks -am package -Dmaven.test.skip=true)"
mvn -q -pl benchmarks -am package -Dmaven.test.skip=true

rm -rf devcarry
mkdir -p devcarry/lib devcarry/opencl
cp gpt4roi/target/dist/lib/*.jar benchmarks/target/benchmarks-0.1.0.jar devcarry/lib/
cp -L "$loader" devcarry/opencl/libOpenCL.so.1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# runtime.tar.xz holding a jlink'd image of the modules $1
pack_runtime() {
  echo "jlink runtime: $1"
  rm -rf "$tmp/runtime"
  "$JAVA_HOME/bin/jlink" --add-modules "$1" --strip-debug --no-header-files --no-man-pages \
      --strip-native-debug-symbols=objcopy=/usr/bin/objcopy --output "$tmp/runtime" 2>&1 | grep -v 'incubator modules' || true
  XZ_OPT=-9 tar -C "$tmp" -cJf devcarry/runtime.tar.xz runtime
}
# MiB that a device call would carry: the repository's files (tracked or not ignored) + devcarry
transfer_mib() {
  local repo carry
  repo=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
  carry=$(du -sb devcarry | cut -f1)
  echo $(( (repo + carry) / 1048576 ))
}

pack_runtime "$modules"
if [ "$(transfer_mib)" -ge 63 ] && [ "$modules" != "$minimal_modules" ]; then
  echo "repository + devcarry would be $(transfer_mib) MiB: falling back to $minimal_modules (run.sh will skip the demo)"
  pack_runtime "$minimal_modules"
fi
du -sh devcarry devcarry/*
echo "transfer: repository + devcarry = $(transfer_mib) MiB (a device call carries at most 64 MiB)"
if [ "$(transfer_mib)" -ge 64 ]; then
  echo "TOO LARGE even with the smallest runtime: shrink the repository's untracked files" >&2
  exit 1
fi
echo "ready: run on the GPU host, from the repository root: bash benchmarks/gpu/run.sh devcarry"
