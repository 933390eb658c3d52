import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir, exampleDir, hasCorpus } from '../corpus.js';
import { cli } from '../test-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmasim-report-'));

function report(file: string, out: string): string {
  const run = cli(['report', file, '-o', out]);
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
