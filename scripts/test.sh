#!/usr/bin/env bash
# The README's test command: typecheck, build, publint and vitest in every package (all of them
# run even when one fails), then lint and format checks over the whole tree.
status=0
turbo run typecheck build publint test --continue || status=1
biome check . || status=1
exit $status
