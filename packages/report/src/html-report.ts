// The report as one self-contained HTML document: inline CSS and SVG, no script, no URL.
import { drawCpuMap } from './draw-cpu-map.js';
import { drawDevice } from './draw-device.js';
import { drawIovaSpace } from './draw-iova.js';
import type { Finding } from './finding.js';
import type { PlatformView, ViewDevice, ViewMemory } from './platform-view.js';
import { isTranslated } from './reach.js';
import { escapeXml as esc } from './svg.js';

export const REPORT_CSS = `
.dmasim-report { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; }
.dmasim-report h1 { font-size: 20px; } .dmasim-report h2 { font-size: 17px; margin-top: 28px; }
.dmasim-report table { border-collapse: collapse; margin: 8px 0; font-size: 12px; }
.dmasim-report th, .dmasim-report td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; }
.dmasim-report td.hex, .dmasim-report code { font-family: ui-monospace, monospace; }
.dmasim-report tr.selected { background: #fff8c5; }
.dmasim-report .sev-error { color: #b42318; font-weight: bold; } .dmasim-report .sev-warning { color: #9a6700; font-weight: bold; } .dmasim-report .sev-info { color: #0969da; }
.dmasim-report .log-err { color: #b42318; } .dmasim-report .log-warn { color: #9a6700; } .dmasim-report .log-debug { color: #6e7781; }
.figure { max-width: 100%; height: auto; background: #fff; }
.figure text { font: 10px ui-monospace, monospace; fill: #1b1f24; }
.figure .lane-name { font: 11px system-ui, sans-serif; }
.figure .tick-label { font-size: 9px; fill: #57606a; } .figure .tick { stroke: #8c959f; }
.figure .track { fill: #f6f8fa; stroke: #d0d7de; }
.figure rect:hover, .figure polygon:hover { stroke: #000; stroke-width: 1.5; }
.figure .ram { fill: #b6e3b6; stroke: #2da44e; } .figure .reserved { fill: #d8b9ff; stroke: #8250df; }
.figure .zone-dma { fill: #ffd8b5; stroke: #bc4c00; } .figure .zone-dma32 { fill: #fff1a8; stroke: #9a6700; }
.figure .zone-normal { fill: #c8e1ff; stroke: #0969da; } .figure .zone { stroke-width: 1; }
.figure .swiotlb { fill: #ffb8c0; stroke: #cf222e; } .figure .pool { fill: #ffcfe6; stroke: #bf3989; }
.figure .mmio { fill: #e1e4e8; stroke: #57606a; }
.figure .win { fill: #a5d6ff; stroke: #0550ae; } .figure .connector { fill: #a5d6ff; fill-opacity: 0.35; stroke: #0550ae; stroke-opacity: 0.4; }
.figure .reach { fill: #b6e3b6; stroke: #2da44e; } .figure .noreach { fill: #ffc1c0; stroke: #cf222e; }
.figure line.mask { stroke: #8250df; stroke-width: 2; } .figure line.limit { stroke: #cf222e; stroke-width: 2; stroke-dasharray: 4 2; }
.figure .usable-vfio { fill: #b6e3b6; stroke: #2da44e; } .figure .usable-dma { fill: #a5d6ff; stroke: #0550ae; }
.figure .resv.both { fill: #ffc1c0; stroke: #cf222e; } .figure .resv.dma-api-only { fill: #fff1a8; stroke: #9a6700; } .figure .resv.vfio-only { fill: #d8b9ff; stroke: #8250df; }
`;

const hexCell = (text: string | null | undefined) =>
  `<td class="hex">${text === null || text === undefined ? '-' : esc(text)}</td>`;

