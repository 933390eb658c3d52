// The readers of YAML/JSON input files (yaml-readers.ts), loaded only when a command line names
// such a file (load.ts decides, before the command runs). The commands stay synchronous: they
// take the readers from yamlReaders(), loaded beforehand or handed in (the web page, the tests).
import type * as Readers from './yaml-readers.js';

export type YamlReaders = typeof Readers;

let readers: YamlReaders | undefined;

/** The browser entry and the tests hand the readers in (a bundler sees the import there). */
export function useYamlReaders(loaded: YamlReaders): void {
  readers = loaded;
}

export function yamlReadersLoaded(): boolean {
  return readers !== undefined;
}

export async function loadYamlReaders(): Promise<YamlReaders> {
  readers ??= await import('./yaml-readers.js');
  return readers;
}

/** The readers, loaded by prepareYamlReaders() (load.ts) when the command line needs them. */
export function yamlReaders(): YamlReaders {
  if (readers === undefined) throw new Error('the YAML input readers were not loaded');
  return readers;
}
