/**
 * The character classes the encodings' pre-tokenizer regexes test, per code point, as the Rust
 * regex engine inside tiktoken defines them: `\s` is Unicode White_Space (which has U+0085 and not
 * U+FEFF, unlike JavaScript's `\s`), `\p{L}` letters, `\p{N}` numbers.
 *
 * A class is one of the kinds below (its low three bits, `& KIND`) and, for o200k_base's
 * case-aware letter rules, the flags UPPER_RULE and LOWER_RULE.
 */
export const KIND = 7;
export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
/** White space other than \r and \n. */
export const SPACE = 3;
/** \r and \n. */
export const NEWLINE = 4;
const SURROGATE = 5;
/** In [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], the class o200k_base's regex uses for a word's capitals. */
export const UPPER_RULE = 8;
/** In [\p{Ll}\p{Lm}\p{Lo}\p{M}], the class o200k_base's regex uses for a word's small letters. */
export const LOWER_RULE = 16;

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
export function classAt(text: string, i: number): number {
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
export function widthAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit >= 0xdc00 || i + 1 >= text.length) return 1;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low < 0xe000 ? 2 : 1;
}

/** Class of a code unit that is known not to be a surrogate (white space, ASCII). */
export function unitClass(unit: number): number {
  const unitClass = UNIT_CLASS[unit];
  return unitClass === UNKNOWN ? classifyUnit(unit) : unitClass;
}
