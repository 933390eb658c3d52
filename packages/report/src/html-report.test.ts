import { describe, expect, it } from 'vitest';
import { deviceDiffHtml, renderReportHtml } from './html-report.js';
import type { PlatformView, ViewDevice } from './platform-view.js';

const soc: ViewDevice = {
  path: '/soc/dma@7e007000',
  bus: 'platform',
  ret: 0,
  rangeMap: [{ cpuStart: '0x0', dmaStart: '0xc0000000', size: '0x40000000' }],
  busDmaLimit: '0xffffffff',
  dmaMask: '0xffffffff',
  coherentDmaMask: '0xffffffff',
  coherent: false,
  iommu: null,
  log: [{ level: 'err', msg: '<script>alert(1)</script>' }],
};

const view: PlatformView = {
  source: 'board.dts',
  kernel: '6.12',
  arch: 'arm64',
  devices: [soc],
  memory: {
    ram: [{ start: '0x0', end: '0x7fffffff' }],
    zones: [{ name: 'DMA', start: '0x0', end: '0x3fffffff' }],
    swiotlb: { start: '0x3c000000', size: '0x4000000', nslabs: 32768 },
  },
  iommuGroups: [],
  log: [],
};

describe('renderReportHtml', () => {
  const html = renderReportHtml(view, []);

  it('is one self-contained document: inline SVG and CSS, no script, no URL', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html.match(/<svg/g)?.length).toBe(2);
    expect(html).not.toMatch(/https?:|<script|<link|<img/);
    // Firmware and log text is escaped.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('labels each window with its exact bus and CPU addresses', () => {
    expect(html).toContain(
      'data-window="0" data-dma-start="0xc0000000" data-cpu-start="0x0" data-size="0x40000000"',
    );
    expect(html).toContain('window 0: bus 0xc0000000-0xffffffff -&gt; CPU 0x0-0x3fffffff');
    expect(html).toContain('RAM reach');
    expect(html).toMatch(/class="noreach" data-start="0x40000000" data-end="0x7fffffff"/);
  });

  it('draws a before/after pair side by side', () => {
    const after = { ...soc, busDmaLimit: '0x3fffffff' };
    const diff = deviceDiffHtml(
      { label: '6.7', device: soc, memory: view.memory },
      { label: '6.12', device: after, memory: view.memory },
    );
    expect(diff.match(/<svg/g)?.length).toBe(2);
    expect(diff).toContain('bus limit 0x3fffffff');
  });
});
