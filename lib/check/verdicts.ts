/**
 * The dynamic checks of `initc check`, as pure functions of pod objects and timeline rows: the
 * workload's pod Ready, its init containers run again (all of them, from the first, after a lost
 * sandbox or a node reboot: new containerIDs, since restart counts are not reliable after a lost
 * sandbox), in the order the cluster promises, and the user's --probe output unchanged.
 */
import { AssertionError } from 'chai';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { RecordedRow } from '../checks/recording.js';
import { attemptsOf, formatRows, killedExitMismatch } from '../checks/recording.js';
import { CheckBroken } from './outcome.js';

function fail(expected: string, observed: string, rows?: RecordedRow[]): never {
  throw new AssertionError(`expected ${expected}; observed ${observed}${rows?.length ? `\nTimeline rows:\n${formatRows(rows)}` : ''}`);
}

export function isReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The status the pod reports for init container `name`. */
export function initStatus(p: V1Pod, name: string): V1ContainerStatus | undefined {
  return p.status?.initContainerStatuses?.find((s) => s.name === name);
}

/** The containerID of each init container as the pod reports it now (running or terminated attempt). */
export function initContainerIds(p: V1Pod): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const c of p.spec?.initContainers ?? []) {
    const s = initStatus(p, c.name);
    out[c.name] = s?.state?.terminated?.containerID ?? (s?.state?.running ? s.containerID : undefined);
  }
  return out;
}

/** Ready, with every init container a container other than the one it was before the fault. */
export function readyWithNewInits(p: V1Pod, before: Record<string, string | undefined>): boolean {
  if (!isReady(p)) return false;
  const now = initContainerIds(p);
  return Object.keys(before).every((n) => Boolean(now[n]) && now[n] !== before[n]);
}

function time(d: Date | string | undefined | null): number {
  return d ? Date.parse(d instanceof Date ? d.toISOString() : String(d)) : NaN;
}

/**
 * The init containers of `p` ran in spec order, the cluster's promise: each plain init container
 * started no earlier than the one before it finished (timestamps have a one-second resolution, so
 * equal counts as after), a sidecar (restartPolicy Always) was running before the next started;
 * each plain one finished with exit 0.
 */
export function checkInitOrder(p: V1Pod): void {
  const specs = p.spec?.initContainers ?? [];
  let prevEnd = -Infinity;
  let prevName = '';
  for (const c of specs) {
    const s = initStatus(p, c.name);
    const sidecar = c.restartPolicy === 'Always';
    const started = time(s?.state?.terminated?.startedAt ?? s?.state?.running?.startedAt);
    if (Number.isNaN(started)) fail(`init container ${c.name} to have run`, `its status: ${JSON.stringify(s?.state ?? null)}`);
    if (started < prevEnd) fail(`init container ${c.name} to start after ${prevName} finished (spec order)`, `${c.name} started at ${new Date(started).toISOString()}, ${prevName} finished at ${new Date(prevEnd).toISOString()}`);
    if (sidecar) {
      if (!s?.state?.running) fail(`sidecar ${c.name} running`, JSON.stringify(s?.state ?? null));
      prevEnd = started;
    } else {
      const t = s?.state?.terminated;
      if (!t || t.exitCode !== 0) return fail(`init container ${c.name} finished with exit 0`, t ? `exit ${t.exitCode} (${t.reason ?? ''})` : JSON.stringify(s?.state ?? null));
      prevEnd = time(t.finishedAt);
    }
    prevName = c.name;
  }
}

/**
 * A plain init container killed mid-run during a fresh start: its killed attempt ended with
 * `exitCode` (137 for SIGKILL) and it ran again, the init containers before it ran once (one
 * containerID each, in every row), and the pod ended Ready with the init order kept.
 */
