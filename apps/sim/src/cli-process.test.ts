// The built `dmasim` as a shell runs it: standard input, /dev/stdin, process substitution, a
// reader that closes early. (turbo builds dmasim before its tests.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDts, writeFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { exampleDir } from './corpus.js';
import { cli } from './test-cli.js';

const cliJs = resolve(import.meta.dirname, '..', 'dist', 'cli.cjs');
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

  // The process loads the YAML readers only for a command line that names a YAML/JSON file
  // (load.ts); in-process tests have them loaded up front, so compare the two.
  it('reads YAML inputs as the in-process CLI does', () => {
    const platform = join(dir, 'p.yaml');
    writeFileSync(platform, 'cmdline: "iommu.passthrough=1 swiotlb=force"\n');
    const acpi = resolve(exampleDir, 'example-acpi.platform.yaml');
    const out = join(dir, 'built.iort.bin');
    for (const argv of [
      ['inspect', acpi, '--json'],
      ['inspect', blob, '--platform', platform, '--json'],
      ['inspect', blob, '--memory', '0x40000000:1G', '--json'],
      ['inspect', exampleDir, '--json', '--jobs', '1'],
      ['inspect', exampleDir, '--json', '--jobs', '2'],
      ['lint', exampleDir, '--json'],
      ['iort', 'build', resolve(exampleDir, 'example-acpi.iort.yaml'), '-o', out, '--json'],
      ['iort', 'dump', resolve(exampleDir, 'qemu-virt-acpi.platform.yaml'), '--json'],
    ]) {
      const r = sh(`$DMASIM ${argv.map((a) => `'${a}'`).join(' ')}`);
      const inProcess = cli(argv);
      expect(r.stderr, argv.join(' ')).toBe(inProcess.stderr);
      expect(r.code, argv.join(' ')).toBe(inProcess.code);
      expect(r.stdout, argv.join(' ')).toBe(inProcess.stdout);
    }
    const viaStdin = sh(`$DMASIM inspect - --platform ${platform} --json < ${blob}`);
    expect(viaStdin.stdout).toBe(
      sh(`$DMASIM inspect ${blob} --platform ${platform} --json`).stdout,
    );
    // iommu.passthrough=1 from the platform file: the IOMMU's groups get identity domains.
    expect(viaStdin.stdout).toMatch(/"domain": "identity"/);
    expect(direct.stdout).not.toMatch(/"domain": "identity"/);
  });

  // stdout.ts tells a terminal from a file, a pipe or /dev/null without building process.stdout.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'colour on a terminal only: not into a pipe or a file, nor with NO_COLOR',
    () => {
      const bold = '\x1b[1mDEVICE';
      const inTerminal = (env: string) =>
        sh(`${env} script -qec "$DMASIM inspect ${blob}" /dev/null`).stdout;
      expect(inTerminal('NO_COLOR=')).toContain(bold);
      expect(inTerminal('NO_COLOR=1')).not.toContain(bold);
      const file = join(dir, 'out.txt');
      const piped = sh(`$DMASIM inspect ${blob} | cat; $DMASIM inspect ${blob} > ${file}`);
      expect(piped.code).toBe(0);
      expect(piped.stdout).toMatch(/^arch: arm64\nDEVICE /);
      expect(readFileSync(file, 'utf8')).toBe(piped.stdout);
    },
  );

  it('loads the YAML and TypeBox libraries only for a command line that names a YAML file', () => {
    // Reports every require() of either library (the bundled CLI requires them on first use).
    const hook = join(dir, 'report-loads.cjs');
    writeFileSync(
      hook,
      `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/^(yaml|@sinclair\\/typebox)/.test(request)) process.stderr.write('loads ' + request + '\\n');
  return load.call(this, request, ...rest);
};
`,
    );
    const loads = (args: string) =>
      sh(`node -r ${hook} ${cliJs} ${args} >/dev/null`).stderr.match(/^loads \S+$/gm) ?? [];
    const iortBin = resolve(exampleDir, 'example-acpi.iort.bin');
    expect(loads(`inspect ${blob}`)).toEqual([]);
    expect(loads(`inspect ${dts} --json`)).toEqual([]);
    expect(loads(`iort dump ${iortBin}`)).toEqual([]);
    expect(loads(`iommu groups ${blob}`)).toEqual([]);
    expect(loads(`run ${blob} --workload nvme --count 10`)).toEqual([]);
    const yaml = loads(`inspect ${resolve(exampleDir, 'example-acpi.platform.yaml')}`);
    expect(yaml).toContain('loads yaml');
    expect(yaml).toContain('loads @sinclair/typebox');
  });
});
