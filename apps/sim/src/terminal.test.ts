import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleDir } from './corpus.js';
import type { InspectReport } from './report.js';
import { formatInspectTable } from './table.js';
import { outputStyleFor } from './terminal.js';
import { cli } from './test-cli.js';

describe('where output goes decides how it looks', () => {
  it('colour only on a terminal, never with NO_COLOR or TERM=dumb', () => {
    expect(outputStyleFor({ isTTY: false, columns: 80 }, {})).toEqual({
      color: false,
      width: null,
    });
    expect(outputStyleFor({}, {})).toEqual({ color: false, width: null });
    expect(outputStyleFor({ isTTY: true, columns: 80 }, {})).toEqual({ color: true, width: 80 });
    expect(outputStyleFor({ isTTY: true, columns: 80 }, { NO_COLOR: '1' })).toEqual({
      color: false,
      width: 80,
    });
    expect(outputStyleFor({ isTTY: true }, { TERM: 'dumb' })).toEqual({
      color: false,
      width: null,
    });
  });

  it('the width: COLUMNS on a terminal, else its columns; never into a pipe', () => {
    expect(outputStyleFor({ isTTY: true, columns: 80 }, { COLUMNS: '100' }).width).toBe(100);
    expect(outputStyleFor({ isTTY: true }, { COLUMNS: '72' }).width).toBe(72);
    expect(outputStyleFor({ isTTY: true, columns: 80 }, { COLUMNS: 'wide' }).width).toBe(80);
    expect(outputStyleFor({ isTTY: true, columns: 80 }, { COLUMNS: '0' }).width).toBe(80);
    expect(outputStyleFor({ isTTY: false, columns: 80 }, { COLUMNS: '100' }).width).toBe(null);
    expect(outputStyleFor({}, { COLUMNS: '100' }).width).toBe(null);
  });
});

describe('the inspect table on a terminal', () => {
  const r = cli(['inspect', resolve(exampleDir, 'example-soc.dts'), '--json']);
  const report = JSON.parse(r.stdout) as InspectReport;
  // A device with a three-window range map, as a board with split DMA windows gives.
  const windows = report.devices.find((d) => d.rangeMap !== null)!;
  windows.rangeMap = [
    { dmaStart: '0x0', cpuStart: '0x80000000', size: '0x40000000' },
    { dmaStart: '0x40000000', cpuStart: '0x100000000', size: '0x40000000' },
    { dmaStart: '0x80000000', cpuStart: '0x400000000', size: '0x80000000' },
  ];
  const table = (width: number | null, color = false) =>
    formatInspectTable(report, 'info', { color, width }).split('\n\n')[0]!.split('\n').slice(1);

  it('wraps the range-map column, not the row', () => {
    const wide = table(null);
    const header = wide[0]!;
    const indent = header.indexOf('RANGE MAP');
    const width = indent + 40;
    const narrow = table(width);
    // Every device still has its one row, in order, with the same cells up to the range map.
    const rows = narrow.filter((l) => !l.startsWith(' '));
    expect(rows.map((l) => l.slice(0, indent))).toEqual(wide.map((l) => l.slice(0, indent)));
    // What wrapped sits under the range-map column, and nothing passes the width but a single
    // range that is wider by itself.
    const continued = narrow.filter((l) => l.startsWith(' '));
    expect(continued.length).toBeGreaterThan(0);
    for (const l of continued) expect(l.slice(0, indent).trim()).toBe('');
    for (const l of narrow) {
      if (l.length > width) expect(l.slice(indent)).not.toContain(' ');
    }
    // The same ranges, in the same order.
    const ranges = (lines: string[]) =>
      lines.flatMap((l) =>
        l
          .slice(indent)
          .trim()
          .split(' ')
          .filter((x) => x.includes('->')),
      );
    expect(ranges(narrow)).toEqual(ranges(wide));
  });

  it('no escape codes without colour; a bold header and coloured levels with it', () => {
    const plain = formatInspectTable(report, 'debug', { color: false, width: 200 });
    expect(plain).not.toContain('\x1b[');
    const colored = formatInspectTable(report, 'debug', { color: true, width: 200 });
    expect(colored.split('\n')[1]).toMatch(/^\x1b\[1mDEVICE/);
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('the CLI writes no escape codes into a pipe or a file', () => {
    expect(cli(['inspect', resolve(exampleDir, 'example-soc.dts')]).stdout).not.toContain('\x1b[');
  });
});
