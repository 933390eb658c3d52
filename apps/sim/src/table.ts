// The human-readable form of an inspect report.
import type { LogLevel } from '@dmasim/dma-mapping';
import type { DeviceReport, InspectReport } from './report.js';
import { type OutputStyle, outputStyle, paint } from './terminal.js';

/** Space-separated words in lines of at most `width` characters (a longer word stays whole). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * Columns padded to their widest cell. With a terminal width, the last column (the range map)
 * wraps within what is left of the line, so a row's other cells stay on one line.
 */
function pad(rows: string[][], style: OutputStyle): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const indent = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const room =
    style.width === null ? Number.POSITIVE_INFINITY : Math.max(24, style.width - indent - 1);
  return rows
    .map((r, i) => {
      const head = r
        .slice(0, -1)
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ');
      const [first = '', ...more] = wrapWords(r.at(-1)!, room);
      const line = `${head}  ${first}`.trimEnd();
      return [
        i === 0 ? paint(style, 'bold', line) : line,
        ...more.map((m) => ' '.repeat(indent) + m),
      ].join('\n');
    })
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
  const lines = [`arch: ${report.arch}`, pad(rows, style)];
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
