// Composes the ACPI/IORT, arch and IOMMU packages into what the kernel decides for every device
// of an ACPI platform at probe time: the same report as for a device tree.
import {
  type AcpiPlatformDescription,
  configureAcpiPlatform,
  defaultAcpiPlatform,
  type IortTable,
  iortFwnodeName,
  type PciEndpointSpec,
} from '@dmasim/acpi-iort';
import { archHooks } from '@dmasim/arch';
import { type KernelRelease, kernelRelease } from '@dmasim/dma-mapping';
import { deviceReport, type InspectReport } from './report.js';

/** The arches with an ACPI acpi_arch_dma_setup(): arm64 (with IORT) and LoongArch (_DMA only). */
export type AcpiArch = 'arm64' | 'loongarch';

/** A PCI function named on the command line: segment and requester ID. */
export interface AcpiPciRequest {
  segment: number;
  rid: number;
}

export interface AcpiInspectOptions {
  arch?: AcpiArch;
  kernel?: KernelRelease;
  pci?: readonly AcpiPciRequest[];
  /** SMMU fwnodes ("iort@0x48") whose driver has not registered (their masters defer). */
  iommuNotReady?: readonly string[];
}

/** "0:00:01.0" (segment as a number, then BB:DD.F) → segment and RID. */
export function parseAcpiPciRequest(text: string): AcpiPciRequest {
  const m = /^(0x[0-9a-fA-F]+|\d+):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text);
  const segment = m ? Number(m[1]) : Number.NaN;
  const dev = m ? Number.parseInt(m[3]!, 16) : 0;
  if (!m || segment > 0xffff || dev > 0x1f) {
    throw new SyntaxError(`--pci wants SEGMENT:BB:DD.F (e.g. 0:00:01.0), got "${text}"`);
  }
  return { segment, rid: (Number.parseInt(m[2]!, 16) << 8) | (dev << 3) | Number(m[4]) };
}

/** The description plus command-line endpoints that are not already in it. */
function withRequests(
  table: IortTable | null,
  description: AcpiPlatformDescription | undefined,
  requests: readonly AcpiPciRequest[],
): AcpiPlatformDescription {
  const base = description ?? (table ? defaultAcpiPlatform(table) : {});
  const pci: PciEndpointSpec[] = [...(base.pci ?? [])];
  const ridOf = (bdf: string | number) => {
    if (typeof bdf === 'number') return bdf;
    const [bus, devfn] = bdf.split(':');
    const [dev, fn] = (devfn ?? '').split('.');
    return (Number.parseInt(bus!, 16) << 8) | (Number.parseInt(dev!, 16) << 3) | Number(fn);
  };
  for (const req of requests) {
    const known = pci.some((ep) => (ep.segment ?? 0) === req.segment && ridOf(ep.bdf) === req.rid);
    if (!known) pci.push({ segment: req.segment, bdf: req.rid });
  }
  return { ...base, pci };
}

/**
 * `dmasim inspect` for an ACPI platform: the IORT's SMMU/PMCG devices, then the ACPI devices,
 * then the PCI functions, each configured by acpi_dma_configure(). Without a description, every
 * named component and one function 00:00.0 per root complex (defaultAcpiPlatform()).
 */
export function inspectAcpi(
  table: IortTable | null,
  description: AcpiPlatformDescription | undefined,
  options: AcpiInspectOptions = {},
): InspectReport {
  const arch = options.arch ?? 'arm64';
  const notReady = new Set(options.iommuNotReady ?? []);
  // CONFIG_ACPI_IORT is arm64-only: elsewhere the kernel never parses the table, so it only
  // serves to name the default devices.
  const configured = configureAcpiPlatform(
    arch === 'arm64' ? table : null,
    withRequests(table, description, options.pci ?? []),
    {
      arch: archHooks(arch),
      kernel: options.kernel ?? kernelRelease(),
      smmuReady: (smmu) => !notReady.has(iortFwnodeName(smmu)),
    },
  );
  return {
    arch,
    devices: configured.map((d) => deviceReport(d.device, { path: d.path, ret: d.ret })),
  };
}
