#!/usr/bin/env bash
# The GPU check of issue 16, run on the machine the `device` tool lends (an
# NVIDIA GPU, PyTorch installed, no registry, no Rust toolchain). It runs the
# bundle that scripts/gpu/pack.sh made here (.device/bundle.tar.xz: a retag
# built with --features wgpu, MiniLM in fp16, WNUT-17) and writes every
# log, prediction and figure under $OUT:
#
#   1. what the machine offers: the GPU, a Vulkan loader and NVIDIA's Vulkan
#      driver (wgpu needs both), CUDA for PyTorch;
#   2. a token-classification checkpoint: MiniLM widened back to fp32 with a
#      seeded random classifier for WNUT-17's labels (bench_pipeline.py
#      make-model, as `cargo xtask bench pipeline` makes it);
#   3. `retag predict` on WNUT-17 test x4 with --backend cpu and gpu (wgpu),
#      the GPU twice (the first run compiles and autotunes kernels); PyTorch
#      CUDA on the same input;
#   4. one epoch of `retag retrain --strategy naive` on WNUT-17 train with
#      --backend gpu; transformers' Trainer on CUDA for the same epoch;
#   5. the trained model predicted on cpu and on the GPU: the share of words
#      whose tags agree (the issue asks for 99.9%).
#
# Every step has its own time limit and the script goes on past a failure, so
# one call of the device tool brings back all that could run.
set -u
# STEPS=predict (for a call with little device time left): no search of the
# disk for driver files, no probe, no training; the CPU prediction and the
# GPU's cold and warm runs only, with the driver's own ICD file.
# STEPS=train: no search and no probe either; the naive epoch on the GPU with
# a line per step (each step's own seconds), PyTorch's epoch, and the trained
# model's tags on the GPU against the CPU's.
# STEPS=autotune: the naive epoch on the GPU twice, in two processes, with
# cubecl's autotuning at CUBECL_AUTOTUNE_LEVEL (default here: minimal). The
# second process reuses the autotune results the first wrote to disk but
# compiles every kernel again, which splits the first steps' cost between
# autotuning and compiling.
STEPS=${STEPS:-all}
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
WORK=/tmp/retag-gpu
rm -rf "$WORK" && mkdir -p "$WORK"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }

# step NAME LIMIT_S COMMAND...: runs COMMAND with its output in $OUT/NAME.log,
# notes its exit status and wall seconds.
step() {
  local name=$1 limit=$2
  shift 2
  local start end rc
  start=$(date +%s.%N)
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  note "$(printf '%-28s rc=%-3s wall_s=%s' "$name" "$rc" "$(python3 -c "print(round($end - $start, 2))")")"
  if [ "$rc" != 0 ]; then tail -n 8 "$OUT/$name.log" | sed 's/^/    /' | tee -a "$SUMMARY"; fi
  return "$rc"
}

note "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$SUMMARY"
nproc | sed 's/^/cpu cores: /' | tee -a "$SUMMARY"
ldconfig -p | grep -i vulkan | sed 's/^/  /' | tee -a "$SUMMARY"
for dir in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  [ -d "$dir" ] && ls "$dir" | sed "s|^|  icd $dir/|" | tee -a "$SUMMARY"
done
NVIDIA_GLX=
[ "$STEPS" = all ] && NVIDIA_GLX=$(find / -xdev \( -name 'libGLX_nvidia.so.0' -o -name 'libGLX_nvidia.so.*' \) 2>/dev/null | head -1)
note "libGLX_nvidia: ${NVIDIA_GLX:-none}"
# NVIDIA's Vulkan driver is libGLX_nvidia plus libraries it opens at run time
# (glcore, glvkspirv, gpucomp) and the device nodes; a container given only
# the compute libraries lacks some of them.
for icd in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
  [ -f "$icd" ] && { echo "  $icd:"; sed 's/^/    /' "$icd"; } | tee -a "$SUMMARY"
