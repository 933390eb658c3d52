// IORT memory address limits: iort_dma_get_ranges() and acpi_iort_dma_get_max_cpu_address().
import {
  type Device,
  dmaBitMask,
  EINVAL,
  ENODEV,
  FW_BUG,
  type KernelLog,
  type KernelRelease,
  logWarn,
  minNotZero,
  U64_MAX,
} from '@dmasim/dma-mapping';
import type { IortTable } from './iort-model.js';
import { acpiCompanion, findNamedComponent, findRootComplex } from './node-lookup.js';

export interface IortDmaRange {
  /** 0, -ENODEV (no node, or RC revision 0), -EINVAL (limit field 0). */
  ret: number;
  /**
   * On success: with iort-limits-as-limits (6.10) the inclusive limit (2^n - 1, U64_MAX for
   * n >= 64); before it a size (2^n, U64_MAX for n >= 64). Null otherwise.
   */
  value: bigint | null;
}

function fromLimitField(n: number, kernel: KernelRelease): bigint {
  if (n >= 64) return U64_MAX;
  const size = 1n << BigInt(n);
  return kernel.has('iort-limits-as-limits') ? size - 1n : size;
}

/** iort_dma_get_ranges(): PCI devices read their root complex, others their named component. */
export function iortDmaGetRanges(
  table: IortTable,
  dev: Device,
  kernel: KernelRelease,
): IortDmaRange {
  if (dev.pci) {
    // rc_dma_get_range(): the limit field exists from node revision 1.
    const rc = findRootComplex(table, dev.pci.segment, dev.log);
    if (!rc || rc.revision < 1) return { ret: -ENODEV, value: null };
    if (!rc.memoryAddressLimit) {
      logWarn(dev.log, `${FW_BUG}Root complex missing memory address limit`);
      return { ret: -EINVAL, value: null };
    }
    return { ret: 0, value: fromLimitField(rc.memoryAddressLimit, kernel) };
  }
  const nc = findNamedComponent(table, acpiCompanion(dev), dev.log);
  if (!nc) return { ret: -ENODEV, value: null };
  if (!nc.memoryAddressLimit) {
    logWarn(dev.log, `${FW_BUG}Named component missing memory address limit`);
    return { ret: -EINVAL, value: null };
  }
  return { ret: 0, value: fromLimitField(nc.memoryAddressLimit, kernel) };
}

/**
 * acpi_iort_dma_get_max_cpu_address(): the smallest non-zero DMA_BIT_MASK(limit) over NCs and
 * revision >= 1 RCs; PHYS_ADDR_MAX without a table. A limit field above 64 is undefined
 * behaviour in C (shift overflow); the model skips such a node and says so in `log`.
 */
export function acpiIortDmaGetMaxCpuAddress(table: IortTable | null, log: KernelLog = []): bigint {
  let limit = U64_MAX;
  if (!table) return limit;
  for (const node of table.nodes) {
    let field: number | null = null;
    if (node.type === 'named-component') field = node.memoryAddressLimit;
    else if (node.type === 'root-complex' && node.revision >= 1) field = node.memoryAddressLimit;
    if (field === null) continue;
    if (field > 64) {
      logWarn(
        log,
        `memory_address_limit ${field} of the node at 0x${node.offset.toString(16)} is undefined behaviour (> 64); ignored`,
      );
      continue;
    }
    limit = minNotZero(limit, dmaBitMask(field));
  }
  return limit;
}
