/**
 * A bad argument as an error message names it: a quoted string, a class or function with a hint to pass
 * its module's name, an object or array by kind, anything else by type and value.
 */
export function describeArg(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') {
    return `the function or class '${value.name}' (pass a module's name, such as '${value.name}', after loading its class or file into the cluster)`;
  }
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
