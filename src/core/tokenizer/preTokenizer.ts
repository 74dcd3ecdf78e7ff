import { classAt, KIND, LETTER, LOWER_RULE, NEWLINE, NUMBER, OTHER, SPACE, unitClass, UPPER_RULE, widthAt } from './characterClasses';

/**
 * The encodings' pre-tokenizers, hand-written: each says where the piece starting at `i` ends,
 * exactly as tiktoken's regex for the encoding cuts text. The regex alternatives are tried in
 * order at `i` and the first that matches wins, as in the regex. Scanners instead of the regexes:
 * the regex engine, not the merging, was most of the time.
 */

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
  if (firstClass === NUMBER) {
    let end = afterFirst;
    for (let digits = 1; digits < 3 && end < length && kindAt(text, end) === NUMBER; digits++) end += widthAt(text, end);
    return end;
  }
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*` : punctuation and symbols, an optional space before, line breaks after.
  let symbols = -1;
  if (firstClass === OTHER) symbols = i;
  else if (first === 32 && afterFirst < length && kindAt(text, afterFirst) === OTHER) symbols = afterFirst;
  if (symbols >= 0) {
    while (symbols < length && kindAt(text, symbols) === OTHER) symbols += widthAt(text, symbols);
    while (symbols < length && (text.charCodeAt(symbols) === 10 || text.charCodeAt(symbols) === 13)) symbols++;
    return symbols;
  }
  return whiteSpaceEnd(text, i);
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
  if (firstKind === NUMBER) {
    end = afterFirst;
    for (let digits = 1; digits < 3 && end < length && kindAt(text, end) === NUMBER; digits++) end += widthAt(text, end);
    return end;
  }
  // ` ?[^\s\p{L}\p{N}]+[\r\n/]*` : punctuation, symbols and marks, an optional space before, line breaks and slashes after.
  let symbols = -1;
  if (firstKind === OTHER) symbols = i;
  else if (text.charCodeAt(i) === 32 && afterFirst < length && kindAt(text, afterFirst) === OTHER) symbols = afterFirst;
  if (symbols >= 0) {
    while (symbols < length && kindAt(text, symbols) === OTHER) symbols += widthAt(text, symbols);
    for (let unit = text.charCodeAt(symbols); unit === 10 || unit === 13 || unit === 47; unit = text.charCodeAt(++symbols));
    return symbols;
  }
  return whiteSpaceEnd(text, i);
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
    const c = classAt(text, upperEnd);
    if ((c & UPPER_RULE) === 0) break;
    upperEnd += widthAt(text, upperEnd);
    if ((c & LOWER_RULE) !== 0) lastBothEnd = upperEnd;
  }
  let end = upperEnd;
  while (end < length && (classAt(text, end) & LOWER_RULE) !== 0) end += widthAt(text, end);
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
  while (end < length && (classAt(text, end) & LOWER_RULE) !== 0) end += widthAt(text, end);
  return text.charCodeAt(end) === 39 ? contractionEnd(text, end) || end : end;
}
