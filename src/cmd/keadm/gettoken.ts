/** keadm gettoken: the join token from secret kubeedge/tokensecret, read with the admin kubeconfig. */
import { existsSync } from 'node:fs';
import { KeError, errorMessage, isKeError } from '../../base/index.js';
import { TokenErrorCode, readJoinToken } from '../../cloud/cloudhub/index.js';
import { KubeClient } from '../../kube/client/index.js';

export const GettokenErrorCode = {
  noKubeconfig: 'KE_KEADM_NO_KUBECONFIG',
  noToken: 'KE_KEADM_NO_TOKEN',
  unreachable: 'KE_KEADM_API_UNREACHABLE',
} as const;

export async function getToken(kubeconfig: string): Promise<string> {
  if (!existsSync(kubeconfig)) {
    throw new KeError(GettokenErrorCode.noKubeconfig, `there is no ${kubeconfig}: run 'keadm init' first, or pass --data-dir or --kubeconfig of the cloud`);
  }
  const client = await KubeClient.fromKubeconfig(kubeconfig, { timeoutMs: 10_000, userAgent: 'keadm' });
  let token: string;
  try {
    token = await readJoinToken(client);
  } catch (err) {
    if (!isKeError(err, TokenErrorCode.missing)) {
      throw new KeError(GettokenErrorCode.unreachable, `cannot read the token through ${kubeconfig}: ${errorMessage(err)}; is cloudcore running?`, { cause: err });
    }
    token = '';
  } finally {
    client.close();
  }
  if (token === '') {
    throw new KeError(GettokenErrorCode.noToken, 'cloudcore has not made a join token yet (secret kubeedge/tokensecret): start it with \'keadm init\' and try again once it is running');
  }
  return token;
}
