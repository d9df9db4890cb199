#!/usr/bin/env bash
# Builds every images/src/*.c into images/wasm/NAME.wasm (WASI preview1, via Debian clang + wasi-libc).
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="$(cd "$src_dir/.." && pwd)/wasm"
cc="${CC:-clang}"
mkdir -p "$out_dir"

for c in "$src_dir"/*.c; do
  name="$(basename "$c" .c)"
  out="$out_dir/$name.wasm"
  "$cc" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-all -o "$out" "$c"
  echo "built images/wasm/$name.wasm ($(wc -c <"$out") bytes)"
done
