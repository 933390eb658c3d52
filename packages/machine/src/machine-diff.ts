// Two boots of the same firmware under two kernel releases, compared: what each device ends up
// with (the facts `dmasim inspect` shows), what the machine as a whole ends up with (zones,
// swiotlb, IOMMU groups), and what explains each difference: the kernel messages printed on one
// side only, and the registry entries one release has and the other lacks.
import { ZONE_NAMES } from '@dmasim/dma-direct';
import { type IommuDmaDevice, iovaFloor } from '@dmasim/dma-iommu';
import {
  type Device,
  getDmaMask,
  hex,
  KERNEL_CHANGES,
  type KernelChangeId,
  minNotZero,
  minU64,
} from '@dmasim/dma-mapping';
import { sysfsGroups } from '@dmasim/iommu-core';
import type { Machine } from './machine.js';
import type { MachineDevice } from './machine-device.js';

/** The per-device facts compared, in report order. */
export const DEVICE_FIELDS = [
  'present',
  'ret',
  'rangeMap',
  'busDmaLimit',
  'dmaMask',
  'coherentDmaMask',
  'coherent',
  'iommu',
  'iommuRet',
  'domain',
  'iovaWindow',
  'msiAddress',
] as const;
export type DeviceField = (typeof DEVICE_FIELDS)[number];

/** The machine-wide facts compared. */
export const MACHINE_FIELDS = ['zones', 'swiotlb', 'cma', 'iommuGroups'] as const;
export type MachineField = (typeof MACHINE_FIELDS)[number];

/** One device's facts as text ("none" where the kernel leaves a field unset). */
export type DeviceFacts = Record<DeviceField, string>;

export interface FieldChange<F extends string> {
  field: F;
  before: string;
  after: string;
  /** Registry entries in one release only that bear on this field. */
  changes: KernelChangeId[];
}

/** A kernel log line, as `level: message`. */
export type LogLine = string;

export interface DeviceDiff {
  path: string;
  bus: string;
  fields: FieldChange<DeviceField>[];
  /** The device's log lines printed under one release only. */
  messages: { before: LogLine[]; after: LogLine[] };
}

export interface MachineDiff {
  before: string;
  after: string;
  /** Devices in either boot. */
  devices: number;
  /** Only devices where a fact differs (log-only differences are listed under `messages`). */
  changed: DeviceDiff[];
  /** Devices whose facts are the same but whose log differs. */
  messagesOnly: DeviceDiff[];
  machine: FieldChange<MachineField>[];
  /** Boot log lines not tied to a device (memory, IOMMU core) printed under one release only. */
  bootMessages: { before: LogLine[]; after: LogLine[] };
}

// Which registry entries can move which fact. Every entry the two releases disagree on and that
// is listed for the field is cited; the kernel messages say which one fired.
const DMA_RANGE_CHANGES: readonly KernelChangeId[] = [
  'of-address-default-flags-translate',
  'of-dma-ranges-mask-workaround-retired',
  'of-dma-range-map-limits',
  'iort-limits-as-limits',
  'of-address-bus-flag-cells',
  'of-address-preserve-flags-1to1',
];
const IOMMU_CHANGES: readonly KernelChangeId[] = [
  'of-iommu-addresses-resv-regions',
  'of-iommu-configure-int',
  'acpi-iommu-configure-int',
  'arch-setup-dma-ops-no-iommu-arg',
  'iommu-dma-limit-checks-self-contained',
  'arch-setup-dma-ops-simplified',
  'of-iommu-configure-simplified',
];
const ZONE_CHANGES: readonly KernelChangeId[] = [
  'zone-dma-limit',
  'arm64-keep-low-ram-dma-zone',
  'arm64-zone-dma-limit-capped',
];
const FIELD_CHANGES: Record<DeviceField | MachineField, readonly KernelChangeId[]> = {
  present: [],
  ret: [...DMA_RANGE_CHANGES, ...IOMMU_CHANGES],
  rangeMap: DMA_RANGE_CHANGES,
  busDmaLimit: DMA_RANGE_CHANGES,
  dmaMask: [...DMA_RANGE_CHANGES, 'arch-setup-dma-ops-simplified'],
  coherentDmaMask: [...DMA_RANGE_CHANGES, 'arch-setup-dma-ops-simplified'],
  coherent: ['arch-setup-dma-ops-simplified'],
  iommu: IOMMU_CHANGES,
  iommuRet: IOMMU_CHANGES,
  domain: IOMMU_CHANGES,
  iovaWindow: [...IOMMU_CHANGES, ...DMA_RANGE_CHANGES],
  msiAddress: IOMMU_CHANGES,
  zones: ZONE_CHANGES,
  swiotlb: [...ZONE_CHANGES, 'arm64-swiotlb-kmalloc-bounce-size'],
  cma: ZONE_CHANGES,
  iommuGroups: IOMMU_CHANGES,
};

