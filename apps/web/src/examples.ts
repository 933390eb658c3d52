// The bundled example platforms of apps/sim/examples, for the page's menu. Text files are
// inlined; binaries become asset URLs (small ones data: URLs).

export interface ExampleFile {
  name: string;
  load(): Promise<Uint8Array>;
}

const text = import.meta.glob<string>(
  ['../../sim/examples/*.dts', '../../sim/examples/*.yaml', '../../sim/examples/bad/*'],
  { query: '?raw', import: 'default', eager: true },
);
const binary = import.meta.glob<string>('../../sim/examples/*.bin', {
  query: '?url',
  import: 'default',
  eager: true,
});

function nameOf(path: string): string {
  return path.replace('../../sim/examples/', '');
}

const files: ExampleFile[] = [
  ...Object.entries(text).map(([path, content]) => ({
    name: nameOf(path),
    load: async () => new TextEncoder().encode(content),
  })),
  ...Object.entries(binary).map(([path, url]) => ({
    name: nameOf(path),
    load: async () => new Uint8Array(await (await fetch(url)).arrayBuffer()),
  })),
].sort((a, b) => a.name.localeCompare(b.name));

/** A YAML file is bootable alone when it is an IORT spec or an ACPI platform file (as `dmasim lint DIR` decides). */
const acpiDocument = new Set(
  Object.entries(text)
    .filter(([path, content]) => /\.ya?ml$/.test(path) && /^\s*"?(iort|nodes)"?\s*:/m.test(content))
    .map(([path]) => nameOf(path)),
);

/** The examples a user can open: device trees, IORT tables and ACPI platform files. */
export const EXAMPLES = files.filter(
  (f) => /\.(dts|bin)$/.test(f.name) || acpiDocument.has(f.name),
);

/** Every bundled file by name: what an ACPI platform file may name beside it. */
export const EXAMPLE_FILES = new Map(files.map((f) => [f.name, f]));
