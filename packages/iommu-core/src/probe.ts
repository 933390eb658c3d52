// The IOMMU core's per-device probe: __iommu_probe_device() → device_group → default domain
// (iommu_setup_default_domain) → attach → iommu_create_device_direct_mappings() →
// iommu_setup_dma_ops(), which since 6.10 the core (not arch code) calls.
import {
  type Device,
  EINVAL,
  ENODEV,
  ENOSPC,
  EPROBE_DEFER,
  type KernelLog,
  logDebug,
  maxU64,
} from '@dmasim/dma-mapping';
import {
  type GroupMemberPolicy,
  groupDefaultDomainType,
  type IommuPolicy,
} from './default-domain.js';
import { createDomain, domainIsPaging, domainUsesDmaApi, type IommuDomain } from './domain.js';
import {
  deviceGroup,
  type GroupRegistry,
  groupOf,
  type IommuGroup,
  newGroupRegistry,
} from './group.js';
import { deviceResvRegions, type IommuInstance } from './iommu-instance.js';
import { iommuMap, iommuNextMapped, minPageSize } from './iommu-map.js';
import type { PciTopology } from './pci-topology.js';
import type { ReservedRegion } from './resv-region.js';

/** The IOMMU subsystem's state across probes. */
export interface IommuCore {
  policy: IommuPolicy;
  /** Registered IOMMU instances by firmware node id. */
  instances: Map<string, IommuInstance>;
  groups: GroupRegistry;
  /** dev_name → the regions its driver's get_resv_regions() reports. */
  deviceResv: Map<string, ReservedRegion[]>;
  /** dev_name → what it contributes to its group's default-domain choice. */
  memberPolicy: Map<string, GroupMemberPolicy>;
  /** Instance id → SMMUv1/v2 context banks in use. */
  contextBanksUsed: Map<string, number>;
  /** Instance id → dev_name of the master a linksMasters driver points that instance at. */
  instanceMaster: Map<string, string>;
  /** pr_* output of the core (not tied to one device). */
  log: KernelLog;
}

export function createIommuCore(
  policy: IommuPolicy,
  instances: readonly IommuInstance[],
  log: KernelLog = [],
): IommuCore {
  return {
    policy,
    instances: new Map(instances.map((i) => [i.id, i])),
    groups: newGroupRegistry(),
    deviceResv: new Map(),
    memberPolicy: new Map(),
    contextBanksUsed: new Map(),
    instanceMaster: new Map(),
    log,
  };
}

/**
 * iommu_setup_dma_ops(dev) as dma-iommu provides it (it sets dev->dma_iommu and initialises a DMA
 * domain's IOVA space). Injected by the caller because dma-iommu sits above this package; without
 * it (CONFIG_IOMMU_DMA=n) the device keeps its platform DMA ops.
 */
export type SetupDmaOps = (dev: Device, domain: IommuDomain) => void;

export interface ProbeInput {
  dev: Device;
  /** Only devices whose driver binds are configured (a driver-less device gets no group). */
  driverBound: boolean;
  /** The PCI topology of the device's host bridge (PCI devices only). */
  pciTopology?: PciTopology | null;
  /** pci_dev->untrusted. */
  untrusted?: boolean;
  /** The IOMMU driver's def_domain_type() for this device. */
  driverDefDomainType?: 'identity' | 'DMA' | null;
  /** Firmware's reserved regions for this device (IORT RMR, DT iommu-addresses, RMRR, IVMD). */
  firmwareResvRegions?: readonly ReservedRegion[];
}

export interface ProbeResult {
  /** 0, or -ENODEV (no IOMMU), -EPROBE_DEFER, -EINVAL / -ENOSPC (no usable default domain). */
  ret: number;
  /** The group joined; null when not probed. */
  group: IommuGroup | null;
}

function leaveGroup(core: IommuCore, dev: Device, group: IommuGroup): void {
  group.devices = group.devices.filter((n) => n !== dev.name);
  core.groups.byDevice.delete(dev.name);
  core.groups.streamIds.delete(dev.name);
  core.deviceResv.delete(dev.name);
  core.memberPolicy.delete(dev.name);
}

/**
 * iommu_create_device_direct_mappings(): identity-map the device's DIRECT and DIRECT_RELAXABLE
 * regions in a DMA domain. The kernel walks each region page by page and maps every run of pages
 * that iova_to_phys() finds unmapped (or translating to physical 0) in one iommu_map(); one
 * IOTLB flush after. The same runs are found here from the table's mapped extents, so that a
 * region of 2^48 bytes (a firmware RMR length) costs what is mapped in it, not 2^36 lookups.
 */
