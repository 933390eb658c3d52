import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIort } from '@dmasim/acpi-iort';
import type { Finding } from '@dmasim/report';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { parseIortSpec } from '../iort-spec.js';
import { cli } from '../test-cli.js';

const bad = join(exampleDir, 'bad');

interface LintJson {
  kernel: string;
  files: { file: string; findings: Finding[] }[];
}

function lint(...argv: string[]): { code: number; json: LintJson } {
  const out = cli(['lint', ...argv, '--json']);
  expect(out.stderr).toBe('');
  return { code: out.code, json: JSON.parse(out.stdout) as LintJson };
}

/** The one planted mistake of each bad example: rule, severity and where it is. */
const PLANTED: [file: string, rule: string, severity: string, where: string][] = [
  ['size-as-mask.dts', 'size-as-mask', 'warning', '/soc'],
  ['untranslatable.dts', 'untranslatable-dma-ranges', 'error', '/soc/bus@40000000'],
  ['chain-broken.dts', 'dma-ranges-chain-broken', 'error', '/soc/bridge@10000000'],
  ['window-without-ram.dts', 'dma-window-excludes-ram', 'error', '/soc'],
  ['coherent-mismatch.dts', 'dma-coherent-mismatch', 'warning', '/soc/eth@2000'],
  ['iommu-map-gap.dts', 'iommu-map-unmapped-rids', 'warning', '/pcie@10000000'],
  ['iommus-disabled.dts', 'iommu-disabled', 'warning', '/soc/gpu@3000'],
  ['nc-limit-zero.iort.yaml', 'iort-memory-limit-zero', 'warning', 'IORT+0xa0'],
  ['rc-revision0-limit.iort.yaml', 'iort-rc-revision0-limit', 'warning', 'IORT+0xa0'],
  ['rmr-unaligned.iort.yaml', 'iort-rmr-unaligned', 'warning', 'IORT+0xd0'],
  ['smmu-single-mapping.iort.yaml', 'iort-single-mapping-on-smmu', 'error', 'IORT+0xa0'],
  ['id-mapping-overlap.iort.yaml', 'iort-id-mapping-overlap', 'error', 'IORT+0xd8'],
];

