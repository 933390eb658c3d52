// Aligned columns for the human output of every command that prints a table. Each column but the
// last is padded to its widest cell; given a terminal width, the last column (the long one: a
// range map, a description, a value) wraps under itself, so a row stays one row and only that
// column grows downwards. Without a width (a pipe, a file) nothing wraps.
import { type OutputStyle, paint } from './terminal.js';

export interface ColumnLayout {
  /** Before every line, rows and continuations alike. */
  indent?: string;
  /** Between columns; two spaces unless given. */
  gap?: string;
  /** The first row is a header: bold on a colour terminal. */
  header?: boolean;
}

/** The narrowest the wrapping column gets: below this, lines run past the terminal instead. */
const MIN_WRAP_WIDTH = 24;

/** Space-separated words in lines of at most `width` characters (a longer word stays whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) {
      lines[lines.length - 1] = `${last} ${word}`;
    } else lines.push(word);
  }
  return lines;
}

/** Rows of equally many cells as lines: padded columns, the last wrapped to `style.width`. */
export function formatColumns(
  rows: readonly (readonly string[])[],
  style: OutputStyle,
  layout: ColumnLayout = {},
): string[] {
  if (rows.length === 0) return [];
  const { indent = '', gap = '  ', header = false } = layout;
  const widths = rows[0]!
    .slice(0, -1)
    .map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const lead = indent.length + widths.reduce((sum, w) => sum + w + gap.length, 0);
  const room =
    style.width === null ? Number.POSITIVE_INFINITY : Math.max(MIN_WRAP_WIDTH, style.width - lead);
  return rows.flatMap((row, i) => {
    const head = row
      .slice(0, -1)
      .map((cell, col) => cell.padEnd(widths[col]!) + gap)
      .join('');
    const [first = '', ...more] = wrapWords(row.at(-1)!, room);
    const line = `${indent}${head}${first}`.trimEnd();
    return [
      header && i === 0 ? paint(style, 'bold', line) : line,
      ...more.map((m) => ' '.repeat(lead) + m),
    ];
  });
}
