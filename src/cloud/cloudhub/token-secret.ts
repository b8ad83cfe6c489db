/**
 * The join token in Secret `kubeedge/tokensecret` (`data.tokendata` = base64 of the token), written on
 * start and every `tokenRefreshDuration` hours, each token valid for twice that. `keadm gettoken` reads it.
 */
import { KUBEEDGE_NAMESPACE, TOKEN_SECRET_KEY, TOKEN_SECRET_NAME } from '../common/index.js';
import { backoff, errorMessage, KeError, sleep } from '../../base/index.js';
import { isAlreadyExists, isNotFound, RESOURCES, type KubeClient, type V1Secret } from '../../kube/client/index.js';
import type { Logger } from '../../platform/log/index.js';
import { createJoinToken } from './join-token.js';

const CALL_TIMEOUT_MS = 15_000;
const HOUR_MS = 3_600_000;

export const TokenErrorCode = {
  missing: 'KE_CLOUDHUB_TOKEN_MISSING',
} as const;

/** Creates or updates the token secret with a fresh token expiring at `expiresAtMs`. */
export async function writeJoinToken(client: KubeClient, ca: { certPem: string; keyPem: string }, expiresAtMs: number): Promise<void> {
  const token = createJoinToken(ca.certPem, ca.keyPem, expiresAtMs);
  try {
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: KUBEEDGE_NAMESPACE } }, { timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const data = { [TOKEN_SECRET_KEY]: Buffer.from(token, 'utf8').toString('base64') };
  let current: V1Secret | undefined;
  try {
    current = await client.get(RESOURCES.secrets, KUBEEDGE_NAMESPACE, TOKEN_SECRET_NAME, { timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (current === undefined) {
    await client.create(
      RESOURCES.secrets,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: TOKEN_SECRET_NAME, namespace: KUBEEDGE_NAMESPACE }, type: 'Opaque', data },
      { timeoutMs: CALL_TIMEOUT_MS },
    );
    return;
  }
  await client.update(RESOURCES.secrets, { ...current, data: { ...(current.data ?? {}), ...data } }, { timeoutMs: CALL_TIMEOUT_MS });
}

/** The current join token (what `keadm gettoken` prints). Throws KE_CLOUDHUB_TOKEN_MISSING when there is none yet. */
export async function readJoinToken(client: KubeClient): Promise<string> {
  let secret: V1Secret;
  try {
    secret = await client.get(RESOURCES.secrets, KUBEEDGE_NAMESPACE, TOKEN_SECRET_NAME, { timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    if (isNotFound(err)) throw new KeError(TokenErrorCode.missing, 'the token secret does not exist yet (is cloudcore running?)', { cause: err });
    throw err;
  }
  const b64 = secret.data?.[TOKEN_SECRET_KEY];
  if (b64 === undefined || b64 === '') throw new KeError(TokenErrorCode.missing, 'the token secret holds no token');
  return Buffer.from(b64, 'base64').toString('utf8');
}

/**
 * Keeps the token fresh until `signal` aborts: writes one now (retrying with backoff), then every
 * `refreshHours`. `onWritten` resolves the first write (tests, start-up ordering).
 */
export async function refreshJoinTokenLoop(opts: {
  client: KubeClient;
  ca: { certPem: string; keyPem: string };
  refreshHours: number;
  log: Logger;
  signal: AbortSignal;
  now?: () => number;
  onWritten?: () => void;
}): Promise<void> {
  const now = opts.now ?? Date.now;
  const periodMs = Math.max(1, opts.refreshHours) * HOUR_MS;
  let attempt = 0;
  while (!opts.signal.aborted) {
    try {
      await writeJoinToken(opts.client, opts.ca, now() + 2 * periodMs);
      attempt = 0;
      opts.log.info({ secret: `${KUBEEDGE_NAMESPACE}/${TOKEN_SECRET_NAME}` }, 'join token written');
      opts.onWritten?.();
      await sleep(periodMs, opts.signal).catch(() => undefined);
    } catch (err) {
      if (opts.signal.aborted) return;
      opts.log.warn({ err: errorMessage(err), attempt }, 'cannot write join token, retrying');
      await sleep(backoff(attempt++, { baseMs: 500, maxMs: 30_000 }), opts.signal).catch(() => undefined);
    }
  }
}
