// CI's short fuzz run: a fixed seed and a few hundred hostile inputs of every format through the
// built CLI (`pnpm fuzz`); every one must end in a result or a typed error, in time and memory.
// The long run (`pnpm fuzz --inputs 1000000`) is recorded in FUZZING.md.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from './packed.js';

test('a seeded fuzz run finds no untyped error, hang or memory blow-up', () => {
  const run = spawnSync(
    'node',
    [join(repoRoot, 'scripts/fuzz.mjs'), '--inputs', '120', '--seed', '13', '--quiet'],
    { cwd: repoRoot, encoding: 'utf8', timeout: 110_000 },
  );
  const summary = run.stdout;
  expect(summary).toMatch(/^120 inputs \(seed 13/m);
  for (const format of ['dtb', 'dts', 'iort', 'platform']) {
    // | format | inputs | result | typed | untyped | hangs | memory | slowest |
    expect(summary).toMatch(
      new RegExp(`^\\| ${format} \\| 30 \\| \\d+ \\| \\d+ \\| 0 \\| 0 \\| 0 \\|`, 'm'),
    );
  }
  expect(run.status, summary + run.stderr).toBe(0);
});
