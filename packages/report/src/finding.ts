// A lint finding: one firmware mistake, where it is, what the kernel says and what it costs.

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable rule name, e.g. "untranslatable-dma-ranges". */
  rule: string;
  severity: Severity;
  /** DT node path, or "IORT+0x..." (byte offset of the node, mapping or descriptor). */
  where: string;
  /** What is wrong, in one line. */
  summary: string;
  /** The kernel's own message for it, when it prints one. */
  kernelMessage: string | null;
  /** What it costs at run time under the chosen kernel. */
  cost: string;
  /** The firmware change that fixes it. */
  fix: string;
  /** Devices it affects (report paths), when the rule knows them. */
  devices?: string[];
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then by location, so output is stable across runs. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.where.localeCompare(b.where) ||
      a.rule.localeCompare(b.rule),
  );
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** The terminal form: one block per finding. */
export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings';
  const blocks = findings.map((f) => {
    const lines = [`${f.severity}: ${f.where}: ${f.summary} [${f.rule}]`];
    if (f.kernelMessage) lines.push(`  kernel: ${f.kernelMessage}`);
    lines.push(`  cost: ${f.cost}`);
    if (f.devices && f.devices.length > 0) {
      const shown = f.devices.slice(0, 6).join(', ');
      const more = f.devices.length > 6 ? ` and ${f.devices.length - 6} more` : '';
      lines.push(`  devices: ${shown}${more}`);
    }
    lines.push(`  fix: ${f.fix}`);
    return lines.join('\n');
  });
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  blocks.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`);
  return blocks.join('\n\n');
}
