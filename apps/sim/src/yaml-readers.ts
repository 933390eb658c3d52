// The readers of dmasim's YAML/JSON input files: the platform file, the ACPI platform file, the
// workload file and the IORT spec, with the YAML and schema libraries under them. Nothing imports
// this module statically on the CLI's path: yaml-inputs.ts loads it when a command reads such a
// file, so `inspect board.dtb` never loads the schema library.
export { parseAcpiPlatformFile } from './acpi-platform-file.js';
export { parseIortSpec } from './iort-spec.js';
export { parsePlatformFile } from './platform-file.js';
export { parseWorkloadFile } from './workload-file.js';
