// `dmasim of ...`: single kernel functions of drivers/of run on one node.
import {
  hex,
  type KernelLog,
  parseU64,
  translateDmaToPhys,
  translatePhysToDma,
} from '@dmasim/dma-mapping';
import {
  createOfContext,
  type DtNode,
  OF_BAD_ADDR,
  type OfContext,
  ofAddressToResource,
  ofDmaGetMaxCpuAddress,
  ofDmaGetRange,
  ofPropertyReadReg,
  ofRanges,
} from '@dmasim/of';
import { options, type ParsedArgs, UsageError } from '../args.js';
import { loadDeviceTree } from '../device-tree-file.js';
import { rangeMapReport } from '../report.js';
import { type CommandOutput, kernelOption, treeLoadOptions } from './common.js';

function nodeArg(ctx: OfContext, path: string | undefined): DtNode {
  if (path === undefined)
    throw new UsageError('missing NODE (a node path such as /soc/dma@7e007000)');
  const node = ctx.byPath.get(path);
  if (!node) throw new UsageError(`no node at ${path}`);
  return node;
}

function indexArg(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`INDEX must be a whole number, got ${text}`);
  return n;
}

function logLines(log: KernelLog): string[] {
  return log.map((e) => `${e.level}: ${e.msg}`);
}

/** dmasim of dma-range FILE NODE [--phys-to-dma ADDR]... [--dma-to-phys ADDR]... */
function dmaRange(ctx: OfContext, args: ParsedArgs): CommandOutput {
  const node = nodeArg(ctx, args.positionals[2]);
  const log: KernelLog = [];
  const { ret, map } = ofDmaGetRange(ctx, node, log);
  const physToDma: Record<string, string> = {};
  const dmaToPhys: Record<string, string> = {};
  for (const a of options(args, '--phys-to-dma')) {
    const phys = parseU64(a);
    physToDma[hex(phys)] = hex(map ? translatePhysToDma(map, phys) : phys);
  }
  for (const a of options(args, '--dma-to-phys')) {
    const dma = parseU64(a);
    dmaToPhys[hex(dma)] = hex(map ? translateDmaToPhys(map, dma) : dma);
  }
  const json = { ret, map: rangeMapReport(map), physToDma, dmaToPhys, log };
  const text = [
    `of_dma_get_range(${node.path}) = ${ret}`,
    ...(map ?? []).map(
      (r) => `  dma ${hex(r.dmaStart)} -> cpu ${hex(r.cpuStart)} size ${hex(r.size)}`,
    ),
    ...Object.entries(physToDma).map(([p, d]) => `  phys ${p} -> dma ${d}`),
    ...Object.entries(dmaToPhys).map(([d, p]) => `  dma ${d} -> phys ${p}`),
    ...logLines(log),
  ];
  return { json, text: text.join('\n') };
}

/** dmasim of ranges FILE NODE [--dma] */
function ranges(ctx: OfContext, args: ParsedArgs): CommandOutput {
  const node = nodeArg(ctx, args.positionals[2]);
  const prop = args.flags.has('--dma') ? 'dma-ranges' : 'ranges';
  const log: KernelLog = [];
  const list = ofRanges(ctx, node, prop, log) ?? [];
  const json = {
    count: list.length,
    ranges: list.map((r) => ({
      flags: hex(r.flags),
      busAddr: hex(r.busAddr),
      cpuAddr: r.cpuAddr === OF_BAD_ADDR ? null : hex(r.cpuAddr),
      size: hex(r.size),
    })),
  };
  const text = [
    `${prop} of ${node.path}: ${list.length} range(s)`,
    ...json.ranges.map(
      (r) => `  flags ${r.flags} bus ${r.busAddr} cpu ${r.cpuAddr ?? 'OF_BAD_ADDR'} size ${r.size}`,
    ),
    ...logLines(log),
  ];
  return { json, text: text.join('\n') };
}

/** dmasim of max-cpu-address FILE [NODE] */
function maxCpuAddress(ctx: OfContext, args: ParsedArgs): CommandOutput {
  const path = args.positionals[2];
  const node = path === undefined ? null : nodeArg(ctx, path);
  const max = ofDmaGetMaxCpuAddress(ctx, node);
  return { json: { max: hex(max) }, text: `of_dma_get_max_cpu_address = ${hex(max)}` };
}

/** dmasim of reg FILE NODE [INDEX] */
function reg(ctx: OfContext, args: ParsedArgs): CommandOutput {
  const node = nodeArg(ctx, args.positionals[2]);
  const index = indexArg(args.positionals[3]);
  const r = ofPropertyReadReg(node, index);
  const json = 'addr' in r ? { ret: r.ret, addr: hex(r.addr), size: hex(r.size) } : { ret: r.ret };
  const text =
    'addr' in r
      ? `reg[${index}] of ${node.path}: addr ${hex(r.addr)} size ${hex(r.size)}`
      : `reg[${index}] of ${node.path}: ${r.ret}`;
  return { json, text };
}

/** dmasim of resource FILE NODE [INDEX] */
function resource(ctx: OfContext, args: ParsedArgs): CommandOutput {
  const node = nodeArg(ctx, args.positionals[2]);
  const index = indexArg(args.positionals[3]);
  const r = ofAddressToResource(ctx, node, index);
  if (!r.resource)
    return { json: { ret: r.ret }, text: `resource[${index}] of ${node.path}: ${r.ret}` };
  const size = r.resource.end - r.resource.start + 1n;
  const json = {
    ret: 0,
    start: hex(r.resource.start),
    size: hex(size),
    flags: hex(r.resource.flags),
  };
  return {
    json,
    text: `resource[${index}] of ${node.path}: start ${json.start} size ${json.size} flags ${json.flags}`,
  };
}

const PROBES: Record<string, (ctx: OfContext, args: ParsedArgs) => CommandOutput> = {
  'dma-range': dmaRange,
  ranges,
  'max-cpu-address': maxCpuAddress,
  reg,
  resource,
};

export const OF_PROBE_USAGE = `dmasim of dma-range FILE NODE [--phys-to-dma ADDR]... [--dma-to-phys ADDR]... [--kernel K] [--json]
dmasim of ranges FILE NODE [--dma] [--kernel K] [--json]
dmasim of max-cpu-address FILE [NODE] [--kernel K] [--json]
dmasim of reg FILE NODE [INDEX] [--kernel K] [--json]
dmasim of resource FILE NODE [INDEX] [--kernel K] [--json]`;

export function ofProbeCommand(args: ParsedArgs): CommandOutput {
  const [probe, file] = [args.positionals[0], args.positionals[1]];
  const run = probe === undefined ? undefined : PROBES[probe];
  if (!run || file === undefined) throw new UsageError(OF_PROBE_USAGE);
  const kernel = kernelOption(args);
  return run(createOfContext(loadDeviceTree(file, treeLoadOptions(args)), kernel), args);
}
