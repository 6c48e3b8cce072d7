// Plain English for a zod issue no schema gave a message to, in the words of the hand-written ones
// ("must be an integer", "is required"); used for HTTP bodies and queries and for submit().
import type { z } from 'zod';

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function list(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

function bound(iss: { origin: string; maximum?: unknown; minimum?: unknown; inclusive?: boolean }, most: boolean): string {
  const n = Number(most ? iss.maximum : iss.minimum);
  const word = most ? (iss.inclusive === false ? 'less than' : 'at most') : iss.inclusive === false ? 'more than' : 'at least';
  if (iss.origin === 'string') return `must be ${word} ${n} character${n === 1 ? '' : 's'} long`;
  if (iss.origin === 'array' || iss.origin === 'set') return `must have ${word} ${n} item${n === 1 ? '' : 's'}`;
  return `must be ${word} ${n}`;
}

/** The message for a raw issue, for `safeParse(value, { error: inputMessage })`: a schema's own message still wins. */
export function inputMessage(iss: z.core.$ZodRawIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return iss.expected === 'never' ? 'is not a known field' : `must be ${article(iss.expected === 'int' ? 'integer' : iss.expected)}`;
    case 'too_big':
      return bound(iss, true);
    case 'too_small':
      return bound(iss, false);
    case 'invalid_value':
      return iss.values.length === 1 ? `must be ${list(iss.values)}` : `must be one of ${list(iss.values)}`;
    case 'invalid_format':
      return `must be a valid ${iss.format}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    default:
      return 'is not valid';
  }
}
