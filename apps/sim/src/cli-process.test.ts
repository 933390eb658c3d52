// The built `dmasim` as a shell runs it: standard input, /dev/stdin, process substitution, a
// reader that closes early. (turbo builds dmasim before its tests.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDts, writeFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { exampleDir } from './corpus.js';

const cliJs = resolve(import.meta.dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'dmasim-process-'));
const dts = resolve(exampleDir, 'example-soc.dts');
const blob = join(dir, 'board.dtb');
writeFileSync(blob, writeFdt(parseDts(readFileSync(dts, 'utf8'))));

function sh(script: string) {
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${script}`], {
    encoding: 'utf8',
    env: { ...process.env, DMASIM: `node ${cliJs}`, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(cliJs))('dmasim in a shell', () => {
  const direct = sh(`$DMASIM inspect ${blob} --json`);

  it('reads a file', () => {
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toMatchObject({ schema: 'dmasim.inspect/1', arch: 'arm64' });
  });

  it('cat board.dtb | dmasim inspect /dev/stdin, and - for standard input', () => {
    for (const script of [
      `cat ${blob} | $DMASIM inspect /dev/stdin --json`,
      `cat ${blob} | $DMASIM inspect - --json`,
      `$DMASIM inspect - --json < ${blob}`,
      `$DMASIM inspect <(cat ${blob}) --json`,
    ]) {
      const r = sh(script);
      expect(r.stderr, script).toBe('');
      expect(r.code, script).toBe(0);
      expect(r.stdout, script).toBe(direct.stdout);
    }
  });

  it('DTS source on standard input is read as source', () => {
    const r = sh(`$DMASIM inspect - --json < ${dts}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(sh(`$DMASIM inspect ${dts} --json`).stdout);
  });

  it('a blob with a damaged magic on standard input gets the FDT error', () => {
    const bytes = readFileSync(blob);
    bytes[3] = 0;
    const damaged = join(dir, 'damaged');
    writeFileSync(damaged, bytes);
    const r = sh(`cat ${damaged} | $DMASIM inspect -`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^dmasim inspect: -: FdtError: FDT .*0x0.*: bad magic 0xd00dfe00 .*\n$/,
    );
  });

  it('a reader that closes early ends dmasim quietly', () => {
    // Well over a pipe's buffer of output, so the write meets the closed pipe.
    const many = Array.from({ length: 40 }, () => blob).join(' ');
    const r = sh(`$DMASIM inspect ${many} --json | head -c 100`);
    expect(r.stdout).toHaveLength(100);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
