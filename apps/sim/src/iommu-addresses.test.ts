// Issue 9, must-show 1: DT iommu-addresses on QEMU virt with SMMUv3, seen through
// `dmasim iommu groups` and `dmasim iommu map`; and the bundled iommu-addresses example.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { iommuIovaToPhys } from '@dmasim/iommu-core';
import { bootMachine } from '@dmasim/machine';
import { parseDts } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { iommuCommand } from './commands/iommu.js';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { parsePlatformFile } from './platform-file.js';
import { commandArgs } from './test-cli.js';

const run = (argv: string[]) => iommuCommand(commandArgs('iommu', argv));
const platform = resolve(exampleDir, 'qemu-virt.platform.yaml');

// DT child nodes for 00:01.0 and 00:02.0 (reg phys.hi = devfn << 8), a reserved-memory region
// with reg 0xb0000000 (1 MiB) mapped 1:1 for 00:01.0, and a reg-less region reserving
// 0x20000000 (256 MiB) for both. The PCI children's addresses use the host bridge's 3/2 cells.
const FRAGMENT = `
&{/pcie@10000000} {
	nic: ethernet@1,0 {
		reg = <0x800 0x0 0x0 0x0 0x0>;
		memory-region = <&boot_buf>, <&keep_out>;
	};
	nvme: nvme@2,0 {
		reg = <0x1000 0x0 0x0 0x0 0x0>;
		memory-region = <&keep_out>;
	};
};

/ {
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;

		boot_buf: buffer@b0000000 {
			reg = <0x0 0xb0000000 0x0 0x100000>;
			iommu-addresses = <&nic 0x02000000 0x0 0xb0000000 0x0 0x100000>;
		};

		keep_out: keep-out {
			iommu-addresses = <&nic 0x02000000 0x0 0x20000000 0x0 0x10000000>,
					  <&nvme 0x02000000 0x0 0x20000000 0x0 0x10000000>;
		};
	};
};
`;

function virtWithIommuAddresses(): string {
  const base = readFileSync(resolve(corpusDir, 'dts', 'qemu__virt-smmuv3.dts'), 'utf8');
  const file = join(mkdtempSync(join(tmpdir(), 'dmasim-')), 'virt-iommu-addresses.dts');
  writeFileSync(file, `${base}\n${FRAGMENT}`);
  return file;
}

const MSI = '    0x0000000008000000 0x00000000080fffff msi';
const RESERVED = '    0x0000000020000000 0x000000002fffffff reserved';
const DIRECT = '    0x00000000b0000000 0x00000000b00fffff direct';

describe.skipIf(!hasCorpus)(
  'iommu-addresses on QEMU virt with SMMUv3 (issue 9, must-show 1)',
  () => {
    const file = hasCorpus ? virtWithIommuAddresses() : '';

    it('dmasim iommu groups prints the msi, reserved and direct lines per group', () => {
      const lines = String(run(['groups', file, '--platform', platform]).text).split('\n');
      const group = (n: number) => {
        const at = lines.findIndex((l) => l.startsWith(`group ${n} `));
        const end = lines.findIndex((l, i) => i > at && l.startsWith('group '));
        return lines.slice(at, end < 0 ? undefined : end);
      };
      expect(group(0)).toEqual([
        'group 0 (/smmuv3@9050000): 0000:00:01.0',
        '  type: DMA',
        '  reserved_regions:',
        MSI,
        RESERVED,
        DIRECT,
      ]);
      expect(group(1)).toEqual([
        'group 1 (/smmuv3@9050000): 0000:00:02.0',
        '  type: DMA',
        '  reserved_regions:',
        MSI,
        RESERVED,
      ]);
      expect(group(2)).toEqual([
        'group 2 (/smmuv3@9050000): 0000:00:03.0 0000:01:00.0',
        '  type: DMA',
        '  reserved_regions:',
        MSI,
      ]);
    });

    it('IOVA maps never land in the reserved or direct windows', () => {
      // 256 MiB buffers, size-aligned, from the top of the 32-bit space down: the top slot holds
      // the MSI doorbell page (0xfffff000), 0xb0000000 is skipped (direct), and below 0x40000000
      // lie the PCI window and the keep-out.
      const out = run([
        'map',
        file,
        'pci:0000:00:01.0',
        '--size',
        '0x10000000',
        '--count',
        '11',
        '--mask',
        '32',
        '--platform',
        platform,
      ]);
      const iovas = (out.json as { iovas: string[] }).iovas;
      expect(iovas).toEqual([
        '0xe0000000',
        '0xd0000000',
        '0xc0000000',
        '0xa0000000',
        '0x90000000',
        '0x80000000',
        '0x70000000',
        '0x60000000',
        '0x50000000',
        '0x40000000',
        'DMA_MAPPING_ERROR',
      ]);
      const windows: [bigint, bigint][] = [
        [0x2000_0000n, 0x2fff_ffffn],
        [0xb000_0000n, 0xb00f_ffffn],
      ];
      for (const iova of iovas.filter((i) => i.startsWith('0x')).map(BigInt)) {
        for (const [lo, hi] of windows) expect(iova + 0x1000_0000n <= lo || iova > hi).toBe(true);
      }
    });

    it('the direct region is identity-mapped when the default domain attaches', () => {
      const tree = parseDts(readFileSync(file, 'utf8'));
      const machine = bootMachine(
        { kind: 'device-tree', tree },
        { platform: parsePlatformFile(readFileSync(platform, 'utf8')) },
      );
      const nic = machine.devices.find((d) => d.path === 'pci:0000:00:01.0')!;
      const domain = nic.group!.defaultDomain!;
      expect(iommuIovaToPhys(domain, 0xb000_0000n)).toBe(0xb000_0000n);
      expect(iommuIovaToPhys(domain, 0xb00f_f000n)).toBe(0xb00f_f000n);
      expect(iommuIovaToPhys(domain, 0xb010_0000n)).toBeNull();
    });
  },
);

describe('the bundled iommu-addresses example', () => {
  const file = resolve(exampleDir, 'iommu-addresses.dts');

  it('the display controller gets the keep-out and the boot framebuffer; the DMA engine does not', () => {
    expect(String(run(['groups', file]).text).split('\n')).toEqual([
      'info: iommu: Default domain type: Translated',
      'info: iommu: DMA domain TLB invalidation policy: strict mode',
      'group 0 (/iommu@2b400000): 2c000000.display-controller',
      '  type: DMA',
      '  reserved_regions:',
      '    0x0000000000000000 0x0000000000ffffff reserved',
      MSI,
      '    0x00000000fc000000 0x00000000fc7fffff direct',
      'group 1 (/iommu@2b400000): 2d000000.dma-controller',
      '  type: DMA',
      '  reserved_regions:',
      MSI,
    ]);
  });

  it('iommufd ranges leave out all three regions', () => {
    const json = run(['iova-ranges', file]).json as {
      groups: { vfio: { start: string; end: string }[] }[];
    };
    expect(json.groups[0]!.vfio).toEqual([
      { start: '0x1000000', end: '0x7ffffff' },
      { start: '0x8100000', end: '0xfbffffff' },
      { start: '0xfc800000', end: '0xffffffffffff' },
    ]);
  });
});
