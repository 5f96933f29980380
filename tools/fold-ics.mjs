#!/usr/bin/env node
// Folds iCalendar content lines longer than 75 octets (RFC 5545, 3.1):
// the calendar texts come from site/i18n/<lang>.toml, and Arabic or
// Ukrainian text takes two octets a letter, so a line may run long.
// A fold is CRLF plus one space, never inside a UTF-8 character.
import { readFileSync, writeFileSync } from 'node:fs';

const MAX = 75;

export function fold(text) {
  return text.split('\r\n').map((line) => {
    const parts = [];
    let current = '';
    let limit = MAX;
    for (const ch of line) {
      if (Buffer.byteLength(current + ch) > limit) {
        parts.push(current);
        current = '';
        limit = MAX - 1; // the leading space of a continuation line counts
      }
      current += ch;
    }
    parts.push(current);
    return parts.join('\r\n ');
  }).join('\r\n');
}

for (const file of process.argv.slice(2)) writeFileSync(file, fold(readFileSync(file, 'utf8')));
