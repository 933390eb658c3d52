// Kernel releases as data: the behaviour changes dmasim models, each a named registry entry, and
// the releases that have them. Models ask `kernel.has(id)`; nothing outside this file orders
// version numbers.

/** The releases dmasim models. 6.12 is the current 6.12.y LTS; 6.10 is the final 6.10.y. */
export type KernelReleaseName = '6.7' | '6.8' | '6.10' | '6.12';

export const KERNEL_RELEASE_NAMES: readonly KernelReleaseName[] = ['6.7', '6.8', '6.10', '6.12'];

/** What `--kernel` defaults to: the LTS the acceptance facts (kernel-observations.md) came from. */
export const DEFAULT_KERNEL_RELEASE: KernelReleaseName = '6.12';

/** One behaviour change: a kernel commit (or a series reduced to its observable patches). */
export interface KernelChange {
  /** Stable identifier; other packages gate on it. */
  id: string;
  /** The commit title as it appears in the kernel's history. */
  title: string;
  /** The first mainline release that has it. */
  firstRelease: string;
  /** Stable trees that took a backport (e.g. '6.12.y'). */
  stable: readonly string[];
  /** One line: what it changes for dmasim. */
  effect: string;
  /** Where the first release (and backports) were checked: trees and files. */
  checkedIn: readonly string[];
}

// Mainline order; only the registry below uses it, to place each release.
const MAINLINE = [
  '6.1',
  '6.2',
  '6.3',
  '6.4',
  '6.5',
  '6.6',
  '6.7',
  '6.8',
  '6.9',
  '6.10',
  '6.11',
  '6.12',
  '6.13',
  '6.14',
] as const;

const SERIES_NOTE =
  'Robin Murphy\'s series "iommu, dma-mapping: Simplify arch_setup_dma_ops()" (v4, April 2024; firmware.md §0.1)';
const SERIES_LOG =
  'linux-next post-receive log: 0c3457926e7e, ba503cf41c90, 91cfd679f9e8, fece6530bf4b in a row (6.10 cycle)';
const SERIES_RVCK = 'RVCK-Project/rvck history: the series dated 2024-04-19';

