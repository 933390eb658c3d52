import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDmaMask } from '@dmasim/dma-mapping';
import { bootMachine } from '@dmasim/machine';
import { parseFdt } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { benchCommand } from './commands/bench.js';
import { runCommand } from './commands/run.js';
import { corpusDir, exampleDir, hasCorpus } from './corpus.js';
import { parsePlatformFile } from './platform-file.js';
import type { RunReport } from './run-report.js';
import { commandArgs } from './test-cli.js';
import { parseWorkloadFile, WorkloadFileError } from './workload-file.js';

const run = (argv: string[]) => runCommand(commandArgs('run', argv));
const example = join(exampleDir, 'example-soc.dts');
const qemuPlatform = join(exampleDir, 'qemu-virt.platform.yaml');
const dtb = (name: string) => join(corpusDir, 'dtb', name);
const dir = mkdtempSync(join(tmpdir(), 'dmasim-run-'));

/** "label:   value" lines of the text report: the first integer of each value. */
function textNumbers(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z -]+):\s+(?:.*?)(-?\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Every number of the text appears in the JSON under the matching key. */
function expectSameNumbers(text: string, r: RunReport): void {
  const t = textNumbers(text);
  expect(t.get('maps')).toBe(r.maps);
  expect(t.get('unmaps')).toBe(r.unmaps);
  expect(t.get('map failures')).toBe(r.mapFailures);
  expect(t.get('bounces')).toBe(r.bounces);
  expect(t.get('bounce bytes')).toBe(r.bounceBytes);
  expect(t.get('swiotlb high water')).toBe(r.swiotlbHighWater.slots);
  expect(text).toContain(`(${r.swiotlbHighWater.bytes} bytes)`);
  expect(text).toContain(
    `DMA ${r.allocations.DMA}, DMA32 ${r.allocations.DMA32}, Normal ${r.allocations.Normal}, CMA ${r.allocations.cma}`,
  );
  expect(t.get('alloc failures')).toBe(r.allocFailures);
  expect(t.get('cache maintenance')).toBe(r.cacheMaintenance);
  if (r.iommu) {
    expect(t.get('IOVA allocations')).toBe(r.iommu.iovaAllocs);
    expect(t.get('rcache hits')).toBe(r.iommu.rcacheHits);
    expect(t.get('page-table pages')).toBe(r.iommu.pageTablePages);
    expect(t.get('IOTLB invalidations')).toBe(r.iommu.iotlbInvalidations);
    expect(t.get('flush-queue flushes')).toBe(r.iommu.flushQueueFlushes);
  }
}

describe('dmasim run on the bundled example', () => {
  it('nic-rx defaults to the 30-bit DMA controller and bounces every buffer', () => {
    const out = run([example, '--workload', 'nic-rx']);
    const r = out.json as RunReport;
    expect(r.device).toBe('/soc/dma-controller@7e007000');
    expect(r.ops).toBe('dma-direct');
    // 256 ring buffers + 10000 refills, each 2 KiB, all above the window's first GiB.
    expect(r.maps).toBe(10_256);
    expect(r.unmaps).toBe(10_256);
    expect(r.bounces).toBe(10_256);
    // Copied in at map (swiotlb always fills the slot) and out at unmap: 2 × 2 KiB each.
    expect(r.bounceBytes).toBe(10_256 * 4096);
    // The ring's 256 buffers, one slot each.
    expect(r.swiotlbHighWater).toEqual({ slots: 256, bytes: 256 * 2048 });
    // Non-coherent: one sync for the device per map, one for the CPU per unmap.
    expect(r.cacheMaintenance).toBe(2 * 10_256);
    expect(r.setMask).toEqual({ mask: '0xffffffffffffffff', result: 0 });
    expect(r.iommu).toBeNull();
    expect(out.text.split('\n')[0]).toBe(
      'nic-rx on /soc/dma-controller@7e007000 through dma-direct, 20512 steps',
    );
    expectSameNumbers(out.text, r);
    // Same numbers as --json asks for (and runs are deterministic).
    expect(run([example, '--workload', 'nic-rx', '--json']).json).toEqual(r);
  });

  it('a small swiotlb pool fills up and the kernel message is reported', () => {
    const out = run([example, '--workload', 'nic-rx', '--cmdline', 'swiotlb=128', '--count', '10']);
    const r = out.json as RunReport;
    // 128 slots hold 128 of the 256 ring buffers; the rest fail with swiotlb's message.
    expect(r.mapFailures).toBe(r.failures.total);
    expect(r.mapFailures).toBeGreaterThan(0);
    expect(r.failures.first[0]?.messages[0]).toMatch(
      /^swiotlb buffer is full \(sz: 2048 bytes\), total 128 \(slots\), used 128 \(slots\)$/,
    );
    expect(r.swiotlbHighWater.slots).toBe(128);
    expectSameNumbers(out.text, r);
    expect(out.text).toContain('swiotlb buffer is full');
  });

  it('workload files: a step list and a generator', () => {
    const steps = join(dir, 'steps.yaml');
    writeFileSync(
      steps,
      `device: /bus@f0000000/usb@2000
mask: 64
steps:
  - { op: map, id: 0, phys: 0x100000000, size: 4096, dir: to-device }
  - { op: alloc, id: 1, size: 0x10000 }
  - { op: map-sg, id: 2, dir: from-device, segments: [{ phys: "0x100002000", length: 4096 }, { phys: 0x100004000, length: 8192 }] }
  - { op: unmap-sg, id: 2 }
  - { op: free, id: 1 }
  - { op: unmap, id: 0 }
`,
    );
    const r = run([example, '--workload', steps]).json as RunReport;
    expect(r.device).toBe('/bus@f0000000/usb@2000');
    // Coherent, no window: three streaming mappings (one page, two sg segments), no bounce.
    expect([r.maps, r.unmaps, r.bounces, r.cacheMaintenance]).toEqual([3, 3, 0, 0]);
    expect(r.allocations.DMA + r.allocations.DMA32 + r.allocations.Normal).toBe(1);

    const gen = join(dir, 'gen.json');
    writeFileSync(
      gen,
      JSON.stringify({
        mask: 32,
        generate: {
          count: 500,
          inFlight: 8,
          mix: [
            { op: 'map', weight: 3, sizes: [512, 4096], dir: 'to-device' },
            { op: 'map-sg', weight: 1, segments: [1, 4], segmentSize: 4096 },
          ],
        },
      }),
    );
    const g = run([example, '--workload', gen, '--seed', '7']).json as RunReport;
    expect(g.device).toBe('/soc/dma-controller@7e007000');
    expect(g.steps).toBe(1000);
    expect(g.maps).toBeGreaterThan(500);
    expect(g.bounces).toBe(g.maps);
    expect(g.swiotlbHighWater.slots).toBeGreaterThan(0);
    expect(run([example, '--workload', gen, '--seed', '7']).json).toEqual(g);
  });

  it('bad workload files get typed errors naming the place', () => {
    expect(() => parseWorkloadFile('steps: [{ op: zap, id: 0 }]', 'w.yaml')).toThrow(
      'w.yaml:1: steps[0].op: expected map, unmap, map-sg, unmap-sg, alloc or free',
    );
    expect(() => parseWorkloadFile('steps: []\ngenerate: {}', 'w.yaml')).toThrow(WorkloadFileError);
    expect(() =>
      parseWorkloadFile('generate: { mix: [{ op: map, sizes: [0] }] }', 'w.yaml'),
    ).toThrow(new WorkloadFileError('sizes must all be above 0', 'w.yaml:1: generate.mix[0]'));
    expect(() =>
      parseWorkloadFile('steps: [{ op: map, id: 0, phys: -4, size: 1 }]', 'w.yaml'),
    ).toThrow(/^w\.yaml:1: steps\[0\]\.phys: expected an address or size/);
  });
});

describe.skipIf(!hasCorpus)('dmasim run through the IOMMU (QEMU virt, SMMUv3)', () => {
  it('nic-rx on virtio-net 00:01.0: IOVA statistics, no bounces', () => {
    const argv = [
      dtb('qemu__virt-smmuv3.dtb'),
      '--workload',
      'nic-rx',
      '--platform',
      qemuPlatform,
      '--device',
      'pci:0000:00:01.0',
    ];
    const out = run(argv);
    const r = out.json as RunReport;
    expect(r.ops).toBe('iommu-dma');
    expect(r.bounces).toBe(0);
    expect(r.swiotlbHighWater.slots).toBe(0);
    expect(r.maps).toBe(10_256);
    expect(r.iommu).not.toBeNull();
    const i = r.iommu!;
    expect(i.domain).toBe('DMA on /smmuv3@9050000');
    expect(i.iovaAllocs).toBe(10_256);
    // The ring's first 256 come from the tree; every refill reuses a cached IOVA.
    expect(i.rcacheHits).toBe(10_000);
    expect(i.rcacheHitRate).toBeCloseTo(10_000 / 10_256, 10);
    // Strict mode (the default): one IOTLB sync per unmap, no flush queue.
    expect(i.iotlbInvalidations).toBe(10_256);
    expect(i.flushQueueFlushes).toBe(0);
    expect(i.pageTablePages).toBeGreaterThan(0);
    expectSameNumbers(out.text, r);
  });

  it('iommu.strict=0 batches invalidations through the flush queue', () => {
    const r = run([
      dtb('qemu__virt-smmuv3.dtb'),
      '--workload',
      'nic-rx',
      '--platform',
      qemuPlatform,
      '--cmdline',
      'iommu.strict=0',
    ]).json as RunReport;
    expect(r.device).toBe('pci:0000:00:01.0');
    expect(r.iommu?.domain).toBe('DMA-FQ on /smmuv3@9050000');
    expect(r.iommu!.flushQueueFlushes).toBeGreaterThan(0);
    expect(r.iommu!.iotlbInvalidations).toBeLessThan(r.unmaps);
  });

  it('driver masks go through dma_set_mask_and_coherent()', () => {
    const file = (bits: number) =>
      parsePlatformFile(
        readFileSync(qemuPlatform, 'utf8').replace(
          '{ bdf: "00:01.0", driverMask: 64',
          `{ bdf: "00:01.0", driverMask: ${bits}`,
        ),
      );
    const virtio = (blob: string, bits: number) =>
      bootMachine(
        { kind: 'device-tree', tree: parseFdt(readFileSync(dtb(blob))) },
        { platform: file(bits) },
      ).devices.find((d) => d.path === 'pci:0000:00:01.0')!.device;
    // dma-direct: 24 bits cannot reach RAM at 0x40000000-0xbfffffff: -EIO, masks unchanged.
    const direct = virtio('qemu__virt.dtb', 24);
    expect(getDmaMask(direct)).toBe(0xffff_ffffn);
    expect(direct.coherentDmaMask).toBe(0xffff_ffffn);
    expect(direct.log).toContainEqual({
      level: 'err',
      msg: 'No usable DMA configuration, aborting',
    });
    // dma-iommu accepts any mask.
    const translated = virtio('qemu__virt-smmuv3.dtb', 24);
    expect(getDmaMask(translated)).toBe(0xff_ffffn);
    expect(translated.log.some((e) => e.msg.includes('No usable DMA'))).toBe(false);
    // 64 bits everywhere.
    expect(getDmaMask(virtio('qemu__virt.dtb', 64))).toBe(0xffff_ffff_ffff_ffffn);
  });
});

describe('dmasim bench map', () => {
  it("prints dma_map_benchmark's three lines", () => {
    const out = benchCommand(
      commandArgs('bench', [
        'map',
        example,
        '--device',
        '/soc/dma-controller@7e007000',
        '--seconds',
        '1',
        '--granule',
        '2',
        '--dir',
        '2',
        '--dma-trans-ns',
        '50',
      ]),
    );
    const lines = out.text.split('\n');
    expect(lines[0]).toBe(
      'dma mapping benchmark: threads:1 seconds:1 node:-1 dir:FROM_DEVICE granule: 2',
    );
    expect(lines[1]).toMatch(/^average map latency\(us\):\d+\.\d standard deviation:\d+\.\d$/);
    expect(lines[2]).toMatch(/^average unmap latency\(us\):\d+\.\d standard deviation:\d+\.\d$/);
    expect(lines).toHaveLength(3);
    const json = out.json as { loops: number; avgMap100ns: number; errors: string[] };
    expect(json.loops).toBeGreaterThan(100);
    expect(lines[1]).toContain(`latency(us):${(json.avgMap100ns / 10).toFixed(1)} `);
    expect(json.errors).toEqual([]);
  });

  it("refuses what the ioctl refuses, with the kernel's words", () => {
    const bench = (extra: string[]) => () =>
      benchCommand(
        commandArgs('bench', ['map', example, '--device', '/bus@f0000000/usb@2000', ...extra]),
      );
    expect(bench(['--threads', '2'])).toThrow('threads: invalid thread number');
    expect(bench(['--seconds', '0'])).toThrow('invalid duration seconds');
    expect(bench(['--granule', '2048'])).toThrow('Invalid granule size');
    expect(bench(['--dir', '3'])).toThrow('invalid DMA direction');
  });
});
