// iommu_dma_get_msi_page() / iommu_dma_prepare_msi(): an MSI doorbell is mapped into a DMA
// domain once, at the first IOVA the allocator hands out for the device, unless a hardware MSI
// region already maps it 1:1.
import { dmaGetMask } from '@dmasim/dma-mapping';
import { IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_WRITE, iommuMap } from '@dmasim/iommu-core';
import { getCookie, type IommuDmaDevice, initialisedCookie, type MsiPage } from './cookie.js';
import { iommuDmaAllocIova, iommuDmaFreeIova } from './dma-iova.js';

/** iommu_dma_get_msi_page(): the domain's page for the doorbell at msiAddr, or null on failure. */
export function iommuDmaGetMsiPage(ddev: IommuDmaDevice, msiAddr: bigint): MsiPage | null {
  const cookie = initialisedCookie(ddev);
  const { iovad } = cookie;
  const size = BigInt(iovad.granule);
  const phys = msiAddr & ~(size - 1n);
  const known = cookie.msiPages.find((p) => p.phys === phys);
  if (known) return known;
  const iova = iommuDmaAllocIova(ddev, size, dmaGetMask(ddev.dev));
  if (!iova) return null;
  const prot = IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;
  if (iommuMap(ddev.domain, iova, phys, size, prot, ddev.dev.log)) {
    iommuDmaFreeIova(ddev, cookie, iova, size, false);
    return null;
  }
  const page = { phys, iova };
  cookie.msiPages.unshift(page);
  return page;
}

/**
 * iommu_dma_prepare_msi() + iommu_dma_compose_msi_msg(): the address the device must write to
 * raise the MSI: msiAddr itself without a DMA cookie, its translated IOVA with one, or null when
 * the doorbell could not be mapped (-ENOMEM in the kernel).
 */
export function iommuDmaMsiAddress(ddev: IommuDmaDevice, msiAddr: bigint): bigint | null {
  const cookie = getCookie(ddev.domain);
  if (!cookie?.iovad) return msiAddr;
  const page = iommuDmaGetMsiPage(ddev, msiAddr);
  if (!page) return null;
  return page.iova + (msiAddr & (BigInt(cookie.iovad.granule) - 1n));
}