done
[ "$STEPS" = all ] && for lib in libnvidia-glcore libnvidia-glvkspirv libnvidia-gpucomp libnvidia-eglcore libEGL_nvidia libnvidia-tls; do
  found=$(find / -xdev -name "$lib.so*" 2>/dev/null | head -1)
  note "  $lib: ${found:-MISSING}"
done
[ -n "$NVIDIA_GLX" ] && ldd "$NVIDIA_GLX" 2>&1 | grep -i "not found" | sed 's/^/  ldd: /' | tee -a "$SUMMARY"
ls -la /dev/nvidia* /dev/dri 2>&1 | sed 's/^/  /' | tee -a "$SUMMARY"

note "== bundle"
step unpack 60 tar -xJf .device/bundle.tar.xz -C "$WORK" || exit 1
RETAG=$WORK/retag
DATA=$WORK/data
chmod +x "$RETAG"
# wgpu finds Vulkan through the loader (libvulkan.so.1) and the loader finds
# NVIDIA's driver through an ICD file. The image mounts the driver's own ICD
# and EGL vendor files under /usr/local/nvidia/share (the device tool's notes
# name them); the first GPU session of 2026-11-27 wrote an ICD file by hand
# for a libGLX_nvidia found on the disk instead, and got no instance. Where
# the image lacks the loaders, use the ones the bundle carries (Debian's).
if ! ldconfig -p | grep -q 'libvulkan.so.1' || ! ldconfig -p | grep -q 'libEGL.so.1'; then
  export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  note "using the bundle's loaders (libvulkan.so.1, libEGL.so.1)"
fi
DRIVER_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
DRIVER_EGL=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -f "$DRIVER_ICD" ]; then
  export VK_DRIVER_FILES=$DRIVER_ICD VK_ICD_FILENAMES=$DRIVER_ICD
  note "Vulkan ICD: $DRIVER_ICD"; sed 's/^/    /' "$DRIVER_ICD" | tee -a "$SUMMARY"
elif [ -n "$NVIDIA_GLX" ]; then
  mkdir -p "$WORK/icd"
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$NVIDIA_GLX" > "$WORK/icd/nvidia_icd.json"
  export VK_ICD_FILENAMES="$WORK/icd/nvidia_icd.json"
  note "wrote an ICD file for $NVIDIA_GLX"
