import { isJsonObject, jsonEqual, type JsonValue } from '../../../base/index.js';

/**
 * Element ordering of strategic merge patch lists (the `$setElementOrder` design of apimachinery):
 * items named by the patch come in the patch's (or `$setElementOrder`'s) order, items only the server has
 * keep their live order, and the two runs are interleaved using their positions in the live list.
 */

/** Identity of a list element: its merge-key value for lists of maps, the value itself otherwise. */
export type ElementKey = (item: JsonValue) => JsonValue | undefined;

export function keyByMergeKey(mergeKey: string | undefined): ElementKey {
  if (mergeKey === undefined) return (item) => item;
  return (item) => (isJsonObject(item) ? item[mergeKey] : undefined);
}

function indexIn(list: readonly JsonValue[], item: JsonValue, key: ElementKey): number {
  const k = key(item);
  if (k === undefined) return -1;
  return list.findIndex((x) => jsonEqual(key(x), k));
}

/** Splits `merged` into the items named by `named` and the rest, keeping relative order. */
export function partitionByPresence(
  merged: readonly JsonValue[],
  named: readonly JsonValue[],
  key: ElementKey,
): { named: JsonValue[]; serverOnly: JsonValue[] } {
  const out = { named: [] as JsonValue[], serverOnly: [] as JsonValue[] };
  for (const item of merged) (indexIn(named, item, key) >= 0 ? out.named : out.serverOnly).push(item);
  return out;
}

/** Stable sort of `items` by their position in `order`; items missing from `order` go last. */
function sortBy(items: readonly JsonValue[], order: readonly JsonValue[], key: ElementKey): JsonValue[] {
  const ranked = items.map((item, i) => ({ item, i, rank: indexIn(order, item, key) }));
  ranked.sort((a, b) => {
    const ra = a.rank < 0 ? Number.MAX_SAFE_INTEGER : a.rank;
    const rb = b.rank < 0 ? Number.MAX_SAFE_INTEGER : b.rank;
    return ra === rb ? a.i - b.i : ra - rb;
  });
  return ranked.map((r) => r.item);
}

/**
 * Orders the patch items by `patchOrder` and the server-only items by `serverOrder`, then inserts each
 * server-only item before the first patch item that comes after it in `serverOrder`.
 */
export function normalizeElementOrder(
  patchItems: readonly JsonValue[],
  serverOnly: readonly JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  key: ElementKey,
): JsonValue[] {
  const right = sortBy(patchItems, patchOrder, key);
  const left = sortBy(serverOnly, serverOrder, key);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    if (l === undefined) {
      if (r !== undefined) out.push(r);
      j++;
    } else if (r === undefined) {
      out.push(l);
      i++;
    } else {
      const li = indexIn(serverOrder, l, key);
      const ri = indexIn(serverOrder, r, key);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push(l);
        i++;
      } else {
        out.push(r);
        j++;
      }
    }
  }
  return out;
}
