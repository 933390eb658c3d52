// The input formats: committed JSON Schemas match their definitions, and a file that breaks them
// is an error naming the file and the key.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseAcpiPlatformFile } from '../acpi-platform-file.js';
import { exampleDir } from '../corpus.js';
import { parseIortSpec } from '../iort-spec.js';
import { parsePlatformFile } from '../platform-file.js';
import { cli } from '../test-cli.js';
import { parseWorkloadFile } from '../workload-file.js';
import { INPUT_SCHEMAS } from './input.js';
import { schemaDir, schemaDocument, schemaFileName } from './json-schema.js';

const write = process.env.DMASIM_WRITE_SCHEMAS === '1';

describe('docs/schema: the input formats', () => {
  it.each(Object.entries(INPUT_SCHEMAS))(
    '%s is committed as defined',
    (name, { schema, title }) => {
      const path = join(schemaDir, schemaFileName(name));
      const text = schemaDocument(name, schema, title);
      if (write) writeFileSync(path, text);
      expect(existsSync(path), `${path}: run the tests with DMASIM_WRITE_SCHEMAS=1`).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(text);
    },
  );

  it('an editor validating against the committed workload schema agrees with dmasim', () => {
    const doc = JSON.parse(readFileSync(join(schemaDir, schemaFileName('workload')), 'utf8'));
    const validate = new Ajv2020({ strict: true }).compile(doc);
    const good = parseYaml(
      'device: /soc/dma\nmask: 32\ngenerate: { count: 10, mix: [{ op: map-sg, segments: [1, 4], sizes: [4K, 0x2000] }] }\n',
    );
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseWorkloadFile(JSON.stringify(good), 'w.json')).not.toThrow();
    const typo = { ...good, devcie: '/soc' };
    expect(validate(typo)).toBe(false);
    expect(() => parseWorkloadFile(JSON.stringify(typo), 'w.json')).toThrow(/unknown key "devcie"/);
  });
});