/** The registry, in mainline order. */
export const KERNEL_CHANGES = [
  {
    id: 'of-iommu-addresses-resv-regions',
    title: 'iommu: Implement of_iommu_get_resv_regions()',
    firstRelease: '6.3',
    stable: [],
    effect:
      'reserved-memory nodes with iommu-addresses become the device\'s reserved regions ("direct" when they also have reg)',
    checkedIn: [
      "linux-tegra list: Thierry Reding's series applied January 2023 (6.3 merge window)",
      'stable fixes citing a5bf3cfce8cb ("Fixes: ... Implement of_iommu_get_resv_regions()")',
    ],
  },
  {
    id: 'of-address-default-flags-translate',
    title: 'of: address: Fix address translation when address-size is greater than 2',
    firstRelease: '6.7',
    stable: ['6.1.y', '6.6.y'],
    effect:
      'the 3-cell "default-flags" bus keeps its flags cell and adds the offset to the cells after it',
    checkedIn: [
      '6.1-stable review 85/92 (2025-01-15): upstream 42604f8eb7ba (v2 posted 2023-10-17), a stable-dep of 7f05e20b989a',
      'DT history logs listing it right after "of/address: Add support for 3 address cell bus"',
      'firmware.md §1.2 (correction)',
    ],
  },
  {
    id: 'arm64-swiotlb-kmalloc-bounce-size',
    title: 'arm64: swiotlb: Reduce the default size if no ZONE_DMA bouncing needed',
    firstRelease: '6.7',
    stable: [],
    effect:
      'arm64 with all RAM in ZONE_DMA keeps swiotlb for kmalloc() bouncing only, shrunk to 1 MiB per GiB of RAM ("SWIOTLB bounce buffer size adjusted to ...")',
    checkedIn: [
      'arm64 pull listing 65033574ade9 with the 6.7 features (FEAT_LRCPC3/LSE128 HWCAPs, backtrace-ipi)',
      'linux-next post-receive log with 65033574ade9 next to the 6.7 ampere_cspmu work',
    ],
  },
  {
    id: 'of-iommu-configure-int',
    title: 'iommmu/of: Do not return struct iommu_ops from of_iommu_configure()',
    firstRelease: '6.8',
    stable: [],
    effect:
      'of_iommu_configure() returns an int, -ENODEV for "no IOMMU" (with "iommu/of: Use -ENODEV consistently"); of_dma_configure_id() dev_errs other errors',
    checkedIn: [
      'iommu pull "Jason Gunthorpe (16)" with 6ff6e184f1f4 and 5b4ea8b06eb7 (6.8 merge window)',
      'RVCK-Project/rvck history: Jason Gunthorpe, 2023-12-07',
      'firmware.md §0.1 "M"',
    ],
  },
  {
    id: 'acpi-iommu-configure-int',
    title: 'acpi: Do not return struct iommu_ops from acpi_iommu_configure_id()',
    firstRelease: '6.8',
    stable: [],
    effect: 'acpi_iommu_configure_id() returns an int: -ENODEV when the device has no IOMMU',
    checkedIn: [
      'iommu pull "Jason Gunthorpe (16)" listing cdbc723f2da1 (6.8 merge window)',
      'RVCK-Project/rvck history: Jason Gunthorpe, 2023-12-07',
      'firmware.md §5.4 "M"',
    ],
  },
  {
    id: 'arch-setup-dma-ops-no-iommu-arg',
    title: 'iommu: Remove struct iommu_ops *iommu from arch_setup_dma_ops()',
    firstRelease: '6.8',
    stable: [],
    effect:
      'arch_setup_dma_ops() loses its iommu argument; the arch asks device_iommu_mapped() instead',
    checkedIn: [
      'linux-next post-receive log: 4720287c7bf7 before 6ff6e184f1f4',
      'RVCK-Project/rvck history: Jason Gunthorpe, 2023-12-07',
    ],
  },
  {
    id: 'of-dma-ranges-mask-workaround-retired',
    title: 'OF: Retire dma-ranges mask workaround',
    firstRelease: '6.10',
    stable: [],
    effect:
      'an odd dma-ranges span is no longer rounded up ("Invalid size 0x%llx for dma-range(s)" is gone); 2^64-1 spans no longer fail with -EINVAL',
    checkedIn: [SERIES_NOTE, SERIES_LOG, SERIES_RVCK],
  },
  {
    id: 'of-dma-range-map-limits',
    title: 'OF: Simplify DMA range calculations',
    firstRelease: '6.10',
    stable: [],
    effect:
      'of_dma_configure_id() takes the bus limit from dma_range_map_max() (inclusive) instead of an exclusive end with wrap',
    checkedIn: [SERIES_NOTE, SERIES_LOG, SERIES_RVCK],
  },
  {
    id: 'iort-limits-as-limits',
    title: 'ACPI/IORT: Handle memory address size limits as limits',
    firstRelease: '6.10',
    stable: [],
    effect:
      'iort_dma_get_ranges() returns an inclusive limit: a 64-bit IORT limit gives bus_dma_limit U64_MAX, not U64_MAX-1',
    checkedIn: [SERIES_NOTE, SERIES_LOG, SERIES_RVCK],
  },
  {
    id: 'iommu-dma-limit-checks-self-contained',
    title: 'iommu/dma: Make limit checks self-contained',
    firstRelease: '6.10',
    stable: [],
    effect:
      "iommu_dma_init_domain() takes the IOVA window from the device's dma_range_map, not from the arch's base/size",
    checkedIn: [SERIES_NOTE, SERIES_LOG],
  },
  {
    id: 'arch-setup-dma-ops-simplified',
    title: 'dma-mapping: Simplify arch_setup_dma_ops()',
    firstRelease: '6.10',
    stable: [],
    effect:
      'arch_setup_dma_ops(dev, coherent): firmware code no longer passes a DMA base and size to the arch',
    checkedIn: [SERIES_NOTE, 'firmware.md §0.1: f091e933, 2024-04-20'],
  },
  {
    id: 'of-iommu-configure-simplified',
    title: 'OF: Simplify of_iommu_configure()',
    firstRelease: '6.11',
    stable: [],
    effect:
      'of_iommu_configure() logs "Adding to IOMMU failed: %d" for every error but -EPROBE_DEFER (-19 for a device without iommus); of_dma_configure_id() logs only "device is%sbehind an iommu", no dev_err',
    checkedIn: [
      'linux-next post-receive logs: 5f937bc48a6a after "iommu: Resolve fwspec ops automatically", with "iommu/of: Support ats-supported" (6.11 cycle)',
      'iommu list: "[PATCH v3 4/5] OF: Simplify of_iommu_configure()" (2 July 2024): the diff logs "%d" for every error but -EPROBE_DEFER and folds the dev_err into one dev_dbg; firmware.md §2.2',
      'kernel-observations.md B: 6.12.117 logs "Adding to IOMMU failed: -19" and "device is not behind an iommu"',
    ],
  },
  {
    id: 'zone-dma-limit',
    title: 'dma-mapping: replace zone_dma_bits by zone_dma_limit',
    firstRelease: '6.12',
    stable: [],
    effect:
      'arm64 ZONE_DMA ends at the firmware DMA limit itself, no longer at DMA_BIT_MASK(fls64(limit)) (with "arm64: support DMA zone above 4GB")',
    checkedIn: [
      'dma-mapping pull: Catalin Marinas (2) ba0fb44aed47, 3be9b846896d; Baruch Siach (2) (6.12 merge window)',
      'linux-next post-receive log: ba0fb44aed47 after 3be9b846896d',
      'Odroid-M1 report on ba0fb44aed47 in linux-next (Marek Szyprowski)',
    ],
  },
  {
    id: 'arm64-keep-low-ram-dma-zone',
    title: 'arm64: mm: keep low RAM dma zone',
    firstRelease: '6.12',
    stable: [],
    effect:
      'ZONE_DMA stays at or below 4 GiB when RAM starts below 4 GiB (the fix for the Odroid-M1 swiotlb overflow); in 6.12.0 only the zone boundary is capped',
    checkedIn: [
      'dma-mapping pull: Baruch Siach (2) "arm64: mm: fix DMA zone when dma-ranges is missing", "arm64: mm: keep low RAM dma zone" (6.12)',
      'releases.md',
    ],
  },
  {
    id: 'arm64-zone-dma-limit-capped',
    title: 'arm64: mm: Fix zone_dma_limit calculation',
    firstRelease: '6.13',
    stable: ['6.12.y'],
    effect:
      'the U32_MAX cap applies to zone_dma_limit itself, so dma_direct_optimal_gfp_mask() stops choosing GFP_DMA for every device',
    checkedIn: [
      'linux-next pending-fixes log 2024-12-04: 56a708742a8b with the 6.13-rc2 fixes',
      'arm64 list: Yang Shi\'s patch, "Fixes: ba0fb44aed47", "Cc: stable 6.12+" (Nov/Dec 2024)',
      'stable logs: backports 8c6e788cc93a, d386ea7298cf, 4753ec7f7b09',
    ],
  },
  {
    id: 'of-address-bus-flag-cells',
    title: 'of: address: Store number of bus flag cells rather than bool',
    firstRelease: '6.13',
    stable: ['6.1.y', '6.6.y', '6.12.y'],
    effect: 'prerequisite of of-address-preserve-flags-1to1 (no behaviour change of its own)',
    checkedIn: [
      'linux-next-history post-receive log 2024-11-28 (6.13 merge window)',
      'stable logs: "Store number of bus flag cells" before "Preserve the flags portion" in several trees',
    ],
  },
  {
    id: 'of-address-preserve-flags-1to1',
    title: 'of: address: Preserve the flags portion on 1:1 dma-ranges mapping',
    firstRelease: '6.13',
    stable: ['6.1.y', '6.6.y', '6.12.y'],
    effect:
      "an empty (or, for DMA, missing) dma-ranges keeps the parent bus's flags cell; before, a later PCI flags compare fails and the translation is OF_BAD_ADDR",
    checkedIn: [
      'linux-next-history post-receive log 2024-11-28: 7f05e20b989a after 1a75e81baf4f "of/unittest: Add empty dma-ranges address translation tests" (6.13 merge window)',
      'stable review "[PATCH 6.6 083/222]" 2025-01-06; stable logs with other backport ids',
      'firmware.md §1.2 (6.10.y ended without it)',
    ],
  },
] as const satisfies readonly KernelChange[];

