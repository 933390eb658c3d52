import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { cli } from '../test-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmasim-report-'));

function report(file: string, out: string, ...extra: string[]): string {
  const run = cli(['report', file, '-o', out, ...extra]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return readFileSync(out, 'utf8');
}

describe('dmasim report', () => {
  it.skipIf(!hasCorpus)('writes one self-contained page for the Raspberry Pi 4 blob', () => {
    const html = report(
      join(corpusDir, 'dtb/broadcom__bcm2711-rpi-4-b.dtb'),
      join(dir, 'rpi4.html'),
    );
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    // Every device has its row with its range map; the SoC's 30-bit window is one of them.
    const rows = html.match(/<tr data-device="[^"]+">/g) ?? [];
    const inspect = JSON.parse(
      cli(['inspect', join(corpusDir, 'dtb/broadcom__bcm2711-rpi-4-b.dtb'), '--json']).stdout,
    ) as { devices: { path: string }[] };
    expect(rows.length).toBe(inspect.devices.length);
    expect(html).toContain('<tr data-device="/soc/dma-controller@7e007000">');
    expect(html).toContain('dma 0xc0000000 &rarr; cpu 0x0 size 0x40000000');
  });

  it("--memory replaces an ACPI platform's UEFI memory map, as it replaces a device tree's", () => {
    const boxes = (html: string) =>
      html.match(/class="(ram|zone [a-z0-9-]+)" data-start="0x[0-9a-f]+" data-end="0x[0-9a-f]+"/g);
    const acpi = join(exampleDir, 'qemu-virt-acpi.platform.yaml');
    expect(boxes(report(acpi, join(dir, 'acpi.html')))).toEqual([
      'class="ram" data-start="0x40000000" data-end="0xbfffffff"',
      'class="zone zone-dma" data-start="0x40000000" data-end="0x7fffffff"',
      'class="zone zone-dma32" data-start="0x80000000" data-end="0xbfffffff"',
    ]);
    const oneGig = ['--memory', '0x40000000:1G'];
    expect(boxes(report(acpi, join(dir, 'acpi-1g.html'), ...oneGig))).toEqual([
      'class="ram" data-start="0x40000000" data-end="0x7fffffff"',
      'class="zone zone-dma" data-start="0x40000000" data-end="0x7fffffff"',
    ]);
    const soc = join(exampleDir, 'example-soc.dts');
    expect(boxes(report(soc, join(dir, 'soc-1g.html'), ...oneGig))?.[0]).toBe(
      'class="ram" data-start="0x40000000" data-end="0x7fffffff"',
    );
  });

  it('draws each dma-ranges window of the example SoC', () => {
    const html = report(join(exampleDir, 'example-soc.dts'), join(dir, 'soc.html'));
    expect(html).toContain(
      'data-dma-start="0xc0000000" data-cpu-start="0x0" data-size="0x40000000"',
    );
    expect(html).toContain('data-dma-start="0x0" data-cpu-start="0x0" data-size="0xffffffff"');
    expect(html).toContain('translation of DMA address(0) to CPU address failed');
    expect(html).toContain('data-figure="iova-group-0"');
  });

  it('wants an output file', () => {
    const run = cli(['report', join(exampleDir, 'example-soc.dts')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dmasim report FILE -o report.html');
  });
});
