/** How the adapters and daemons show a URL in logs, errors and `--help`: never with its password. */

/** `url` with its password replaced by `***` (and no trailing `/`), or `<unparsable url>`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<unparsable url>';
  }
}

/** `host:port` of `url`, with `defaultPort` when the URL has none, or `<unparsable url>`. */
export function hostOf(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort}`;
  } catch {
    return '<unparsable url>';
  }
}
