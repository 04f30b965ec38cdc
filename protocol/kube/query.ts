// Query parameters as kube's parameter codec reads them. Pure functions, no behaviour.

/**
 * A boolean query parameter by apimachinery's string-to-bool conversion: absent is false; `0` or `false`,
 * in any letter case, is false; every other value, the empty string included, is true (`?watch`,
 * `?watch=True`, the official Python client's spelling).
 */
export function queryFlag(query: Readonly<Record<string, string>>, name: string): boolean {
  const value = query[name];
  if (value === undefined) return false;
  return value !== '0' && value.toLowerCase() !== 'false';
}
