// Tokens of dtc's source language (dtc-lexer.l): /include/ files, cpp linemarkers, comments,
// and the three lexer states dtc switches between (values, property/node names, byte strings).
import { DmasimError } from '@dmasim/dma-mapping';

export class DtsError extends DmasimError {
  static override readonly code: string = 'DTS_SYNTAX';
  override name = 'DtsError';
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/**
 * The input is bigger than the compiler takes: MAX_DTS_INPUT_BYTES over the source, its
 * /include/ files and its /incbin/ data together.
 */
export class DtsSizeError extends DtsError {
  static override readonly code: string = 'DTS_TOO_LARGE';
  override name = 'DtsSizeError';
}

/**
 * How much source and /incbin/ data one compile reads: 8 MiB. dtc has no such limit, but the
 * largest preprocessed board source in Linux is well under 1 MiB, and the compiler holds each
 * value byte as a number (8 bytes), so this keeps a hostile input's cost near 200 MiB.
 */
export const MAX_DTS_INPUT_BYTES = 8 << 20;

export interface DtsReadOptions {
  fileName?: string;
  /** Returns a file's contents, or undefined when it does not exist; `from` is the including file. */
  readFile?: (path: string, from: string) => string | Uint8Array | undefined;
  includeDirs?: string[];
}

/** One source text; linemarkers remap its lines to other files. */
interface Source {
  text: string;
  file: string;
  /** (offset where it applies, file, line number of that offset's line), in text order. */
  markers: { at: number; file: string; line: number }[];
}

export interface Pos {
  source: Source;
  offset: number;
}

export function resolvePos(pos: Pos): { file: string; line: number; column: number } {
  const { source, offset } = pos;
  let file = source.file;
  let line = 1;
  let from = 0;
  for (const m of source.markers) {
    if (m.at > offset) break;
    file = m.file;
    line = m.line;
    from = m.at;
  }
  let lineStart = from;
  for (let i = from; i < offset; i++) {
    if (source.text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { file, line, column: offset - lineStart + 1 };
}

export function errorAt(pos: Pos, reason: string): DtsError {
  const { file, line, column } = resolvePos(pos);
  return new DtsError(reason, file, line, column);
}

export type TokenKind =
  | 'eof'
  | 'keyword'
  | 'label'
  | 'ref'
  | 'string'
  | 'char'
  | 'number'
  | 'name'
  | 'byte'
  | 'ident'
  | 'op';

export interface Token {
  kind: TokenKind;
  /** Keyword, label/ref/name/ident text, or the operator. */
  text: string;
  value: bigint;
  bytes: number[];
  pos: Pos;
}

/** dtc's lexer states: values (V1), property/node names, and the inside of `[ ]`. */
export type LexMode = 'value' | 'name' | 'bytes';

const KEYWORDS = [
  '/dts-v1/',
  '/plugin/',
  '/memreserve/',
  '/bits/',
  '/delete-property/',
  '/delete-node/',
  '/omit-if-no-ref/',
  '/incbin/',
];
const LABEL_RE = /[a-zA-Z_][a-zA-Z0-9_]*:/y;
const IDENT_RE = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const NUMBER_RE = /(?:0[xX][0-9a-fA-F]+|[0-9]+)(?:ULL|UL|LL|U|L)?/y;
const NAME_RE = /\\?[a-zA-Z0-9,._+*#?@-]+/y;
const PATH_REF_RE = /&\{([a-zA-Z0-9,._+*#?@\-/]*)\}/y;
const LABEL_REF_RE = /&([a-zA-Z_][a-zA-Z0-9_]*)/y;
const BYTE_RE = /[0-9a-fA-F]{2}/y;
const LINEMARKER_HEAD_RE = /#(?:line)?[ \t]+([0-9]+)[ \t]+"/y;
const DIRECTIVE_RE =
  /#[ \t]*(include|define|undef|ifdef|ifndef|if|elif|else|endif|error|warning|pragma)(?=[\s<"]|$)/y;
const TWO_CHAR_OPS = new Set(['<<', '>>', '<=', '>=', '==', '!=', '&&', '||']);
const MAX_INCLUDE_DEPTH = 100;

const utf8 = new TextEncoder();

/**
 * The end of a quoted body starting at `from` (just past the opening quote): the index of the
 * closing quote, or -1. A backslash escapes the next character; `stopAtNewline` ends the
 * search at a newline, escaped or not (linemarkers, /include/). A scan, not a regular expression: V8's backtracking
 * matcher overflows its stack on bodies of a few hundred thousand characters.
 */
function quotedEnd(text: string, from: number, quote: string, stopAtNewline: boolean): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === quote) return i;
    if (c === '\\') {
      if (stopAtNewline && text[i + 1] === '\n') return -1;
      i++;
    } else if (stopAtNewline && c === '\n') return -1;
  }
  return -1;
}

/** Bytes as a latin1 string, in chunks: String.fromCharCode(...bytes) costs stack per byte. */
export function latin1(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + 8192));
  }
  return out;
}

/** dtc's get_escape_char() for one escape after a backslash; returns the byte and next index. */
function escapeAt(text: string, i: number): [number, number] {
  const c = text[i];
  switch (c) {
    case 'a':
      return [7, i + 1];
    case 'b':
      return [8, i + 1];
    case 't':
      return [9, i + 1];
    case 'n':
      return [10, i + 1];
    case 'v':
      return [11, i + 1];
    case 'f':
      return [12, i + 1];
    case 'r':
      return [13, i + 1];
    case 'x': {
      const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3));
      if (!m) return [-1, i + 1];
      return [Number.parseInt(m[0], 16), i + 1 + m[0].length];
    }
    default:
      if (c !== undefined && c >= '0' && c <= '7') {
        const m = /^[0-7]{1,3}/.exec(text.slice(i, i + 3))!;
        return [Number.parseInt(m[0], 8) & 0xff, i + m[0].length];
      }
      return [utf8.encode(c ?? '')[0] ?? 0, i + (c === undefined ? 0 : c.length)];
  }
}

