/**
 * Screens a client's Sec-WebSocket-Extensions header before `ws` sees it. `ws` answers 400 when an
 * offer is malformed or when no permessage-deflate offer fits the server's settings (e.g. an offer
 * without `client_max_window_bits`, as gorilla/websocket sends). Compression is optional, so instead
 * of refusing the peer we keep only the offers `ws` will accept and drop the rest; with none left the
 * connection simply runs uncompressed.
 */
import { HUB_DEFLATE_CLIENT_WINDOW_BITS, HUB_DEFLATE_SERVER_WINDOW_BITS } from './deflate-options.js';

const NAME = 'permessage-deflate';
const FLAG_PARAMS = new Set(['server_no_context_takeover', 'client_no_context_takeover']);

/** `n` as window bits if it is a decimal in [min, 15] (optionally quoted), else undefined. */
function windowBits(raw: string, min: number): number | undefined {
  const m = /^"?(\d{1,2})"?$/.exec(raw);
  const n = m?.[1] === undefined ? NaN : Number(m[1]);
  return n >= min && n <= 15 ? n : undefined;
}

/** One offer re-serialized when acceptable, else undefined. */
function screenOffer(offer: string): string | undefined {
  const [name, ...params] = offer.split(';').map((p) => p.trim());
  if (name !== NAME) return undefined;
  const seen = new Set<string>();
  const out: string[] = [NAME];
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : p.slice(eq + 1).trim();
    if (seen.has(key)) return undefined;
    seen.add(key);
    if (FLAG_PARAMS.has(key)) {
      if (value !== undefined) return undefined;
      out.push(key);
    } else if (key === 'client_max_window_bits') {
      if (value === undefined) out.push(key);
      else {
        const bits = windowBits(value, HUB_DEFLATE_CLIENT_WINDOW_BITS);
        if (bits === undefined) return undefined;
        out.push(`${key}=${bits}`);
      }
    } else if (key === 'server_max_window_bits') {
      const bits = value === undefined ? undefined : windowBits(value, HUB_DEFLATE_SERVER_WINDOW_BITS);
      if (bits === undefined) return undefined;
      out.push(`${key}=${bits}`);
    } else {
      return undefined;
    }
  }
  // the server caps the client's window, which needs the client to have offered the parameter
  if (!seen.has('client_max_window_bits')) return undefined;
  return out.join('; ');
}

/** The acceptable permessage-deflate offers of `header`, or undefined when there are none. */
export function screenDeflateOffers(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 4096) return undefined;
  const kept = header
    .split(',')
    .map((o) => screenOffer(o.trim()))
    .filter((o): o is string => o !== undefined);
  return kept.length === 0 ? undefined : kept.join(', ');
}
