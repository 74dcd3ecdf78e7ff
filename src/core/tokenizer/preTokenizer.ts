/**
 * The encodings' pre-tokenizers, hand-written: each says where the piece starting at `i` ends,
 * exactly as tiktoken's regex for the encoding cuts text. The regex alternatives are tried in
 * order at `i` and the first that matches wins, as in the regex. Scanners instead of the regexes:
 * the regex engine, not the merging, was most of the time.
 */

/**
 * The character classes the encodings' pre-tokenizer regexes test, per code point, as the Rust
 * regex engine inside tiktoken defines them: `\s` is Unicode White_Space (which has U+0085 and not
 * U+FEFF, unlike JavaScript's `\s`), `\p{L}` letters, `\p{N}` numbers.
 *
 * A class is one of the kinds below (its low three bits, `& KIND`) and, for o200k_base's
 * case-aware letter rules, the flags UPPER_RULE and LOWER_RULE.
 */
const KIND = 7;
const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
/** White space other than \r and \n. */
const SPACE = 3;
/** \r and \n. */
const NEWLINE = 4;
const SURROGATE = 5;
/** In [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], the class o200k_base's regex uses for a word's capitals. */
const UPPER_RULE = 8;
/** In [\p{Ll}\p{Lm}\p{Lo}\p{M}], the class o200k_base's regex uses for a word's small letters. */
const LOWER_RULE = 16;

const LETTER_RE = /\p{L}/u;
const NUMBER_RE = /\p{N}/u;
const SPACE_RE = /\p{White_Space}/u;
const UPPER_RULE_RE = /[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]/u;
const LOWER_RULE_RE = /[\p{Ll}\p{Lm}\p{Lo}\p{M}]/u;

function classOf(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  const flags = (UPPER_RULE_RE.test(char) ? UPPER_RULE : 0) | (LOWER_RULE_RE.test(char) ? LOWER_RULE : 0);
  if (LETTER_RE.test(char)) return LETTER | flags;
  if (NUMBER_RE.test(char)) return NUMBER;
  if (SPACE_RE.test(char)) return codePoint === 10 || codePoint === 13 ? NEWLINE : SPACE;
  return OTHER | flags;
}

/**
 * Class of every UTF-16 code unit, filled in as units are first seen (classifying all 65,536 up
 * front would slow the first count down); surrogates are resolved in pairs by `classAt`.
 */
const UNKNOWN = 0xff;
const UNIT_CLASS = new Uint8Array(0x10000).fill(UNKNOWN, 0x80).fill(SURROGATE, 0xd800, 0xe000);
for (let unit = 0; unit < 0x80; unit++) UNIT_CLASS[unit] = classOf(unit);

function classifyUnit(unit: number): number {
  const unitClass = classOf(unit);
  UNIT_CLASS[unit] = unitClass;
  return unitClass;
}

const astralClasses = new Map<number, number>();

/** Class of the code point at `i` (which is < text.length); a lone surrogate is OTHER (tiktoken sees U+FFFD). */
function classAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  const unitClass = UNIT_CLASS[unit];
  if (unitClass !== SURROGATE) return unitClass === UNKNOWN ? classifyUnit(unit) : unitClass;
  if (unit >= 0xdc00 || i + 1 >= text.length) return OTHER;
  const low = text.charCodeAt(i + 1);
  if (low < 0xdc00 || low >= 0xe000) return OTHER;
  const codePoint = ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
  let astral = astralClasses.get(codePoint);
  if (astral === undefined) {
    astral = classOf(codePoint);
    astralClasses.set(codePoint, astral);
  }
  return astral;
}

/** UTF-16 units of the code point at `i`: 2 for a surrogate pair, else 1. */
function widthAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit >= 0xdc00 || i + 1 >= text.length) return 1;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low < 0xe000 ? 2 : 1;
}

/** Class of a code unit that is known not to be a surrogate (white space, ASCII). */
function unitClass(unit: number): number {
  const unitClass = UNIT_CLASS[unit];
  return unitClass === UNKNOWN ? classifyUnit(unit) : unitClass;
}

