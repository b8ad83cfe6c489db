/**
 * Security contexts as kubelet hands them to the CRI: the container's settings over the pod's
 * (runAsUser, runAsGroup, runAsNonRoot, seccompProfile), pod supplementalGroups plus fsGroup,
 * capabilities, no_new_privs from allowPrivilegeEscalation=false, read-only root filesystem; and the
 * runAsNonRoot check against the image's user before a container is created. Pure.
 */
import { join } from 'node:path';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import type { LinuxContainerSecurityContext, LinuxSandboxSecurityContext, SecurityProfile } from '../../../platform/cri/types.js';

interface SeccompSpec {
  readonly type?: string;
  readonly localhostProfile?: string;
}

/** The CRI seccomp settings (`seccomp` and its deprecated path twin) for a pod's or container's profile; none when unset (the runtime's default). */
export function seccompOf(p: SeccompSpec | undefined, rootDir: string): { seccomp: SecurityProfile; seccompProfilePath: string } | undefined {
  switch (p?.type) {
    case 'RuntimeDefault':
      return { seccomp: { profileType: 'RuntimeDefault' }, seccompProfilePath: 'runtime/default' };
    case 'Unconfined':
      return { seccomp: { profileType: 'Unconfined' }, seccompProfilePath: 'unconfined' };
    case 'Localhost': {
      // kubelet's seccomp profile root: <root-dir>/seccomp.
      const path = join(rootDir, 'seccomp', p.localhostProfile ?? '');
      return { seccomp: { profileType: 'Localhost', localhostRef: path }, seccompProfilePath: `localhost/${path}` };
    }
    default:
      return undefined;
  }
}

/** Pod supplementalGroups then fsGroup (kubelet adds the fsGroup to every container's groups). */
function supplementalGroups(pod: V1Pod): number[] {
  const psc = pod.spec?.securityContext;
  const groups = [...(psc?.supplementalGroups ?? [])];
  if (psc?.fsGroup !== undefined && !groups.includes(psc.fsGroup)) groups.push(psc.fsGroup);
  return groups;
}

/** The sandbox's security settings from the pod's securityContext. */
export function sandboxSecurity(pod: V1Pod, rootDir: string): Omit<LinuxSandboxSecurityContext, 'namespaceOptions' | 'privileged'> {
  const psc = pod.spec?.securityContext;
  const groups = supplementalGroups(pod);
  const seccomp = seccompOf(psc?.seccompProfile, rootDir);
  return {
    ...(psc?.runAsUser !== undefined ? { runAsUser: { value: psc.runAsUser } } : {}),
    ...(psc?.runAsGroup !== undefined ? { runAsGroup: { value: psc.runAsGroup } } : {}),
    ...(groups.length > 0 ? { supplementalGroups: groups } : {}),
    ...(seccomp ?? {}),
  };
}

/** The container's security settings: its own securityContext over the pod's defaults. */
export function containerSecurity(pod: V1Pod, c: V1Container, rootDir: string): Omit<LinuxContainerSecurityContext, 'namespaceOptions'> {
  const sc = c.securityContext;
  const psc = pod.spec?.securityContext;
  const user = sc?.runAsUser ?? psc?.runAsUser;
  const group = sc?.runAsGroup ?? psc?.runAsGroup;
  const groups = supplementalGroups(pod);
  const privileged = sc?.privileged === true;
  const add = sc?.capabilities?.add ?? [];
  const drop = sc?.capabilities?.drop ?? [];
  const seccomp = seccompOf(sc?.seccompProfile ?? psc?.seccompProfile, rootDir);
  return {
    privileged,
    readonlyRootfs: sc?.readOnlyRootFilesystem === true,
    ...(user !== undefined ? { runAsUser: { value: user } } : {}),
    ...(group !== undefined ? { runAsGroup: { value: group } } : {}),
    ...(groups.length > 0 ? { supplementalGroups: groups } : {}),
    ...(add.length > 0 || drop.length > 0 ? { capabilities: { addCapabilities: [...add], dropCapabilities: [...drop] } } : {}),
    // kubelet: no_new_privs only when allowPrivilegeEscalation is explicitly false (and never for privileged containers).
    ...(sc?.allowPrivilegeEscalation === false && !privileged ? { noNewPrivs: true } : {}),
    ...(seccomp ?? {}),
  };
}

/** What the runtime says the image runs as (ImageStatus `uid`, `username`); undefined when neither is known. */
export interface ImageUser {
  readonly uid: number | undefined;
  readonly username: string;
}

/**
 * kubelet's runAsNonRoot check; the error text when the container must not start. An image with
 * neither a numeric uid nor a user name runs as root.
 */
export function verifyRunAsNonRoot(pod: V1Pod, c: V1Container, image: ImageUser): string | undefined {
  const nonRoot = c.securityContext?.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot;
  if (nonRoot !== true) return undefined;
  const where = `pod: "${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})", container: ${c.name}`;
  const user = c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
  if (user !== undefined) return user === 0 ? `container's runAsUser breaks non-root policy (${where})` : undefined;
  if (image.uid === undefined && image.username !== '') {
    return `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root (${where})`;
  }
  if ((image.uid ?? 0) === 0) return `container has runAsNonRoot and image will run as root (${where})`;
  return undefined;
}
