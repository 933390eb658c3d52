// Files the user dropped → the firmware dmasim boots: a device tree, or an ACPI platform whose
// IORT may be one of the other dropped files.
import { parseDts, parseFdt } from '@dmasim/of';
import {
  acpiFromSource,
  classifyPlatformBytes,
  isAcpiSource,
  LoadError,
  type LoadedFirmware,
  type PlatformSource,
} from 'dmasim/browser';

export interface InputFile {
  name: string;
  bytes: Uint8Array;
}

const baseName = (path: string) => path.split(/[\\/]/).at(-1) ?? path;

/** The file to boot: the first device tree or ACPI description, the others only as companions. */
export function pickPrimary(files: readonly InputFile[]): InputFile {
  const described = files.find((f) => /\.(ya?ml|json|dts|dtb)$/i.test(f.name));
  const first = described ?? files[0];
  if (!first) throw new LoadError('no file');
  return first;
}

export function loadFirmware(files: readonly InputFile[]): LoadedFirmware {
  const primary = pickPrimary(files);
  const source = classifyPlatformBytes(primary.name, primary.bytes);
  if (isAcpiSource(source)) {
    const readBeside = (rel: string): PlatformSource => {
      const file = files.find((f) => baseName(f.name) === baseName(rel));
      if (!file)
        throw new LoadError(
          `${primary.name} names ${rel}: drop it together with the platform file`,
        );
      return classifyPlatformBytes(file.name, file.bytes);
    };
    return { kind: 'acpi', source: primary.name, acpi: acpiFromSource(source, readBeside) };
  }
  if (source.kind === 'dtb')
    return { kind: 'dt', source: primary.name, tree: parseFdt(source.bytes) };
  if (source.kind === 'dts') {
    return {
      kind: 'dt',
      source: primary.name,
      tree: parseDts(source.text, { fileName: primary.name }),
    };
  }
  throw new LoadError(`${primary.name}: not a device tree, IORT table or platform file`);
}
