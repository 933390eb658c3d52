import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readIort, writeIort } from '@dmasim/acpi-iort';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exampleIortBinPath, exampleIortSpec, exampleIortSpecPath } from '../acpi/example-iort.js';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { iortTableJson } from '../iort-json.js';
import { cli, commandArgs } from '../test-cli.js';
import { iortCommand } from './iort.js';

const run = (argv: string[]) => iortCommand(commandArgs('iort', argv));
const dir = mkdtempSync(join(tmpdir(), 'dmasim-iort-'));
const bytesOf = (path: string) => new Uint8Array(readFileSync(path));

afterEach(() => vi.restoreAllMocks());

describe('the bundled example binary', () => {
  it('is exactly what its spec builds (rebuild it with `dmasim iort build` if this fails)', () => {
    expect(bytesOf(exampleIortBinPath)).toEqual(writeIort(exampleIortSpec));
  });

  it('`dmasim iort build` writes the same bytes, with a valid checksum', () => {
    const out = join(dir, 'example.bin');
    const result = run(['build', exampleIortSpecPath, '-o', out]);
    expect(bytesOf(out)).toEqual(bytesOf(exampleIortBinPath));
    const read = readIort(bytesOf(out));
    expect(read.checksumValid).toBe(true);
    expect(result.json).toEqual({
      path: out,
      length: 0x180,
      checksum: `0x${read.table.checksum.toString(16)}`,
      nodes: 6,
    });
  });
});

describe('dmasim iort dump', () => {
  it('the human dump names every node, mapping and the firmware mistake', () => {
    const { text } = run(['dump', exampleIortBinPath]);
    expect(text.split('\n').slice(0, 4)).toEqual([
      'IORT revision 5, length 0x180, 6 node(s) from 0x30, OEM "DMASIM" "EXAMPLE"',
      'ITS@0x30 rev 1: ITS IDs [0]',
      'SMMUv3@0x48 rev 5: base 0x2b400000, model 0, COHACC (coherent)',
      '    IDs 0x0-0xffff -> 0x0-0xffff @ ITS@0x30',
    ]);
    expect(text).toContain(
      'NC(\\_SB_.ETH0)@0x114 rev 4: "\\_SB_.ETH0", memory address limit 0 (missing), CCA 0',
    );
  });

  it('--json gives the table with u64s as hex text; building it back gives the same table', () => {
    const json = run(['dump', exampleIortBinPath]).json as Record<string, unknown>;
    const smmu = (json.nodes as Record<string, unknown>[])[1];
    expect(smmu).toMatchObject({ type: 'smmu-v3', offset: 0x48, baseAddress: '0x2b400000' });
    const spec = join(dir, 'dumped.json');
    writeFileSync(spec, JSON.stringify(json));
    const out = join(dir, 'rebuilt.bin');
    run(['build', spec, '-o', out]);
    expect(bytesOf(out)).toEqual(bytesOf(exampleIortBinPath));
    expect(iortTableJson(readIort(bytesOf(out)).table)).toEqual(json);
  });

  it('dumps the table an ACPI platform file names', () => {
    const viaPlatform = run(['dump', resolve(exampleDir, 'example-pair.platform.yaml')]).text;
    expect(viaPlatform).toContain('NC(\\_SB_.DMA0)@');
    expect(viaPlatform).toContain('    single ID 0x20 -> SMMUv3@0x48');
  });

  it('a table whose checksum is wrong is still dumped, with the kernel warning', () => {
    const bytes = bytesOf(exampleIortBinPath);
    bytes[9] = (bytes[9]! + 1) & 0xff;
    const bad = join(dir, 'badsum.bin');
    writeFileSync(bad, bytes);
    const { text } = run(['dump', bad]);
    expect(text).toContain('kernel messages:\nwarn: ');
  });
});

describe.skipIf(!hasCorpus)('dump/build round trip on the corpus', () => {
  const files = hasCorpus
    ? readdirSync(resolve(corpusDir, 'iort')).filter((f) => f.endsWith('.bin'))
    : [];
  it.each(files)('%s: dump --json, then build, gives the same bytes', (file) => {
    const original = bytesOf(resolve(corpusDir, 'iort', file));
    const json = run(['dump', resolve(corpusDir, 'iort', file)]).json;
    const yamlSpec = join(dir, `${file}.json`);
    writeFileSync(yamlSpec, JSON.stringify(json));
    const out = join(dir, `${file}.rebuilt`);
    run(['build', yamlSpec, '-o', out]);
    expect(bytesOf(out)).toEqual(original);
  });
});

describe('dmasim iort through main(): exit codes', () => {
  it('0 and the dump on success', () => {
    const r = cli(['iort', 'dump', exampleIortBinPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^IORT revision 5/);
  });

  it('1 and the IortError with its byte offset for a bad table', () => {
    const bad = join(dir, 'short.bin');
    writeFileSync(bad, bytesOf(exampleIortBinPath).subarray(0, 0x60));
    const r = cli(['iort', 'dump', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `dmasim iort dump: ${bad}: IortError: IORT @0x4: table length 0x180 exceeds the 96 bytes given\n`,
    );
  });

  it('1 for a spec the writer refuses, naming the byte offset', () => {
    const spec = join(dir, 'bad-ref.yaml');
    writeFileSync(
      spec,
      'nodes:\n  - { type: root-complex, mappings: [{ outputReference: nowhere }] }\n',
    );
    const r = cli(['iort', 'build', spec, '-o', join(dir, 'never.bin')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^dmasim iort build: .*bad-ref\.yaml: IortError: IORT @0x[0-9a-f]+: output_reference "nowhere" names no node\n$/,
    );
  });

  it('1 for a spec with a bad shape, naming the node', () => {
    const spec = join(dir, 'bad-type.yaml');
    writeFileSync(spec, 'nodes:\n  - type: its-group\n  - type: gic\n');
    const r = cli(['iort', 'build', spec, '-o', join(dir, 'never.bin')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `dmasim iort build: PlatformFileError: ${spec}:3: nodes[1].type: expected its-group, named-component, root-complex, smmu, smmu-v3, pmcg, rmr or unknown\n`,
    );
  });

  it('2 for a wrong command line', () => {
    expect(cli(['iort', 'build', exampleIortSpecPath]).code).toBe(2); // no -o
    expect(cli(['iort', 'frobnicate', exampleIortBinPath]).code).toBe(2);
    expect(cli(['iort']).code).toBe(2);
  });
});
