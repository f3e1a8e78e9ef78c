import { CliError } from './cli-error';

/**
 * Parses a JSON command-line argument; a {@link CliError} naming the argument and the parser's error when
 * it is not JSON. `example` is shown as a value that would do.
 */
export function parseJsonArgument(argument: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${argument} is not valid JSON (${(err as Error).message}); pass a JSON value, for example '${example}' (quote it for your shell).`,
    );
  }
}

/**
 * `value` as JSON for output, indented by two spaces. Message data can hold what JSON cannot: a `bigint`
 * becomes its decimal string, a `Map` an object (or an array of `[key, value]` pairs when a key is not a
 * string), a `Set` and a typed array an array; a `Date` becomes its ISO string, as usual.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer, 2) ?? 'null';
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) {
    const entries = [...value.entries()];
    return entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries) : entries;
  }
  if (value instanceof Set) return [...value];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number | bigint>);
  return value;
}
