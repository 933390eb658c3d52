import { DtError } from './tree.js';

/** A walk up DMA parents (interconnects "dma-mem") came back to a node: the kernel would loop forever. */
export class OfCycleError extends DtError {
  static override readonly code: string = 'OF_DMA_PARENT_CYCLE';
  override name = 'OfCycleError';
  constructor(nodePath: string, walk: string) {
    super(`${walk} revisits this node: DMA-parent cycle`, nodePath);
  }
}

/** Cell counts the kernel's parsers cannot work with (it would hang or read out of bounds). */
export class OfCellCountError extends DtError {
  static override readonly code: string = 'OF_CELL_COUNT';
  override name = 'OfCellCountError';
}
