#!/usr/bin/env bash
# The README's test command: typecheck, build, publint and vitest in every package (all of them
# run even when one fails), then the repository-level tests (tests/: the packed tarballs with attw,
# a fresh offline install, require/import/TypeScript consumers, README examples, versioning), then
# lint and format checks over the whole tree.
status=0
turbo run typecheck build publint test --continue || status=1
tsc -p tests || status=1
vitest run || status=1
biome check . || status=1
exit $status
