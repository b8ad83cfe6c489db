import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import { containerSecurity, sandboxSecurity, seccompOf, verifyRunAsNonRoot } from './security.js';

const pod = (psc: NonNullable<V1Pod['spec']>['securityContext'], c: V1Container): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { ...(psc !== undefined ? { securityContext: psc } : {}), containers: [c] },
});

test('container security: its own settings over the pod defaults; groups, capabilities, no_new_privs, seccomp', () => {
  const c: V1Container = {
    name: 'c',
    securityContext: {
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  const p = pod({ runAsUser: 5, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000, seccompProfile: { type: 'Unconfined' } }, c);
  assert.deepEqual(containerSecurity(p, c, '/r'), {
    privileged: false,
    readonlyRootfs: true,
    runAsUser: { value: 1000 },
    runAsGroup: { value: 3000 },
    supplementalGroups: [4000, 2000],
    capabilities: { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'] },
    noNewPrivs: true,
    seccomp: { profileType: 'RuntimeDefault' },
    seccompProfilePath: 'runtime/default',
  });
  const bare: V1Container = { name: 'b' };
  const fromPod = containerSecurity(p, bare, '/r');
  assert.deepEqual(fromPod.runAsUser, { value: 5 }, 'pod runAsUser is the default');
  assert.deepEqual(fromPod.seccomp, { profileType: 'Unconfined' });
  assert.equal(fromPod.seccompProfilePath, 'unconfined');
  assert.equal(fromPod.noNewPrivs, undefined, 'allowPrivilegeEscalation unset: no no_new_privs');
  assert.equal(fromPod.capabilities, undefined);
  const priv: V1Container = { name: 'x', securityContext: { privileged: true, allowPrivilegeEscalation: false } };
  assert.equal(containerSecurity(pod(undefined, priv), priv, '/r').noNewPrivs, undefined, 'never for privileged containers');
  assert.deepEqual(containerSecurity(pod(undefined, bare), bare, '/r'), { privileged: false, readonlyRootfs: false });
});

test('sandbox security from the pod securityContext; seccomp profiles', () => {
  const c: V1Container = { name: 'c' };
  assert.deepEqual(sandboxSecurity(pod({ runAsUser: 7, runAsGroup: 8, fsGroup: 9, seccompProfile: { type: 'RuntimeDefault' } }, c), '/r'), {
    runAsUser: { value: 7 },
    runAsGroup: { value: 8 },
    supplementalGroups: [9],
    seccomp: { profileType: 'RuntimeDefault' },
    seccompProfilePath: 'runtime/default',
  });
  assert.deepEqual(seccompOf({ type: 'Localhost', localhostProfile: 'prof/a.json' }, '/var/lib/edged'), {
    seccomp: { profileType: 'Localhost', localhostRef: '/var/lib/edged/seccomp/prof/a.json' },
    seccompProfilePath: 'localhost//var/lib/edged/seccomp/prof/a.json',
  });
  assert.equal(seccompOf(undefined, '/r'), undefined, 'unset: the runtime default');
});

test('runAsNonRoot as kubelet checks it: runAsUser 0, image root or unknown user, non-numeric user', () => {
  const root = { uid: 0, username: '' };
  const nobody = { uid: 65534, username: '' };
  const none = { uid: undefined, username: '' };
  const c = (sc: NonNullable<V1Container['securityContext']>): V1Container => ({ name: 'c', securityContext: sc });
  assert.equal(verifyRunAsNonRoot(pod(undefined, c({})), c({}), root), undefined, 'no runAsNonRoot: anything goes');
  assert.match(verifyRunAsNonRoot(pod(undefined, c({ runAsNonRoot: true, runAsUser: 0 })), c({ runAsNonRoot: true, runAsUser: 0 }), nobody) ?? '', /runAsUser breaks non-root policy/);
  assert.equal(verifyRunAsNonRoot(pod(undefined, c({ runAsNonRoot: true, runAsUser: 1 })), c({ runAsNonRoot: true, runAsUser: 1 }), root), undefined, 'runAsUser wins over the image');
  const nr = c({ runAsNonRoot: true });
  assert.match(verifyRunAsNonRoot(pod(undefined, nr), nr, root) ?? '', /image will run as root/);
  assert.match(verifyRunAsNonRoot(pod(undefined, nr), nr, none) ?? '', /image will run as root/, 'no user in the image: root');
  assert.match(verifyRunAsNonRoot(pod(undefined, nr), nr, { uid: undefined, username: 'app' }) ?? '', /non-numeric user \(app\)/);
  assert.equal(verifyRunAsNonRoot(pod(undefined, nr), nr, nobody), undefined);
  const podLevel = pod({ runAsNonRoot: true, runAsUser: 0 }, c({}));
  assert.match(verifyRunAsNonRoot(podLevel, c({}), nobody) ?? '', /non-root policy/, 'pod-level settings apply');
  assert.equal(verifyRunAsNonRoot(podLevel, c({ runAsNonRoot: false }), root), undefined, 'the container overrides the pod');
});