// Entries that only one firmware kind's path reaches.
const FIRMWARE_ONLY: Record<Machine['firmware'], readonly KernelChangeId[]> = {
  'device-tree': [
    'of-iommu-addresses-resv-regions',
    'of-address-default-flags-translate',
    'of-iommu-configure-int',
    'of-dma-ranges-mask-workaround-retired',
    'of-dma-range-map-limits',
    'of-iommu-configure-simplified',
    'of-address-bus-flag-cells',
    'of-address-preserve-flags-1to1',
  ],
  acpi: ['acpi-iommu-configure-int', 'iort-limits-as-limits'],
};

/** Registry entries one release has and the other lacks, that can apply to this firmware. */
function differingChanges(before: Machine, after: Machine): Set<KernelChangeId> {
  const otherKind = before.firmware === 'acpi' ? 'device-tree' : 'acpi';
  const elsewhere = new Set(FIRMWARE_ONLY[otherKind]);
  return new Set(
    KERNEL_CHANGES.filter(
      (c) => before.kernel.has(c.id) !== after.kernel.has(c.id) && !elsewhere.has(c.id),
    ).map((c) => c.id),
  );
}

/** The IOVA window dma-iommu allocates in: [iova floor, min(masks, bus limit, aperture)]. */
export function iovaWindow(ddev: IommuDmaDevice): { base: bigint; limit: bigint } | null {
  const base = iovaFloor(ddev);
  if (base === null) return null;
  const dev: Device = ddev.dev;
  let limit = minNotZero(getDmaMask(dev) ?? dev.coherentDmaMask, dev.busDmaLimit);
  if (ddev.domain.geometry.forceAperture) limit = minU64(limit, ddev.domain.geometry.apertureEnd);
  return { base, limit };
}

const NONE = 'none';

/** What `dmasim inspect` shows for a device, as comparable text. */
export function deviceFacts(d: MachineDevice): DeviceFacts {
  const dev = d.device;
  const mask = getDmaMask(dev);
  const fwspec = dev.fwspec?.hasOps ? dev.fwspec : null;
  const window = d.dmaIommu ? iovaWindow(d.dmaIommu) : null;
  return {
    present: 'yes',
    ret: String(d.ret),
    rangeMap:
      dev.dmaRangeMap === null
        ? NONE
        : dev.dmaRangeMap
            .map((r) => `cpu ${hex(r.cpuStart)} dma ${hex(r.dmaStart)} size ${hex(r.size)}`)
            .join('; '),
    busDmaLimit: hex(dev.busDmaLimit),
    dmaMask: mask === null ? NONE : hex(mask),
    coherentDmaMask: hex(dev.coherentDmaMask),
    coherent: dev.dmaCoherent ? 'yes' : 'no',
    iommu: fwspec ? `${fwspec.iommuNode} ${fwspec.ids.map((id) => hex(id)).join(',')}` : NONE,
    iommuRet: String(d.iommuRet),
    domain: d.group?.defaultDomain?.type ?? NONE,
    iovaWindow: window ? `${hex(window.base)}-${hex(window.limit)}` : NONE,
    msiAddress: d.msiAddress === null ? NONE : hex(d.msiAddress),
  };
}

const ABSENT: DeviceFacts = Object.fromEntries(
  DEVICE_FIELDS.map((f) => [f, f === 'present' ? 'no' : NONE]),
) as DeviceFacts;

/** Zones, swiotlb, CMA and the IOMMU groups (by member devices, not by id) as text. */
export function machineFacts(machine: Machine): Record<MachineField, string> {
  const mem = machine.memory;
  const zones = mem
    ? ZONE_NAMES.filter((name) => mem.memory.zones[name].configured)
        .map((name) => {
          const z = mem.memory.zones[name];
          return z.start === null || z.end === null
            ? `${name} empty`
            : `${name} ${hex(z.start)}-${hex(z.end)}`;
        })
        .join('; ')
    : NONE;
  const pool = mem?.swiotlb.pool;
  const groups = sysfsGroups(machine.iommu)
    .map((g) => `[${g.devices.join(', ')}] ${g.defaultDomain?.type ?? 'unknown'}`)
    .sort();
  return {
    zones,
    swiotlb: pool
      ? `${hex(pool.start)}-${hex(pool.end - 1n)} (${hex(pool.end - pool.start)})`
      : NONE,
    cma: mem?.cma ? `${hex(mem.cma.base)} size ${hex(mem.cma.size)}` : NONE,
    iommuGroups: groups.length > 0 ? groups.join('; ') : NONE,
  };
}

