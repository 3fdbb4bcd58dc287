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
# (64 MiB with the repository), hence this smaller, compressed one. Set GPU_RUNTIME_MODULES to
# change its modules (java.base,jdk.incubator.vector alone is ~13 MB but cannot decode images,
# so run.sh then skips the demo).
#
# Usage (repository root): benchmarks/gpu/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
modules="${GPU_RUNTIME_MODULES:-java.base,java.desktop,java.logging,jdk.incubator.vector}"
loader="${OPENCL_LOADER:-/usr/lib/x86_64-linux-gnu/libOpenCL.so.1}"

echo "building the jars (mvn -q -pl benchmarks -am package -Dmaven.test.skip=true)"
mvn -q -pl benchmarks -am package -Dmaven.test.skip=true

rm -rf devcarry
mkdir -p devcarry/lib devcarry/opencl
cp gpt4roi/target/dist/lib/*.jar benchmarks/target/benchmarks-0.1.0.jar devcarry/lib/
cp -L "$loader" devcarry/opencl/libOpenCL.so.1

echo "jlink runtime: $modules"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --strip-native-debug-symbols=objcopy=/usr/bin/objcopy --output "$tmp/runtime" 2>&1 | grep -v 'incubator modules' || true
XZ_OPT=-9 tar -C "$tmp" -cJf devcarry/runtime.tar.xz runtime

repo_bytes=$(git ls-files -z --cached --others --exclude-standard | xargs -0 du -cb 2>/dev/null | awk 'END {print $1}')
carry_bytes=$(du -sb devcarry | cut -f1)
total_mib=$(( (repo_bytes + carry_bytes) / 1048576 ))
du -sh devcarry devcarry/*
echo "transfer: repository $(( repo_bytes / 1048576 )) MiB + devcarry $(( carry_bytes / 1048576 )) MiB = $total_mib MiB (device calls carry at most 64 MiB)"
if [ "$total_mib" -ge 64 ]; then
  echo "TOO LARGE: rebuild with GPU_RUNTIME_MODULES=java.base,jdk.incubator.vector (no demo on the GPU)" >&2
  exit 1
fi
echo "ready: run on the GPU host, from the repository root: bash benchmarks/gpu/run.sh devcarry"
