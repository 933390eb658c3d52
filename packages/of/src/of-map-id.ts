// of_map_id() (drivers/of/base.c): translate a requester/bus ID through iommu-map or msi-map.
import { EFAULT, EINVAL, ENODEV, type KernelLog, logErr, logInfo } from '@dmasim/dma-mapping';
import { propertyCells } from './bus.js';
import { findNodeByPhandle, type OfContext } from './of-context.js';
import { type DtNode, getProperty, readU32 } from './tree.js';

/**
 * What the caller passes as `target`: 'none' for a NULL target pointer, 'want' for a pointer to
 * NULL (filled with the first matching entry's node), or a node to match entries against.
 */
export type MapIdTarget = 'none' | 'want' | DtNode;

export interface MapIdResult {
  ret: number;
  /** *target after the call: null when no entry matched (the ID bypassed translation). */
  target: DtNode | null;
  /** *id_out after the call (undefined when the caller passed no id_out or on error). */
  id: number | undefined;
}

const hex32 = (v: number) => `0x${(v >>> 0).toString(16)}`;

/**
 * of_map_id(np, id, mapName, maskName, target, idOut). Entries are (id-base, phandle, out-base,
 * length), compared in u32 arithmetic after masking `id` with the mask property (default all ones).
 */
export function ofMapId(
  ctx: OfContext,
  np: DtNode | null,
  id: number,
  mapName: string,
  maskName: string | null,
  target: MapIdTarget,
  wantId = true,
  log: KernelLog = [],
): MapIdResult {
  const preset = typeof target === 'object' ? target : null;
  const fail = (ret: number): MapIdResult => ({ ret, target: preset, id: undefined });
  if (!np || (target === 'none' && !wantId)) return fail(-EINVAL);
  const prop = getProperty(np, mapName);
  if (!prop) {
    if (target !== 'none') return fail(-ENODEV);
    return { ret: 0, target: null, id: id >>> 0 };
  }
  const len = prop.value.length;
  if (len === 0 || len % 16 !== 0) {
    logErr(log, `${np.path}: Error: Bad ${mapName} length: ${len}`);
    return fail(-EINVAL);
  }
  const mask = (maskName ? readU32(np, maskName) : undefined) ?? 0xffff_ffff;
  const masked = (id & mask) >>> 0;
  const cells = propertyCells(prop);
  let found: DtNode | null = preset;
  for (let at = 0; at + 4 <= cells.length; at += 4) {
    const idBase = cells[at]!;
    const phandle = cells[at + 1]!;
    const outBase = cells[at + 2]!;
    const length = cells[at + 3]!;
    if ((idBase & ~mask) >>> 0 !== 0) {
      logErr(
        log,
        `${np.path}: Invalid ${mapName} translation - ${mapName}-mask (${hex32(mask)}) ignores id-base (${hex32(idBase)})`,
      );
      return fail(-EFAULT);
    }
    if (masked < idBase || masked >= (idBase + length) >>> 0) continue;
    const node = findNodeByPhandle(ctx, phandle);
    if (!node) return fail(-ENODEV);
    if (target !== 'none') {
      if (!found) found = node;
      if (found !== node) continue;
    }
    return { ret: 0, target: found, id: wantId ? (masked - idBase + outBase) >>> 0 : undefined };
  }
  logInfo(
    log,
    `${np.path}: no ${mapName} translation for id ${hex32(id)} on ${found ? found.path : '(null)'}`,
  );
  return { ret: 0, target: found, id: wantId ? id >>> 0 : undefined };
}
