/**
 * stale-sandbox: the known upstream bug kubernetes/kubernetes#137710 (also #124002, #140309; fixed
 * by PR #138514). After a pod's sandbox is recreated, when the runtime still reports an app
 * container of the *old* sandbox as CONTAINER_CREATED (created, never started: the node died
 * between CreateContainer and StartContainer), the kubelet's computeInitContainerActions finds it
 * with podStatus.FindContainerStatusByName, takes the pod as initialized, and runs only the first
 * init container again (the one it starts with the new sandbox); the later ones are skipped and
 * the app starts. Upstream's rule (docs, "Detailed behavior") is that every init container runs
 * again when the pod restarts; the fix reads podStatus.ActiveContainerStatuses (the active sandbox's).
 *
 * Pure: the runtime's listings (crictl JSON), the crash's precondition as a fault proof, and the
 * reading of a run; the suite (suites/chaos/stale-sandbox.spec.ts) collects them.
 */
import { AssertionError } from 'chai';
import type { FaultProof } from '../chaos/proof.js';
import { InfrastructureError } from '../observe/wait.js';
import type { LedgerEntry } from '../pod/ledger.js';

export const UPSTREAM_BUG = 'kubernetes/kubernetes#137710 (also #124002, #140309; fix PR #138514)';

export const CREATED = 'CONTAINER_CREATED';
export const NOT_READY = 'SANDBOX_NOTREADY';
export const READY = 'SANDBOX_READY';

export interface CriContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: string;
}

export interface CriSandbox {
  id: string;
  attempt: number;
  state: string;
}

/** The runtime's containers and sandboxes of one pod. */
export interface CriListing {
  containers: CriContainer[];
  sandboxes: CriSandbox[];
}

type Json = Record<string, unknown>;
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || !v) throw new Error(`crictl JSON: ${what} is not a string`);
  return v;
};
const list = (text: string, key: string): Json[] => {
  const parsed = JSON.parse(text) as Json;
  const items = parsed[key];
  if (!Array.isArray(items)) throw new Error(`crictl JSON: no "${key}" list`);
  return items as Json[];
};
function metadata(o: Json) {
  return (o.metadata ?? {}) as Json;
}

/** `crictl ps -a -o json`. */
export function parseCriContainers(text: string): CriContainer[] {
  return list(text, 'containers').map((c) => ({
    id: str(c.id, 'a container id'),
    sandboxId: str(c.podSandboxId, 'a container\'s podSandboxId'),
    name: str(metadata(c).name, 'a container\'s name'),
    attempt: Number(metadata(c).attempt ?? 0),
    state: str(c.state, 'a container\'s state'),
  }));
}

/** `crictl pods -o json`. */
export function parseCriSandboxes(text: string): CriSandbox[] {
  return list(text, 'items').map((s) => ({ id: str(s.id, 'a sandbox id'), attempt: Number(metadata(s).attempt ?? 0), state: str(s.state, 'a sandbox\'s state') }));
}

function short(id: string | undefined) {
  return id ? id.slice(0, 13) : 'none';
}
function describeContainer(c: CriContainer) {
  return `${c.name} ${short(c.id)} ${c.state} in sandbox ${short(c.sandboxId)}`;
}
export function describeListing(l: CriListing) {
  return [...l.sandboxes.map((s) => `sandbox ${short(s.id)} attempt ${s.attempt} ${s.state}`), ...l.containers.map((c) => `${describeContainer(c)} attempt ${c.attempt}`)].join('; ') || 'nothing listed';
}

/** What the crash left and what the kubelet made of it, as the fault collects it. */
export interface CrashEvidence {
  app: string;
  /** 'stale': the app's start was blocked, so it must be left CONTAINER_CREATED; 'control': the app ran, none may be. */
  variant: 'stale' | 'control';
  /** The sandbox before the crash. */
  oldSandbox?: string;
  /** The pod's listing after containerd came back, before the kubelet started. */
  afterRuntimeRestart?: CriListing;
  /** A ready sandbox other than the old one, once the kubelet ran again. */
  newSandbox?: string;
  /** The node's uptime (s) when the crash began: ledger lines after it belong to the new sandbox. */
  crashUptime?: number;
}

/** The app container of the old sandbox, still CONTAINER_CREATED in `listing`. */
export function staleApp(listing: CriListing | undefined, app: string, oldSandbox: string | undefined): CriContainer | undefined {
  return listing?.containers.find((c) => c.name === app && c.sandboxId === oldSandbox && c.state === CREATED);
}

/**
 * The crash took effect as the variant needs it: after containerd came back the old sandbox is not
 * ready and the app container of the old sandbox is CONTAINER_CREATED ('stale': the bug's
 * precondition) or is not ('control'); then the kubelet made a new ready sandbox. Anything less
 * and no verdict is earned.
 */
