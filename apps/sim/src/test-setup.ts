// Tests call the commands and loaders synchronously (test-cli.ts, loadAcpi): the YAML readers,
// which the CLI loads only for a command line that names a YAML file, are loaded up front.
import { loadYamlReaders } from './yaml-inputs.js';

await loadYamlReaders();