export function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return '<p class="no-findings">No findings.</p>';
  const rows = findings.map(
    (f) =>
      `<tr data-rule="${esc(f.rule)}" data-severity="${f.severity}"><td class="sev-${f.severity}">${f.severity}</td><td class="hex">${esc(f.where)}</td><td>${esc(f.summary)} <code>${esc(f.rule)}</code></td><td class="hex">${esc(f.kernelMessage ?? '-')}</td><td>${esc(f.cost)}</td><td>${esc(f.fix)}</td></tr>`,
  );
  return `<table class="findings"><thead><tr><th>severity</th><th>where</th><th>finding</th><th>kernel message</th><th>run-time cost</th><th>fix</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function rangeMapCell(dev: ViewDevice): string {
  if (!dev.rangeMap) return '<td class="hex">- (1:1)</td>';
  const lines = dev.rangeMap.map(
    (r) => `dma ${esc(r.dmaStart)} &rarr; cpu ${esc(r.cpuStart)} size ${esc(r.size)}`,
  );
  return `<td class="hex range-map">${lines.join('<br>')}</td>`;
}

function iommuCell(dev: ViewDevice): string {
  const i = dev.iommu;
  if (!i) return '<td>-</td>';
  const parts = [`${i.node} [${i.ids.join(' ')}]`];
  if (i.group !== undefined) parts.push(`group ${i.group}`);
  if (i.domain) parts.push(i.domain);
  if (i.iovaBase && i.iovaLimit) parts.push(`iova ${i.iovaBase}-${i.iovaLimit}`);
  return `<td class="hex">${esc(parts.join(' '))}</td>`;
}

/** Every device with its range map, masks, bus limit, coherency and IOMMU. */
export function devicesTable(devices: readonly ViewDevice[], selected?: string): string {
  const rows = devices.map(
    (d) =>
      `<tr data-device="${esc(d.path)}"${d.path === selected ? ' class="selected"' : ''}><td class="hex">${esc(d.path)}</td><td>${esc(d.bus)}</td><td>${d.ret}</td>${rangeMapCell(d)}${hexCell(d.busDmaLimit === '0x0' ? null : d.busDmaLimit)}${hexCell(d.dmaMask)}${hexCell(d.coherentDmaMask)}<td>${d.coherent ? 'yes' : 'no'}</td>${iommuCell(d)}</tr>`,
  );
  return `<table class="devices"><thead><tr><th>device</th><th>bus</th><th>ret</th><th>range map</th><th>bus limit</th><th>DMA mask</th><th>coherent mask</th><th>coherent</th><th>IOMMU</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The CPU map's regions with exact bounds. */
export function memoryTable(memory: ViewMemory): string {
  const rows: string[] = [];
  const row = (kind: string, name: string, start: string, end: string) =>
    rows.push(
      `<tr><td>${esc(kind)}</td><td>${esc(name)}</td>${hexCell(start)}${hexCell(end)}</tr>`,
    );
  for (const [i, r] of memory.ram.entries()) row('RAM', `bank ${i}`, r.start, r.end);
  for (const r of memory.reserved ?? []) row('reserved', r.name, r.start, r.end);
  for (const z of memory.zones) row('zone', z.name, z.start ?? 'empty', z.end ?? 'empty');
  if (memory.swiotlb) {
    const end = BigInt(memory.swiotlb.start) + BigInt(memory.swiotlb.size) - 1n;
    row('swiotlb', `${memory.swiotlb.nslabs} slabs`, memory.swiotlb.start, `0x${end.toString(16)}`);
  }
  for (const r of memory.restrictedPools ?? []) row('restricted pool', r.name, r.start, r.end);
  for (const r of memory.mmio ?? []) row('MMIO', r.name, r.start, r.end);
  return `<table class="memory"><thead><tr><th>kind</th><th>name</th><th>start</th><th>end</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The CPU map figure and table, saying so when the firmware leaves RAM to the bootloader. */
export function cpuMapSection(memory: ViewMemory): string {
  const note =
    memory.ram.length === 0
      ? '<p class="note">The firmware describes no RAM (a bootloader fills /memory in at boot): reach is not drawn.</p>'
      : '';
  return `${note}${drawCpuMap(memory)}${memoryTable(memory)}`;
}

/** Devices that see memory the same way share one drawing. */
function dmaViewKey(d: ViewDevice): string {
  return JSON.stringify([d.rangeMap, d.busDmaLimit, d.dmaMask, d.coherentDmaMask, isTranslated(d)]);
}

export const DEVICE_LEGEND =
  '<p class="legend">Blue: the dma-ranges windows, bus addresses above and the CPU addresses they hit below. Green: RAM the device reaches directly; red: RAM it cannot reach (streaming DMA bounces through swiotlb). Purple line: the DMA mask; dashed red line: bus_dma_limit.</p>';

export const IOVA_LEGEND =
  '<p class="legend">Green: usable through VFIO/iommufd; blue: where the DMA API allocates. Red: reserved for both; yellow: holes only the DMA API keeps out of (VFIO may map them); purple: reserved for VFIO only (the software MSI window, which dma-iommu allocates in itself).</p>';

export function deviceSections(view: PlatformView): string {
  const groups = new Map<string, ViewDevice[]>();
  for (const d of view.devices)
    groups.set(dmaViewKey(d), [...(groups.get(dmaViewKey(d)) ?? []), d]);
  return (
    DEVICE_LEGEND +
    [...groups.values()]
      .map((devs) => {
        const first = devs[0]!;
        const names = devs.map((d) => `<code>${esc(d.path)}</code>`).join(', ');
        return `<details open class="device-view"><summary>${devs.length} device(s): ${names}</summary>${drawDevice(first, view.memory)}</details>`;
      })
      .join('\n')
  );
}

export function iommuSections(view: PlatformView): string {
  if (view.iommuGroups.length === 0) return '<p>No device is behind an IOMMU.</p>';
  return (
    IOVA_LEGEND +
    view.iommuGroups
      .map((g) => {
        const rows = g.restrictions.map(
          (r) =>
            `<tr><td>${esc(r.kind)}</td><td>${esc(r.views.join(', '))}</td>${hexCell(r.start)}${hexCell(r.end)}</tr>`,
        );
        const list = (rs: { start: string; end: string }[] | null) =>
          rs === null
            ? 'not a DMA domain'
            : rs.map((r) => `${esc(r.start)}-${esc(r.end)}`).join(', ');
        return `<section class="iommu-group" data-group="${g.id}"><h3>group ${g.id}: ${esc(g.devices.join(' '))}</h3>${drawIovaSpace(g)}<p>VFIO / iommufd: <code>${list(g.vfio)}</code><br>DMA API: <code>${list(g.dmaApi)}</code></p><table><thead><tr><th>restriction</th><th>restricts</th><th>start</th><th>end</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
      })
      .join('\n')
  );
}