/** The table bytes a spec builds, to check an offset names what the finding says it does. */
function tableBytes(file: string): DataView {
  const spec = parseIortSpec(readFileSync(join(bad, file), 'utf8'), file);
  const bytes = writeIort(spec);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const offsetOf = (where: string) => Number.parseInt(where.slice('IORT+'.length), 16);

describe('dmasim lint on the bad examples', () => {
  it.each(PLANTED)('%s: one finding, %s at the planted place', (file, rule, severity, where) => {
    const { code, json } = lint(join(bad, file));
    const findings = json.files[0]!.findings;
    expect(findings.map((f) => [f.rule, f.severity, f.where])).toEqual([[rule, severity, where]]);
    expect(code).toBe(severity === 'error' ? 1 : 0);
    expect(findings[0]!.cost).not.toBe('');
    expect(findings[0]!.fix).not.toBe('');
  });

  it('IORT offsets point at the node, mapping or descriptor in the built table', () => {
    // A named component node: type byte 1.
    expect(tableBytes('nc-limit-zero.iort.yaml').getUint8(0xa0)).toBe(1);
    // A root complex node (type 2) of revision 0.
    const rc = tableBytes('rc-revision0-limit.iort.yaml');
    expect([rc.getUint8(0xa0), rc.getUint8(0xa0 + 3)]).toEqual([2, 0]);
    // The RMR descriptor's 64-bit base.
    expect(tableBytes('rmr-unaligned.iort.yaml').getBigUint64(0xd0, true)).toBe(0xb0001000n);
    // The SINGLE mapping: input base 0x100, flags 1 (at +16).
    const smmu = tableBytes('smmu-single-mapping.iort.yaml');
    expect([smmu.getUint32(0xa0, true), smmu.getUint32(0xa0 + 16, true)]).toEqual([0x100, 1]);
    // The second, overlapping mapping: input base 0x80.
    expect(tableBytes('id-mapping-overlap.iort.yaml').getUint32(0xd8, true)).toBe(0x80);
    expect(offsetOf('IORT+0xd8')).toBe(0xd8);
  });

  it('gives the kernel messages the kernel prints for them', () => {
    const single = lint(join(bad, 'smmu-single-mapping.iort.yaml')).json.files[0]!.findings[0]!;
    expect(single.kernelMessage).toBe(
      '[Firmware Bug]: [map 0xa0] SINGLE MAPPING flag not allowed for node type 4, skipping ID map',
    );
    const untranslatable = lint(join(bad, 'untranslatable.dts')).json.files[0]!.findings[0]!;
    expect(untranslatable.kernelMessage).toBe(
      'translation of DMA address(0) to CPU address failed node(/soc/bus@40000000)',
    );
    expect(untranslatable.devices).toEqual(['/soc/bus@40000000/crypto@0']);
  });

  it('takes several paths and directories, and exits 1 when any file has an error', () => {
    const { code, json } = lint(bad, join(exampleDir, 'example-pair.dts'));
    expect(json.files.map((f) => f.file.split('/').at(-1))).toEqual([
      ...PLANTED.map(([file]) => file).sort(),
      'example-pair.dts',
    ]);
    expect(code).toBe(1);
  });
});

describe('dmasim lint on the bundled examples', () => {
  it('finds no error on the good examples', () => {
    const { code, json } = lint(
      join(exampleDir, 'example-pair.dts'),
      join(exampleDir, 'example-pair.platform.yaml'),
      join(exampleDir, 'example-acpi.platform.yaml'),
      join(exampleDir, 'example-acpi.iort.bin'),
    );
    expect(json.files.flatMap((f) => f.findings).filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
    // example-acpi's own planted firmware bug is one the kernel tolerates: a warning.
    const acpi = json.files[2]!.findings;
    expect(acpi.map((f) => [f.rule, f.where])).toEqual([['iort-memory-limit-zero', 'IORT+0x114']]);
  });

  it('reports the example SoC untranslatable bus and the ZONE_DMA it costs', () => {
    const { code, json } = lint(join(exampleDir, 'example-soc.dts'));
    const findings = json.files[0]!.findings;
    const bus = findings.find((f) => f.rule === 'untranslatable-dma-ranges')!;
    expect(bus.where).toBe('/soc/bus@7e800000');
    expect(bus.severity).toBe('error');
    expect(bus.cost).toContain(`ZONE_DMA shrinks to 0x0-0xfffefff under ${json.kernel}`);
    expect(findings.find((f) => f.rule === 'size-as-mask')?.where).toBe('/bus@fe000000');
    expect(code).toBe(1);
  });

  it.skipIf(!hasCorpus)('finds no error on QEMU virt blobs and IORT tables', () => {
    const files = ['qemu__virt.dtb', 'qemu__virt-smmuv3.dtb', 'qemu__virt-virtio-iommu.dtb'].map(
      (f) => join(corpusDir, 'dtb', f),
    );
    const iort = ['qemu-virt.iort.bin', 'qemu-virt-smmuv3.iort.bin'].map((f) =>
      join(corpusDir, 'iort', f),
    );
    const { code, json } = lint(...files, ...iort);
    expect(json.files.flatMap((f) => f.findings).filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
    // QEMU's IORT has the off-by-one ID count the kernel works around.
    const smmuv3 = json.files[4]!.findings;
    expect(smmuv3.map((f) => [f.rule, f.severity, f.kernelMessage])).toEqual([
      [
        'iort-id-mapping-overlap',
        'warning',
        '[Firmware Bug]: [map 0xd8] conflicting mapping for input ID 0x200',
      ],
    ]);
  });
});
