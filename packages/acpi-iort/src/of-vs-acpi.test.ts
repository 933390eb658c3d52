// Where the kernel's OF and ACPI paths disagree for the same firmware limit. The OF side is
// computed from the spec's formulas (§2.1, §2.4); the ACPI side runs this package.
import {
  type ArchDmaHooks,
  createDevice,
  getDmaMask,
  kernelRelease,
  type LegacyArchArgs,
  maskForEnd,
  U64_MAX,
} from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { acpiDmaConfigureId } from './acpi-dma.js';
import { readIort } from './iort-reader.js';
import { writeIort } from './iort-writer.js';

const NC = '\\_SB_.DEV0';
const ns = new Map([[NC, { path: NC, parent: null, cca: 1 as const, dma: null, crs: true }]]);

function acpiWithLimit(bits: number, mask: bigint, version: '6.10' | '6.7') {
  const table = readIort(
    writeIort({ nodes: [{ type: 'named-component', deviceName: NC, memoryAddressLimit: bits }] }),
  ).table;
  const dev = createDevice({ name: NC, bus: 'platform', fwNode: NC });
  dev.coherentDmaMask = mask;
  const calls: Array<LegacyArchArgs | undefined> = [];
  const arch: ArchDmaHooks = {
    arch: 'arm64',
    defaultCoherent: false,
    setupDmaOps: (_d, _c, legacy) => void calls.push(legacy),
  };
  acpiDmaConfigureId(dev, 'coherent', null, {
    table,
    ns,
    companion: NC,
    kernel: kernelRelease(version),
    arch,
  });
  return { dev, calls };
}

describe('OF vs ACPI for the same limit', () => {
  it('mask clipping: OF ANDs, ACPI takes the min (0x1_0000_0fff vs a 32-bit limit)', () => {
    const initial = 0x1_0000_0fffn;
    const end = 0xffff_ffffn; // dma-ranges (0, 0, 0x100000000) on OF; memory_address_limit 32 on ACPI
    const ofMask = initial & maskForEnd(end); // of_dma_configure_id(): coherent_dma_mask &= mask
    const acpiMask = initial < maskForEnd(end) ? initial : maskForEnd(end); // acpi_arch_dma_setup(): min()
    expect(ofMask).toBe(0xfffn);
    expect(acpiMask).toBe(0xffff_ffffn);
    const { dev } = acpiWithLimit(32, initial, '6.10');
    expect(dev.coherentDmaMask).toBe(acpiMask);
    expect(getDmaMask(dev)).toBe(acpiMask);
    expect(dev.busDmaLimit).toBe(end);
  });

  it('a mask below the limit: AND and min agree only when the mask is all-ones', () => {
    for (const initial of [0xffffn, 0xffff_ffffn, U64_MAX]) {
      const { dev } = acpiWithLimit(32, initial, '6.10');
      expect(dev.coherentDmaMask).toBe(initial & maskForEnd(0xffff_ffffn));
    }
  });

  it('6.7 arch hook arguments: OF passes the dma-ranges window, ACPI always (0, U64_MAX)', () => {
    // OF, §2.4 step 7 for dma-ranges (0, 0, 0x100000000): arch(0, 0x100000000).
    const ofLegacy = { dmaBase: 0n, size: 0x1_0000_0000n };
    const { calls } = acpiWithLimit(32, U64_MAX, '6.7');
    expect(calls).toEqual([{ dmaBase: 0n, size: U64_MAX, iommu: false }]);
    expect(calls[0]!.size).not.toBe(ofLegacy.size);
  });

  it('limit 64 bits: OF dma-ranges covering 2^64 ends at ~0-1 in 6.10 (§8 3), ACPI at ~0', () => {
    // OF N for dma-ranges (0, 0, 0xffffffffffffffff): end = dma_range_map_max = 0xfffffffffffffffe.
    const ofEnd = 0xffff_ffff_ffff_fffen;
    const { dev } = acpiWithLimit(64, U64_MAX, '6.10');
    expect(dev.busDmaLimit).toBe(U64_MAX);
    expect(dev.busDmaLimit).not.toBe(ofEnd);
  });
});
