// Safe reads from whatever an agent threw: a getter or a Proxy trap may throw, and the
// classifier must never turn one failure into a second one.

export type Bag = Record<PropertyKey, unknown>;

export function isBag(x: unknown): x is Bag {
  return (typeof x === 'object' && x !== null) || typeof x === 'function';
}

export function prop(x: unknown, key: string): unknown {
  if (!isBag(x)) return undefined;
  try {
    return x[key];
  } catch {
    return undefined;
  }
}

/** `path` is a chain of keys, e.g. ['response', 'status']. */
export function path(x: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((acc, key) => prop(acc, key), x);
}

export function isErrorInstance(x: unknown): boolean {
  try {
    return x instanceof Error;
  } catch {
    return false;
  }
}

export function stringProp(x: unknown, key: string): string | undefined {
  const value = prop(x, key);
  return typeof value === 'string' ? value : undefined;
}
