import { type IortTableInput, readIort, writeIort } from '@dmasim/acpi-iort';
import { describe, expect, it } from 'vitest';
import { lintIort } from './lint-iort.js';

function tableWithRcMappings(mappings: { inputBase: number; idCount: number }[]) {
  const spec: IortTableInput = {
    revision: 5,
    nodes: [
      { type: 'its-group', name: 'its', identifiers: [0] },
      {
        type: 'root-complex',
        name: 'rc',
        revision: 3,
        memoryAddressLimit: 48,
        mappings: mappings.map((m, i) => ({
          ...m,
          outputBase: i * 0x1000,
          outputReference: 'its',
        })),
      },
    ],
  } as IortTableInput;
  return readIort(writeIort(spec)).table;
}

describe('lintIort: overlapping ID mappings', () => {
  it('an id_count written as the count is the off-by-one the kernel works around', () => {
    const findings = lintIort(
      tableWithRcMappings([
        { inputBase: 0, idCount: 0x100 },
        { inputBase: 0x100, idCount: 0xff },
      ]),
      { kernel: '6.12' },
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.kernelMessage).toMatch(/conflicting mapping for input ID 0x100$/);
    expect(findings[0]!.fix).toContain('id_count 0xff');
  });

  it('a real overlap is an error the kernel does not print', () => {
    const findings = lintIort(
      tableWithRcMappings([
        { inputBase: 0, idCount: 0xff },
        { inputBase: 0x10, idCount: 0xf },
      ]),
      { kernel: '6.12' },
    );
    expect(findings.map((f) => [f.severity, f.kernelMessage])).toEqual([['error', null]]);
    expect(findings[0]!.summary).toContain('IDs 0x10-0x1f');
  });

  it('disjoint mappings are fine', () => {
    const table = tableWithRcMappings([
      { inputBase: 0, idCount: 0xff },
      { inputBase: 0x100, idCount: 0xff },
    ]);
    expect(lintIort(table, { kernel: '6.12' })).toEqual([]);
  });
});
