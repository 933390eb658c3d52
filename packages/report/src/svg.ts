// Small SVG/HTML string builders: every text goes through escapeXml.

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

type Attrs = Record<string, string | number | undefined>;

export function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

/** A rectangle with a hover title (the exact values) and an optional label inside it. */
export function labelledRect(
  box: { x: number; y: number; width: number; height: number },
  title: string,
  label: string,
  extra: Attrs,
): string {
  const width = Math.max(box.width, 1.5);
  const r = `<rect${attrs({ x: fmt(box.x), y: box.y, width: fmt(width), height: box.height, ...extra })}><title>${escapeXml(title)}</title></rect>`;
  // Roughly 5.6 px a character at the 10 px font: draw the label only where it fits.
  if (!label || label.length * 5.6 > width - 4) return `<g>${r}</g>`;
  const text = `<text${attrs({ x: fmt(box.x + 3), y: box.y + box.height / 2 + 3.5, class: 'label' })}>${escapeXml(label)}</text>`;
  return `<g>${r}${text}</g>`;
}

export function fmt(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

/** The compact hex an axis tick shows: 0x3fffffff, 0x1_0000_0000 grouped by 4 above 32 bits. */
export function tickHex(addr: bigint): string {
  const digits = addr.toString(16);
  if (digits.length <= 8) return `0x${digits}`;
  return `0x${digits.slice(0, digits.length - 8)}_${digits.slice(-8)}`;
}