export type KernelChangeId = (typeof KERNEL_CHANGES)[number]['id'];

/** A kernel release: which registry entries it has. */
export interface KernelRelease {
  name: KernelReleaseName;
  /** What exactly the name stands for (mainline plus which stable tree). */
  description: string;
  has(change: KernelChangeId): boolean;
}

interface ReleaseSpec {
  mainline: (typeof MAINLINE)[number];
  stableTree: string;
  description: string;
}

const RELEASES: Record<KernelReleaseName, ReleaseSpec> = {
  '6.7': { mainline: '6.7', stableTree: '6.7.y', description: 'v6.7 (before the 6.8 changes)' },
  '6.8': {
    mainline: '6.8',
    stableTree: '6.8.y',
    description: 'v6.8 ("M": int of_iommu_configure(), no iommu argument to the arch)',
  },
  '6.10': {
    mainline: '6.10',
    stableTree: '6.10.y',
    description: 'the final 6.10.y (after arch_setup_dma_ops() cleanup; ended before the 1:1 fix)',
  },
  '6.12': {
    mainline: '6.12',
    stableTree: '6.12.y',
    description: 'the current 6.12.y LTS, with its stable backports',
  },
};

const changeById = new Map<string, KernelChange>(KERNEL_CHANGES.map((c) => [c.id, c]));

