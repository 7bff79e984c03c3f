#!/bin/sh
# Writes the labelled frames of the evaluation set as PNGs (what the labels in labels/ describe), for
# looking at them or labelling again: <out>/<clip>/<frame index>.png, and <out>/frames.txt listing them.
# The labelled frames are every `step`-th frame (frame 0, step, 2*step, ...), `step` as in each label file.
# usage: test/eval/extract-frames.sh <out dir>
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: extract-frames.sh <out dir>}
mkdir -p "$out"
: >"$out/frames.txt"
for labels in "$here"/labels/*.json; do
  clip=$(sed -n 's/^  "clip": "\(.*\)",$/\1/p' "$labels")
  step=$(sed -n 's/^  "step": \([0-9]*\),$/\1/p' "$labels")
  name=${clip%.mp4}
  mkdir -p "$out/$name"
  # select keeps frames n = 0, step, 2*step, ... in decoding (= presentation, no reordering left after
  # the decoder) order; -fps_mode passthrough writes each kept frame once. Files are numbered from 1.
  ffmpeg -v error -y -i "$here/media/$clip" -vf "select='not(mod(n\,$step))'" -fps_mode passthrough \
    "$out/$name/%d.png"
  i=1
  for f in $(ls "$out/$name" | sort -n); do
    index=$(( (i - 1) * step ))
    mv "$out/$name/$f" "$out/$name/$index.png.tmp"
    i=$((i + 1))
  done
  for f in "$out/$name"/*.png.tmp; do mv "$f" "${f%.tmp}"; done
  ls "$out/$name" | sort -n | sed "s|^|$name/|" >>"$out/frames.txt"
done
echo "$(wc -l <"$out/frames.txt") frames in $out"
