/**
 * What a kubelet restart does to the `started` and `ready` of running containers (KEP-4781,
 * gate ChangeContainerStatusOnKubeletRestart): with the gate on — or absent, up to 1.34, where the
 * old behaviour is the only one — the restarted kubelet reports them false until their probes pass
 * again; with it off (the default from 1.35) it keeps what it reported before
 * (pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses and pkg/kubelet/prober/prober_manager.go
 * at v1.36.5). Pure.
 */
import type { GateInForce } from '../cluster/features.js';
import type { DownWindow } from '../chaos/proof.js';
import type { Recording, RecordedRow } from './recording.js';
import { containerIn, fail } from './recording.js';

export type StatusOnRestart = 'kept' | 'reset';

/**
 * The kubelet keeps the status only of containers that started more than 10 s before it did
 * (pkg/kubelet/prober/prober_manager.go kubeletRestartGracePeriod); younger ones are probed as new.
 * Container times are truncated to the second: one more second.
 */
export const KEPT_ONLY_AFTER_SEC = 11;

/** The behaviour the kubelet's own gate calls for; a kubelet without the gate (≤ 1.34) resets. */
export function expectedOnKubeletRestart(gate: GateInForce | undefined): StatusOnRestart {
  return gate && !gate.enabled ? 'kept' : 'reset';
}

export interface Flip {
  seq: number;
  container: string;
  /** "started false", "ready false". */
  change: string;
}

const running = (row: RecordedRow, name: string, id: string) => {
  const c = containerIn(row, name);
  return c?.state === 'running' && c.containerID === id ? c : undefined;
};

/**
 * Rows received from the component's stop on where a container still in its attempt of before the
 * restart (same containerID, running) reports started or ready false.
 */
export function flipsAfter(rows: RecordedRow[], ids: ReadonlyMap<string, string>, window: DownWindow): Flip[] {
  const from = Date.parse(window.from);
  return rows
    .filter((r) => Date.parse(r.receivedAt) >= from)
    .flatMap((r) =>
      [...ids].flatMap(([name, id]) => {
        const c = running(r, name, id);
        if (!c) return [];
        return [c.started === false && 'started false', !c.ready && 'ready false'].filter((x): x is string => Boolean(x)).map((change) => ({ seq: r.seq, container: name, change }));
      }),
    );
}

/**
 * The containers `names` were started and ready before the restart (else there is nothing to
 * keep); afterwards, `kept`: no flip while each stayed in the same attempt; `reset`: at least one
 * flip, and every one of them started and ready again, in the same attempt, by the last row.
 */
export function checkStatusAcrossKubeletRestart(rec: Recording, names: string[], window: DownWindow, expected: StatusOnRestart): Flip[] {
  const from = Date.parse(window.from);
  const before = rec.rows.filter((r) => Date.parse(r.receivedAt) < from).at(-1);
  if (!before) fail(`a row of the pod before the kubelet stopped at ${window.from}`, 'none', rec.rows.slice(0, 3));
  const ids = new Map<string, string>();
  for (const name of names) {
    const c = containerIn(before, name);
    if (c?.state !== 'running' || c.started !== true || !c.ready || !c.containerID) fail(`${name} running, started and ready before the kubelet stopped`, `${c ? `${c.state}, started ${c.started}, ready ${c.ready}` : 'no such container'} at row #${before.seq}`, [before]);
    ids.set(name, c.containerID);
    const ranSec = (from - Date.parse(c.startedAt ?? window.from)) / 1000;
    if (ranSec < KEPT_ONLY_AFTER_SEC) fail(`${name} started at least ${KEPT_ONLY_AFTER_SEC} s before the kubelet stopped (younger containers are probed as new whatever the gate)`, `${ranSec} s (started ${c.startedAt}, stopped ${window.from})`, [before]);
  }
  const flips = flipsAfter(rec.rows, ids, window);
  const after = rec.rows.filter((r) => Date.parse(r.receivedAt) >= from);
  const restarted = names.filter((n) => after.some((r) => containerIn(r, n)?.containerID !== ids.get(n)));
  if (restarted.length) fail(`${restarted.join(', ')} to stay in the attempt they ran before the restart`, 'a new attempt', after);
  if (expected === 'kept') {
    if (flips.length) fail('started and ready kept through the kubelet restart (ChangeContainerStatusOnKubeletRestart off)', flips.map((f) => `${f.container} ${f.change} at #${f.seq}`).join(', '), after);
    return flips;
  }
  if (!flips.length) fail('started or ready reported false after the kubelet restart, until the probes pass again (ChangeContainerStatusOnKubeletRestart on, or a release before it)', `no such row among ${after.length} after ${window.from}`, after);
  const last = rec.rows.at(-1)!;
  const notBack = names.filter((n) => {
    const c = running(last, n, ids.get(n)!);
    return !c?.ready || c.started !== true;
  });
  if (notBack.length) fail(`${notBack.join(', ')} started and ready again once the probes passed`, `not at the last row #${last.seq}`, [last]);
  return flips;
}
