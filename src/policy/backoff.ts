// The backoff math is shared with the supervisor machine, so it lives in machines/ (the bottom layer).
export { backoffDelay } from '../../machines/backoff.ts';