export function checkKilledReranAlone(rows: RecordedRow[], last: V1Pod, inits: string[], killed: string, exitCode = 137, runtimeExitCode?: number): void {
  const attempts = attemptsOf(rows, killed);
  if (attempts.length < 2) fail(`${killed} to run again after the kill`, `${attempts.length} attempt(s) in the timeline`, rows.slice(-5));
  const wrongExit = killedExitMismatch(attempts[0]!.exitCode, runtimeExitCode, exitCode);
  if (wrongExit) fail(`${killed}'s killed attempt to end with exit code ${exitCode}`, wrongExit, rows.slice(-5));
  for (const earlier of inits.slice(0, inits.indexOf(killed))) {
    const n = attemptsOf(rows, earlier).length;
    if (n !== 1) fail(`${earlier}, before the killed ${killed}, to have run exactly once`, `${n} attempts`, rows.slice(-5));
  }
  if (!isReady(last)) fail('the pod Ready in the end', `conditions ${JSON.stringify(last.status?.conditions?.map((c) => `${c.type}=${c.status}`))}`);
  checkInitOrder(last);
}

export interface ProbeOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Both outputs side by side, line by line, with the differing lines marked. */
export function sideBySide(before: string, after: string, width = 48): string {
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  const w = Math.min(width, Math.max(6, ...a.map((l) => l.length)));
  const lines = [`  ${'before'.padEnd(w)} │ after`, `  ${'─'.repeat(w)}─┼─${'─'.repeat(Math.min(width, Math.max(5, ...b.map((l) => l.length))))}`];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const l = a[i];
    const r = b[i];
    lines.push(`${l === r ? ' ' : '≠'} ${(l ?? '').slice(0, w).padEnd(w)} │ ${r ?? ''}`);
  }
  return lines.join('\n');
}

/** The --probe's output after the fault is the one before it; else "not idempotent", both side by side. */
export function checkSameProbe(before: ProbeOutput, after: ProbeOutput, what: string): void {
  if (before.exitCode === after.exitCode && before.stdout === after.stdout) return;
  throw new AssertionError(
    `not idempotent: the --probe output after ${what} differs from the one before it (exit ${before.exitCode} before, ${after.exitCode} after)\n${sideBySide(before.stdout + (before.stderr ? `\n[stderr] ${before.stderr}` : ''), after.stdout + (after.stderr ? `\n[stderr] ${after.stderr}` : ''))}`,
  );
}

/**
 * During a dependency's outage (proven to have reached the namespace: its name no longer resolved
 * there), a fresh pod's init containers must not wait without a bound. Bounded means one of what
 * the timeline shows: a plain init container gave up (exited non-zero, so the kubelet restarts it
 * with back-off and the failure shows), the pod was ended by its activeDeadlineSeconds, or the pod
 * became Ready without the Service (it does not need it to start). A deadline in the spec that did
 * not strike within the outage is not seen to bound anything. Returns which, for the evidence.
 */
export function checkBoundedDuringOutage(rows: RecordedRow[], pod: V1Pod, outageMs: number, service: string): string {
  if (rows.some((r) => r.conditions.Ready?.startsWith('True'))) return `the pod became Ready while Service ${service} was gone: it does not need it to start`;
  if (rows.some((r) => r.podReason === 'DeadlineExceeded')) return `the pod was ended by its activeDeadlineSeconds (${pod.spec?.activeDeadlineSeconds ?? '?'} s) during the outage`;
  const plain = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => c.name);
  const gaveUp = plain.find((n) => attemptsOf(rows, n).some((a) => a.exitCode !== undefined && a.exitCode !== 0));
  if (gaveUp !== undefined) return `init container ${gaveUp} gave up (exited non-zero) during the outage`;
  const waiting = rows.at(-1)?.containers.find((c) => c.kind === 'init' && c.state === 'running');
  const deadline = pod.spec?.activeDeadlineSeconds;
  return fail(
    `the init containers to give up on Service ${service} within the ${outageMs / 1000}s it was gone (exit non-zero, so the kubelet restarts them with back-off and the failure shows), or the pod's activeDeadlineSeconds to end it within that time`,
    `${waiting ? `init container ${waiting.name} was still waiting, never ended, never restarted` : 'no init container ended'}; the pod stayed ${rows.at(-1)?.status ?? '?'} with nothing to alert on${deadline !== undefined ? ` (its activeDeadlineSeconds ${deadline} s did not strike within the outage; give --outage-seconds above it to see it do so)` : ''}: a dependency that never comes back leaves it so forever`,
    rows.slice(-4),
  );
}