/**
 * cl100k_base:
 *
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 */
export function cl100kPieceEnd(text: string, i: number): number {
  const length = text.length;
  const first = text.charCodeAt(i);
  if (first === 39) {
    const end = contractionEnd(text, i);
    if (end > 0) return end;
  }
  const firstClass = kindAt(text, i);
  if (firstClass === LETTER) return letterRunEnd(text, i + widthAt(text, i));
  const afterFirst = i + widthAt(text, i);
  // [^\r\n\p{L}\p{N}]?\p{L}+ : one character that is no line break, letter or number, then letters.
  if (firstClass !== NEWLINE && firstClass !== NUMBER && afterFirst < length && kindAt(text, afterFirst) === LETTER) {
    return letterRunEnd(text, afterFirst);
  }
  if (firstClass === NUMBER) return numberRunEnd(text, afterFirst);
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*` : punctuation and symbols, an optional space before, line breaks after.
  const symbols = symbolsEnd(text, i, firstClass, afterFirst, false);
  return symbols >= 0 ? symbols : whiteSpaceEnd(text, i);
}

/** `\p{N}{1,3}` at a number whose first character ends at `afterFirst`. */
function numberRunEnd(text: string, afterFirst: number): number {
  let end = afterFirst;
  for (let digits = 1; digits < 3 && end < text.length && kindAt(text, end) === NUMBER; digits++) end += widthAt(text, end);
  return end;
}

/**
 * ` ?[^\s\p{L}\p{N}]+` at `i` (whose character, of kind `firstKind`, ends at `afterFirst`), then the
 * line breaks after it, and slashes too when `slashes` (o200k_base): its end, or -1 when it does not match.
 */
function symbolsEnd(text: string, i: number, firstKind: number, afterFirst: number, slashes: boolean): number {
  const length = text.length;
  let symbols = -1;
  if (firstKind === OTHER) symbols = i;
  else if (text.charCodeAt(i) === 32 && afterFirst < length && kindAt(text, afterFirst) === OTHER) symbols = afterFirst;
  if (symbols < 0) return -1;
  while (symbols < length && kindAt(text, symbols) === OTHER) symbols += widthAt(text, symbols);
  for (let unit = text.charCodeAt(symbols); unit === 10 || unit === 13 || (slashes && unit === 47); unit = text.charCodeAt(++symbols));
  return symbols;
}

/** `\s*[\r\n]+|\s+(?!\S)|\s+` at `i`, the encodings' last three alternatives. */
function whiteSpaceEnd(text: string, i: number): number {
  const length = text.length;
  // Every white-space character is a single UTF-16 unit.
  let end = i;
  let lastLineBreak = -1;
  for (; end < length; end++) {
    const spaceClass = unitClass(text.charCodeAt(end));
    if (spaceClass === NEWLINE) lastLineBreak = end;
    else if (spaceClass !== SPACE) break;
  }
  // \s*[\r\n]+ : the run up to its last line break.
  if (lastLineBreak >= 0) return lastLineBreak + 1;
  // \s+(?!\S) : all of a run that ends the text, else all but its last character, which opens the next piece.
  if (end === length || end - i === 1) return end;
  return end - 1;
}

function kindAt(text: string, i: number): number {
  return classAt(text, i) & KIND;
}

function letterRunEnd(text: string, i: number): number {
  const length = text.length;
  while (i < length) {
    const unit = text.charCodeAt(i);
    // ASCII letters directly: the common case by far.
    if ((unit | 0x20) >= 97 && (unit | 0x20) <= 122) i++;
    else if (unit < 0x80 || kindAt(text, i) !== LETTER) break;
    else i += widthAt(text, i);
  }
  return i;
}

/** End of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` (any case) at `i`, or 0. */
function contractionEnd(text: string, i: number): number {
  const second = text.charCodeAt(i + 1) | 0x20;
  // U+017F (long s) folds to s in the Rust regex engine's case-insensitive match.
  if (second === 115 || second === 116 || second === 109 || second === 100 || text.charCodeAt(i + 1) === 0x17f) return i + 2;
  const third = text.charCodeAt(i + 2) | 0x20;
  if ((second === 114 && third === 101) || (second === 118 && third === 101) || (second === 108 && third === 108)) return i + 3;
  return 0;
}

/**
 * o200k_base, whose words split at case changes:
 *
 *   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *   |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *   |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * Marks (\p{M}) are neither letters nor numbers, so one can be the optional first character, and
 * they are in both letter sets too.
 */
export function o200kPieceEnd(text: string, i: number): number {
  const length = text.length;
  const firstClass = classAt(text, i);
  const firstKind = firstClass & KIND;
  const afterFirst = i + widthAt(text, i);
  // The optional first character [^\r\n\p{L}\p{N}] is tried before doing without it.
  const canLead = firstKind === OTHER || firstKind === SPACE;
  const startsWord = (firstClass & (UPPER_RULE | LOWER_RULE)) !== 0;
  let end = -1;
  if (canLead && afterFirst < length) end = casedWordEnd(text, afterFirst);
  if (end < 0 && startsWord) end = casedWordEnd(text, i);
  if (canLead && end < 0 && afterFirst < length) end = capitalizedWordEnd(text, afterFirst);
  if (end < 0 && startsWord) end = capitalizedWordEnd(text, i);
  if (end >= 0) return end;
  if (firstKind === NUMBER) return numberRunEnd(text, afterFirst);
  // ` ?[^\s\p{L}\p{N}]+[\r\n/]*` : punctuation, symbols and marks, an optional space before, line breaks and slashes after.
  const symbols = symbolsEnd(text, i, firstKind, afterFirst, true);
  return symbols >= 0 ? symbols : whiteSpaceEnd(text, i);
}

/**
 * `[Upper]*[Lower]+(contraction)?` from `start`, or -1. Upper* takes all it can, then gives back
 * characters one by one until Lower+ matches: if nothing lower follows the run, the match ends
 * after the run's last character that is in both sets (\p{Lm}, \p{Lo}, \p{M}).
 */
function casedWordEnd(text: string, start: number): number {
  const length = text.length;
  let upperEnd = start;
  let lastBothEnd = -1;
  while (upperEnd < length) {
    const unit = text.charCodeAt(upperEnd);
    // ASCII capitals directly: the common case by far (no ASCII character is in both sets).
    if (unit - 65 >= 0 && unit - 65 < 26) {
      upperEnd++;
      continue;
    }
    if (unit < 0x80) break;
    const c = classAt(text, upperEnd);
    if ((c & UPPER_RULE) === 0) break;
    upperEnd += widthAt(text, upperEnd);
    if ((c & LOWER_RULE) !== 0) lastBothEnd = upperEnd;
  }
  let end = lowerRunEnd(text, upperEnd);
  if (end === upperEnd) end = lastBothEnd;
  if (end < 0) return -1;
  return text.charCodeAt(end) === 39 ? contractionEnd(text, end) || end : end;
}

/** `[Upper]+[Lower]*(contraction)?` from `start`, or -1. */
function capitalizedWordEnd(text: string, start: number): number {
  const length = text.length;
  let end = start;
  while (end < length && (classAt(text, end) & UPPER_RULE) !== 0) end += widthAt(text, end);
  if (end === start) return -1;
  end = lowerRunEnd(text, end);
  return text.charCodeAt(end) === 39 ? contractionEnd(text, end) || end : end;
}

/** End of the run of [\p{Ll}\p{Lm}\p{Lo}\p{M}] from `i`. */
function lowerRunEnd(text: string, i: number): number {
  const length = text.length;
  while (i < length) {
    const unit = text.charCodeAt(i);
    if (unit - 97 >= 0 && unit - 97 < 26) i++;
    else if (unit < 0x80 || (classAt(text, i) & LOWER_RULE) === 0) break;
    else i += widthAt(text, i);
  }
  return i;
}

/**
 * Where text may be cut so that counting the two sides separately gives exactly the count of the
 * whole, in both encodings (so each side can be cached as a whole): after a line break followed by
 * a line whose text does not start with "/". Pieces only join across a line break when more line
 * breaks, white space running into a line break, or (o200k) "/" follow it. Segments are whole
 * lines, which repeat constantly in code and in every re-sent conversation.
 */
export function segmentEnd(text: string, from: number): number {
  const length = text.length;
  for (let lineBreak = text.indexOf('\n', from); lineBreak >= 0 && lineBreak + 1 < length; lineBreak = text.indexOf('\n', lineBreak + 1)) {
    let next = lineBreak + 1;
    let c = text.charCodeAt(next);
    while (c === 32 || c === 9) c = text.charCodeAt(++next);
    if (next < length && c !== 47 && !isWhiteSpace(c)) return lineBreak + 1;
  }
  return length;
}

function isWhiteSpace(unit: number): boolean {
  const kind = unitClass(unit) & KIND;
  return kind === SPACE || kind === NEWLINE;
}
