// dmasim/browser: what the web page needs from the CLI's composition, without Node APIs.
import * as yaml from 'yaml';
import { useYamlReaders } from './yaml-inputs.js';
import * as yamlReaders from './yaml-readers.js';
import { useYamlLibrary } from './yaml-text.js';

useYamlLibrary(yaml);
useYamlReaders(yamlReaders);

export { acpiFromSource, isAcpiSource, type LoadedAcpi } from './acpi-source.js';
export { type PlatformFile, parsePlatformFile } from './platform-file.js';
export { classifyPlatformBytes, LoadError, type PlatformSource } from './platform-source.js';
export {
  type LoadedFirmware,
  lintFirmware,
  type PlatformViewOptions,
  platformView,
} from './platform-view.js';
