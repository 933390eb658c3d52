import { DtError } from './tree.js';

/** A walk up DMA parents (interconnects "dma-mem") came back to a node: the kernel would loop forever. */
export class OfCycleError extends DtError {
  override name = 'OfCycleError';
  constructor(nodePath: string, walk: string) {
    super(`${walk} revisits this node: DMA-parent cycle`, nodePath);
  }
}

/** Cell counts the kernel's parsers cannot work with (it would hang or read out of bounds). */
export class OfCellCountError extends DtError {
  override name = 'OfCellCountError';
}
