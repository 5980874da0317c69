import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A library loaded on its first use instead of at start-up. zod, yaml and ssh2 together cost ~0.3 s of CPU
 * to load, which an audit of a bundle without pvesec.yaml never needs and which every audit paid before
 * (issue 8: the fixed cost of an audit). Only for packages with a CommonJS build: Node 20 cannot require ESM.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(id) as T);
}

/** A value built on first use (a schema made with a lazily loaded library). */
export function lazyValue<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

export const zodLib = lazyRequire<typeof import('zod')>('zod');
export const yamlLib = lazyRequire<typeof import('yaml')>('yaml');
export const ssh2Lib = lazyRequire<typeof import('ssh2')>('ssh2');
