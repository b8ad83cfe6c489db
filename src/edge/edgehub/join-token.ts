import { KeError } from '../../base/index.js';
import { EdgeHubErrorCode } from './errors.js';

/** A KubeEdge join token split into its two parts. */
export interface JoinToken {
  /** Lower-case hex SHA-256 of the cloud CA's DER. */
  readonly caHash: string;
  /** The JWT that authenticates the node at `/edge.crt` (itself dotted). */
  readonly jwt: string;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** Splits `sha256hex(CA DER).JWT`; throws KE_EDGEHUB_TOKEN_MALFORMED (never echoing the token). */
export function parseJoinToken(token: string): JoinToken {
  const trimmed = token.trim();
  const dot = trimmed.indexOf('.');
  if (dot < 0) {
    throw new KeError(EdgeHubErrorCode.TokenMalformed, 'the join token has no "." : expected <sha256 of the CA>.<JWT> as printed by keadm gettoken');
  }
  const hash = trimmed.slice(0, dot);
  const jwt = trimmed.slice(dot + 1);
  if (!SHA256_HEX.test(hash)) {
    throw new KeError(EdgeHubErrorCode.TokenMalformed, 'the join token does not start with 64 hex digits (the sha256 of the CA): copy it again from keadm gettoken', {
      details: { hashLength: hash.length },
    });
  }
  if (jwt === '' || jwt.split('.').length !== 3) {
    throw new KeError(EdgeHubErrorCode.TokenMalformed, 'the join token has no JWT after the CA hash: copy it again from keadm gettoken');
  }
  return { caHash: hash.toLowerCase(), jwt };
}
