// The nodes early init marks OF_POPULATED, so that of_platform_populate() creates no device for
// them: of_irq_init() (drivers/of/irq.c) and of_clk_init() (drivers/clk/clk.c). Every init call
// is taken to succeed; a failing init would clear the flag again.
import { type KernelLog, logErr } from '@dmasim/dma-mapping';
import { EARLY_INIT_TABLE, type EarlyInitEntry } from './early-init-table.js';
import { findNodeByPhandle, type OfContext } from './of-context.js';
import { type DtNode, hasProperty, isAvailable, readStrings, readU32 } from './tree.js';

/** Why a node has no platform device: the early init call that claimed it. */
export interface EarlyClaim {
  by: 'of_irq_init' | 'of_clk_init';
  entry: EarlyInitEntry;
}

/** A table's entries by compatible, in table order; made once per table, not per node. */
const byCompatible = new WeakMap<readonly EarlyInitEntry[], Map<string, EarlyInitEntry[]>>();

function tableIndex(table: readonly EarlyInitEntry[]): Map<string, EarlyInitEntry[]> {
  let index = byCompatible.get(table);
  if (!index) {
    index = new Map();
    for (const e of table) index.set(e.compatible, [...(index.get(e.compatible) ?? []), e]);
    byCompatible.set(table, index);
  }
  return index;
}

// of_match_node(): the entry matching the node's earliest compatible string.
function bestMatch(
  node: DtNode,
  table: readonly EarlyInitEntry[],
  kinds: readonly string[],
): EarlyInitEntry | null {
  const compatibles = readStrings(node, 'compatible');
  if (compatibles.length === 0) return null;
  const index = tableIndex(table);
  for (const c of compatibles) {
    const hit = index.get(c)?.find((e) => kinds.includes(e.kind));
    if (hit) return hit;
  }
  return null;
}

/**
 * of_irq_find_parent(): follow interrupt-parent (or the tree parent) from the node itself until a
 * node with #interrupt-cells; null when the chain ends or a phandle does not resolve.
 */
export function ofIrqFindParent(ctx: OfContext, node: DtNode): DtNode | null {
  let child: DtNode = node;
  const seen = new Set<DtNode>();
  for (;;) {
    const phandle = readU32(child, 'interrupt-parent');
    const p = phandle === undefined ? child.parent : (findNodeByPhandle(ctx, phandle) ?? null);
    if (p === null || hasProperty(p, '#interrupt-cells')) return p;
    // A loop of interrupt-parent links without #interrupt-cells never ends in the kernel either;
    // stop at the first repeat.
    if (seen.has(p)) return null;
    seen.add(p);
    child = p;
  }
}

/**
 * of_irq_init(): available nodes with `interrupt-controller` matching an IRQCHIP_DECLARE entry,
 * initialised root first, then level by level below the controllers already set up. A controller
 * whose parent never initialises stays unclaimed ("children remain, but no parents").
 */
function irqInitClaims(
  ctx: OfContext,
  table: readonly EarlyInitEntry[],
  claims: Map<DtNode, EarlyClaim>,
  log: KernelLog,
): void {
  let pending: { node: DtNode; entry: EarlyInitEntry; parent: DtNode | null }[] = [];
  for (const node of ctx.nodes) {
    if (!hasProperty(node, 'interrupt-controller') || !isAvailable(node)) continue;
    const entry = bestMatch(node, table, ['irqchip']);
    if (!entry) continue;
    const found = ofIrqFindParent(ctx, node);
    pending.push({ node, entry, parent: found === node ? null : found });
  }
  const parents: DtNode[] = [];
  let parent: DtNode | null = null;
  while (pending.length > 0) {
    const now = pending.filter((d) => d.parent === parent);
    pending = pending.filter((d) => d.parent !== parent);
    for (const d of now) {
      if (!d.entry.clearsPopulated) claims.set(d.node, { by: 'of_irq_init', entry: d.entry });
      parents.push(d.node);
    }
    const next = parents.shift();
    if (next === undefined) {
      if (pending.length > 0) logErr(log, 'of_irq_init: children remain, but no parents');
      break;
    }
    parent = next;
  }
}

/**
 * of_clk_init(NULL): every available node matching a CLK_OF_DECLARE entry is marked before its
 * init runs (parents first, then the rest by force); CLK_OF_DECLARE_DRIVER's wrapper clears it.
 */
function clkInitClaims(table: readonly EarlyInitEntry[], ctx: OfContext): Map<DtNode, EarlyClaim> {
  const claims = new Map<DtNode, EarlyClaim>();
  for (const node of ctx.nodes) {
    if (!isAvailable(node)) continue;
    const entry = bestMatch(node, table, ['clk', 'clk-driver']);
    if (entry && entry.kind === 'clk') claims.set(node, { by: 'of_clk_init', entry });
  }
  return claims;
}

/** The nodes left OF_POPULATED by of_irq_init() and of_clk_init(), in the kernel's boot order. */
export function ofEarlyInitClaims(
  ctx: OfContext,
  table: readonly EarlyInitEntry[] = EARLY_INIT_TABLE,
  log: KernelLog = [],
): Map<DtNode, EarlyClaim> {
  const claims = new Map<DtNode, EarlyClaim>();
  irqInitClaims(ctx, table, claims, log);
  for (const [node, claim] of clkInitClaims(table, ctx))
    if (!claims.has(node)) claims.set(node, claim);
  return claims;
}
