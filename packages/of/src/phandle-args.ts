// of_parse_phandle_with_args() and of_property_match_string() (drivers/of/base.c, property.c).
import { EINVAL, ENOENT, type KernelLog, logErr } from '@dmasim/dma-mapping';
import { propertyCells } from './bus.js';
import { findNodeByPhandle, type OfContext } from './of-context.js';
import { type DtNode, getProperty, readStrings, readU32 } from './tree.js';

/** MAX_PHANDLE_ARGS: arguments beyond this are dropped (with a WARN in the kernel). */
export const MAX_PHANDLE_ARGS = 16;

/** struct of_phandle_args */
export interface PhandleArgs {
  np: DtNode;
  args: number[];
}

export type PhandleArgsResult = { ret: 0; spec: PhandleArgs } | { ret: number; spec: null };

/**
 * of_parse_phandle_with_args(np, listName, cellsName, index): -ENOENT for a missing list, an index
 * past the end or an empty (phandle 0) entry; -EINVAL (with the kernel's pr_err) for a phandle that
 * does not resolve, a target without `cellsName`, or arguments running past the list's end.
 */
export function parsePhandleWithArgs(
  ctx: OfContext,
  node: DtNode,
  listName: string,
  cellsName: string,
  index: number,
  log?: KernelLog,
): PhandleArgsResult {
  const prop = getProperty(node, listName);
  if (!prop || index < 0) return { ret: prop ? -EINVAL : -ENOENT, spec: null };
  const list = propertyCells(prop);
  let cur = 0;
  for (let entry = 0; cur < list.length; entry++) {
    const phandle = list[cur++]!;
    let count = 0;
    let target: DtNode | undefined;
    if (phandle !== 0) {
      target = findNodeByPhandle(ctx, phandle);
      if (!target) {
        if (log) logErr(log, `${node.path}: could not find phandle ${phandle}`);
        return { ret: -EINVAL, spec: null };
      }
      const cells = readU32(target, cellsName);
      if (cells === undefined) {
        if (log) logErr(log, `${node.path}: could not get ${cellsName} for ${target.path}`);
        return { ret: -EINVAL, spec: null };
      }
      count = cells;
      if (cur + count > list.length) {
        if (log) logErr(log, `${node.path}: ${cellsName} = ${count} found ${list.length - cur}`);
        return { ret: -EINVAL, spec: null };
      }
    }
    if (entry === index) {
      if (!target) return { ret: -ENOENT, spec: null };
      const args = list.slice(cur, cur + Math.min(count, MAX_PHANDLE_ARGS));
      return { ret: 0, spec: { np: target, args } };
    }
    cur += count;
  }
  return { ret: -ENOENT, spec: null };
}

/** of_property_match_string(): index of `value` in a string list, or a negative errno. */
export function propertyMatchString(node: DtNode, name: string, value: string): number {
  if (!getProperty(node, name)) return -EINVAL;
  const index = readStrings(node, name).indexOf(value);
  return index < 0 ? -ENODATA : index;
}

const ENODATA = 61;
