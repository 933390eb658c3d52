// IORT specs as text: YAML or JSON in the writer's input form (the form `dmasim iort dump --json`
// prints), read by IORT_SPEC (schema/input.ts). The writer then lays the table out and reports
// what does not fit by table byte offset.
import type { IortTableInput } from '@dmasim/acpi-iort';
import { decodeInput, type InputDocument, parseInputDocument } from './input-check.js';
import { platformFileError } from './platform-file.js';
import { IORT_SPEC } from './schema/input.js';

/** A parsed IORT spec document, checked and decoded: what the writer takes. */
export function iortSpecFromDocument(doc: InputDocument): IortTableInput {
  return decodeInput(IORT_SPEC, doc).value as IortTableInput;
}

/** Parse an IORT spec file's text. */
export function parseIortSpec(text: string, fileName = 'spec'): IortTableInput {
  return iortSpecFromDocument(parseInputDocument(text, fileName, platformFileError));
}
