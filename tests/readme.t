#!/bin/bash
# tests/readme.t: the README documents every parameter, generated from the table, and is current.
b=${STEMD_BUILD:-build}
echo 1..2
if tools/update-readme --check "$b/stemd-params" README.md >/tmp/readme-check.$$ 2>&1; then
    echo "ok 1 - README parameter section matches the table"
else
    sed 's/^/# /' /tmp/readme-check.$$ | head -20
    echo "not ok 1 - README parameter section is stale (make docs)"
fi
rm -f /tmp/readme-check.$$
rows=$(grep -c '^| `' README.md)
if [ "$rows" -ge 40 ]; then echo "ok 2 - README lists $rows parameter rows"; else echo "not ok 2 - only $rows rows in README"; fi
