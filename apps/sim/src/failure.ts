// What the user sees when a command fails: the message, and the exit status it gives.
import { DmasimError } from '@dmasim/dma-mapping';
import { type CommandSpec, synopsis, UsageError } from './args.js';

/** EX_SOFTWARE: dmasim itself failed, whatever the input. */
export const EXIT_INTERNAL_ERROR = 70;

export function errorJson(e: unknown): { code: string; name: string; message: string } {
  return e instanceof DmasimError
    ? { code: e.code, name: e.name, message: e.message }
    : { code: 'DMASIM_INTERNAL', name: 'InternalError', message: String(e) };
}

/**
 * The message for stderr and the exit status. dmasim's own errors name the file and the place in
 * it; anything else (a JavaScript built-in) is a bug in dmasim.
 */
export function failureReport(
  who: string,
  e: unknown,
  file: string | undefined,
  spec?: CommandSpec,
): { status: number; text: string } {
  const prefix = `dmasim${who ? ` ${who}` : ''}: `;
  if (e instanceof UsageError) {
    const usage = spec ? `\nusage: ${synopsis(spec)}` : '';
    return { status: 2, text: `${prefix}${e.message}${usage}\n` };
  }
  if (e instanceof DmasimError) {
    // An error about another file (a platform or workload file) names it already.
    const namesFile = e.message.includes(file ?? '') || 'where' in e || 'file' in e;
    const where = file !== undefined && !namesFile ? `${file}: ` : '';
    return { status: 1, text: `${prefix}${where}${e.name}: ${e.message}\n` };
  }
  return { status: EXIT_INTERNAL_ERROR, text: internalErrorReport(who, e) };
}

/** What the user sees for a bug: no stack, a request to report it (DMASIM_DEBUG=1 adds the stack). */
export function internalErrorReport(command: string, e: unknown): string {
  const what = e instanceof Error ? e.message : String(e);
  const stack = process.env.DMASIM_DEBUG && e instanceof Error && e.stack ? `${e.stack}\n` : '';
  return (
    `dmasim${command ? ` ${command}` : ''}: internal error: ${what}\n` +
    'This is a bug in dmasim, not in your input. Please report it to the dmasim developers with\n' +
    'the command line and the input files (set DMASIM_DEBUG=1 to add the stack trace).\n' +
    stack
  );
}
