// The kernel command line as parse_args() walks it (kernel/params.c next_arg()): words split at
// spaces, double quotes group, a bare `--` ends the kernel's part; then the `iommu.*` early
// params, read with kstrtobool() (lib/kstrtox.c).

/** One `name[=value]` word; value null when there is no `=`. */
export interface CmdlineParam {
  name: string;
  value: string | null;
}

/** next_arg() over the whole line: every parameter in order, quotes stripped. */
export function cmdlineParams(cmdline: string): CmdlineParam[] {
  const out: CmdlineParam[] = [];
  let i = 0;
  const n = cmdline.length;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < n) {
    while (i < n && isSpace(cmdline[i])) i++;
    if (i >= n) break;
    let inQuote = false;
    let word = '';
    for (; i < n; i++) {
      const c = cmdline[i]!;
      if (!inQuote && isSpace(c)) break;
      if (c === '"') {
        inQuote = !inQuote;
        continue;
      }
      word += c;
    }
    if (word === '--') break;
    const eq = word.indexOf('=');
    out.push(
      eq < 0 ? { name: word, value: null } : { name: word.slice(0, eq), value: word.slice(eq + 1) },
    );
  }
  return out;
}

/** kstrtobool(): the forms the kernel accepts; null for anything else. */
export function kstrtobool(text: string): boolean | null {
  const c = text[0]?.toLowerCase();
  if (c === 'y' || c === '1' || c === 't') return true;
  if (c === 'n' || c === '0' || c === 'f') return false;
  if (c === 'o') {
    const d = text[1]?.toLowerCase();
    if (d === 'n') return true;
    if (d === 'f') return false;
  }
  return null;
}

/** The `iommu.*` early params as written (undefined when absent); the last one given wins. */
export interface IommuCmdline {
  /** iommu.passthrough= */
  passthrough?: string;
  /** iommu.strict= */
  strict?: string;
  /** iommu.forcedac= (dma-iommu's iommu_dma_forcedac_setup()) */
  forcedac?: string;
}

/** Pull iommu.passthrough=, iommu.strict= and iommu.forcedac= out of a kernel command line. */
export function parseIommuCmdline(cmdline: string): IommuCmdline {
  const out: IommuCmdline = {};
  for (const { name, value } of cmdlineParams(cmdline)) {
    // early_param handlers get "" for a bare name; kstrtobool("") fails as for any bad value.
    const v = value ?? '';
    if (name === 'iommu.passthrough') out.passthrough = v;
    else if (name === 'iommu.strict') out.strict = v;
    else if (name === 'iommu.forcedac') out.forcedac = v;
  }
  return out;
}
