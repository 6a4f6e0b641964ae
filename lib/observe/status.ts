/**
 * The STATUS, READY and RESTARTS columns `kubectl get pods` shows, computed from a pod as upstream's
 * printPod does (pkg/printers/internalversion/printers.go). The server also serves them as a Table;
 * the timeline cross-checks the two on every transition. `printerMinor` picks the release's
 * variant: from 1.35 a pod whose app container failed beside a completed one shows that failure.
 */
import type { V1Container, V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';

export interface PodColumns {
  status: string;
  ready: string;
  restarts: number;
}

function isRestartableInit(c: V1Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}
function conditionTrue(conds: V1PodCondition[] | undefined, type: string): boolean {
  return conds?.some((c) => c.type === type && c.status === 'True') ?? false;
}

export function podColumns(pod: V1Pod, printerMinor = 34): PodColumns {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = spec.containers.length;
  let readyContainers = 0;

  let reason = status.reason || status.phase || '';
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const initSpecs = new Map<string, V1Container>();
  for (const c of spec.initContainers ?? []) {
    initSpecs.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses: V1ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    const restartable = isRestartableInit(initSpecs.get(c.name));
    if (restartable) restartableInitRestarts += c.restartCount ?? 0;
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      else reason = `Init:${terminated.reason}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    let hasRunning = false;
    let errorReason = '';
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      const terminated = c.state?.terminated;
      if (c.state?.waiting?.reason) {
        reason = c.state.waiting.reason;
      } else if (terminated) {
        if (terminated.reason) reason = terminated.reason;
        else reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
        if (terminated.exitCode !== 0) errorReason = reason;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed') {
      const podReady = conditionTrue(status.conditions, 'Ready');
      if (printerMinor >= 35) {
        if (hasRunning && podReady) reason = 'Running';
        else if (errorReason) reason = errorReason;
        else if (hasRunning) reason = 'NotReady';
      } else if (hasRunning) {
        reason = podReady ? 'Running' : 'NotReady';
      }
    }
  }

  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = 'Terminating';

  return { status: reason, ready: `${readyContainers}/${totalContainers}`, restarts };
}

export function podStatus(pod: V1Pod, printerMinor?: number): string {
  return podColumns(pod, printerMinor).status;
}

/** Every container status of the pod: init containers (sidecars included) first, then app containers. */
export function allContainerStatuses(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}
