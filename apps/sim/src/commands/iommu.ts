import { iommuDmaMapPage } from '@dmasim/dma-iommu';
import {
  type Bdf,
  DMA_BIDIRECTIONAL,
  DMA_MAPPING_ERROR,
  formatBdf,
  hex,
  PciAddressError,
  parseBdf,
  parseU64,
  pciDeviceName,
  pciDevid,
} from '@dmasim/dma-mapping';
import { sysfsGroups, sysfsGroupType, sysfsReservedRegions } from '@dmasim/iommu-core';
import {
  defaultHostBridge,
  findDevice,
  type Machine,
  type PlatformDescription,
} from '@dmasim/machine';
import { createOfContext, pciDomainOf, pciHostBridges } from '@dmasim/of';
import { option, type ParsedArgs, UsageError } from '../args.js';
import { groupIovaViews } from '../iova-view.js';
import type { MachineSource } from '../machine-file.js';
import { bootFromArgs, type CommandOutput, loadSource } from './common.js';

export const IOMMU_USAGE = `dmasim iommu groups FILE [--platform P.yaml] [--cmdline "..."] [--json]
dmasim iommu iova-ranges FILE [--platform P.yaml] [--cmdline "..."] [--json]
dmasim iommu map FILE DEVICE --size N [--count K] [--mask BITS] [--msi] [--platform P.yaml] [--json]`;

function build(args: ParsedArgs, file: string, source?: MachineSource): Machine {
  return bootFromArgs(args, file, source).machine;
}

/** The IOMMU core's pr_* lines (not memory's, not a device's). */
function iommuLog(machine: Machine) {
  return machine.iommu.log;
}

/** dmasim iommu groups: /sys/kernel/iommu_groups/N/{devices,type,reserved_regions}. */
function groups(args: ParsedArgs, file: string): CommandOutput {
  const machine = build(args, file);
  const list = sysfsGroups(machine.iommu).map((g) => ({
    id: g.id,
    iommu: g.iommu,
    devices: [...g.devices],
    type: sysfsGroupType(g).trim(),
    reservedRegions: sysfsReservedRegions(machine.iommu, g),
  }));
  const text = list.flatMap((g) => [
    `group ${g.id} (${g.iommu}): ${g.devices.join(' ')}`,
    `  type: ${g.type}`,
    '  reserved_regions:',
    ...g.reservedRegions
      .split('\n')
      .filter(Boolean)
      .map((l) => `    ${l}`),
  ]);
  const messages = iommuLog(machine).map((e) => `${e.level}: ${e.msg}`);
  return {
    json: { groups: list, log: iommuLog(machine) },
    text: [...messages, ...text].join('\n') || 'no IOMMU groups',
  };
}

/** dmasim iommu iova-ranges: per group, what VFIO/iommufd and the DMA API may use. */
function iovaRanges(args: ParsedArgs, file: string): CommandOutput {
  const out = groupIovaViews(build(args, file));
  const text = out.flatMap((g) => [
    `group ${g.id}: ${g.devices.join(' ')}`,
    '  VFIO / iommufd (IOMMU_IOAS_IOVA_RANGES):',
    ...g.vfio.map((r) => `    ${r.start} - ${r.end}`),
    '  DMA API (dma-iommu):',
    ...(g.dmaApi ?? []).map((r) => `    ${r.start} - ${r.end}`),
    ...(g.dmaApi === null ? ['    (not a DMA domain)'] : []),
    '  restrictions:',
    ...g.restrictions.map((r) => `    ${r.start} - ${r.end}  ${r.kind}  [${r.views.join(', ')}]`),
  ]);
  return { json: { groups: out }, text: text.join('\n') || 'no IOMMU groups' };
}

/** DEVICE as a PCI function ("pci:SSSS:BB:DD.F", "SSSS:BB:DD.F"); null for any other device. */
function pciFunctionArg(device: string): Bdf | null {
  try {
    return parseBdf(device.replace(/^pci:/, ''));
  } catch (e) {
    if (e instanceof PciAddressError) return null;
    throw e;
  }
}

/**
 * The platform description with the PCI function `want` present, its driver bound, asking for the
 * given mask and using MSIs when --msi is given.
 */
