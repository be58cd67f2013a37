#!/usr/bin/env bash
# Seeds the fuzz corpora with the golden streams that Go wrote: gob-codec's (tests/golden/*.gob)
# and the contract's (boxpark-proto/tests/golden/*.gob), as the replay binaries read them.
# Usage: gob-codec/fuzz/seed-corpus.sh   (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
golden=("$here/../tests/golden" "$here/../../boxpark-proto/tests/golden")
for target in decode_value decode_typed; do
    mkdir -p "$here/corpus/$target"
    for dir in "${golden[@]}"; do
        cp "$dir"/*.gob "$here/corpus/$target/"
    done
done
n=0
for dir in "${golden[@]}"; do n=$((n + $(ls "$dir"/*.gob | wc -l))); done
echo "seeded $n files into $here/corpus/{decode_value,decode_typed}"
