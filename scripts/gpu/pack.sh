#!/usr/bin/env bash
# Makes .device/bundle.tar.xz, what scripts/gpu/check.sh runs on the GPU
# machine that the `device` tool lends. That machine has no Rust toolchain and
# no registry, and takes at most 64 MiB of ignored files from here, so the
# bundle carries, compressed:
#   retag           built here with --features vulkan (wgpu, SPIR-V on Vulkan; stripped)
#   minilm16/       all-MiniLM-L6-v2 with its weights in fp16 (to_fp16.py)
#   data/           WNUT-17 train, dev and test from ../shared/data
#   lib/            Debian's Vulkan and EGL loaders, for an image that lacks them
#
#   bash scripts/gpu/pack.sh [MODEL_DIR]   (default: retag's cache, as `cargo xtask fetch-model` fills it)
# then, with the device tool: run command "bash scripts/gpu/check.sh", carry [".device"].
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-$HOME/.cache/retag/models/sentence-transformers/all-MiniLM-L6-v2}
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/retag/target}
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

CARGO_TARGET_DIR="$TARGET" \
  cargo build --release -p retag-cli --features "${RETAG_FEATURES:-vulkan}"
cp "$TARGET/release/retag" "$STAGE/retag"
strip "$STAGE/retag"

mkdir -p "$STAGE/minilm16" "$STAGE/data" "$STAGE/lib"
for file in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
  [ -f "$MODEL/$file" ] && cp "$MODEL/$file" "$STAGE/minilm16/"
done
python3 scripts/gpu/to_fp16.py "$MODEL/model.safetensors" "$STAGE/minilm16/model.safetensors"
cp ../shared/data/wnut17/{train,dev,test}.txt "$STAGE/data/"

# The Vulkan loader (libvulkan.so.1, Debian's libvulkan1) and the EGL one
# (libEGL.so.1 and libGLdispatch.so.0, libglvnd's): wgpu reaches the GPU
# through Vulkan, or through OpenGL ES on EGL where Vulkan gives no adapter.
(cd "$STAGE" && apt-get download libvulkan1 libegl1 libglvnd0 >/dev/null 2>&1 \
  && for deb in *.deb; do dpkg-deb -x "$deb" deb; done && rm ./*.deb)
for lib in libvulkan.so.1 libEGL.so.1 libGLdispatch.so.0; do
  cp -L "$STAGE/deb/usr/lib/x86_64-linux-gnu/$lib" "$STAGE/lib/"
done
rm -rf "$STAGE/deb"

mkdir -p .device
EXCLUDE=$(git rev-parse --git-path info/exclude)  # a worktree's .git is a file
mkdir -p "$(dirname "$EXCLUDE")"
grep -qx '/.device/' "$EXCLUDE" 2>/dev/null || echo '/.device/' >> "$EXCLUDE"
tar -C "$STAGE" -cJf .device/bundle.tar.xz retag minilm16 data lib
ls -l .device/bundle.tar.xz
