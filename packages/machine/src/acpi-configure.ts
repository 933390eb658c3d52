// ACPI device population and acpi_dma_configure(): the IORT's SMMU and PMCG platform devices
// (iort_init_platform_devices()), the DSDT's devices, then the PCI functions of each host bridge.
import {
  type AcpiPlatformDescription,
  configureAcpiPlatform,
  defaultAcpiPlatform,
  iortFwnodeName,
  type PciEndpointSpec,
} from '@dmasim/acpi-iort';
import type { ArchDmaHooks, KernelRelease } from '@dmasim/dma-mapping';
import type { AcpiFirmware, PciHostSpec } from './firmware.js';
import type { ConfiguredDevice } from './machine-device.js';
import { pciDmaAliases, ridOf } from './pci-topology.js';

/** The host bridge path ACPI firmware gives segment N when nothing names it: \_SB_.PCIn. */
export function defaultHostBridge(segment: number): string {
  return `\\_SB_.PCI${segment.toString(16).toUpperCase()}`;
}

/**
 * The PCI host bridges of an ACPI machine. A bare IORT (no DSDT facts, no PCI topology) gets
 * function 00:00.0 on every root complex's segment, as defaultAcpiPlatform() describes it.
 */
export function acpiPciHosts(
  firmware: AcpiFirmware,
  pci: readonly PciHostSpec[] | undefined,
): PciHostSpec[] {
  if (pci !== undefined || firmware.devices !== undefined || !firmware.iort)
    return [...(pci ?? [])];
  const hosts: PciHostSpec[] = [];
  for (const ep of defaultAcpiPlatform(firmware.iort).pci ?? []) {
    const segment = ep.segment ?? 0;
    hosts.push({ host: defaultHostBridge(segment), segment, devices: [{ bdf: '00:00.0' }] });
  }
  return hosts;
}

export interface AcpiConfigureOptions {
  kernel: KernelRelease;
  arch: ArchDmaHooks;
  /** SMMU fwnodes ("iort@0x48") whose driver has not registered (their masters defer). */
  notReady: ReadonlySet<string>;
  pci: readonly PciHostSpec[];
}

/** Every device of the ACPI machine, configured, in creation order. */
export function acpiConfigureDevices(
  firmware: AcpiFirmware,
  options: AcpiConfigureOptions,
): ConfiguredDevice[] {
  // CONFIG_ACPI_IORT is arm64-only: elsewhere the kernel never parses the table.
  const table = options.arch.arch === 'arm64' ? firmware.iort : null;
  const endpoints: { spec: PciEndpointSpec; host: PciHostSpec; index: number }[] = [];
  for (const host of options.pci) {
    host.devices.forEach((fn, index) => {
      const spec: PciEndpointSpec = { segment: host.segment ?? 0, bdf: fn.bdf, bridge: host.host };
      // pci_for_each_dma_alias() over the platform's topology (or its own list).
      spec.aliases = pciDmaAliases(host, host.segment ?? 0, [], ridOf(fn.bdf));
      endpoints.push({ spec, host, index });
    });
  }
  const bare = firmware.devices === undefined && firmware.iort !== null;
  const description: AcpiPlatformDescription = {
    devices:
      bare && firmware.iort
        ? (defaultAcpiPlatform(firmware.iort).devices ?? [])
        : (firmware.devices ?? []),
    pci: endpoints.map((e) => e.spec),
  };
  const configured = configureAcpiPlatform(table, description, {
    arch: options.arch,
    kernel: options.kernel,
    smmuReady: (smmu) => !options.notReady.has(iortFwnodeName(smmu)),
  });
  let pciIndex = 0;
  return configured.map((d): ConfiguredDevice => {
    if (d.bus !== 'pci') {
      const isIommu = d.path.startsWith('iort@');
      return {
        path: d.path,
        device: d.device,
        ret: d.ret,
        host: null,
        pci: null,
        infrastructure: isIommu,
      };
    }
    const ep = endpoints[pciIndex++]!;
    return {
      path: d.path,
      device: d.device,
      ret: d.ret,
      host: ep.host.host,
      pci: ep.host.devices[ep.index]!,
      infrastructure: false,
    };
  });
}
