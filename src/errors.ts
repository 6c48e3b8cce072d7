// Error types thrown by the public API. Each carries a `code` the HTTP layer maps to a status.

export type WardenErrorCode =
  | 'invalid_transition'
  /** a name already taken, or a pool already at its max */
  | 'conflict'
  | 'not_found'
  | 'invalid_config'
  | 'invalid_input'
  | 'not_running'
  | 'corrupt_state'
  | 'locked'
  | 'cancelled'
  /** the database behind the store does not answer (PostgreSQL store) */
  | 'store_unavailable';

const BRAND = Symbol.for('warden.error');

export class WardenError extends Error {
  override readonly name: string = 'WardenError';
  readonly [BRAND] = true;
  constructor(
    readonly code: WardenErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Works across duplicate copies of the package, unlike `instanceof`. */
export function isWardenError(err: unknown): err is WardenError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}

export class ConfigError extends WardenError {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_config', `${field} ${message}`, { field });
  }
}
