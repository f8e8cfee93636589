/**
 * importModule: `import(specifier)` in one place.
 *
 * The `merkle` command runs its bundle from V8's code cache through node:vm (bin/merkle.cjs),
 * and Node 20 gives a vm script no module loader: an `import()` expression in it rejects. So
 * scripts/bundle.mjs swaps this module, in the bundle only, for one that calls the
 * launcher's own `import()`. Everywhere else it is the plain expression.
 *
 * `specifier` is a package name or an absolute `file:` URL: a relative one would resolve
 * against whichever file hosts the `import()` (here, or the launcher), not against the caller.
 */
export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