/** data_copy_escape_string(): the bytes of a quoted string's body, escapes decoded. */
function decodeEscapes(body: string, pos: Pos): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < body.length) {
    const slash = body.indexOf('\\', i);
    const plainEnd = slash < 0 ? body.length : slash;
    if (plainEnd > i) for (const b of utf8.encode(body.slice(i, plainEnd))) out.push(b);
    if (slash < 0) break;
    const [byte, next] = escapeAt(body, slash + 1);
    if (byte < 0) throw errorAt(pos, '\\x used with no following hex digits');
    out.push(byte);
    i = next;
  }
  return out;
}

/** strtoull(text, 0) as dtc's lexer applies it to an integer literal. */
function parseLiteral(text: string, pos: Pos): bigint {
  const digits = text.replace(/[UL]+$/, '');
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) {
    if (!/^[0-7]+$/.test(digits)) throw errorAt(pos, `Bad integer literal '${text}'`);
    value = BigInt(`0o${digits.slice(1)}`);
  } else value = BigInt(digits);
  if (value > 0xffff_ffff_ffff_ffffn) {
    throw errorAt(pos, `Integer literal '${text}' out of 64-bit range`);
  }
  return value;
}

export class DtsLexer {
  private readonly stack: { source: Source; offset: number }[] = [];
  private cached: {
    mode: LexMode;
    source: Source;
    offset: number;
    token: Token;
    end: number;
  } | null = null;

  /** Source characters and /incbin/ bytes read so far, against MAX_DTS_INPUT_BYTES. */
  private inputBytes = 0;

  constructor(
    text: string,
    file: string,
    private readonly options: DtsReadOptions,
  ) {
    const source: Source = { text, file, markers: [] };
    this.charge(text.length, file, { source, offset: 0 });
    this.stack.push({ source, offset: 0 });
  }

  /** Counts `size` more input bytes, refusing the input before it is held past the limit. */
  private charge(size: number, what: string, pos: Pos): void {
    this.inputBytes += size;
    if (this.inputBytes > MAX_DTS_INPUT_BYTES) {
      const { file, line, column } =
        pos.offset === 0 ? { file: pos.source.file, line: 1, column: 1 } : resolvePos(pos);
      throw new DtsSizeError(
        `${what}: input exceeds the ${MAX_DTS_INPUT_BYTES}-byte limit on source, /include/ and /incbin/ data`,
        file,
        line,
        column,
      );
    }
  }