fi
NVIDIA_EGL=
[ "$STEPS" = all ] && NVIDIA_EGL=$(find / -xdev -name 'libEGL_nvidia.so.0' 2>/dev/null | head -1)
if [ -f "$DRIVER_EGL" ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$DRIVER_EGL
  note "EGL vendor file: $DRIVER_EGL"
elif [ -n "$NVIDIA_EGL" ] && ! compgen -G '/usr/share/glvnd/egl_vendor.d/*nvidia*' >/dev/null; then
  mkdir -p "$WORK/egl"
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s"}}\n' "$NVIDIA_EGL" > "$WORK/egl/10_nvidia.json"
  export __EGL_VENDOR_LIBRARY_FILENAMES="$WORK/egl/10_nvidia.json"
  note "wrote an EGL vendor file for $NVIDIA_EGL"
fi

note "== checkpoint"
step widen-fp32 120 python3 - "$WORK" <<'EOF' || exit 1
import shutil, sys, torch
from safetensors.torch import load_file, save_file
work = sys.argv[1]
weights = {name: tensor.float() for name, tensor in load_file(f"{work}/minilm16/model.safetensors").items()}
shutil.copytree(f"{work}/minilm16", f"{work}/minilm", ignore=shutil.ignore_patterns("model.safetensors"))
save_file(weights, f"{work}/minilm/model.safetensors", metadata={"format": "pt"})
print(torch.__version__, torch.cuda.get_device_name(0))
EOF
step make-model 120 python3 scripts/bench_pipeline.py make-model --base "$WORK/minilm" \
  --labels-from "$DATA/train.txt" --out "$WORK/m0" || exit 1
python3 - "$DATA/test.txt" "$WORK/test-x4.txt" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read().strip("\n") + "\n\n"
open(sys.argv[2], "w", encoding="utf-8").write(text * 4)
EOF
INPUT=$WORK/test-x4.txt
note "input: $(grep -c . "$INPUT") words"

agree() { # agree A B: share of words with the same tag
  python3 - "$1" "$2" <<'EOF' | tee -a "$SUMMARY"
import sys
def tags(path):
    return [line.rsplit(" ", 1)[-1] for line in open(path, encoding="utf-8").read().split("\n") if line]
a, b = tags(sys.argv[1]), tags(sys.argv[2])
same = sum(x == y for x, y in zip(a, b))
print(f"  agreement {sys.argv[1].rsplit('/', 1)[-1]} vs {sys.argv[2].rsplit('/', 1)[-1]}: "
      f"{same}/{len(a)} = {100 * same / max(len(a), 1):.3f}%" + ("" if len(a) == len(b) else f" (LENGTHS DIFFER: {len(b)})"))
EOF
}

API=vulkan
if [ "$STEPS" = all ]; then
note "== can wgpu open the GPU? (the Vulkan loader's own log)"
head -n 40 "$DATA/test.txt" > "$WORK/tiny.txt"
VK_LOADER_DEBUG=error,warn,info timeout 60 "$RETAG" predict --backend gpu --model "$WORK/m0" --input "$WORK/tiny.txt" \
  --output "$WORK/tiny-gpu.txt" > "$OUT/vulkan-probe.log" 2>&1
probe=$?
note "probe rc=$probe"
grep -iE "error|fail|not found|cannot|unable|driver|icd|physical" "$OUT/vulkan-probe.log" | head -n 30 | sed 's/^/  /' | tee -a "$SUMMARY"
if [ "$probe" != 0 ]; then
  # Vulkan gave no adapter (or its kernels failed): hide it, so that wgpu
  # falls back to OpenGL ES on EGL for every step below.
  export VK_DRIVER_FILES=/nonexistent VK_ICD_FILENAMES=/nonexistent
  API=gles
  timeout 120 "$RETAG" predict --backend gpu --model "$WORK/m0" --input "$WORK/tiny.txt" \
    --output "$WORK/tiny-gpu.txt" > "$OUT/gles-probe.log" 2>&1
  probe=$?
  note "OpenGL ES probe rc=$probe"
  if [ "$probe" != 0 ] && [ "${FORCE_ALL:-0}" != 1 ]; then
    tail -n 8 "$OUT/gles-probe.log" | sed 's/^/    /' | tee -a "$SUMMARY"
    note "wgpu cannot open the GPU: the timed steps are skipped (FORCE_ALL=1 runs them anyway)"
    exit 0
  fi
fi
fi
note "graphics API for the GPU steps: $API (after $SECONDS s)"

if [ "$STEPS" = autotune ]; then
  export CUBECL_AUTOTUNE_LEVEL=${CUBECL_AUTOTUNE_LEVEL:-minimal}
  note "== naive, 1 epoch, autotune level $CUBECL_AUTOTUNE_LEVEL, two processes"
  for run in first second; do
    step "naive-gpu-$run" 170 "$RETAG" retrain --strategy naive --backend gpu --model "$WORK/m0" \
      --train "$DATA/train.txt" --dev "$DATA/dev.txt" --epochs 1 --patience 0 \
      --progress plain --log-every 1 --out "$WORK/naive-$run" --run-dir "$WORK/naive-$run.run"
    grep -E "s/step" "$OUT/naive-gpu-$run.log" | awk '{ if ($(NF-3) + 0 > 0.5) print "  slow " $1 " " $2 ": " $(NF-3) " s" }' | tee -a "$SUMMARY"
  done
  note "== done after $SECONDS s (STEPS=autotune)"
  exit 0
fi

if [ "$STEPS" != train ]; then
note "== predict, random-head checkpoint (WNUT-17 test x4)"
step predict-m0-cpu 120 "$RETAG" predict --backend cpu --model "$WORK/m0" --input "$INPUT" --output "$OUT/m0-cpu.txt"
for backend in gpu; do
  for run in cold warm; do
    step "predict-m0-$backend-$run" 150 "$RETAG" predict --backend "$backend" --model "$WORK/m0" \
      --input "$INPUT" --output "$OUT/m0-$backend.txt" || break
  done
  [ -f "$OUT/m0-$backend.txt" ] && agree "$OUT/m0-cpu.txt" "$OUT/m0-$backend.txt"
done
if [ "$STEPS" = predict ]; then
  note "== done after $SECONDS s (STEPS=predict)"
  exit 0
fi
step predict-m0-pytorch-cuda 120 python3 scripts/bench_pipeline.py predict --device cuda --model "$WORK/m0" \
  --input "$INPUT" --output "$OUT/m0-pytorch.txt" --json-out "$OUT/m0-pytorch.json" \
  && agree "$OUT/m0-cpu.txt" "$OUT/m0-pytorch.txt"
fi

note "== naive, 1 epoch on WNUT-17 train"
for backend in gpu; do
  step "naive-$backend" 300 "$RETAG" retrain --strategy naive --backend "$backend" --model "$WORK/m0" \
    --train "$DATA/train.txt" --dev "$DATA/dev.txt" --test "$DATA/test.txt" --epochs 1 --patience 0 \
    --progress plain --log-every 1 --out "$WORK/naive-$backend" --run-dir "$WORK/naive-$backend.run"
  cp "$WORK/naive-$backend/metrics.json" "$OUT/naive-$backend-metrics.json" 2>/dev/null
  cp "$WORK/naive-$backend.run/evaluations.jsonl" "$OUT/naive-$backend-evaluations.jsonl" 2>/dev/null
done
step naive-pytorch-cuda 240 python3 scripts/bench_pipeline.py naive --device cuda --model "$WORK/m0" \
  --train "$DATA/train.txt" --dev "$DATA/dev.txt" --test "$DATA/test.txt" --epochs 1 \
  --json-out "$OUT/naive-pytorch.json"

note "== predict, trained model"
for trained in gpu; do
  model="$WORK/naive-$trained"
  [ -f "$model/model.safetensors" ] || continue
  step "predict-$trained-model-cpu" 120 "$RETAG" predict --backend cpu --model "$model" \
    --input "$INPUT" --output "$OUT/$trained-model-cpu.txt" || continue
  for backend in gpu; do
    step "predict-$trained-model-$backend" 120 "$RETAG" predict --backend "$backend" --model "$model" \
      --input "$INPUT" --output "$OUT/$trained-model-$backend.txt" \
      && agree "$OUT/$trained-model-cpu.txt" "$OUT/$trained-model-$backend.txt"
  done
  step "predict-$trained-model-pytorch-cuda" 120 python3 scripts/bench_pipeline.py predict --device cuda \
    --model "$model" --input "$INPUT" --output "$OUT/$trained-model-pytorch.txt" \
    --json-out "$OUT/$trained-model-pytorch.json" \
    && agree "$OUT/$trained-model-cpu.txt" "$OUT/$trained-model-pytorch.txt"
  break
done
# The same warm prediction with Vulkan hidden, so that wgpu falls back to
# OpenGL ES: the API's share of the difference, on the same machine. Only
# when the call has time left (the device tool gives 10 minutes a call).
if [ "$STEPS" = all ] && [ "$API" = vulkan ] && [ "$SECONDS" -lt 400 ]; then
  note "== predict, random head, OpenGL ES (Vulkan hidden)"
  for run in cold warm; do
    VK_DRIVER_FILES=/nonexistent VK_ICD_FILENAMES=/nonexistent \
      step "predict-m0-gles-$run" 100 "$RETAG" predict --backend gpu --model "$WORK/m0" \
      --input "$INPUT" --output "$OUT/m0-gles.txt" || break
  done
fi
note "== done after $SECONDS s"