export function crashProof(e: CrashEvidence): FaultProof {
  const stale = e.variant === 'stale';
  const claim = `after the crash the runtime keeps ${e.app} of the old sandbox ${stale ? 'as' : 'in a state other than'} ${CREATED}, the old sandbox ${NOT_READY}, and the kubelet makes a new ready sandbox`;
  const old = e.afterRuntimeRestart?.sandboxes.find((s) => s.id === e.oldSandbox);
  const hasStale = staleApp(e.afterRuntimeRestart, e.app, e.oldSandbox) !== undefined;
  const seen = [
    `old sandbox ${short(e.oldSandbox)}`,
    `after containerd's restart: ${e.afterRuntimeRestart ? describeListing(e.afterRuntimeRestart) : 'not read'}`,
    `new ready sandbox ${e.newSandbox && e.newSandbox !== e.oldSandbox ? short(e.newSandbox) : 'none'}`,
  ].join('; ');
  const proven = Boolean(e.afterRuntimeRestart && hasStale === stale && old?.state === NOT_READY && e.newSandbox && e.newSandbox !== e.oldSandbox);
  return { claim, proven, seen, evidence: { ...e } };
}

/** One run of the suite, as saved for the controls. */
export interface StaleSandboxRecord {
  inits: string[];
  app: string;
  crash: CrashEvidence;
  /** The pod's listing at the end, after the app of the new sandbox started. */
  final: CriListing;
  ledger: LedgerEntry[];
}

export interface StaleSandboxReading {
  /** Every init container ran again in the new sandbox ('reran'), some were skipped ('skipped'), or no reading is earned ('broken'). */
  outcome: 'reran' | 'skipped' | 'broken';
  /** Why broken; or what was seen. */
  detail: string;
  /** The init containers that did not run again (in spec order). */
  skipped: string[];
  /** The containers that started after the crash, in ledger order. */
  startedAfter: string[];
}

function broken(detail: string): StaleSandboxReading {
  return { outcome: 'broken', detail, skipped: [], startedAfter: [] };
}

/**
 * Reads a run: which init containers ran again after the crash, by two witnesses that must agree
 * (the runtime: a container of that name in the new sandbox; the ledger: its "ran" line after the
 * crash), and in which order the containers started after it.
 */
export function readStaleSandbox(r: StaleSandboxRecord): StaleSandboxReading {
  const proof = crashProof(r.crash);
  if (!proof.proven) return broken(`the crash did not leave what the ${r.crash.variant} run needs: expected ${proof.claim}; observed ${proof.seen}`);
  const { newSandbox, crashUptime, oldSandbox } = r.crash;
  if (crashUptime === undefined) return broken('the crash\'s uptime was not read: the ledger cannot be split at the crash');
  if (r.crash.variant === 'stale' && !staleApp(r.final, r.app, oldSandbox)) {
    return broken(`the stale ${r.app} of the old sandbox ${short(oldSandbox)} is no longer ${CREATED} at the end, so the kubelet may not have seen it when it decided; at the end: ${describeListing(r.final)}`);
  }
  const inNew = (name: string) => r.final.containers.some((c) => c.name === name && c.sandboxId === newSandbox);
  if (!inNew(r.app)) return broken(`${r.app} has no container in the new sandbox ${short(newSandbox)}: the run ended before the pod came back; at the end: ${describeListing(r.final)}`);
  const after = r.ledger.filter((e) => e.uptime > crashUptime);
  const ranAfter = (name: string) => after.some((e) => e.container === name && e.event === 'ran');
  const disagree = r.inits.filter((n) => inNew(n) !== ranAfter(n));
  if (disagree.length) {
    return broken(disagree.map((n) => `${n}: the runtime ${inNew(n) ? 'has' : 'has no'} container of it in the new sandbox, the ledger ${ranAfter(n) ? 'has' : 'has no'} run of it after the crash`).join('; '));
  }
  const skipped = r.inits.filter((n) => !inNew(n));
  const startedAfter = after.filter((e) => e.event === 'started').map((e) => e.container);
  const detail = `after the crash: started ${startedAfter.join(' → ') || 'nothing'}; at the end: ${describeListing(r.final)}`;
  return { outcome: skipped.length ? 'skipped' : 'reran', detail, skipped, startedAfter };
}

/**
 * The correct behaviour, asserted: every init container runs again after the sandbox's
 * recreation, in spec order, before the app. A skipped one fails, naming the upstream bug it
 * reproduces; a run whose precondition did not hold is broken (InfrastructureError), never judged.
 */
export function checkEveryInitReran(r: StaleSandboxRecord): StaleSandboxReading {
  const reading = readStaleSandbox(r);
  if (reading.outcome === 'broken') throw new InfrastructureError(`stale-sandbox: no verdict is earned: ${reading.detail}`);
  if (reading.outcome === 'skipped') {
    const stale = staleApp(r.final, r.app, r.crash.oldSandbox);
    const why = stale
      ? `reproduces the known upstream bug ${UPSTREAM_BUG}: the kubelet took ${describeContainer(stale)} of the old sandbox as proof that the pod was initialized`
      : `with no container of the old sandbox left ${CREATED}: not the known upstream bug's precondition`;
    throw new AssertionError(`expected every init container (${r.inits.join(', ')}) to run again after the sandbox was recreated; observed ${reading.skipped.join(', ')} skipped — ${why}; ${reading.detail}`);
  }
  const expected = [...r.inits, r.app];
  if (reading.startedAfter.join(' ') !== expected.join(' ')) {
    throw new AssertionError(`expected the containers to start after the crash in the order ${expected.join(' → ')}; observed ${reading.startedAfter.join(' → ') || 'none'}; ${reading.detail}`);
  }
  return reading;
}
