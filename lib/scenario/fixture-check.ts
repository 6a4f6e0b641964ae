/**
 * Which fixture image a run uses, and a check, once per run and before any suite, that the
 * cluster can run it and that it has every command the fixtures need: a missing image or applet
 * is one line before anything starts, not forty broken scenarios.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { InitcError } from '../errors.js';
import { FIXTURE_IMAGE_ENV, LOCAL_FIXTURE_IMAGE, PUBLIC_FIXTURE_IMAGE, fixtureCheckScript, parseFixtureCheck } from '../fixture-image.js';
import { PodTimeline } from '../observe/timeline.js';
import { InfrastructureError, podMatches } from '../observe/wait.js';
import { createRunNamespace, deleteNamespace } from './namespace.js';
import { serverInfo } from './kit.js';

export interface FixtureImageChoice {
  image: string;
  /** Why this image, for the progress line and the report's environment. */
  why: string;
}

/**
 * The image named by the flag, else by INITC_FIXTURE_IMAGE, else the local image on the embedded
 * cluster or where every node already has it (a kind node image built here), else the pinned public busybox.
 */
export async function chooseFixtureImage(kc: KubeConfig, provider: string, flag?: string): Promise<FixtureImageChoice> {
  if (flag) return { image: flag, why: '--fixture-image' };
  const fromEnv = process.env[FIXTURE_IMAGE_ENV];
  if (fromEnv) return { image: fromEnv, why: FIXTURE_IMAGE_ENV };
  if (provider === 'local') return { image: LOCAL_FIXTURE_IMAGE, why: 'made locally for the embedded cluster' };
  // A kind cluster of a node image built here has it preloaded; one of an official node image has not.
  const listed = await kc.makeApiClient(CoreV1Api).listNode().catch((err: { code?: number }) => {
    // A namespace-scoped identity may not read nodes.
    if (err.code === 403) return undefined;
    throw err;
  });
  if (!listed) return { image: PUBLIC_FIXTURE_IMAGE, why: `this identity may not list nodes to see whether they have ${LOCAL_FIXTURE_IMAGE}; pulled (--fixture-image names another)` };
  const nodes = listed.items.filter((n) => !n.spec?.unschedulable);
  const hasLocal = (names: string[] | undefined) => Boolean(names?.includes(LOCAL_FIXTURE_IMAGE));
  if (nodes.length && nodes.every((n) => n.status?.images?.some((i) => hasLocal(i.names)))) {
    return { image: LOCAL_FIXTURE_IMAGE, why: 'every node already has it' };
  }
  return { image: PUBLIC_FIXTURE_IMAGE, why: `the nodes lack ${LOCAL_FIXTURE_IMAGE}; pulled (--fixture-image names another)` };
}

const CHECK_POD = 'fixture-image-check';

/**
 * Runs the check pod in a namespace of the run's (or, in a namespace-scoped run, named and labelled
 * as the run's own in the first given namespace); throws InitcError('fixtureImage') on any trouble, naming it.
 */
export async function checkFixtureImage(kc: KubeConfig, runId: string, image: string, o: { timeoutMs?: number; shared?: { namespace: string; prefix: string; labels: Record<string, string> } } = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 180_000;
  const namespace = o.shared?.namespace ?? (await createRunNamespace(kc, runId, 'fixture-image'));
  const name = `${o.shared?.prefix ?? ''}${CHECK_POD}`;
  const core = kc.makeApiClient(CoreV1Api);
  const timeline = await PodTimeline.start(kc, namespace, name, (await serverInfo(kc)).minor);
  try {
    const body = checkPod(image);
    body.metadata = { name, labels: o.shared?.labels };
    await core.createNamespacedPod({ namespace, body });
    const ended = await timeline
      .until(podMatches('the fixture image check to finish', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', timeoutMs, () => undefined))
      .catch((err: Error) => {
        const why = err instanceof InfrastructureError ? err.message.replace(/^while waiting for .*?: /, '').replace(/; is the fixture image loaded on the node\?$/, '') : err.message.split('\n')[0];
        throw new InitcError('fixtureImage', `the fixture image ${image} cannot run on this cluster: ${why}; load it on the nodes (initc image load) or name another with --fixture-image`);
      });
    const log = String(await core.readNamespacedPodLog({ namespace, name, container: 'check' }).catch(() => ''));
    const missing = parseFixtureCheck(log);
    if (missing === undefined) {
      const t = ended.pod.status?.containerStatuses?.[0]?.state?.terminated;
      const said = log.trim().split('\n').pop() || t?.message?.trim().split('\n')[0] || t?.reason || 'nothing';
      throw new InitcError('fixtureImage', `the fixture image ${image} has no working sh: its check exited ${t?.exitCode ?? '?'} saying "${said}"`);
    }
    if (missing.length) throw new InitcError('fixtureImage', `the fixture image ${image} lacks ${missing.join(', ')}, which the fixtures run; give a busybox with every applet (--fixture-image)`);
  } finally {
    await timeline.stop();
    if (o.shared) await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);
    else await deleteNamespace(kc, namespace).catch(() => undefined);
  }
}

function checkPod(image: string): V1Pod {
  return {
    metadata: { name: CHECK_POD },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'check', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', fixtureCheckScript()] }],
    },
  };
}
