// The default pino logger, with message contents redacted wherever they could appear.
import { pino, type Logger } from 'pino';

// pino's redact matches exact paths only (`*.content` does not reach deeper), so each is spelled out.
const CONTENT_KEYS = ['input', 'output', 'content', 'messages', 'prompt', 'completion', 'checkpoint', 'text'];
export const REDACT_PATHS = [
  ...CONTENT_KEYS,
  ...CONTENT_KEYS.map((k) => `*.${k}`),
  ...CONTENT_KEYS.map((k) => `*.*.${k}`),
  'err.message',
  'err.stack',
  'error.message',
  'error.stack',
  '*.error.message',
  'authorization',
  'headers.authorization',
  'token',
];

export function createLogger(level = defaultLevel()): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

function defaultLevel(): string {
  if (process.env.WARDEN_LOG_LEVEL) return process.env.WARDEN_LOG_LEVEL;
  return process.env.NODE_ENV === 'test' ? 'silent' : 'info';
}
