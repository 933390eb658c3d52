import type { KernelLog } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { createOfContext } from './of-context.js';
import { ofMapId } from './of-map-id.js';
import { dt } from './test-tree.js';

const tree = (extra: Record<string, number[]>) =>
  createOfContext(
    dt({
      'smmu@0': { phandle: [1] },
      'its@0': { phandle: [2] },
      'pcie@0': extra,
    }),
  );

describe('of_map_id (§3.2)', () => {
  it('maps into the matching entry and reports its node (E-29)', () => {
    const ctx = tree({ 'iommu-map': [0x0, 1, 0x10000, 0x100] });
    const np = ctx.byPath.get('/pcie@0')!;
    const hit = ofMapId(ctx, np, 0x42, 'iommu-map', 'iommu-map-mask', 'want');
    expect(hit.ret).toBe(0);
    expect(hit.target?.path).toBe('/smmu@0');
    expect(hit.id).toBe(0x10042);
  });

  it('no match bypasses translation: 0, target NULL, id unchanged, pr_info (E-29)', () => {
    const ctx = tree({ 'iommu-map': [0x0, 1, 0x10000, 0x100] });
    const log: KernelLog = [];
    const miss = ofMapId(
      ctx,
      ctx.byPath.get('/pcie@0')!,
      0x142,
      'iommu-map',
      'iommu-map-mask',
      'want',
      true,
      log,
    );
    expect(miss).toEqual({ ret: 0, target: null, id: 0x142 });
    expect(log).toEqual([
      { level: 'info', msg: '/pcie@0: no iommu-map translation for id 0x142 on (null)' },
    ]);
  });

  it('applies the mask before matching; a mask that drops id-base bits is -EFAULT (E-30)', () => {
    const masked = tree({ 'iommu-map': [0x0, 1, 0x100, 0x10], 'iommu-map-mask': [0x7] });
    expect(
      ofMapId(masked, masked.byPath.get('/pcie@0')!, 0xff, 'iommu-map', 'iommu-map-mask', 'want')
        .id,
    ).toBe(0x107);
    const bad = tree({ 'iommu-map': [0x8, 1, 0x0, 0x8], 'iommu-map-mask': [0x7] });
    const log: KernelLog = [];
    expect(
      ofMapId(
        bad,
        bad.byPath.get('/pcie@0')!,
        0x8,
        'iommu-map',
        'iommu-map-mask',
        'want',
        true,
        log,
      ).ret,
    ).toBe(-14);
    expect(log).toEqual([
      {
        level: 'err',
        msg: '/pcie@0: Invalid iommu-map translation - iommu-map-mask (0x7) ignores id-base (0x8)',
      },
    ]);
  });

  it('a length that is zero or not a multiple of 16 bytes is -EINVAL with pr_err (E-31)', () => {
    for (const cells of [[0x0, 1, 0x0], []]) {
      const ctx = tree({ 'iommu-map': cells });
      const log: KernelLog = [];
      expect(
        ofMapId(ctx, ctx.byPath.get('/pcie@0')!, 0, 'iommu-map', null, 'want', true, log).ret,
      ).toBe(-22);
      expect(log[0]!.msg).toBe(`/pcie@0: Error: Bad iommu-map length: ${cells.length * 4}`);
    }
  });

  it('absent map: -ENODEV when a target is wanted, pass-through otherwise; bad arguments -EINVAL', () => {
    const ctx = tree({});
    const np = ctx.byPath.get('/pcie@0')!;
    expect(ofMapId(ctx, np, 5, 'msi-map', 'msi-map-mask', 'want').ret).toBe(-19);
    expect(ofMapId(ctx, np, 5, 'msi-map', 'msi-map-mask', 'none')).toEqual({
      ret: 0,
      target: null,
      id: 5,
    });
    expect(ofMapId(ctx, null, 5, 'msi-map', null, 'want').ret).toBe(-22);
    expect(ofMapId(ctx, np, 5, 'msi-map', null, 'none', false).ret).toBe(-22);
  });

  it('a preset target skips entries for other nodes; an unresolvable phandle is -ENODEV', () => {
    const ctx = tree({ 'msi-map': [0x0, 1, 0x1000, 0x10, 0x0, 2, 0x2000, 0x10] });
    const np = ctx.byPath.get('/pcie@0')!;
    const its = ctx.byPath.get('/its@0')!;
    expect(ofMapId(ctx, np, 3, 'msi-map', null, its).id).toBe(0x2003);
    const dangling = tree({ 'iommu-map': [0x0, 9, 0x0, 0x10] });
    expect(
      ofMapId(dangling, dangling.byPath.get('/pcie@0')!, 1, 'iommu-map', null, 'want').ret,
    ).toBe(-19);
  });

  it('compares the range end in u32 arithmetic (id-base + length wraps)', () => {
    const ctx = tree({ 'iommu-map': [0xfffffff0, 1, 0x0, 0x20] });
    // 0xfffffff0 + 0x20 wraps to 0x10: nothing is ever below it and >= the base.
    expect(
      ofMapId(ctx, ctx.byPath.get('/pcie@0')!, 0xfffffff5, 'iommu-map', null, 'want').target,
    ).toBeNull();
  });
});
