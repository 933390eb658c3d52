// The CLI's standard output, written straight to file descriptor 1: a run that prints its report
// and exits never builds Node's process.stdout stream, which for a file or a pipe is a sizeable
// part of start-up. A terminal still gets process.stdout (its width), as does a non-blocking pipe.
import { fstatSync, statSync, writeSync } from 'node:fs';

let viaStream = false;

function streamWrite(bytes: Uint8Array): void {
  if (!viaStream) {
    viaStream = true;
    // A reader that stops early (`dmasim inspect x.dtb --json | head -c 100`) is no failure of
    // ours: end quietly, with no stack trace.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  process.stdout.write(bytes);
}

function write(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (viaStream) {
    streamWrite(bytes);
    return;
  }
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(1, bytes, at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(0);
      // A non-blocking descriptor that is full: the stream waits for it, and keeps the order.
      if (code !== 'EAGAIN') throw e;
      streamWrite(bytes.subarray(at));
      return;
    }
  }
}

/**
 * What outputStyleFor() asks of stdout. A file, a pipe or /dev/null is no terminal, found without
 * building process.stdout; anything else is asked of Node's stream.
 */
function terminal(): { isTTY?: boolean; columns?: number } {
  try {
    const out = fstatSync(1);
    if (!out.isCharacterDevice() || out.rdev === statSync('/dev/null').rdev)
      return { isTTY: false };
  } catch {
    // no descriptor to look at: let Node decide
  }
  return process.stdout;
}

/** Standard output; the tests replace `write` to capture what a command prints. */
export const stdout = { write, terminal };
