// Hostile inputs at the CLI (issue 13): unbounded files, huge pools and counts, blown-up YAML.
// Each ends in a typed error naming the input, or in the kernel's own result.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleDir } from './corpus.js';
import { InputSizeError, MAX_INPUT_FILE_BYTES, readInputBytes } from './load.js';
import { parsePlatformFile } from './platform-file.js';
import { cli } from './test-cli.js';
import { MAX_IN_FLIGHT, MAX_WORKLOAD_COUNT, parseWorkloadFile } from './workload-file.js';
import { parseYamlText } from './yaml-text.js';

const dir = mkdtempSync(join(tmpdir(), 'dmasim-hostile-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const haveDevZero = existsSync('/dev/zero');

describe.skipIf(!haveDevZero)('unbounded reads stop at the input limit', () => {
  it('readInputBytes("/dev/zero") is an InputSizeError', () => {
    expect(() => readInputBytes('/dev/zero')).toThrow(
      new InputSizeError(
        `/dev/zero: larger than the ${MAX_INPUT_FILE_BYTES}-byte limit on an input file`,
      ),
    );
  });
  it('`dmasim inspect /dev/zero`', () => {
    const r = cli(['inspect', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `dmasim inspect: InputSizeError: /dev/zero: larger than the ${MAX_INPUT_FILE_BYTES}-byte limit on an input file\n`,
    );
  });
  it('a DTS that includes /dev/zero, and one that /incbin/s it', () => {
    for (const text of ['/include/ "/dev/zero"\n/ { };', '/ { a = /incbin/("/dev/zero"); };']) {
      const r = cli(['inspect', file('zero.dts', `/dts-v1/;\n${text}\n`)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^dmasim inspect: \S*zero\.dts: InputSizeError: \/dev\/zero: larger than the 67108864-byte/,
      );
    }
  });
});

// The C preprocessor comes from the system (Debian's cpp); without it --cpp cannot run at all.
const haveCpp = spawnSync('cpp', ['--version']).status === 0;
if (!haveCpp) console.log('hostile-input.test.ts: no cpp on this machine: the --cpp test skips');

describe.skipIf(!haveDevZero || !haveCpp)('--cpp over an #include of /dev/zero', () => {
  it('ends in a typed size error, not a preprocessor that grows without end', () => {
    const r = cli([
      'inspect',
      '--cpp',
      file('cppzero.dts', '/dts-v1/;\n#include "/dev/zero"\n/ { };\n'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^dmasim inspect: InputSizeError: \S*cppzero\.dts: the C preprocessor's output passes the 67108864-byte limit on an input file \(or its input the 512 MiB it may use\)\n$/,
    );
  });
});

describe('a dma-iommu buffer larger than its page array can be', () => {
  // Found while capping sizes: 2 PiB through the IOMMU on 4 PiB of RAM took pages 4 MiB at a
  // time, 2^29 of them. The kernel's kvcalloc() of the page pointers fails first.
  it('fails the allocation at once', () => {
    const w = file(
      'huge-alloc.yaml',
      'device: pci:0000:00:01.0\nsteps:\n  - { op: alloc, id: 0, size: 0x8000000000000 }\n',
    );
    const soc = join(exampleDir, 'example-soc.dts');
    const r = cli(['run', soc, '--workload', w, '--memory', '0x0:0x10000000000000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/through iommu-dma/);
    expect(r.stdout).toMatch(/alloc failures: +1\n/);
  });
});

describe('a 1 TiB restricted-dma-pool', () => {
  // The bundled example with its 4 MiB wifi pool grown to 1 TiB (a 290-byte change of size).
  const example = readFileSync(join(exampleDir, 'example-soc.dts'), 'utf8');
  const huge = example.replace(
    'reg = <0x0 0x3e000000 0x0 0x400000>;',
    'reg = <0x0 0x3e000000 0x100 0x0>;',
  );
  it('is refused as rmem_swiotlb_device_init() refuses it: the device warns, nothing is allocated', () => {
    expect(huge).not.toBe(example);
    const r = cli(['inspect', file('tib.dts', huge)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '/soc/wifi@7e300000: warn: failed to initialise "restricted-dma-pool" memory node',
    );
  });
});

describe('workload counts', () => {
  const workload = (generate: string) =>
    `generate:\n${generate}\n  mix:\n    - op: map\n      sizes: [4096]\n`;
  it('generate.count past the limit is a WorkloadFileError', () => {
    expect(() => parseWorkloadFile(workload('  count: 4294967296'), 'w.yaml')).toThrow(
      `w.yaml:2: generate.count: expected a whole number from 0 to ${MAX_WORKLOAD_COUNT}`,
    );
  });
  it('generate.inFlight past the limit is a WorkloadFileError', () => {
    expect(() => parseWorkloadFile(workload('  inFlight: 100000000'), 'w.yaml')).toThrow(
      `w.yaml:2: generate.inFlight: expected a whole number from 1 to ${MAX_IN_FLIGHT}`,
    );
  });
  it('--count past the limit is a usage error', () => {
    const r = cli([
      'run',
      join(exampleDir, 'example-soc.dts'),
      '--workload',
      'nvme',
      '--count',
      '4294967296',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--count must be a whole number from 0 to ${MAX_WORKLOAD_COUNT}`);
  });
});

describe('YAML with many keys', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n');
  it('20,000 distinct keys parse without the quadratic duplicate check', () => {
    const doc = parseYamlText(`${keys}\n`) as Record<string, number>;
    expect(Object.keys(doc).length).toBe(20_000);
    expect(doc.k19999).toBe(19_999);
  });
  it('a repeated key among them is still a typed error, with its offset', () => {
    expect(() => parsePlatformFile(`${keys}\nk5: 1\n`, 'p.yaml')).toThrow(
      /^p\.yaml: Map keys must be unique: "k5" at offset \d+$/,
    );
  });
});

describe('deeply nested YAML flow collections', () => {
  it('a million levels of [ end in a typed error naming the line, before the parser runs', () => {
    const text = `cmdline: x\nmemory: ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}\n`;
    expect(() => parsePlatformFile(text, 'p.yaml')).toThrow(
      /^p\.yaml: flow collections nested more than 1000 deep at line 2$/,
    );
  });
  it('100 levels still parse', () => {
    const value = parseYamlText(`a: ${'['.repeat(100)}1${']'.repeat(100)}\n`) as {
      a: unknown;
    };
    let depth = 0;
    for (let v: unknown = value.a; Array.isArray(v); v = v[0]) depth++;
    expect(depth).toBe(100);
  });
});

describe('a YAML flow mapping with tens of thousands of errors on one line', () => {
  // Minimised from fuzz seeds 13084600 and 13287588: a DTS source mutated to open with '{' reads
  // as a YAML flow mapping, and the library placed each of its errors by copying the 190 KB line
  // (60 s). Only the first error is reported, and only it is placed.
  it('ends in the first error, with its line', () => {
    const text = `{ ${'"a" "b" '.repeat(20_000)}\n`;
    expect(() => parsePlatformFile(text, 'p.yaml')).toThrow(
      /^p\.yaml: Missing , or : between flow map items at line 1$/,
    );
  });
});

describe('found by pnpm fuzz', () => {
  it('a /memreserve/ running past 2^64 is capped as memblock_reserve() caps it', () => {
    // Minimised from a mutated nvidia__tegra210-p2571.dtb (fuzz seed 3): the memory report built
    // the range's end without memblock_cap_size() and failed on a value over 64 bits.
    const dts = `/dts-v1/;\n/memreserve/ 0xffffffff00000000 0x200000000;\n/ { #address-cells = <2>; #size-cells = <2>; memory@0 { device_type = "memory"; reg = <0 0 0 0x40000000>; }; };\n`;
    const r = cli(['inspect', file('memreserve.dts', dts)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('  [mem 0xffffffff00000000-0xfffffffffffffffe] /memreserve/');
  });
});
