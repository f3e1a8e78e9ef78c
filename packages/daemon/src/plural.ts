/** `n` and the noun, singular for 1: `1 worker`, `0 workers`, `2 processes`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `n processes` / `1 process`. */
export const processes = (n: number): string => plural(n, 'process', 'processes');
