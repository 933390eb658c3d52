// The IORT table as JSON (`dmasim iort dump --json`): the writer's input form, so it builds back.
import type { IortTable } from '@dmasim/acpi-iort';
import { hex } from '@dmasim/dma-mapping';

/** The table as JSON-ready data: u64 fields as hex text, which the writer reads back. */
export function iortTableJson(table: IortTable): unknown {
  return JSON.parse(
    JSON.stringify(table, (_key, v: unknown) => (typeof v === 'bigint' ? hex(v) : v)),
  );
}
