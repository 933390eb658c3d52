// YAML (of which JSON is a subset) for every input file: parsed with the library's own
// duplicate-key check off, because that check compares each key with every earlier one and a
// mapping of 100,000 keys takes it minutes; duplicates are found here with a set instead.
import { DmasimError } from '@dmasim/dma-mapping';
import type * as Yaml from 'yaml';
import { parseJsonText } from './json-text.js';

let yaml: typeof Yaml | undefined;

/** The browser entry hands the library in (a bundler sees the import there). */
export function useYamlLibrary(library: typeof Yaml): void {
  yaml = library;
}

/**
 * Under Node the library is required on first use, so a command that reads no YAML (inspect of
 * a blob) never loads it: it is the largest module dmasim starts with.
 */
function yamlLibrary(): typeof Yaml {
  if (yaml === undefined) {
    const node = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
    if (!node) throw new YamlTextError('no YAML library: call useYamlLibrary() first');
    yaml = node.createRequire(import.meta.url)('yaml') as typeof Yaml;
  }
  return yaml;
}

/** Why a text is not the YAML we take; the caller wraps it in its own file error. */
export class YamlTextError extends DmasimError {
  static override readonly code: string = 'DMASIM_YAML';
  override name = 'YamlTextError';
}

/** A parsed input file: its value, and where in the text a key path is. */
export interface YamlDocument {
  value: unknown;
  /** The 1-based line of the key (or list item) at `path`; undefined when it is not in the text. */
  lineOf(path: readonly string[]): number | undefined;
}

/** The document's value; a syntax error or a repeated key in a mapping is a YamlTextError. */
export function parseYamlText(text: string, options: { intAsBigInt?: boolean } = {}): unknown {
  return parseYamlDocument(text, options).value;
}

/** As parseYamlText(), keeping the document so that an error can name a key's line. */
export function parseYamlDocument(
  text: string,
  options: { intAsBigInt?: boolean } = {},
): YamlDocument {
  const json = parseJsonText(text, options);
  // Plain JSON: the YAML document is made only if an error asks where a key is.
  if (json !== undefined) {
    let doc: YamlDocument | undefined;
    const lineOf = (path: readonly string[]) => {
      doc ??= viaYaml(text, options);
      return doc.lineOf(path);
    };
    return { value: json, lineOf };
  }
  return viaYaml(text, options);
}

/**
 * Deeper than any real input file, and shallow enough that the library's recursion ends in its
 * own error well before memory does (a million levels of `[` took it past 1 GiB).
 */
export const MAX_YAML_FLOW_DEPTH = 1000;

/** The offset where `[`/`{` open past MAX_YAML_FLOW_DEPTH levels, counted in one pass. */
function flowTooDeep(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_YAML_FLOW_DEPTH) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

function viaYaml(text: string, options: { intAsBigInt?: boolean }): YamlDocument {
  const tooDeep = flowTooDeep(text);
  if (tooDeep !== undefined) {
    throw new YamlTextError(
      `flow collections nested more than ${MAX_YAML_FLOW_DEPTH} deep at line ${lineAt(text, tooDeep)}`,
    );
  }
  try {
    const library = yamlLibrary();
    const { isMap, isScalar, parseDocument, visit } = library;
    // prettyErrors copies the line of every error: one 190 KB line with tens of thousands of
    // errors took a minute. Only the first error is reported, so only it is placed.
    const doc = parseDocument(text, {
      uniqueKeys: false,
      intAsBigInt: options.intAsBigInt,
      prettyErrors: false,
    });
    const first = doc.errors[0];
    if (first !== undefined) {
      throw new YamlTextError(`${first.message} at line ${lineAt(text, first.pos[0])}`);
    }
    visit(doc, {
      Map(_key, map) {
        if (!isMap(map)) return;
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          if (!isScalar(pair.key) || pair.key.value === '<<') continue;
          if (seen.has(pair.key.value)) {
            const at = pair.key.range?.[0];
            throw new YamlTextError(
              `Map keys must be unique: ${JSON.stringify(String(pair.key.value))}${at === undefined ? '' : ` at offset ${at}`}`,
            );
          }
          seen.add(pair.key.value);
        }
      },
    });
    const value = doc.toJS({ maxAliasCount: 100 });
    return { value, lineOf: (path) => lineAt(text, offsetOf(library, doc, path)) };
  } catch (e) {
    if (e instanceof YamlTextError) throw e;
    // The library's own errors (alias expansion, nesting too deep for its recursion).
    throw new YamlTextError(e instanceof Error ? e.message : String(e));
  }
}

/** The text offset of the key (in a mapping) or item (in a list) that `path` ends at. */
function offsetOf(
  library: typeof Yaml,
  doc: Yaml.Document,
  path: readonly string[],
): number | undefined {
  const { isAlias, isMap, isScalar, isSeq } = library;
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (!pair) return offset;
      offset = (pair.key as Yaml.Scalar).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(key)) {
      const item = node.items[Number(key)];
      if (item === undefined) return offset;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
    } else return offset;
  }
  return offset;
}

function lineAt(text: string, offset: number | undefined): number | undefined {
  if (offset === undefined) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
