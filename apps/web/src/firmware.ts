// Files the user dropped → the firmware dmasim boots: a device tree (with its platform file when
// one is dropped beside it), or an ACPI platform whose IORT may be one of the other dropped files.
import { parseDts, parseFdt, withBootloaderMemory } from '@dmasim/of';
import {
  acpiFromSource,
  classifyPlatformBytes,
  isAcpiSource,
  LoadError,
  type LoadedFirmware,
  type PlatformFile,
  type PlatformSource,
  parsePlatformFile,
} from 'dmasim/browser';

export interface InputFile {
  name: string;
  bytes: Uint8Array;
}

const baseName = (path: string) => path.split(/[\\/]/).at(-1) ?? path;

const isTree = (f: InputFile) => {
  const kind = classifyPlatformBytes(f.name, f.bytes).kind;
  return kind === 'dtb' || kind === 'dts';
};

/**
 * The file to boot: a device tree when there is one (a YAML beside it is its platform file),
 * else the first ACPI description; the others only as companions.
 */
export function pickPrimary(files: readonly InputFile[]): InputFile {
  const first =
    files.find(isTree) ?? files.find((f) => /\.(ya?ml|json)$/i.test(f.name)) ?? files[0];
  if (!first) throw new LoadError('no file');
  return first;
}

/** A device tree's platform file among the dropped files: PCI topology, RAM, command line. */
export function treePlatformFile(files: readonly InputFile[]): PlatformFile | undefined {
  const file = files.find((f) => /\.(ya?ml|json)$/i.test(f.name));
  return file ? parsePlatformFile(new TextDecoder().decode(file.bytes), file.name) : undefined;
}

export interface BootInput {
  firmware: LoadedFirmware;
  platformFile?: PlatformFile;
}

export function loadFirmware(
  files: readonly InputFile[],
  primary: InputFile = pickPrimary(files),
): BootInput {
  const source = classifyPlatformBytes(primary.name, primary.bytes);
  if (isAcpiSource(source)) {
    const readBeside = (rel: string): PlatformSource => {
      const file = files.find((f) => baseName(f.name) === baseName(rel));
      if (!file) {
        throw new LoadError(
          `${primary.name} names ${rel}: drop it together with the platform file`,
        );
      }
      return classifyPlatformBytes(file.name, file.bytes);
    };
    const acpi = acpiFromSource(source, readBeside);
    return { firmware: { kind: 'acpi', source: primary.name, acpi } };
  }
  if (source.kind !== 'dtb' && source.kind !== 'dts') {
    throw new LoadError(`${primary.name}: not a device tree, IORT table or platform file`);
  }
  const tree =
    source.kind === 'dtb'
      ? parseFdt(source.bytes)
      : parseDts(source.text, { fileName: primary.name });
  const platformFile = treePlatformFile(files.filter((f) => f !== primary));
  if (!platformFile) return { firmware: { kind: 'dt', source: primary.name, tree } };
  // The RAM the bootloader fills in, as `dmasim --platform` applies it.
  const withRam = withBootloaderMemory(tree, platformFile.memory ?? []);
  return { firmware: { kind: 'dt', source: primary.name, tree: withRam }, platformFile };
}
