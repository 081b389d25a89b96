/**
 * `text` in pieces of at most `max` UTF-16 units, never splitting a surrogate pair, so each piece is at most `max`
 * characters however they are counted.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + max);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && end - 1 > start) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

export const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
