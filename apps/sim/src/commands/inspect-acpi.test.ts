// `dmasim inspect` on ACPI inputs, through main() as a user runs it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { inspectDeviceKeys } from '../test-boot.js';
import { cli } from '../test-cli.js';

afterEach(() => vi.restoreAllMocks());

const platform = resolve(exampleDir, 'example-acpi.platform.yaml');

describe('dmasim inspect on ACPI inputs', () => {
  it('the bundled ACPI example: the table, then the FW_BUG warning', () => {
    const r = cli(['inspect', platform]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('arch: arm64');
    expect(lines[1]).toMatch(
      /^DEVICE +BUS +RET +DMA MASK +COHERENT MASK +BUS LIMIT +COHERENT +IOMMU/,
    );
    expect(lines.find((l) => l.startsWith('\\_SB_.DMA0 '))).toMatch(
      /^\\_SB_\.DMA0 +platform +0 +0xffffffff +0xffffffff +0xffffffff +yes +iort@0x48 \[0x20\] group 0 DMA iova 0x1000-0xffffffff +-$/,
    );
    expect(r.stdout).toContain(
      'kernel messages:\n\\_SB_.ETH0: warn: [Firmware Bug]: Named component missing memory address limit\n',
    );
  });

  it('--json has exactly the device-tree report shape', () => {
    const r = cli(['inspect', platform, '--json', '--pci', '0:00:02.0']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { arch: string; devices: Record<string, unknown>[] };
    expect(Object.keys(report).sort()).toEqual(['arch', 'devices', 'schema']);
    for (const d of report.devices) {
      expect(Object.keys(d).sort()).toEqual(inspectDeviceKeys(d));
      expect(d).not.toHaveProperty('node'); // no device tree: no node
    }
    expect(report.devices.find((d) => d.path === 'pci:0000:00:02.0')).toMatchObject({
      rid: '0x10',
      iommu: { node: 'iort@0x48', ids: ['0x10010'] },
    });
  });

  it('the IORT spec YAML directly: its default platform', () => {
    const r = cli(['inspect', resolve(exampleDir, 'example-acpi.iort.yaml'), '--json']);
    const report = JSON.parse(r.stdout) as { devices: { path: string }[] };
    expect(report.devices.map((d) => d.path)).toEqual([
      'iort@0x48',
      '\\_SB_.DMA0',
      '\\_SB_.ETH0',
      'pci:0000:00:00.0',
    ]);
  });

  it.skipIf(!hasCorpus)('an IORT binary from the corpus, replayed as Linux 6.7', () => {
    const r = cli([
      'inspect',
      resolve(corpusDir, 'iort', 'qemu-virt-smmuv3.iort.bin'),
      '--kernel',
      '6.7',
      '--json',
    ]);
    const report = JSON.parse(r.stdout) as { devices: { path: string; busDmaLimit: string }[] };
    expect(report.devices.find((d) => d.path === 'pci:0000:00:00.0')?.busDmaLimit).toBe(
      '0xfffffffffffffffe',
    );
  });

  it('usage errors exit 2: a DT-style --pci, an arch without the ACPI path', () => {
    const pci = cli(['inspect', platform, '--pci', '/pcie@0:00:01.0']);
    expect(pci.code).toBe(2);
    expect(pci.stderr).toContain('--pci wants SEGMENT:BB:DD.F');
    const arch = cli(['inspect', platform, '--arch', 'riscv']);
    expect(arch.code).toBe(2);
    expect(arch.stderr).toBe(
      'dmasim inspect: --arch riscv: the ACPI path models arm64 and loongarch\nusage: dmasim inspect PATH... [options]\n',
    );
  });

  it('table-wide kernel messages (a bad checksum) head the text output', () => {
    const bytes = new Uint8Array(readFileSync(resolve(exampleDir, 'example-acpi.iort.bin')));
    bytes[9] = (bytes[9]! + 1) & 0xff;
    const bad = join(mkdtempSync(join(tmpdir(), 'dmasim-inspect-')), 'badsum.bin');
    writeFileSync(bad, bytes);
    const r = cli(['inspect', bad]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^IORT: warn: .*\n\narch: arm64\n/);
  });

  it('a bad platform file exits 1 naming the field', () => {
    const r = cli(['inspect', resolve(exampleDir, 'qemu-virt.platform.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /PlatformFileError: .*qemu-virt\.platform\.yaml:4: pci\[0\]\.host: expected the host bridge's full ACPI path/,
    );
  });
});