function computeHas(spec: ReleaseSpec): Set<string> {
  const at = MAINLINE.indexOf(spec.mainline);
  const have = new Set<string>();
  for (const c of KERNEL_CHANGES as readonly KernelChange[]) {
    const first = MAINLINE.indexOf(c.firstRelease as (typeof MAINLINE)[number]);
    if (first < 0) throw new Error(`kernel change ${c.id}: unknown release ${c.firstRelease}`);
    if (first <= at || c.stable.includes(spec.stableTree)) have.add(c.id);
  }
  return have;
}

const releases = new Map<KernelReleaseName, KernelRelease>(
  KERNEL_RELEASE_NAMES.map((name) => {
    const spec = RELEASES[name];
    const have = computeHas(spec);
    return [
      name,
      Object.freeze({
        name,
        description: spec.description,
        has(change: KernelChangeId): boolean {
          if (!changeById.has(change)) throw new Error(`unknown kernel change ${change}`);
          return have.has(change);
        },
      }),
    ];
  }),
);

export function isKernelReleaseName(name: string): name is KernelReleaseName {
  return (KERNEL_RELEASE_NAMES as readonly string[]).includes(name);
}

/** The release object for a name ('6.12' when none is given). */
export function kernelRelease(name: KernelReleaseName = DEFAULT_KERNEL_RELEASE): KernelRelease {
  const release = releases.get(name);
  if (!release) throw new Error(`unknown kernel release ${name}`);
  return release;
}

/** The registry entry for an id. */
export function kernelChange(id: KernelChangeId): KernelChange {
  const change = changeById.get(id);
  if (!change) throw new Error(`unknown kernel change ${id}`);
  return change;
}
