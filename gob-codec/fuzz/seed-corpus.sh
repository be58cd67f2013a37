#!/usr/bin/env bash
# Seeds the fuzz corpora with the golden streams that Go wrote (tests/golden/*.gob).
# Usage: gob-codec/fuzz/seed-corpus.sh   (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
golden="$here/../tests/golden"
for target in decode_value decode_typed; do
    mkdir -p "$here/corpus/$target"
    cp "$golden"/*.gob "$here/corpus/$target/"
done
echo "seeded $(ls "$golden"/*.gob | wc -l) files into $here/corpus/{decode_value,decode_typed}"
