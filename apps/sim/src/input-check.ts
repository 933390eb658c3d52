// Reads an input file (YAML, of which JSON is a subset) against its definition in
// schema/input.ts: the first way it breaks the schema, or a value a decoder refuses, becomes the
// reader's own error naming the file, the line and the key path.
import { type StaticDecode, type TSchema, TypeBoxError } from '@sinclair/typebox';
import { TransformDecodeError, Value, ValueErrorType } from '@sinclair/typebox/value';
import { parseYamlDocument } from './yaml-text.js';

/** Builds the reader's typed error from a message and where it is ("f.yaml:3: pci[0]"). */
export type InputError = (message: string, where: string) => Error;

/** A decoded file, and where (file, line, key path) a key path of it is, for later checks. */
export interface InputFile<S extends TSchema> {
  value: StaticDecode<S>;
  /** The document was empty (and `value` decodes the `empty` option). */
  empty: boolean;
  where(path: readonly (string | number)[]): string;
}

/** ["steps", "0", "phys"] → "steps[0].phys" */
function keyPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, p) => (/^\d+$/.test(String(p)) ? `${out}[${p}]` : out ? `${out}.${p}` : String(p)),
    '',
  );
}

/** "/steps/0/phys" → ["steps", "0", "phys"] */
function pointerPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * YAML read exactly gives bigints; the schema speaks JSON. A safe integer becomes a number; a
 * larger one becomes its decimal text, which the u64 decoders read exactly and an integer field
 * refuses as the wrong type.
 */
function asJson(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) return value.map(asJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]));
  }
  return value;
}

interface SchemaNode {
  type?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  description?: string;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number'
    ? Number.isInteger(value)
      ? 'integer'
      : 'number'
    : typeof value;
}

function fits(schema: SchemaNode, value: unknown): boolean {
  if (schema.anyOf) return schema.anyOf.some((s) => fits(s, value));
  const type = jsonType(value);
  return schema.type === type || (schema.type === 'number' && type === 'integer');
}

function oneOfList(values: unknown[]): string {
  const text = values.map(String);
  return text.length < 2 ? text.join('') : `${text.slice(0, -1).join(', ')} or ${text.at(-1)}`;
}

/**
 * The variant of a union a value meant: the only one of its JSON type, or among mappings the one
 * whose literal key (such as `type` or `op`) it carries. A bad literal is reported on that key.
 */
function meantVariant(
  union: SchemaNode,
  value: unknown,
): { variant: SchemaNode } | { key: string; values: unknown[] } | null {
  const candidates = (union.anyOf ?? []).filter((s) => fits(s, value));
  if (candidates.length === 1) return { variant: candidates[0]! };
  if (candidates.length < 2 || jsonType(value) !== 'object') return null;
  const record = value as Record<string, unknown>;
  const first = candidates[0]!.properties ?? {};
  for (const key of Object.keys(first)) {
    if (!candidates.every((c) => c.properties?.[key]?.const !== undefined)) continue;
    const match = candidates.find((c) => c.properties![key]!.const === record[key]);
    if (match) return { variant: match };
    return { key, values: candidates.map((c) => c.properties![key]!.const) };
  }
  return null;
}

/** TypeBox's words for a JSON type, as a YAML user says them. */
function plainWords(message: string): string {
  const words: Record<string, string> = {
    'Expected array': 'a list',
    'Expected object': 'a mapping',
    'Expected string': 'text',
    'Expected boolean': 'true or false',
    'Expected integer': 'a whole number',
  };
  return words[message] ?? message.replace(/^Expected /, '');
}

/** The first way `value` breaks `schema`, as [key path, what is wrong]; null when it conforms. */
export function firstInputProblem(schema: TSchema, value: unknown): [string[], string] | null {
  const first = Value.Errors(schema, value).First();
  if (!first) return null;
  const path = pointerPath(first.path);
  const node = first.schema as SchemaNode;
  if (first.type === ValueErrorType.Union) {
    const meant = meantVariant(node, first.value);
    if (meant && 'key' in meant) {
      return [[...path, meant.key], `expected ${oneOfList(meant.values)}`];
    }
    if (meant) {
      const inner = firstInputProblem(meant.variant as TSchema, first.value);
      // Deeper, or about keys: the variant's own words are the most precise.
      if (
        inner &&
        (inner[0].length > 0 || !node.description || /^unknown key|^is missing/.test(inner[1]))
      ) {
        return [[...path, ...inner[0]], inner[1]];
      }
    }
  }
  if (first.type === ValueErrorType.ObjectAdditionalProperties) {
    const name = path.at(-1) ?? '';
    const known = Object.keys(node.properties ?? {});
    return [path, `unknown key "${name}" (known: ${known.join(', ')})`];
  }
  if (first.type === ValueErrorType.ObjectRequiredProperty) return [path, 'is missing'];
  return [path, `expected ${node.description ?? plainWords(first.message)}`];
}

/** A parsed input file, before it is decoded. */
export interface InputDocument {
  value: unknown;
  fileName: string;
  error: InputError;
  lineOf(path: readonly string[]): number | undefined;
}

/** Parse an input file's text; a syntax error is the reader's error naming the file. */
export function parseInputDocument(
  text: string,
  fileName: string,
  error: InputError,
): InputDocument {
  try {
    // Integers exactly: YAML's own numbers are doubles, which would round a u64 silently.
    return { ...parseYamlDocument(text, { intAsBigInt: true }), fileName, error };
  } catch (e) {
    // The library's message ends in a code frame: its first line says where.
    throw error((e as Error).message.split('\n')[0]!.replace(/:$/, ''), fileName);
  }
}

/**
 * Decode a parsed file by `schema`. An empty document gives `empty` when one is given; a top
 * level that is not a mapping is an error.
 */
export function decodeInput<S extends TSchema>(
  schema: S,
  doc: InputDocument,
  options: { empty?: unknown } = {},
): InputFile<S> {
  const { fileName, error } = doc;
  /** The file, the line of `linePath` (default: `path`) and the key path. */
  const where = (path: readonly (string | number)[], linePath = path) => {
    const line = doc.lineOf(linePath.map(String));
    const file = line === undefined ? fileName : `${fileName}:${line}`;
    return path.length === 0 ? file : `${file}: ${keyPath(path)}`;
  };
  let raw = doc.value;
  const empty = raw === null || raw === undefined;
  if (empty && options.empty !== undefined) raw = options.empty;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw error('the top level must be a mapping', fileName);
  }
  const value = asJson(raw);
  const problem = firstInputProblem(schema, value);
  if (problem) {
    // An unknown key is reported on the mapping that holds it, at the key's line.
    const [path, message] = problem;
    const parent = message.startsWith('unknown key') ? path.slice(0, -1) : path;
    throw error(message, where(parent, path));
  }
  try {
    return { value: Value.Decode(schema, value), empty, where };
  } catch (e) {
    if (e instanceof TransformDecodeError) {
      const inner = e.error instanceof Error ? e.error.message : String(e.error);
      throw error(inner, where(pointerPath(e.path)));
    }
    if (e instanceof TypeBoxError) throw error(e.message, fileName);
    throw e;
  }
}

/** Parse `text` and decode it by `schema`. */
export function readInputFile<S extends TSchema>(
  schema: S,
  text: string,
  fileName: string,
  error: InputError,
  options: { empty?: unknown } = {},
): InputFile<S> {
  return decodeInput(schema, parseInputDocument(text, fileName, error), options);
}
