/**
 * Checks of the network suite: init containers and the app share the pod's one network namespace
 * (the kubelet starts every container of a pod in its sandbox's namespace; the CRI's
 * PodSandboxConfig carries NamespaceMode POD for network, pkg/kubelet/kuberuntime/
 * kuberuntime_sandbox.go and helpers_linux.go), so a change an init container makes with NET_ADMIN
 * is what the app sees, and the address each container sees as its own is the pod IP the API
 * reports. Without NET_ADMIN (not in the runtime's default capability set) the kernel refuses the
 * change. Pure functions of a Recording (ledger lines of fixtures/network.ts).
 */
import type { Recording } from './recording.js';
import { everRan, fail, ledgerOf, statusesOf } from './recording.js';

/** The address (on lo) and the route (through lo) the init container adds: documentation ranges (RFC 5737), never routed anywhere. */
export function netnsChange() {
  return ({ address: '192.0.2.10', route: '198.51.100.0/24' });
}

function events(rec: Recording, name: string) {
  return ledgerOf(rec.ledger, name).map((e) => e.event);
}

/**
 * The init container changed the namespace (once: its ledger has exactly one "netns-changed" and
 * no refusal), and the app, started after it, saw both the address and the route.
 */
export function checkNetnsChangeSeen(rec: Recording, init: string, app: string): void {
  const initEvents = events(rec, init);
  const changed = initEvents.filter((e) => e === 'netns-changed').length;
  if (changed !== 1 || initEvents.some((e) => e.startsWith('refused'))) fail(`${init} to change the network namespace once, unrefused (one "netns-changed" ledger line)`, initEvents.join(', ') || 'no ledger line');
  const appEvents = events(rec, app);
  for (const what of ['address', 'route']) {
    if (!appEvents.includes(`sees-${what}`)) fail(`${app} to see the ${what} ${init} added (${netnsChange()[what as 'address' | 'route']})`, appEvents.join(', ') || 'no ledger line');
  }
  const changedAt = ledgerOf(rec.ledger, init).find((e) => e.event === 'netns-changed')!.uptime;
  const appStart = ledgerOf(rec.ledger, app).find((e) => e.event === 'started');
  if (!appStart || appStart.uptime < changedAt) fail(`${app} to start after ${init} changed the namespace (uptime ${changedAt})`, appStart ? `${app} started at uptime ${appStart.uptime}` : `no "started" line of ${app}`);
}

/** The IPv4 addresses a container wrote as its own ("ip-<address>" ledger lines), sorted and distinct. */
export function ownAddresses(rec: Recording, name: string): string[] {
  return [...new Set(events(rec, name).filter((e) => e.startsWith('ip-')).map((e) => e.slice(3)))].sort();
}

/**
 * One namespace, one IP: every container in `containers` saw exactly the pod's IPv4 addresses as
 * the API reports them (status.podIPs, IPv6 ones left out: the containers list IPv4 only).
 */
export function checkSharedPodIp(rec: Recording, podIPs: string[], containers: string[]): void {
  const want = [...new Set(podIPs.filter((ip) => !ip.includes(':')))].sort();
  if (!want.length) fail('the API to report an IPv4 pod IP', `status.podIPs ${JSON.stringify(podIPs)}`);
  for (const name of containers) {
    const seen = ownAddresses(rec, name);
    if (JSON.stringify(seen) !== JSON.stringify(want)) fail(`${name} to see the pod IP the API reports (${want.join(', ')}) as its own address`, `${seen.join(', ') || 'no address'}`);
  }
}

/**
 * Without NET_ADMIN the change is refused: every attempt of `init` wrote "refused-eperm" (the
 * kernel's Operation not permitted) and none changed anything; the app never ran; and the pod
 * shows it by restart policy: Never → phase Failed, STATUS Init:Error (or Init:ExitCode:<code>),
 * never restarted; OnFailure/Always → restarted, Init:CrashLoopBackOff, phase Pending throughout.
 */
export function checkChangeRefused(rec: Recording, init: string, app: string, policy: 'Never' | 'OnFailure' | 'Always', exitCode: number): void {
  const initEvents = events(rec, init).filter((e) => e.startsWith('refused') || e === 'netns-changed');
  if (!initEvents.length || initEvents.some((e) => e !== 'refused-eperm')) fail(`every attempt of ${init} refused with Operation not permitted ("refused-eperm")`, initEvents.join(', ') || 'no outcome in the ledger');
  if (everRan(rec.rows, app) || ledgerOf(rec.ledger, app).length) fail(`${app} never to run`, 'it ran', rec.rows);
  const end = rec.rows.at(-1)!;
  const restarts = Math.max(0, ...rec.rows.map((r) => r.containers.find((c) => c.name === init)?.restartCount ?? 0));
  const seen = statusesOf(rec.rows);
  if (policy === 'Never') {
    const ok = ['Init:Error', `Init:ExitCode:${exitCode}`];
    if (end.phase !== 'Failed' || !ok.includes(end.status)) fail(`phase Failed with STATUS ${ok.join(' or ')}`, `phase ${end.phase}, STATUS ${seen.join(' → ')}`, rec.rows);
    if (restarts !== 0) fail(`${init} never restarted (restartPolicy Never)`, `restartCount ${restarts}`, rec.rows);
    return;
  }
  if (!seen.includes('Init:CrashLoopBackOff')) fail(`STATUS Init:CrashLoopBackOff (restartPolicy ${policy})`, seen.join(' → '), rec.rows);
  if (restarts < 1) fail(`${init} restarted (restartPolicy ${policy})`, `restartCount ${restarts}`, rec.rows);
  const notPending = rec.rows.find((r) => r.phase !== 'Pending');
  if (notPending) fail('phase Pending throughout', `phase ${notPending.phase} at row #${notPending.seq}`, [notPending]);
}
