// What a firmware file is, from its bytes and name alone (no file system: the web page uses it).
import { DmasimError } from '@dmasim/dma-mapping';

export type PlatformSource =
  | { kind: 'dtb'; path: string; bytes: Uint8Array }
  | { kind: 'dts'; path: string; text: string }
  | { kind: 'iort'; path: string; bytes: Uint8Array }
  | { kind: 'acpi-platform'; path: string; text: string };

export class LoadError extends DmasimError {
  static override readonly code: string = 'DMASIM_LOAD';
  override name = 'LoadError';
}

const FDT_MAGIC = [0xd0, 0x0d, 0xfe, 0xed];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** Text is what decodes as UTF-8 and holds no NUL: blobs and tables are full of zeros. */
function asText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** DTS source opens with /dts-v1/, /plugin/, a root node, a label or a preprocessor line. */
function looksLikeDts(text: string): boolean {
  const body = text.replace(/^(\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  return /^(\/dts-v1\/|\/plugin\/|\/include\/|\/\s*\{|#include|#define|&[A-Za-z_])/.test(body);
}

/** YAML or JSON: a mapping ("key:" or "{") at the top, after comments and a document marker. */
function looksLikeYaml(text: string): boolean {
  const body = text.replace(/^(\s|#[^\n]*\n|---[^\n]*\n)*/, '');
  return /^(\{|"?[A-Za-z_][\w-]*"?\s*:)/.test(body);
}

/**
 * What a firmware file is: its content first (FDT magic, an ACPI "IORT" signature, DTS or YAML
 * text), its name only to break a tie. A binary that is no IORT is taken for a device tree
 * blob, so a damaged FDT header gets the FDT reader's error, not a DTS parse.
 */
export function classifyPlatformBytes(path: string, bytes: Uint8Array): PlatformSource {
  if (startsWith(bytes, FDT_MAGIC)) return { kind: 'dtb', path, bytes };
  if (startsWith(bytes, [0x49, 0x4f, 0x52, 0x54])) return { kind: 'iort', path, bytes };
  const text = asText(bytes);
  if (text === null) {
    const table = /\.(bin|aml|dat|iort)$/i.test(path);
    return table ? { kind: 'iort', path, bytes } : { kind: 'dtb', path, bytes };
  }
  const dts = looksLikeDts(text);
  const yaml = looksLikeYaml(text);
  if (dts !== yaml)
    return dts ? { kind: 'dts', path, text } : { kind: 'acpi-platform', path, text };
  if (/\.(ya?ml|json)$/i.test(path)) return { kind: 'acpi-platform', path, text };
  return { kind: 'dts', path, text };
}
