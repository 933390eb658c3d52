// The CLI's last line of defence: an error that is not one of dmasim's own is a bug report,
// never a raw RangeError or TypeError.

import { DmasimError } from '@dmasim/dma-mapping';
import { DtsSizeError } from '@dmasim/of';
import { describe, expect, it, vi } from 'vitest';
import { InputSizeError } from './load.js';
import { EXIT_INTERNAL_ERROR } from './main.js';
import { cli } from './test-cli.js';
import { YamlTextError } from './yaml-text.js';

vi.mock('./commands/inspect.js', async (original) => ({
  ...(await original<typeof import('./commands/inspect.js')>()),
  inspectCommand: (args: { positionals: string[] }) => {
    if (args.positionals[0] === 'range')
      throw new RangeError('Invalid typed array length: 4503599627370496');
    if (args.positionals[0] === 'string') throw 'a thrown string';
    throw new TypeError("Cannot read properties of undefined (reading 'length')");
  },
}));

describe('an error that is not dmasim’s own', () => {
  it('a RangeError is an internal error with a request to report it, and no stack', () => {
    const r = cli(['inspect', 'range']);
    expect(r.code).toBe(EXIT_INTERNAL_ERROR);
    expect(r.stderr).toBe(
      'dmasim inspect: internal error: Invalid typed array length: 4503599627370496\n' +
        'This is a bug in dmasim, not in your input. Please report it to the dmasim developers with\n' +
        'the command line and the input files (set DMASIM_DEBUG=1 to add the stack trace).\n',
    );
  });
  it('a TypeError and a thrown non-Error are internal errors too', () => {
    expect(cli(['inspect', 'type']).stderr).toMatch(
      /^dmasim inspect: internal error: Cannot read properties of undefined/,
    );
    expect(cli(['inspect', 'string']).stderr).toMatch(
      /^dmasim inspect: internal error: a thrown string\n/,
    );
  });
  it('dmasim’s own errors, from the models and the CLI, are not internal errors', () => {
    expect(new DtsSizeError('too big', 'a.dts', 1, 1)).toBeInstanceOf(DmasimError);
    expect(new InputSizeError('/dev/zero: too big')).toBeInstanceOf(DmasimError);
    expect(new YamlTextError('x')).toBeInstanceOf(DmasimError);
  });
});
