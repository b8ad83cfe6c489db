/** Whether a CRI runtime answers on an endpoint (keadm join --runtime auto, the quickstart). */
import { createCriClient } from '../../platform/cri/client.js';

export async function criAnswers(endpoint: string, timeoutMs: number): Promise<boolean> {
  const client = createCriClient(endpoint, { timeoutMs });
  try {
    await client.version();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
