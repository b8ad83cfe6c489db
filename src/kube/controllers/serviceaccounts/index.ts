import type { Controller } from '../types.js';
import { createServiceAccountsController } from './controller.js';

export { DEFAULT_SERVICE_ACCOUNT, createServiceAccountsController, defaultServiceAccount, wantsDefaultServiceAccount } from './controller.js';

/** The serviceaccounts controller. */
export function serviceAccountsControllers(): Controller[] {
  return [createServiceAccountsController()];
}
