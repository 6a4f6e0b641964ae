/**
 * Waits as objects: each knows what it waits for, its own timeout, and which states make waiting
 * pointless (waiting for Running when the pod already Failed fails at once, saying so). A
 * PodTimeline drives them from its watch.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { allContainerStatuses, podStatus } from './status.js';

export interface PodWait {
  /** What is awaited, for messages: "phase Running". */
  readonly description: string;
  readonly timeoutMs: number;
  met(pod: V1Pod): boolean;
  /** Why the awaited state can no longer come, or undefined while it still can. */
  hopeless(pod: V1Pod): string | undefined;
  /** Image pull failures are what this wait looks for, not infrastructure trouble. */
  readonly imageTroubleExpected?: boolean;
}

/**
 * The cluster did not do what was awaited: a behaviour failure. Its name makes reporters (Allure)
 * count it as a failed assertion, not as broken infrastructure.
 */
export class WaitFailed extends Error {
  constructor(
    message: string,
    readonly lastSeen: V1Pod | undefined,
  ) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** Trouble of the test's own making or the cluster's plumbing (image missing, API unreachable): reported as broken. */
export class InfrastructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfrastructureError';
  }
}

function terminalPhase(p: V1Pod): string | undefined {
  return p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded' ? `the pod is already ${p.status.phase}${p.status.reason ? ` (${p.status.reason})` : ''}` : undefined;
}

export function phase(wanted: 'Running' | 'Failed' | 'Succeeded' | 'Pending', timeoutMs = 120_000): PodWait {
  return {
    description: `phase ${wanted}`,
    timeoutMs,
    met: (p) => p.status?.phase === wanted,
    // A terminal phase other than the one awaited can never change (for Running or Pending, any terminal phase).
    hopeless: (p) => (p.status?.phase === wanted ? undefined : terminalPhase(p)),
  };
}

export function podRunning(timeoutMs?: number): PodWait {
  return phase('Running', timeoutMs);
}

/** The STATUS column shows `wanted` (exact, or matching a RegExp). */
export function status(wanted: string | RegExp, timeoutMs = 120_000, printerMinor?: number): PodWait {
  const matches = (s: string) => (typeof wanted === 'string' ? s === wanted : wanted.test(s));
  return {
    description: `STATUS ${String(wanted)}`,
    timeoutMs,
    met: (p) => matches(podStatus(p, printerMinor)),
    hopeless: (p) => (matches(podStatus(p, printerMinor)) ? undefined : terminalPhase(p)),
  };
}

function containerStatus(p: V1Pod, name: string): V1ContainerStatus | undefined {
  return allContainerStatuses(p).find((c) => c.name === name);
}
function restartsOf(p: V1Pod, name: string): number {
  return containerStatus(p, name)?.restartCount ?? 0;
}

/** Container `name` (init or app) has restarted at least `count` times. */
export function restartsAtLeast(name: string, count: number, timeoutMs = 180_000): PodWait {
  return {
    description: `container ${name} restarted ${count} times`,
    timeoutMs,
    met: (p) => restartsOf(p, name) >= count,
    hopeless: terminalPhase,
  };
}

/** Any predicate, for the odd case. */
export function podMatches(description: string, met: (p: V1Pod) => boolean, timeoutMs = 120_000, hopeless: (p: V1Pod) => string | undefined = terminalPhase): PodWait {
  return { description, timeoutMs, met, hopeless };
}

/**
 * Waits a running container cannot get out of on its own, for images that were supposed to be on
 * the node. (A function, not a module-level list or arrow: module-level code makes static mutants,
 * each run in a fresh process under mutation testing.)
 */
function isImageTrouble(reason: string | undefined): boolean {
  return (['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'] as Array<string | undefined>).includes(reason);
}

export function infrastructureTrouble(pod: V1Pod): string | undefined {
  for (const c of allContainerStatuses(pod)) {
    const waiting = c.state?.waiting;
    if (waiting && isImageTrouble(waiting.reason)) return `container ${c.name} cannot get its image ${c.image} (${waiting.reason}: ${waiting.message ?? ''}); is the fixture image loaded on the node?`;
  }
  return undefined;
}

/**
 * The app container running in a sandbox made after the first init container ran again (its
 * restartCount ≥ 1): "Running" alone may be a row from before a fault.
 */
export function appRunningAfterRerun(firstInit = 'init-a', app = 'app', timeoutMs = 90_000): PodWait {
  return podMatches(`${app} running after ${firstInit} ran again`, (p) => restartsOf(p, firstInit) >= 1 && Boolean(containerStatus(p, app)?.state?.running), timeoutMs);
}
