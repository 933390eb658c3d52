// Errno values the IOMMU code returns that @dmasim/dma-mapping's errno.ts does not define.
export const EEXIST = 17;