/** The --probe must work on the state it is compared against: exit 0 (a probe that fails before and after compares nothing). */
export function checkProbeWorks(out: ProbeOutput, when: string): void {
  if (out.exitCode === 0) return;
  const first = (text: string) => text.trim().split('\n')[0]!.trim();
  fail(`the --probe command to succeed ${when} (exit 0), so that its output says something about the state`, `exit ${out.exitCode}${first(out.stderr) ? `, stderr: ${first(out.stderr)}` : ''}${first(out.stdout) ? `, stdout: ${first(out.stdout)}` : ''}`);
}

/** Milliseconds from the fault's end to the row showing recovery; a row from before the fault's end is no recovery from it. */
export function recoveryMs(rowReceivedAt: string, faultEndedAtMs: number): number {
  const ms = Date.parse(rowReceivedAt) - faultEndedAtMs;
  if (!(ms >= 0)) throw new Error(`the row taken for the recovery (${rowReceivedAt}) is from before the fault ended (${new Date(faultEndedAtMs).toISOString()}): it cannot show a recovery from it`);
  return ms;
}

export type DnsAnswer = 'resolved' | 'nxdomain' | 'other';

/** What busybox nslookup said of a name: it resolved (exit 0 and an address), it does not exist (NXDOMAIN), or something else (no server, timeout). */
export function dnsAnswer(out: ProbeOutput): DnsAnswer {
  const text = `${out.stdout}\n${out.stderr}`;
  if (out.exitCode === 0 && /^Address(?: \d+)?:\s*\S+/m.test(text.replace(/^Server:[^\n]*\nAddress:[^\n]*\n/m, ''))) return 'resolved';
  if (out.exitCode !== 0 && /NXDOMAIN/.test(text)) return 'nxdomain';
  return 'other';
}

/**
 * How long the cluster DNS may keep answering for a name after its Service is gone: nothing when
 * its cache leaves cluster.local out (kubeadm's Corefile, ConfigMap kube-system/coredns), else the
 * TTL the CoreDNS kubernetes plugin gives its records (`ttl N`; 5 s, the plugin's default, when not
 * set or not readable, as on the embedded cluster, whose `cache 5` keeps answers that long).
 */
export function dnsTtlSeconds(corefile: string | undefined): number {
  // kubeadm's Corefile (1.34+) keeps answers for cluster.local out of the cache altogether.
  if (/\bcache\b[^{\n]*\{[^}]*\bdisable\s+success\s+cluster\.local\b/.test(corefile ?? '')) return 0;
  const ttl = /\bkubernetes\b[^{]*\{[^}]*\bttl\s+(\d+)/.exec(corefile ?? '')?.[1];
  return ttl === undefined ? 5 : Number(ttl);
}

/** The outage took effect where the workload lives: the name resolved there before the removal and is NXDOMAIN after it. */
export function checkOutageTookEffect(before: DnsAnswer, after: DnsAnswer, fqdn: string): void {
  if (before !== 'resolved') throw new CheckBroken(`cannot prove the outage: ${fqdn} did not resolve from inside the namespace even before the Service was removed (${before})`);
  if (after !== 'nxdomain') throw new CheckBroken(`the outage did not take effect: ${fqdn} still ${after === 'resolved' ? 'resolves' : `gives no NXDOMAIN (${after})`} from inside the namespace after the Service was removed and the DNS cache time passed`);
}
