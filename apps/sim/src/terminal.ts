// How text output looks where it goes: colour only on a terminal and never with NO_COLOR
// (no-color.org), and the terminal's width for tables.

export interface OutputStyle {
  color: boolean;
  /**
   * Columns to fit tables into: COLUMNS, else the terminal's width; null when stdout is no
   * terminal (a file or a pipe), whatever COLUMNS says.
   */
  width: number | null;
}

/** Plain text: no colour, no width (a file, a pipe, JSON). */
export const PLAIN_STYLE: OutputStyle = { color: false, width: null };
const PLAIN = PLAIN_STYLE;
let current: OutputStyle = PLAIN;

/** The style for a stream and an environment. */
export function outputStyleFor(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): OutputStyle {
  if (stream.isTTY !== true) return PLAIN;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  // COLUMNS, when set to a width, wins over what the terminal says (as for ls and git).
  const columns = /^[1-9]\d*$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : undefined;
  return { color: !noColor && env.TERM !== 'dumb', width: columns ?? stream.columns ?? null };
}

/** Set once by the command line before a command runs; the formatters read it. */
export function setOutputStyle(style: OutputStyle): void {
  current = style;
}

export function outputStyle(): OutputStyle {
  return current;
}

const SGR = { bold: 1, red: 31, yellow: 33, dim: 2 } as const;

/** `text` in a colour, when the style has colour. */
export function paint(style: OutputStyle, sgr: keyof typeof SGR, text: string): string {
  return style.color ? `\x1b[${SGR[sgr]}m${text}\x1b[0m` : text;
}