  private get top() {
    return this.stack[this.stack.length - 1]!;
  }

  peek(mode: LexMode): Token {
    this.skipTrivia();
    const { source, offset } = this.top;
    const c = this.cached;
    if (c && c.mode === mode && c.source === source && c.offset === offset) return c.token;
    const [token, end] = this.lex(mode, source, offset);
    this.cached = { mode, source, offset, token, end };
    return token;
  }

  next(mode: LexMode): Token {
    const token = this.peek(mode);
    this.top.offset = this.cached!.end;
    return token;
  }

  /** Whitespace, comments, linemarkers, /include/ and the end of included files. */
  private skipTrivia(): void {
    for (;;) {
      const frame = this.top;
      const { source } = frame;
      const text = source.text;
      let i = frame.offset;
      for (;;) {
        const ch = text.charCodeAt(i);
        if (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 11 || ch === 12) {
          i++;
        } else if (ch === 47 && text.charCodeAt(i + 1) === 42) {
          const close = text.indexOf('*/', i + 2);
          if (close < 0) throw errorAt({ source, offset: i }, 'unterminated comment');
          i = close + 2;
        } else if (ch === 47 && text.charCodeAt(i + 1) === 47) {
          const nl = text.indexOf('\n', i);
          i = nl < 0 ? text.length : nl + 1;
        } else if (ch === 35 && (i === 0 || text.charCodeAt(i - 1) === 10)) {
          LINEMARKER_HEAD_RE.lastIndex = i;
          const marker = LINEMARKER_HEAD_RE.exec(text);
          const close = marker ? quotedEnd(text, i + marker[0].length, '"', true) : -1;
          if (marker && close >= 0) {
            const nl = text.indexOf('\n', close);
            const at = nl < 0 ? text.length : nl + 1;
            const last = source.markers[source.markers.length - 1];
            if (!last || last.at < at) {
              const body = text.slice(i + marker[0].length, close);
              const file = latin1(decodeEscapes(body, { source, offset: i }));
              source.markers.push({ at, file, line: Number(marker[1]) });
            }
            i = at;
            continue;
          }
          DIRECTIVE_RE.lastIndex = i;
          const directive = DIRECTIVE_RE.exec(text);
          if (directive) {
            throw errorAt(
              { source, offset: i },
              `#${directive[1]} is a C preprocessor directive: this source needs the C preprocessor (--cpp)`,
            );
          }
          break;
        } else if (ch === 47 && text.startsWith('/include/', i)) {
          const head = /\/include\/\s*"/y;
          head.lastIndex = i;
          const inc = head.exec(text);
          const close = inc ? quotedEnd(text, i + inc[0].length, '"', true) : -1;
          if (!inc || close < 0) break;
          frame.offset = close + 1;
          this.pushInclude(text.slice(i + inc[0].length, close), { source, offset: i });
          i = -1;
          break;
        } else {
          break;
        }
      }
      if (i < 0) continue; // entered an included file
      frame.offset = i;
      if (i >= text.length && this.stack.length > 1) {
        this.stack.pop();
        continue;
      }
      return;
    }
  }

  private pushInclude(name: string, pos: Pos): void {
    if (this.stack.length >= MAX_INCLUDE_DEPTH) throw errorAt(pos, 'Includes nested too deeply');
    const from = this.top.source.file;
    const read = this.options.readFile;
    if (!read) throw errorAt(pos, `cannot /include/ "${name}": no readFile given`);
    const slash = from.lastIndexOf('/');
    const candidates = name.startsWith('/')
      ? [name]
      : [
          slash < 0 ? name : `${from.slice(0, slash + 1)}${name}`,
          ...(this.options.includeDirs ?? []).map((dir) => `${dir.replace(/\/$/, '')}/${name}`),
        ];
    for (const candidate of candidates) {
      const content = read(candidate, from);
      if (content === undefined) continue;
      this.charge(content.length, candidate, pos);
      const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
      this.stack.push({ source: { text, file: candidate, markers: [] }, offset: 0 });
      return;
    }
    throw errorAt(pos, `Couldn't open "${name}": not found`);
  }

