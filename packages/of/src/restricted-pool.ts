// of_dma_set_restricted_buffer() (drivers/of/device.c) with of_reserved_mem_device_init_by_idx()
// reduced to its outcome.
import {
  type Device,
  EINVAL,
  ENOMEM,
  type KernelLog,
  kcallocFits,
  logErr,
  logWarn,
} from '@dmasim/dma-mapping';
import { propertyCells, readNumber } from './bus.js';
import { findNodeByPhandle, type OfContext } from './of-context.js';
import { ofGetAddress } from './reg.js';
import { type DtNode, getProperty, hasProperty, isAvailable, isCompatible } from './tree.js';

/** IO_TLB_SHIFT and sizeof(struct io_tlb_slot) on a 64-bit kernel. */
const IO_TLB_SHIFT = 11n;
const IO_TLB_SLOT_BYTES = 24;

/** The pool's size as of_reserved_mem saw it: its first reg entry, or its "size" (dynamic). */
function reservedSize(pool: DtNode): bigint {
  const reg = ofGetAddress(pool, 0);
  if (reg) return reg.size;
  const size = getProperty(pool, 'size');
  if (!size || size.value.length % 4 !== 0) return 0n;
  const cells = propertyCells(size);
  return readNumber(cells, 0, Math.min(cells.length, 2));
}

/**
 * Initialises a restricted-dma-pool node as `dev`'s bounce pool; 0 or a negative errno. The
 * default accepts a pool under /reserved-memory that rmem_swiotlb_setup() would have taken (no
 * `reusable`, `no-map`, `linux,cma-default` or `linux,dma-default`) and records it on the device.
 * rmem_swiotlb_device_init() kcalloc()s one slot record per 2 KiB: a pool too large for that
 * array (over about 341 MiB) fails with -ENOMEM, and the model allocates nothing for it.
 */
export type RestrictedPoolInit = (dev: Device, pool: DtNode) => number;

export const defaultRestrictedPoolInit: RestrictedPoolInit = (dev, pool) => {
  const rejected = ['reusable', 'no-map', 'linux,cma-default', 'linux,dma-default'];
  if (pool.parent?.path !== '/reserved-memory' || rejected.some((p) => hasProperty(pool, p))) {
    return -EINVAL;
  }
  if (!kcallocFits(reservedSize(pool) >> IO_TLB_SHIFT, IO_TLB_SLOT_BYTES)) return -ENOMEM;
  dev.restrictedPool = pool.path;
  return 0;
};

// of_property_count_elems_of_size(np, "memory-region", 4)
function countPhandles(node: DtNode | null, log: KernelLog): number {
  const prop = node ? getProperty(node, 'memory-region') : undefined;
  if (!node || !prop) return -EINVAL;
  if (prop.value.length % 4 !== 0) {
    logErr(log, `size of memory-region in node ${node.path} is not a multiple of 4`);
    return -EINVAL;
  }
  return prop.value.length / 4;
}

/**
 * The first available "restricted-dma-pool" among the device node's memory-region phandles (or,
 * when it has none, `np`'s) is initialised; failure gives the kernel's dev_warn.
 */
export function ofDmaSetRestrictedBuffer(
  ctx: OfContext,
  dev: Device,
  devNode: DtNode | null,
  np: DtNode,
  init: RestrictedPoolInit = defaultRestrictedPoolInit,
): void {
  let owner: DtNode | null = devNode;
  let count = countPhandles(owner, dev.log);
  if (count <= 0) {
    owner = np;
    count = countPhandles(owner, dev.log);
  }
  if (!owner || count <= 0) return;
  const prop = getProperty(owner, 'memory-region')!;
  const view = new DataView(prop.value.buffer, prop.value.byteOffset, prop.value.byteLength);
  for (let i = 0; i < count; i++) {
    const pool = findNodeByPhandle(ctx, view.getUint32(i * 4));
    if (pool && isCompatible(pool, 'restricted-dma-pool') && isAvailable(pool)) {
      if (init(dev, pool))
        logWarn(dev.log, 'failed to initialise "restricted-dma-pool" memory node');
      return;
    }
  }
}
