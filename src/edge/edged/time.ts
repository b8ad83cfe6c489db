/** Kubernetes time formats from ms since epoch. */

/** RFC 3339 with second precision (metav1.Time). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microsecond precision (metav1.MicroTime, e.g. Lease renewTime). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** ms since epoch of an RFC 3339 string; undefined when it does not parse. */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string' || s === '') return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}