function withDevice(
  args: ParsedArgs,
  source: MachineSource,
  want: Bdf,
  mask: number | undefined,
): PlatformDescription {
  const base = source.platform;
  const { segment } = want;
  const hosts = (base.pci ?? []).map((h) => ({ ...h, devices: [...h.devices] }));
  let entry: (typeof hosts)[number] | undefined;
  if (source.firmware.kind === 'device-tree') {
    const ctx = createOfContext(source.firmware.tree);
    const host = pciHostBridges(ctx).find((h) => pciDomainOf(ctx, h) === segment);
    if (!host) throw new UsageError(`no PCI host bridge for segment ${segment}`);
    entry = hosts.find((h) => h.host === host.path);
    if (!entry) {
      entry = { host: host.path, devices: [] };
      hosts.push(entry);
    }
  } else {
    entry = hosts.find((h) => (h.segment ?? 0) === segment);
    if (!entry) {
      entry = { host: defaultHostBridge(segment), segment, devices: [] };
      hosts.push(entry);
    }
  }
  const at = entry.devices.findIndex((d) => pciDevid(parseBdf(d.bdf)) === pciDevid(want));
  const old = at >= 0 ? entry.devices[at]! : null;
  const updated = {
    ...(old ?? { bdf: formatBdf(want) }),
    ...(mask !== undefined ? { driverMask: mask } : {}),
    msi: args.flags.has('--msi') || (old?.msi ?? false),
    driver: true,
  };
  if (at >= 0) entry.devices[at] = updated;
  else entry.devices.push(updated);
  return { ...base, pci: hosts };
}

/** dmasim iommu map: K buffers of N bytes mapped for DEVICE, IOVAs in the order handed out. */
function map(args: ParsedArgs, file: string): CommandOutput {
  const device = args.positionals[2];
  const sizeText = option(args, '--size');
  if (device === undefined || sizeText === undefined) throw new UsageError(IOMMU_USAGE);
  const size = parseU64(sizeText);
  const count = Number(option(args, '--count') ?? '1');
  const maskText = option(args, '--mask');
  const mask = maskText === undefined ? undefined : Number(maskText);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError('--count must be a positive whole number');
  if (mask !== undefined && (!Number.isInteger(mask) || mask < 0 || mask > 64)) {
    throw new UsageError('--mask must be a bit count from 0 to 64');
  }
  const source = loadSource(args, file);
  const pci = pciFunctionArg(device);
  const machine = build(args, file, {
    ...source,
    platform: pci ? withDevice(args, source, pci, mask) : source.platform,
  });
  const probed = findDevice(machine, pci ? `pci:${pciDeviceName(pci)}` : device);
  if (!probed) throw new UsageError(`${device} is not a device behind an IOMMU on this platform`);
  if (!probed.dmaIommu)
    throw new UsageError(
      `${device} is not in a DMA domain (group type ${probed.group ? sysfsGroupType(probed.group) : 'none'})`,
    );
  const iovas: string[] = [];
  if (args.flags.has('--msi') && probed.msiAddress !== null) iovas.push(hex(probed.msiAddress));
  // Buffers laid out from the start of RAM, each page-aligned, as a driver's allocations might be.
  const ram = machine.memory?.memory.banks[0]?.start ?? 0n;
  const stride = (size + 0xfffn) & ~0xfffn;
  for (let i = 0; i < count; i++) {
    const iova = iommuDmaMapPage(
      probed.dmaIommu,
      ram + BigInt(i) * stride,
      size,
      DMA_BIDIRECTIONAL,
    );
    iovas.push(iova === DMA_MAPPING_ERROR ? 'DMA_MAPPING_ERROR' : hex(iova));
  }
  return { json: { iovas, log: probed.device.log }, text: iovas.join('\n') };
}

export function iommuCommand(args: ParsedArgs): CommandOutput {
  const [sub, file] = [args.positionals[0], args.positionals[1]];
  if (file === undefined) throw new UsageError(IOMMU_USAGE);
  switch (sub) {
    case 'groups':
      return groups(args, file);
    case 'iova-ranges':
      return iovaRanges(args, file);
    case 'map':
      return map(args, file);
    default:
      throw new UsageError(IOMMU_USAGE);
  }
}
