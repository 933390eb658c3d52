// IORT specs as text (YAML or JSON in the writer's input form) and the table as JSON.
import {
  IORT_NODE_TYPES,
  type IortNodeInput,
  type IortTable,
  type IortTableInput,
} from '@dmasim/acpi-iort';
import { hex } from '@dmasim/dma-mapping';
import { PlatformFileError } from './platform-file.js';
import { parseYamlText } from './yaml-text.js';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * YAML (of which JSON is a subset) with every integer read exactly: YAML's own numbers are
 * doubles, which would silently round a u64 such as 0xffff_ffff_ffff_f000.
 */
export function parseYamlExact(text: string, fileName: string): unknown {
  let doc: unknown;
  try {
    doc = parseYamlText(text, { intAsBigInt: true });
  } catch (e) {
    // The library's message ends in a code frame: its first line says where.
    throw new PlatformFileError((e as Error).message.split('\n')[0]!.replace(/:$/, ''), fileName);
  }
  return doc;
}

/** Integers back to what the writer takes: numbers when exact, else hex text. */
function writerValues(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : hex(v);
  if (Array.isArray(v)) return v.map(writerValues);
  if (isRecord(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, writerValues(x)]));
  return v;
}

const NODE_TYPES: readonly string[] = [...IORT_NODE_TYPES, 'unknown'];

/**
 * Check an IORT spec's shape (a mapping with a list of typed nodes) and hand it to the writer,
 * which checks every value and reports bad ones by table byte offset.
 */
export function iortSpecFromDocument(doc: unknown, where: string): IortTableInput {
  if (!isRecord(doc)) throw new PlatformFileError('an IORT spec must be a mapping', where);
  const nodes = doc.nodes ?? [];
  if (!Array.isArray(nodes)) throw new PlatformFileError('nodes must be a list', `${where}: nodes`);
  nodes.forEach((n, i) => {
    const at = `${where}: nodes[${i}]`;
    if (!isRecord(n)) throw new PlatformFileError('a node must be a mapping', at);
    if (typeof n.type !== 'string' || !NODE_TYPES.includes(n.type)) {
      throw new PlatformFileError(
        `type must be one of ${NODE_TYPES.join(', ')}, got ${JSON.stringify(writerValues(n.type))}`,
        at,
      );
    }
    if (n.mappings !== undefined && n.mappings !== null && !Array.isArray(n.mappings)) {
      throw new PlatformFileError('mappings must be a list', at);
    }
  });
  return writerValues(doc) as IortTableInput & { nodes: IortNodeInput[] };
}

/** Parse an IORT spec file's text. */
export function parseIortSpec(text: string, fileName = 'spec'): IortTableInput {
  return iortSpecFromDocument(parseYamlExact(text, fileName), fileName);
}

/** The table as JSON-ready data: u64 fields as hex text, which the writer reads back. */
export function iortTableJson(table: IortTable): unknown {
  return JSON.parse(
    JSON.stringify(table, (_key, v: unknown) => (typeof v === 'bigint' ? hex(v) : v)),
  );
}