describe('an IORT spec and its schema', () => {
  const validate = new Ajv2020({ strict: true }).compile(
    JSON.parse(readFileSync(join(schemaDir, schemaFileName('iort-spec')), 'utf8')),
  );

  it('every bundled IORT spec validates against the committed schema, and dmasim reads it', () => {
    const files = readdirSync(exampleDir).filter((f) => /\.iort\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const text = readFileSync(join(exampleDir, f), 'utf8');
      expect(validate(parseYaml(text)), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(() => parseIortSpec(text, f)).not.toThrow();
    }
  });

  it('what `iort dump --json` prints validates too (it is the same form)', () => {
    const dumped = cli(['iort', 'dump', resolve(exampleDir, 'example-acpi.iort.bin'), '--json']);
    const doc = JSON.parse(dumped.stdout);
    delete doc.schema; // the output's own version field
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a misspelt key or a value of the wrong type fails both the editor and dmasim', () => {
    const typo =
      'nodes:\n  - type: named-component\n    deviceName: X\n    memoryAdressLimit: 32\n';
    expect(validate(parseYaml(typo))).toBe(false);
    expect(() => parseIortSpec(typo, 's.yaml')).toThrow(
      /^s\.yaml:4: nodes\[0\]: unknown key "memoryAdressLimit" \(known: type, name, /,
    );
    const wide = 'nodes: [{ type: its-group, identifiers: [0x100000000] }]\n';
    expect(validate(parseYaml(wide))).toBe(false);
    expect(() => parseIortSpec(wide, 's.yaml')).toThrow(
      's.yaml:1: nodes[0].identifiers[0]: expected a 32-bit number (or its text, e.g. "0x10")',
    );
    const mapping = 'nodes: [{ type: smmu-v3, mappings: [{ outputReference: its, flag: 1 }] }]\n';
    expect(validate(parseYaml(mapping))).toBe(false);
    expect(() => parseIortSpec(mapping, 's.yaml')).toThrow(
      's.yaml:1: nodes[0].mappings[0]: unknown key "flag" (known: inputBase, idCount, outputBase, outputReference, flags)',
    );
  });
});

describe('a workload file that breaks its schema', () => {
  const bad = (text: string) => () => parseWorkloadFile(text, 'w.yaml');

  it('a misspelt key is an error naming the key and the file', () => {
    expect(bad('devcie: /soc/dma\nsteps: []\n')).toThrow(
      'w.yaml:1: unknown key "devcie" (known: name, device, mask, seed, steps, generate)',
    );
    expect(
      bad('steps: [{ op: map, id: 0, phys: 0x1000, size: 4096, direction: to-device }]'),
    ).toThrow(
      /^w\.yaml:1: steps\[0\]: unknown key "direction" \(known: op, id, phys, size, dir, attrs\)$/,
    );
    expect(bad('generate:\n  count: 5\n  mix:\n    - op: map\n      wieght: 2\n')).toThrow(
      /^w\.yaml:5: generate\.mix\[0\]: unknown key "wieght"/,
    );
  });

  it('a wrong type is an error naming the key', () => {
    expect(bad('mask: lots\nsteps: []\n')).toThrow(
      'w.yaml:1: mask: expected bits for dma_set_mask_and_coherent()',
    );
    expect(bad('steps: [{ op: map, id: 0, phys: [1], size: 1 }]')).toThrow(
      /^w\.yaml:1: steps\[0\]\.phys: expected an address or size/,
    );
    expect(bad('steps:\n  - { op: unmap, id: 0 }\n  - { op: zap, id: 0 }\n')).toThrow(
      'w.yaml:3: steps[1].op: expected map, unmap, map-sg, unmap-sg, alloc or free',
    );
    // Each op has its keys: a map without its size names the missing key.
    expect(bad('steps: [{ op: map, id: 0, phys: 0x1000 }]')).toThrow(
      'w.yaml:1: steps[0].size: is missing',
    );
    expect(bad('steps: [{ op: unmap, id: 0, size: 4096 }]')).toThrow(
      'w.yaml:1: steps[0]: unknown key "size" (known: op, id)',
    );
    // What a schema cannot say is the reader's: a range past 64 bits, an empty segment range.
    expect(bad('steps: [{ op: map, id: 0, phys: 0x10000000000000000, size: 1 }]')).toThrow(
      'w.yaml:1: steps[0].phys: value does not fit in 64 bits: "18446744073709551616"',
    );
    expect(bad('generate: { mix: [{ op: map-sg, segments: [4, 2] }] }')).toThrow(
      'w.yaml:1: generate.mix[0]: segments [4, 2]: min is above max',
    );
  });

  it('through the CLI: exit 1, one line, the file and the key', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dmasim-input-')), 'typo.yaml');
    writeFileSync(file, 'bogus: 3\nsteps: []\n');
    const r = cli(['run', resolve(exampleDir, 'example-soc.dts'), '--workload', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `dmasim run: WorkloadFileError: ${file}:1: unknown key "bogus" (known: name, device, mask, seed, steps, generate)\n`,
    );
  });
});

describe('a platform file that breaks its schema', () => {
  const dt = (text: string) => () => parsePlatformFile(text, 'p.yaml');
  const acpi = (text: string) => () => parseAcpiPlatformFile(text, 'a.yaml');

  it('a misspelt key is an error naming the key and the file', () => {
    expect(dt('memroy: ["0:1G"]\n')).toThrow(
      /^p\.yaml:1: unknown key "memroy" \(known: cmdline, memory, pci\)/,
    );
    expect(dt('pci: [{ host: /pcie@0, devices: [{ bdf: "00:01.0", driverMsk: 32 }] }]\n')).toThrow(
      /^p\.yaml:1: pci\[0\]\.devices\[0\]: unknown key "driverMsk"/,
    );
    expect(acpi('iort: t.bin\ndevices: [{ path: "\\\\_SB_.DEV0", ccca: 1 }]\n')).toThrow(
      /^a\.yaml:2: devices\[0\]: unknown key "ccca"/,
    );
  });

  it('a wrong type is an error naming the key', () => {
    expect(dt('cmdline: 3\n')).toThrow(/^p\.yaml:1: cmdline: expected the kernel command line/);
    expect(acpi('devices: [{ path: "\\\\_SB_.DEV0", cca: 2 }]\n')).toThrow(
      'a.yaml:1: devices[0].cca: expected _CCA: 0 or 1',
    );
  });

  it('through the CLI: exit 1, one line naming the platform file and the key', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dmasim-input-')), 'typo.platform.yaml');
    writeFileSync(file, 'platfrom: x\n');
    const r = cli(['inspect', resolve(exampleDir, 'example-soc.dts'), '--platform', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^dmasim inspect: PlatformFileError: .*typo\.platform\.yaml:1: unknown key "platfrom" \(known: cmdline, memory, pci\)\n$/,
    );
  });

  it('every bundled platform file validates against the committed schema an editor uses', () => {
    const ajv = new Ajv2020({ strict: true });
    const validator = (name: string) =>
      ajv.compile(JSON.parse(readFileSync(join(schemaDir, schemaFileName(name)), 'utf8')));
    const validate = { platform: validator('platform'), acpi: validator('acpi-platform') };
    const files = readdirSync(exampleDir).filter((f) => f.endsWith('.platform.yaml'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const text = readFileSync(join(exampleDir, f), 'utf8');
      const doc = parseYaml(text);
      const isAcpi = /^(iort|iortSpec|devices):/m.test(text);
      const v = isAcpi ? validate.acpi : validate.platform;
      expect(v(doc), `${f}: ${JSON.stringify(v.errors)}`).toBe(true);
      expect(() =>
        isAcpi ? parseAcpiPlatformFile(text, f) : parsePlatformFile(text, f),
      ).not.toThrow();
      expect(validate.platform({ ...doc, bogus: 1 })).toBe(false);
    }
  });
});
