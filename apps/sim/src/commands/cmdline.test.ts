// Must-show: the kernel command line reaches the machine from --cmdline and from the platform file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { cli } from '../test-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmasim-cmdline-'));
const platformFile = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe.skipIf(!hasCorpus)('--cmdline', () => {
  const blob = resolve(corpusDir, 'dtb', 'qemu__virt-smmuv3.dtb');
  const platform = resolve(exampleDir, 'qemu-virt.platform.yaml');

  it('iommu.strict=t gives strict DMA domains', () => {
    const r = cli(['iommu', 'groups', blob, '--platform', platform, '--cmdline', 'iommu.strict=t']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'info: iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)',
    );
    expect(r.stdout.match(/ {2}type: .*/g)).toEqual(['  type: DMA', '  type: DMA', '  type: DMA']);
    const lazy = cli([
      'iommu',
      'groups',
      blob,
      '--platform',
      platform,
      '--cmdline',
      'iommu.strict=0',
    ]);
    expect(lazy.stdout.match(/ {2}type: .*/g)).toEqual([
      '  type: DMA-FQ',
      '  type: DMA-FQ',
      '  type: DMA-FQ',
    ]);
  });

  it('a malformed value warns as the kernel does, and the command goes on', () => {
    const r = cli(['iommu', 'groups', blob, '--platform', platform, '--cmdline', 'iommu.strict=x']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("warn: Malformed early option 'iommu.strict'");
  });
});

describe("the platform file's cmdline", () => {
  const soc = resolve(exampleDir, 'example-soc.dts');

  it('swiotlb=1024 gives a 2 MB pool in inspect (64 MB without it)', () => {
    const plain = cli(['inspect', soc]);
    expect(plain.stdout).toMatch(
      /software IO TLB: mapped \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\] \(64MB\)/,
    );
    const file = platformFile('swiotlb.platform.yaml', 'cmdline: "swiotlb=1024"\n');
    const r = cli(['inspect', soc, '--platform', file, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { memory: { swiotlb: { size: string; nslabs: number } } };
    expect(json.memory.swiotlb).toMatchObject({ size: '0x200000', nslabs: 1024 });
    expect(cli(['inspect', soc, '--platform', file]).stdout).toMatch(/\(2MB\)/);
  });
});