export function kernelMessages(view: PlatformView): string {
  const lines = [
    ...view.log.map((e) => ({ who: '', ...e })),
    ...view.devices.flatMap((d) => d.log.map((e) => ({ who: d.path, ...e }))),
  ];
  if (lines.length === 0) return '<p>No kernel messages.</p>';
  const body = lines
    .map(
      (l) =>
        `<div class="log-${l.level}">${esc(l.who ? `${l.who}: ` : '')}${l.level}: ${esc(l.msg)}</div>`,
    )
    .join('');
  return `<pre class="kernel-log">${body}</pre>`;
}

/** The whole document. */
export function renderReportHtml(view: PlatformView, findings: readonly Finding[]): string {
  const title = `dmasim report: ${view.source}`;
  const memory = view.memory ? cpuMapSection(view.memory) : '<p>No memory map.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${REPORT_CSS}</style></head>
<body class="dmasim-report">
<h1>${esc(title)}</h1>
<p>Kernel ${esc(view.kernel)}, arch ${esc(view.arch)}, ${view.devices.length} devices. Hover any shape for its exact addresses; every value is also in the tables.</p>
<h2>Findings</h2>
${findingsTable(findings)}
<h2>CPU physical map</h2>
${memory}
<h2>Devices</h2>
${devicesTable(view.devices)}
<h2>What each device reaches</h2>
${deviceSections(view)}
<h2>IOVA space behind the IOMMU</h2>
${iommuSections(view)}
<h2>Kernel messages</h2>
${kernelMessages(view)}
</body></html>
`;
}

/** A device's before and after side by side (for `dmasim diff --html`). */
export function deviceDiffHtml(
  before: { label: string; device: ViewDevice; memory: ViewMemory | null },
  after: { label: string; device: ViewDevice; memory: ViewMemory | null },
): string {
  const column = (side: typeof before) =>
    `<div class="diff-side"><h3>${esc(side.label)}</h3>${drawDevice(side.device, side.memory)}${devicesTable([side.device])}</div>`;
  return `<section class="device-diff" data-device="${esc(after.device.path)}" style="display:flex;gap:12px;flex-wrap:wrap">${column(before)}${column(after)}</section>`;
}
