#!/usr/bin/env bash
# Makes images/layered/, the one sample image a Containerfile cannot express (whiteouts, an opaque
# directory, hard links and symlinks across four layers), with Debian's umoci (apt-get install umoci).
# The single-program images are built by `wasmbox build`: see build-layouts.sh (npm run images).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

new_image() { # name
  rm -rf "${here:?}/$1"
  umoci init --layout "$here/$1"
  umoci new --image "$here/$1:latest"
}

layer() { # name, then a function that edits $work/b/rootfs
  local name=$1 edit=$2
  rm -rf "$work/b"
  umoci unpack --rootless --image "$here/$name:latest" "$work/b" >/dev/null
  (cd "$work/b/rootfs" && "$edit")
  umoci repack --image "$here/$name:latest" "$work/b"
}

finish() { # name, entrypoint, then extra umoci config args
  local name=$1 entry=$2
  shift 2
  umoci config --image "$here/$name:latest" --os wasip1 --architecture wasm \
    --config.entrypoint "$entry" --config.workingdir / "$@"
  umoci gc --layout "$here/$name"
  chmod -R a+rX "$here/$name"
  echo "built images/$name"
}

# A small image with several layers, whiteouts, an opaque-style replace, hard links and symlinks.
new_image layered
base() {
  mkdir -p bin etc data/old data/keep
  cp "$here/wasm/ls.wasm" bin/ls.wasm
  cp "$here/wasm/cat.wasm" bin/cat.wasm
  echo "layer 1" > etc/motd
  echo "to be deleted" > data/gone.txt
  echo "old dir file" > data/old/a.txt
  mkdir -p data/opaque
  echo "hidden by an opaque whiteout" > data/opaque/x.txt
  echo "kept" > data/keep/k.txt
  ln data/keep/k.txt data/keep/k-hardlink.txt
}
layer layered base
second() {
  rm data/gone.txt
  rm -rf data/old
  mkdir data/old
  echo "replaced dir file" > data/old/b.txt
  echo "layer 2" > etc/motd
}
layer layered second
third() {
  ln -s ../etc/motd data/motd-link
  ln -s /bin/cat.wasm bin/cat-abs
  echo "layer 3" > data/new.txt
}
layer layered third
# umoci writes a whiteout per removed file; an opaque directory needs a hand-made layer (GNU tar).
mkdir -p "$work/l4/data/opaque"
touch "$work/l4/data/opaque/.wh..wh..opq"
echo "after the opaque whiteout" > "$work/l4/data/opaque/y.txt"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/l4" -cf "$work/l4.tar" data
umoci raw add-layer --image "$here/layered:latest" "$work/l4.tar"
finish layered /bin/ls.wasm --config.cmd /data --config.env GREETING=layered