export function iommuCreateDeviceDirectMappings(
  domain: IommuDomain,
  regions: readonly ReservedRegion[],
  log?: KernelLog,
): number {
  if (!domainUsesDmaApi(domain.type)) return 0;
  if (domain.pgsizeBitmap === 0n) return -EINVAL;
  const pg = minPageSize(domain);
  const alignUp = (v: bigint) => (v + pg - 1n) & ~(pg - 1n);
  for (const r of regions) {
    if (r.type !== 'direct' && r.type !== 'direct-relaxable') continue;
    const end = alignUp(r.start + r.length);
    // The pages from runStart up to `at` are a run still to map.
    let runStart = alignUp(r.start);
    let at = runStart;
    while (at < end) {
      const leaf = iommuNextMapped(domain, at, end);
      if (leaf === null) break;
      const leafEnd = leaf.start + leaf.size;
      // The first page inside the leaf; the one whose address translates to 0 is a hole.
      let mapped = alignUp(maxU64(leaf.start, at));
      if (mapped < leafEnd && leaf.paddr + (mapped - leaf.start) === 0n) mapped += pg;
      if (mapped >= leafEnd || mapped >= end) {
        at = mapped;
        continue;
      }
      if (mapped > runStart) {
        const ret = iommuMap(domain, runStart, runStart, mapped - runStart, r.prot, log);
        if (ret !== 0) return ret;
      }
      at = alignUp(leafEnd);
      runStart = at;
    }
    if (end > runStart) {
      const ret = iommuMap(domain, runStart, runStart, end - runStart, r.prot, log);
      if (ret !== 0) return ret;
    }
  }
  if (regions.length > 0) domain.iotlb.flushAll++;
  return 0;
}

function allocDefaultDomain(
  core: IommuCore,
  instance: IommuInstance,
  group: IommuGroup,
): IommuDomain | number {
  const members = group.devices
    .map((n) => core.memberPolicy.get(n))
    .filter((m): m is GroupMemberPolicy => m !== undefined);
  let type = groupDefaultDomainType(core.policy, members, group.id, core.log);
  if (type === null) return -EINVAL;
  // dma-iommu falls back to strict when the driver lacks IOMMU_CAP_DEFERRED_FLUSH.
  if (type === 'DMA-FQ' && !instance.deferredFlush) type = 'DMA';
  if (domainIsPaging(type) && instance.contextBanks !== null) {
    const used = core.contextBanksUsed.get(instance.id) ?? 0;
    if (used >= instance.contextBanks) return -ENOSPC;
    core.contextBanksUsed.set(instance.id, used + 1);
  }
  return createDomain({
    type,
    iommu: instance.id,
    pgsizeBitmap: instance.pgsizeBitmap,
    geometry: instance.geometry,
    pageTable: instance.pageTable,
  });
}

/**
 * iommu_probe_device() for one device at driver bind: fwspec → probe_device → device_group →
 * default domain (allocated for the group's first device) → attach → direct mappings →
 * iommu_setup_dma_ops(), injected from dma-iommu.
 */
export function iommuProbeDevice(
  core: IommuCore,
  input: ProbeInput,
  setupDmaOps?: SetupDmaOps,
): ProbeResult {
  const { dev } = input;
  if (!input.driverBound) return { ret: 0, group: null };
  const fwspec = dev.fwspec;
  if (fwspec === null) return { ret: -ENODEV, group: null };
  if (!fwspec.hasOps) return { ret: -EPROBE_DEFER, group: null };
  const instance = core.instances.get(fwspec.iommuNode);
  if (instance === undefined) return { ret: -ENODEV, group: null };
  const already = groupOf(core.groups, dev.name);
  if (already) return { ret: 0, group: already };
  if (instance.linksMasters) {
    for (const id of fwspec.instances ?? [fwspec.iommuNode]) core.instanceMaster.set(id, dev.name);
  }

  const group = deviceGroup(core.groups, instance, dev, input.pciTopology ?? null);
  const regions = deviceResvRegions(instance, input.firmwareResvRegions ?? []);
  core.deviceResv.set(dev.name, regions);
  core.memberPolicy.set(dev.name, {
    name: dev.name,
    driverType: input.driverDefDomainType ?? null,
    untrusted: input.untrusted ?? false,
  });

  if (group.defaultDomain === null) {
    const domain = allocDefaultDomain(core, instance, group);
    if (typeof domain === 'number') {
      leaveGroup(core, dev, group);
      return { ret: domain, group: null };
    }
    group.defaultDomain = domain;
  }
  const domain = group.defaultDomain;
  const ret = iommuCreateDeviceDirectMappings(domain, regions, core.log);
  if (ret !== 0) {
    leaveGroup(core, dev, group);
    return { ret, group: null };
  }
  logDebug(dev.log, `Adding to iommu group ${group.id}`);
  setupDmaOps?.(dev, domain);
  return { ret: 0, group };
}

/** of_dma_configure()'s debug lines after the IOMMU configuration returned `ret`. */
export function logIommuConfigureResult(dev: Device, ret: number): void {
  if (ret !== 0 && ret !== -EPROBE_DEFER) logDebug(dev.log, `Adding to IOMMU failed: ${ret}`);
  logDebug(dev.log, `device is${ret === 0 ? ' ' : ' not '}behind an iommu`);
}
