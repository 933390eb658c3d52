import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { expandPaths } from './firmware-file.js';
import { cli } from './test-cli.js';

// Worker threads run the built CLI (dist/input-worker.cjs), so the --jobs tests run it too.
const cliJs = resolve(exampleDir, '../dist/cli.cjs');
const dmasim = (...argv: string[]) =>
  spawnSync(process.execPath, [cliJs, ...argv], { encoding: 'utf8', maxBuffer: 256 << 20 });

const tmp = mkdtempSync(join(tmpdir(), 'dmasim-multi-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('many inputs', () => {
  it('directories are walked recursively in name order; only firmware files count', () => {
    const dir = join(tmp, 'walk');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const files: Record<string, string> = {
      'b.dts': '/dts-v1/;\n/ { };\n',
      'a.dtb': '',
      'notes.txt': 'not firmware',
      'dt.platform.yaml': 'pci: []\n',
      'acpi.platform.yaml': '# ACPI\niort: sub/t.bin\n',
      'sub/t.bin': 'IORT',
      'sub/other.bin': 'ELF',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const inputs = expandPaths([join(dir, 'sub'), dir, join(dir, 'notes.txt')]);
    expect(inputs.map((f) => f.slice(dir.length + 1))).toEqual([
      'sub/t.bin',
      'a.dtb',
      'acpi.platform.yaml',
      'b.dts',
      'sub/t.bin',
      'notes.txt',
    ]);
  });

  it('a failing input gets its own record, the others go on, exit status 1', () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    copyFileSync(join(exampleDir, 'example-soc.dts'), join(dir, 'a.dts'));
    writeFileSync(join(dir, 'sub', 'b.dts'), '/dts-v1/;\n/ { broken');
    copyFileSync(join(exampleDir, 'bad', 'size-as-mask.dts'), join(dir, 'sub', 'c.dts'));
    const r = cli(['inspect', dir, '--json']);
    expect(r.code).toBe(1);
    const records = lines(r.stdout);
    expect(records.map((x) => x.file)).toEqual([
      join(dir, 'a.dts'),
      join(dir, 'sub', 'b.dts'),
      join(dir, 'sub', 'c.dts'),
    ]);
    expect(records[0].devices.length).toBeGreaterThan(5);
    expect(records[1].error).toMatchObject({ code: 'DTS_SYNTAX', name: 'DtsError' });
    expect(r.stderr).toContain('b.dts');
    expect(records[2].devices.map((d: { path: string }) => d.path)).toEqual([
      '/soc',
      '/soc/dma@1000',
    ]);
  });

  it('one directory alone is many inputs; text output has one block per input', () => {
    const dir = join(tmp, 'one');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(exampleDir, 'example-soc.dts'), join(dir, 'a.dts'));
    const r = cli(['inspect', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`== ${join(dir, 'a.dts')}\n`)).toBe(true);
  });
});

describe('dmasim diff', () => {
  const mask = join(exampleDir, 'bad', 'size-as-mask.dts');

  it('a dma-ranges size written as a mask: bus limit 0xffffffff → 0xfffffffe, 6.7 warns', () => {
    const html = join(tmp, 'diff.html');
    const r = cli(['diff', mask, '--from', '6.7', '--to', '6.10', '--json', '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const [record, summary] = lines(r.stdout);
    expect(record).toMatchObject({
      schema: 'dmasim.diff/1',
      file: mask,
      before: '6.7',
      after: '6.10',
    });
    expect(record.changed).toEqual([
      {
        path: '/soc/dma@1000',
        bus: 'platform',
        fields: [
          {
            field: 'busDmaLimit',
            before: '0xffffffff',
            after: '0xfffffffe',
            changes: ['of-dma-ranges-mask-workaround-retired', 'of-dma-range-map-limits'],
          },
        ],
        messages: { before: ['warn: Invalid size 0xffffffff for dma-range(s)'], after: [] },
      },
    ]);
    expect(summary.summary).toMatchObject({
      from: '6.7',
      to: '6.10',
      inputs: 1,
      devices: 2,
      devicesChanged: 1,
      byField: { busDmaLimit: 1 },
    });
    // The changed device drawn before and after.
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('data-device="/soc/dma@1000"');
    expect(page).toContain('busDmaLimit: 0xffffffff → 0xfffffffe');
  });

  it('the text names the field, both values, the registry entries and the 6.7 message', () => {
    const r = cli(['diff', mask, '--from', '6.7', '--to', '6.10']);
    expect(r.stdout).toContain(
      '    busDmaLimit: 0xffffffff → 0xfffffffe  [of-dma-ranges-mask-workaround-retired, of-dma-range-map-limits]\n    6.7 only: warn: Invalid size 0xffffffff for dma-range(s)\n',
    );
    expect(r.stdout).toContain('summary 6.7 → 6.10: 1 inputs (0 failed), 2 devices, 1 changed');
  });

  it('needs --from and --to', () => {
    const r = cli(['diff', mask, '--from', '6.7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to is required');
  });
});

describe.skipIf(!hasCorpus)('the corpus in one process', () => {
  it('one valid record per blob; --jobs 1 and --jobs 2 give the same bytes', () => {
    const dtb = join(corpusDir, 'dtb');
    const serial = dmasim('inspect', dtb, '--json', '--jobs', '1');
    const parallel = dmasim('inspect', dtb, '--json', '--jobs', '2');
    expect(serial.status, serial.stderr).toBe(0);
    expect(parallel.status, parallel.stderr).toBe(0);
    const records = lines(serial.stdout);
    expect(records).toHaveLength(expandPaths([dtb]).length);
    for (const r of records) {
      expect(r.schema).toBe('dmasim.inspect/1');
      expect(r.file.startsWith(dtb)).toBe(true);
      expect(r.error).toBeUndefined();
      expect(r.devices.length).toBeGreaterThan(0);
    }
    expect(parallel.stdout).toBe(serial.stdout);
  });
});
