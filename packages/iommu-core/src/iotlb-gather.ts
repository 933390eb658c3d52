// struct iommu_iotlb_gather: the IOVA range unmaps have left for the next IOTLB invalidation.
import { U64_MAX } from '@dmasim/dma-mapping';

export interface IommuIotlbGather {
  /** Lowest gathered address; U64_MAX while empty. */
  start: bigint;
  /** Highest gathered address (inclusive); 0 while empty. */
  end: bigint;
  /** gather->queued: a flush queue, not iommu_iotlb_sync(), will invalidate the range. */
  queued: boolean;
}

/** iommu_iotlb_gather_init() on a new gather. */
export function newIotlbGather(): IommuIotlbGather {
  return { start: U64_MAX, end: 0n, queued: false };
}

/** iommu_iotlb_gather_init(): empty again (callers may reuse one gather across unmaps). */
export function iommuIotlbGatherInit(gather: IommuIotlbGather): void {
  gather.start = U64_MAX;
  gather.end = 0n;
  gather.queued = false;
}

/** iommu_iotlb_gather_add_range(): widen the range to cover [iova, iova + size). */
export function iommuIotlbGatherAddRange(
  gather: IommuIotlbGather,
  iova: bigint,
  size: bigint,
): void {
  const end = iova + size - 1n;
  if (iova < gather.start) gather.start = iova;
  if (end > gather.end) gather.end = end;
}

/** Nothing gathered since the last init. */
export function iotlbGatherIsEmpty(gather: IommuIotlbGather): boolean {
  return gather.start > gather.end;
}
