#!/usr/bin/env bash
# Rebuilds the single-program sample images images/<name>/ (OCI image layouts) with
# `wasmbox build` from images/src/<name>/Containerfile (context: images/wasm) and
# `wasmbox save --layout`. Reproducible: SOURCE_DATE_EPOCH=0, so an unchanged .wasm gives the
# committed digests (test/build/images.test.ts checks it). images/layered is made by make-layouts.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export WASMBOX_HOME="$home" SOURCE_DATE_EPOCH=0
wasmbox() { node "$root/bin/wasmbox.cjs" "$@"; }

for name in hello cat ls fsx echo-lines; do
  wasmbox build -q -f "$here/src/$name/Containerfile" -t "localhost/wasmbox/$name:latest" "$here/wasm" >/dev/null
  rm -rf "${here:?}/$name"
  wasmbox save --layout -o "$here/$name" "localhost/wasmbox/$name:latest"
  echo "built images/$name"
done
