#!/usr/bin/env bash
# The opencl backend on a GPU host with no JDK, in one go (well under 8 minutes):
#   1. unpacks the Java runtime carried in devcarry/ (made by benchmarks/gpu/prepare.sh);
#   2. sets up OpenCL for NVIDIA: the carried ICD loader (GPT4ROI_OPENCL_LIB) and an ICD folder
#      (OCL_ICD_VENDORS) naming the driver's libnvidia-opencl.so.1; elsewhere the system's ICDs;
#   3. `gpt4roi devices`;
#   4. every op on opencl against the cpu backend, small odd shapes and real shapes (max rel errors);
#   5. matrix products, attention and whole synthetic LLaMA-7B / ViT-L layers, opencl beside cpu,
#      as GFLOP/s and GB/s against the card's peak (PEAK_GFLOPS, PEAK_GBS; H200 by default);
#   6. the bundled tiny-model demo on opencl and cpu, when the CLI has --backend and the runtime
#      can decode images;
#   7. a summary. Results go to $OUT (else devcarry/results): run.log, devices.txt, opchecks.txt,
#      bench.md, demo.txt. Each step has a timeout, and all of them together stay within BUDGET_S
#      (420 s): typically the whole run takes 2-3 minutes.
#
# Usage, from the repository root: bash benchmarks/gpu/run.sh [devcarry-folder]
# Env: BENCH_ARGS (extra OpenclBench options, e.g. "--prompt 64 --seconds 0.2"),
#      GPU_JAVA_OPTS (default -Xmx16g), DEVICE (OpenCL device index, default 0).
set -uo pipefail
start=$(date +%s)
repo="$(cd "$(dirname "$0")/../.." && pwd)"
carry="$(cd "${1:-$repo/devcarry}" && pwd)" || exit 1
out="${OUT:-$carry/results}"
mkdir -p "$out"
work="$(mktemp -d /tmp/gpt4roi-gpu.XXXXXX)"
trap 'rm -rf "$work"' EXIT
device="${DEVICE:-0}"
peak_gflops="${PEAK_GFLOPS:-67000}"   # H200 SXM, FP32 without tensor cores
peak_gbs="${PEAK_GBS:-4800}"          # H200 HBM3e
budget=${BUDGET_S:-420}                # the whole script stays under 7 minutes
step() { echo; echo "=== $* (at $(( $(date +%s) - start )) s)"; }
# seconds a step may take: its own cap, or what is left of the budget (less 10 s for the summary)
cap() { local left=$(( budget - ($(date +%s) - start) - 10 )); [ "$left" -lt 5 ] && left=5; echo $(( $1 < left ? $1 : left )); }
quiet() { grep -v 'Using incubator modules'; }   # the JVM's warning about jdk.incubator.vector

main() {

step "Java runtime"
tar -C "$work" -xJf "$carry/runtime.tar.xz" 2>/dev/null \
  || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="tar")' "$carry/runtime.tar.xz" "$work" \
  || { echo "cannot unpack $carry/runtime.tar.xz (no xz, no python3?)"; exit 1; }
java="$work/runtime/bin/java"
"$java" -version 2>&1 | head -1
jflags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC ${GPU_JAVA_OPTS:--Xmx16g})
cp="$carry/lib/*"

step "OpenCL setup"
export GPT4ROI_OPENCL_LIB="$carry/opencl/libOpenCL.so.1"
nv=""
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  if [ -e "$d/libnvidia-opencl.so.1" ]; then nv="$d/libnvidia-opencl.so.1"; break; fi
done
[ -z "$nv" ] && nv="$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1 /{print $NF; exit}')"
[ -z "$nv" ] && nv="$(timeout 20 find / -xdev -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)"
if [ -n "$nv" ]; then
  mkdir -p "$work/icd"
  echo "$nv" > "$work/icd/nvidia.icd"
  export OCL_ICD_VENDORS="$work/icd"
  export LD_LIBRARY_PATH="$(dirname "$nv")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "NVIDIA OpenCL driver: $nv (OCL_ICD_VENDORS=$OCL_ICD_VENDORS)"
else
  echo "no libnvidia-opencl.so.1 on this host: using the system's ICDs (/etc/OpenCL/vendors)"
fi
echo "ICD loader: $GPT4ROI_OPENCL_LIB"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv

step "gpt4roi devices"
timeout "$(cap 60)" "$java" "${jflags[@]}" -cp "$cp" org.gpt4roi.app.Main devices 2>&1 | quiet | tee "$out/devices.txt"

step "op checks: opencl vs cpu"
timeout "$(cap 150)" "$java" "${jflags[@]}" -cp "$cp" org.gpt4roi.bench.OpenclOpChecks "$device" 2>&1 \
  | quiet | tee "$out/opchecks.txt"
checks="$(tail -1 "$out/opchecks.txt")"

step "benchmarks: opencl beside cpu"
# shellcheck disable=SC2086
timeout "$(cap 240)" "$java" "${jflags[@]}" -cp "$cp" org.gpt4roi.bench.OpenclBench --device "$device" \
  --peak-gflops "$peak_gflops" --peak-gbs "$peak_gbs" --seconds 0.5 --out "$out/bench.md" ${BENCH_ARGS:-} 2>&1 | quiet

step "demo (bundled tiny model)"
dist="$work/dist"
mkdir -p "$dist/share"
cp -r "$repo/gpt4roi/src/main/dist/bin" "$dist/bin" && chmod +x "$dist/bin/"*
ln -s "$carry/lib" "$dist/lib"
ln -s "$work/runtime" "$dist/runtime"
ln -s "$repo/testdata/tiny/model" "$dist/share/tiny-model"
ln -s "$repo/testdata/images/extreme_ironing.jpg" "$dist/share/extreme_ironing.jpg"
export GPT4ROI_JAVA_OPTS="${GPU_JAVA_OPTS:--Xmx16g}"
if ! "$java" --list-modules | grep -q java.desktop; then
  echo "skipped: the carried runtime has no java.desktop (images cannot be decoded)" | tee "$out/demo.txt"
elif ! timeout "$(cap 30)" "$dist/bin/gpt4roi" demo --help 2>&1 | grep -q -- '--backend'; then
  echo "skipped: this build's demo has no --backend option" | tee "$out/demo.txt"
else
  : > "$out/demo.txt"
  for b in opencl cpu; do
    t0=$(date +%s%N)
    timeout "$(cap 60)" "$dist/bin/gpt4roi" demo --backend "$b" --device "$device" 2>&1 | tail -15 | tee -a "$out/demo.txt"
    echo "demo on $b: exit ${PIPESTATUS[0]}, $(( ($(date +%s%N) - t0) / 1000000 )) ms wall" | tee -a "$out/demo.txt"
  done
fi

step "summary"
grep -E '^[0-9]+ +(GPU|CPU|accelerator|other) ' "$out/devices.txt" || true
echo "op checks: ${checks:-did not finish}"
grep -E 'TOO LARGE|FAILED' "$out/opchecks.txt" || true
if [ -s "$out/bench.md" ]; then
  echo "| case | backend | ms/call | GFLOP/s | GB/s | of peak |"
  grep -E '^\| (linear|attention|LLaMA|CLIP)' "$out/bench.md"
else
  echo "benchmarks: no results (see run.log)"
fi
echo "results in $out; total $(( $(date +%s) - start )) s"
}

main 2>&1 | tee "$out/run.log"
