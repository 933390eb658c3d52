// The human-readable form of an inspect report.
import type { LogLevel } from '@dmasim/dma-mapping';
import { formatColumns } from './columns.js';
import type { DeviceReport, InspectReport } from './report.js';
import { type OutputStyle, outputStyle, paint } from './terminal.js';

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
export function formatInspectTable(
  report: InspectReport,
  minLevel: LogLevel = 'info',
  style: OutputStyle = outputStyle(),
): string {
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
  // On a terminal the range map wraps under itself, so each device stays one row.
  const lines = [`arch: ${report.arch}`, ...formatColumns(rows, style, { header: true })];
  const messages: string[] = [];
  for (const d of report.devices) {
    const shown = d.log.filter((e) => rank[e.level] <= rank[minLevel]);
    for (const e of shown) {
      const level =
        e.level === 'err'
          ? paint(style, 'red', e.level)
          : e.level === 'warn'
            ? paint(style, 'yellow', e.level)
            : e.level;
      messages.push(`${d.path}: ${level}: ${e.msg}`);
    }
  }
  if (messages.length > 0) lines.push('', 'kernel messages:', ...messages);
  return `${lines.join('\n')}\n`;
}
