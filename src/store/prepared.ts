import { type Compilable, CompiledQuery } from 'kysely';

/** Stands in for a parameter while the query is compiled: a string no caller sends (it starts with a NUL). */
const slotMarker = (name: string) => `\u0000prepared:${name}`;

/**
 * A hot query built and compiled by Kysely once; each call reuses its SQL with that call's parameters. Kysely has
 * no prepared-statement API and compiles every query it runs (~10–20 µs each, a third of a stored turn's CPU).
 * `build` receives `param(name)`, a stand-in typed as the parameter, wherever a value goes. The shape of the query
 * (its columns, its conditions) must not depend on the values: only values become parameters.
 */
export function prepare<P extends Record<string, unknown>, R>(
  build: (param: <K extends keyof P & string>(name: K) => P[K]) => Compilable<R>,
): (params: P) => CompiledQuery<R> {
  const names = new Set<string>();
  const compiled = build((name) => {
    names.add(name);
    return slotMarker(name) as never;
  }).compile();
  const byMarker = new Map([...names].map((name) => [slotMarker(name), name]));
  const slots = compiled.parameters.map((value) => ({ name: byMarker.get(value as string), value }));
  const missing = [...names].filter((name) => !slots.some((slot) => slot.name === name));
  if (missing.length > 0) throw new Error(`prepare: ${missing.join(', ')} did not become a parameter`);
  const { sql } = compiled;
  return (params) =>
    CompiledQuery.raw(
      sql,
      slots.map((slot) => (slot.name === undefined ? slot.value : params[slot.name])),
    ) as CompiledQuery<R>;
}
