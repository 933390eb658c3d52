// What a firmware file is, from its bytes and name alone (no file system: the web page uses it).

export type PlatformSource =
  | { kind: 'dtb'; path: string; bytes: Uint8Array }
  | { kind: 'dts'; path: string; text: string }
  | { kind: 'iort'; path: string; bytes: Uint8Array }
  | { kind: 'acpi-platform'; path: string; text: string };

export class LoadError extends Error {
  override name = 'LoadError';
}

/** Decide what a file is from its first bytes: FDT magic, an ACPI "IORT" header, or text. */
export function classifyPlatformBytes(path: string, bytes: Uint8Array): PlatformSource {
  if (
    bytes.length >= 4 &&
    bytes[0] === 0xd0 &&
    bytes[1] === 0x0d &&
    bytes[2] === 0xfe &&
    bytes[3] === 0xed
  ) {
    return { kind: 'dtb', path, bytes };
  }
  if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'IORT') {
    return { kind: 'iort', path, bytes };
  }
  const text = new TextDecoder().decode(bytes);
  if (/\.(ya?ml|json)$/i.test(path)) return { kind: 'acpi-platform', path, text };
  return { kind: 'dts', path, text };
}