  /** Reads a whole file for /incbin/, relative to the current file or an include dir. */
  readBinary(name: string, pos: Pos): Uint8Array {
    const from = this.top.source.file;
    const read = this.options.readFile;
    if (!read) throw errorAt(pos, `cannot /incbin/ "${name}": no readFile given`);
    const slash = from.lastIndexOf('/');
    const candidates = name.startsWith('/')
      ? [name]
      : [
          slash < 0 ? name : `${from.slice(0, slash + 1)}${name}`,
          ...(this.options.includeDirs ?? []).map((dir) => `${dir.replace(/\/$/, '')}/${name}`),
        ];
    for (const candidate of candidates) {
      const content = read(candidate, from);
      if (content === undefined) continue;
      const bytes = typeof content === 'string' ? utf8.encode(content) : content;
      this.charge(bytes.length, candidate, pos);
      return bytes;
    }
    throw errorAt(pos, `Couldn't open "${name}": not found`);
  }

  private lex(mode: LexMode, source: Source, offset: number): [Token, number] {
    const text = source.text;
    const pos: Pos = { source, offset };
    const make = (
      kind: TokenKind,
      tokenText: string,
      end: number,
      value = 0n,
      bytes: number[] = [],
    ) => [{ kind, text: tokenText, value, bytes, pos }, end] as [Token, number];
    if (offset >= text.length) return make('eof', '', offset);
    const sticky = (re: RegExp) => {
      re.lastIndex = offset;
      return re.exec(text);
    };
    const ch = text[offset]!;
    if (ch === '/') {
      for (const kw of KEYWORDS)
        if (text.startsWith(kw, offset)) return make('keyword', kw, offset + kw.length);
    }
    if (ch === '"') {
      const close = quotedEnd(text, offset + 1, '"', false);
      if (close < 0) throw errorAt(pos, 'unterminated string');
      const bytes = decodeEscapes(text.slice(offset + 1, close), pos);
      return make('string', text.slice(offset, close + 1), close + 1, 0n, bytes);
    }
    if (ch === "'") {
      // As the former /'((?:[^']|\\')*)'/ matched: the body ends at the first quote.
      const close = text.indexOf("'", offset + 1);
      if (close >= 0) {
        const bytes = decodeEscapes(text.slice(offset + 1, close), pos);
        if (bytes.length === 0) throw errorAt(pos, 'Empty character literal');
        if (bytes.length > 1) {
          throw errorAt(pos, `Character literal has ${bytes.length} characters instead of 1`);
        }
        return make('char', text.slice(offset, close + 1), close + 1, BigInt(bytes[0]!));
      }
    }
    if (ch === '&') {
      const path = sticky(PATH_REF_RE);
      if (path) return make('ref', path[1]!, offset + path[0].length);
      const label = sticky(LABEL_REF_RE);
      if (label) return make('ref', label[1]!, offset + label[0].length);
    }
    const label = sticky(LABEL_RE);
    if (label) return make('label', label[0].slice(0, -1), offset + label[0].length);
    if (mode === 'name') {
      const name = sticky(NAME_RE);
      if (name) {
        const raw = name[0];
        return make('name', raw.startsWith('\\') ? raw.slice(1) : raw, offset + raw.length);
      }
    } else if (mode === 'bytes') {
      const byte = sticky(BYTE_RE);
      if (byte) return make('byte', byte[0], offset + 2, BigInt(Number.parseInt(byte[0], 16)));
    } else {
      const number = sticky(NUMBER_RE);
      if (number)
        return make('number', number[0], offset + number[0].length, parseLiteral(number[0], pos));
      const ident = sticky(IDENT_RE);
      if (ident) return make('ident', ident[0], offset + ident[0].length);
    }
    const two = text.slice(offset, offset + 2);
    if (mode === 'value' && TWO_CHAR_OPS.has(two)) return make('op', two, offset + 2);
    const cp = text.codePointAt(offset)!;
    const one = String.fromCodePoint(cp);
    return make('op', one, offset + one.length);
  }
}
