import type { KernelLog } from '@dmasim/dma-mapping';
import { describe, expect, it } from 'vitest';
import { cmdlineParams, kstrtobool, parseIommuCmdline } from './cmdline.js';
import { iommuSubsysInit } from './default-domain.js';

describe('kernel command line', () => {
  it('splits words, keeps quoted spaces, stops at --', () => {
    expect(cmdlineParams('  quiet root="/dev/my disk" iommu.strict=0 -- iommu.strict=1')).toEqual([
      { name: 'quiet', value: null },
      { name: 'root', value: '/dev/my disk' },
      { name: 'iommu.strict', value: '0' },
    ]);
  });

  it('kstrtobool takes the first character (and on/off)', () => {
    expect(['1', 'y', 'Y', 'yes', 't', 'true', 'on', 'On'].map(kstrtobool)).toEqual(
      Array(8).fill(true),
    );
    expect(['0', 'n', 'N', 'no', 'f', 'false', 'off'].map(kstrtobool)).toEqual(
      Array(7).fill(false),
    );
    expect(['', 'maybe', 'o', '2'].map(kstrtobool)).toEqual([null, null, null, null]);
  });

  it('iommu.strict=t gives strict DMA domains; a malformed value warns and keeps the default', () => {
    const log: KernelLog = [];
    const strict = iommuSubsysInit(parseIommuCmdline('iommu.strict=t'), log);
    expect(strict).toEqual({ defaultType: 'DMA', strict: true });
    expect(log.at(-1)?.msg).toBe(
      'iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)',
    );
    const lazy = iommuSubsysInit(parseIommuCmdline('iommu.strict=0'), []);
    expect(lazy.defaultType).toBe('DMA-FQ');
    const badLog: KernelLog = [];
    const bad = iommuSubsysInit(
      { ...parseIommuCmdline('iommu.strict=maybe'), configDefaultDmaStrict: false },
      badLog,
    );
    expect(badLog[0]).toEqual({ level: 'warn', msg: "Malformed early option 'iommu.strict'" });
    expect(bad.defaultType).toBe('DMA-FQ');
  });

  it('the last iommu.* word wins; forcedac is read too', () => {
    expect(parseIommuCmdline('iommu.passthrough=1 iommu.passthrough=0 iommu.forcedac=1')).toEqual({
      passthrough: '0',
      forcedac: '1',
    });
  });
});
