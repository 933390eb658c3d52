// The human-readable form of an inspect report.
import type { LogLevel } from '@dmasim/dma-mapping';
import type { DeviceReport, InspectReport } from './report.js';

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function rangeMapText(d: DeviceReport): string {
  if (!d.rangeMap) return '-';
  return d.rangeMap.map((r) => `${r.dmaStart}->${r.cpuStart}+${r.size}`).join(' ');
}

function iommuText(d: DeviceReport): string {
  if (!d.iommu) return '-';
  const { node, ids, group, domain, iovaBase, iovaLimit } = d.iommu;
  const probed = group === undefined ? '' : ` group ${group} ${domain}`;
  const window = iovaBase === undefined ? '' : ` iova ${iovaBase}-${iovaLimit}`;
  return `${node} [${ids.join(',')}]${probed}${window}`;
}

/** One row per device, then the messages at or above `minLevel` under a heading per device. */
export function formatInspectTable(report: InspectReport, minLevel: LogLevel = 'info'): string {
  const rank: Record<LogLevel, number> = { err: 0, warn: 1, info: 2, debug: 3 };
  const rows = [
    [
      'DEVICE',
      'BUS',
      'RET',
      'DMA MASK',
      'COHERENT MASK',
      'BUS LIMIT',
      'COHERENT',
      'IOMMU',
      'RANGE MAP (dma->cpu+size)',
    ],
  ];
  for (const d of report.devices) {
    rows.push([
      d.path,
      d.bus,
      String(d.ret),
      d.dmaMask ?? 'NULL',
      d.coherentDmaMask,
      d.busDmaLimit === '0x0' ? '-' : d.busDmaLimit,
      d.coherent ? 'yes' : 'no',
      iommuText(d),
      rangeMapText(d),
    ]);
  }
  const lines = [`arch: ${report.arch}`, pad(rows)];
  const messages: string[] = [];
  for (const d of report.devices) {
    const shown = d.log.filter((e) => rank[e.level] <= rank[minLevel]);
    for (const e of shown) messages.push(`${d.path}: ${e.level}: ${e.msg}`);
  }
  if (messages.length > 0) lines.push('', 'kernel messages:', ...messages);
  return `${lines.join('\n')}\n`;
}