/** Lines of `a` not matched one-for-one in `b`, in `a`'s order. */
function onlyIn(a: readonly LogLine[], b: readonly LogLine[]): LogLine[] {
  const left = new Map<LogLine, number>();
  for (const line of b) left.set(line, (left.get(line) ?? 0) + 1);
  return a.filter((line) => {
    const n = left.get(line) ?? 0;
    if (n === 0) return true;
    left.set(line, n - 1);
    return false;
  });
}

function logLines(machine: Machine, device: string | undefined): LogLine[] {
  return machine.log.filter((e) => e.device === device).map((e) => `${e.level}: ${e.msg}`);
}

function fieldChanges<F extends DeviceField | MachineField>(
  fields: readonly F[],
  before: Record<F, string>,
  after: Record<F, string>,
  differing: ReadonlySet<KernelChangeId>,
): FieldChange<F>[] {
  return fields
    .filter((f) => before[f] !== after[f])
    .map((field) => ({
      field,
      before: before[field],
      after: after[field],
      changes: FIELD_CHANGES[field].filter((id) => differing.has(id)),
    }));
}

/** Compare two boots of the same firmware (devices matched by path). */
export function diffMachines(before: Machine, after: Machine): MachineDiff {
  const differing = differingChanges(before, after);
  const beforeByPath = new Map(before.devices.map((d) => [d.path, d]));
  const afterByPath = new Map(after.devices.map((d) => [d.path, d]));
  const paths = [...beforeByPath.keys()];
  for (const p of afterByPath.keys()) if (!beforeByPath.has(p)) paths.push(p);
  const changed: DeviceDiff[] = [];
  const messagesOnly: DeviceDiff[] = [];
  for (const path of paths) {
    const b = beforeByPath.get(path);
    const a = afterByPath.get(path);
    const fields = fieldChanges(
      DEVICE_FIELDS,
      b ? deviceFacts(b) : ABSENT,
      a ? deviceFacts(a) : ABSENT,
      differing,
    );
    const bLog = b ? logLines(before, b.device.name) : [];
    const aLog = a ? logLines(after, a.device.name) : [];
    const messages = { before: onlyIn(bLog, aLog), after: onlyIn(aLog, bLog) };
    const entry: DeviceDiff = { path, bus: (b ?? a)!.device.bus, fields, messages };
    if (fields.length > 0) changed.push(entry);
    else if (messages.before.length > 0 || messages.after.length > 0) messagesOnly.push(entry);
  }
  const bBoot = logLines(before, undefined);
  const aBoot = logLines(after, undefined);
  return {
    before: before.kernel.name,
    after: after.kernel.name,
    devices: paths.length,
    changed,
    messagesOnly,
    machine: fieldChanges(MACHINE_FIELDS, machineFacts(before), machineFacts(after), differing),
    bootMessages: { before: onlyIn(bBoot, aBoot), after: onlyIn(aBoot, bBoot) },
  };
}

/** Totals over many inputs' diffs: what `dmasim diff` summarises. */
export interface DiffSummary {
  inputs: number;
  /** Inputs that failed to load or boot under either release. */
  failed: number;
  devices: number;
  devicesChanged: number;
  /** Devices whose facts are the same but whose kernel messages differ. */
  devicesMessagesOnly: number;
  /** Devices changed, by the field that changed (a device counts once per field). */
  byField: Partial<Record<DeviceField, number>>;
  /** Inputs whose machine-wide facts changed, by fact. */
  byMachineField: Partial<Record<MachineField, number>>;
  /** Registry entries cited, with how many field changes cite each. */
  byChange: Partial<Record<KernelChangeId, number>>;
}

export function summarizeDiffs(diffs: readonly MachineDiff[], failed = 0): DiffSummary {
  const summary: DiffSummary = {
    inputs: diffs.length + failed,
    failed,
    devices: 0,
    devicesChanged: 0,
    devicesMessagesOnly: 0,
    byField: {},
    byMachineField: {},
    byChange: {},
  };
  const cite = (ids: readonly KernelChangeId[]) => {
    for (const id of ids) summary.byChange[id] = (summary.byChange[id] ?? 0) + 1;
  };
  for (const diff of diffs) {
    summary.devices += diff.devices;
    summary.devicesChanged += diff.changed.length;
    summary.devicesMessagesOnly += diff.messagesOnly.length;
    for (const d of diff.changed) {
      for (const f of d.fields) {
        summary.byField[f.field] = (summary.byField[f.field] ?? 0) + 1;
        cite(f.changes);
      }
    }
    for (const f of diff.machine) {
      summary.byMachineField[f.field] = (summary.byMachineField[f.field] ?? 0) + 1;
      cite(f.changes);
    }
  }
  return summary;
}
