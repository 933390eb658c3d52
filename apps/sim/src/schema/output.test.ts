// Every command's --json output against its committed JSON Schema (docs/schema/), validated
// with ajv; and the committed schemas against their definitions (DMASIM_WRITE_SCHEMAS=1 writes them).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { allCommands } from '../command-table.js';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { cli } from '../test-cli.js';
import { schemaDir, schemaDocument, schemaFileName } from './json-schema.js';
import { OUTPUT_SCHEMAS } from './output.js';

const write = process.env.DMASIM_WRITE_SCHEMAS === '1';

describe('docs/schema: the output schemas', () => {
  it.each(Object.entries(OUTPUT_SCHEMAS))('%s is committed as defined', (name, schema) => {
    const path = join(schemaDir, schemaFileName(name));
    const text = schemaDocument(name, schema, schema.description ?? name);
    if (write) writeFileSync(path, text);
    expect(existsSync(path), `${path}: run the tests with DMASIM_WRITE_SCHEMAS=1`).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('every command has one', () => {
    for (const c of allCommands()) {
      const name = /^dmasim\.([a-z-]+)\/1$/.exec(c.schema)?.[1];
      expect(name && OUTPUT_SCHEMAS[name], c.spec.name).toBeTruthy();
    }
  });
});

const ajv = new Ajv2020({ allErrors: true, strict: true });
const committed = (name: string) => {
  const doc = JSON.parse(readFileSync(join(schemaDir, schemaFileName(name)), 'utf8'));
  if (!ajv.getSchema(doc.$id)) ajv.addSchema(doc);
  return ajv.getSchema(doc.$id)!;
};

const example = (name: string) => resolve(exampleDir, name);
const soc = example('example-soc.dts');
const out = mkdtempSync(join(tmpdir(), 'dmasim-schema-'));
const virt = resolve(corpusDir, 'dtb', 'qemu__virt-smmuv3.dtb');
const virtPlatform = example('qemu-virt.platform.yaml');

/** Command lines whose --json output must validate, by schema. */
const CASES: Array<[string, string[]]> = [
  ['inspect', ['inspect', soc]],
  ['inspect', ['inspect', example('example-acpi.platform.yaml'), '--verbose']],
  ['inspect', ['inspect', example('example-acpi.iort.bin'), '--kernel', '6.7']],
  [
    'inspect',
    ['inspect', example('example-pair.dts'), '--memory', '0:1G', '--cmdline', 'swiotlb=1024'],
  ],
  [
    'of-dma-range',
    ['of', 'dma-range', soc, '/soc', '--phys-to-dma', '0x20000000', '--dma-to-phys', '0'],
  ],
  ['of-ranges', ['of', 'ranges', soc, '/soc', '--dma']],
  ['of-max-cpu-address', ['of', 'max-cpu-address', soc]],
  ['of-reg', ['of', 'reg', soc, '/soc/serial@7e201000']],
  ['of-reg', ['of', 'reg', soc, '/soc/serial@7e201000', '5']],
  ['of-resource', ['of', 'resource', soc, '/soc/serial@7e201000']],
  ['iommu-groups', ['iommu', 'groups', soc]],
  ['iommu-iova-ranges', ['iommu', 'iova-ranges', soc]],
  ['iommu-map', ['iommu', 'map', soc, 'pci:0000:00:01.0', '--size', '8K', '--count', '2']],
  ['iort-dump', ['iort', 'dump', example('example-acpi.iort.bin')]],
  ['iort-build', ['iort', 'build', example('example-acpi.iort.yaml'), '-o', join(out, 'iort.bin')]],
  ['run', ['run', soc, '--workload', 'nvme', '--count', '50']],
  [
    'bench-map',
    ['bench', 'map', soc, '--device', '/soc/dma-controller@7e007000', '--seconds', '1'],
  ],
  ['lint', ['lint', soc, example('example-acpi.platform.yaml')]],
  ['report', ['report', soc, '-o', join(out, 'report.html')]],
  ['kernels', ['kernels']],
  ['diff', ['diff', example('bad/size-as-mask.dts'), soc, '--from', '6.7', '--to', '6.10']],
];
if (hasCorpus) {
  CASES.push(
    ['inspect', ['inspect', virt, '--platform', virtPlatform]],
    ['iommu-groups', ['iommu', 'groups', virt, '--platform', virtPlatform]],
    ['iommu-iova-ranges', ['iommu', 'iova-ranges', virt, '--platform', virtPlatform]],
    [
      'iommu-map',
      [
        'iommu',
        'map',
        virt,
        'pci:0000:00:01.0',
        '--size',
        '4096',
        '--msi',
        '--platform',
        virtPlatform,
      ],
    ],
    ['run', ['run', virt, '--workload', 'nic-rx', '--count', '50', '--platform', virtPlatform]],
  );
}

describe('every --json output validates against its committed schema', () => {
  it.each(CASES)('%s: dmasim %s', (name, argv) => {
    const r = cli([...argv, '--json']);
    expect(r.stderr).toBe('');
    // One document, or JSON Lines (a many-input command's records).
    const docs = r.stdout.startsWith('{\n')
      ? [JSON.parse(r.stdout)]
      : r.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l));
    const validate = committed(name);
    for (const json of docs) {
      expect(json.schema).toBe(`dmasim.${name}/1`);
      expect(validate(json), ajv.errorsText(validate.errors)).toBe(true);
    }
  });

  it('several inputs: one JSON Lines record each, a failed one with its error', () => {
    const bad = join(out, 'bad.dtb');
    writeFileSync(bad, 'not a device tree');
    const r = cli(['inspect', soc, bad, example('example-acpi.iort.bin'), '--json']);
    expect(r.code).toBe(1);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => x.file)).toEqual([soc, bad, example('example-acpi.iort.bin')]);
    expect(records[1].error).toMatchObject({ code: 'DTS_SYNTAX', name: 'DtsError' });
    const validate = committed('inspect-record');
    for (const record of records)
      expect(validate(record), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('covers every command', () => {
    const covered = new Set(CASES.map(([name]) => name));
    for (const c of allCommands())
      expect(covered, c.spec.name).toContain(/^dmasim\.([a-z-]+)\//.exec(c.schema)![1]);
  });
});
