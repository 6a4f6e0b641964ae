/**
 * Negative controls of the network, resources and workloads checks (lib/checks/network.ts,
 * resources.ts, workloads.ts), in the manner of negative-controls.test.ts: each check runs on what
 * a real kind v1.34.12 cluster recorded (test/fixtures/recordings/{network,resources,workloads-*}),
 * first as recorded (it passes), then with one behaviour altered, where it must fail with the
 * message of the expectation that alteration breaks.
 */
import { expect } from 'chai';
import type { Recording, RecordedRow } from '../../lib/checks/recording.js';
import { containerIn } from '../../lib/checks/recording.js';
import * as n from '../../lib/checks/network.js';
import type { SchedulingRecord } from '../../lib/checks/resources.js';
import * as res from '../../lib/checks/resources.js';
import type { RolloutRecording } from '../../lib/checks/workloads.js';
import * as w from '../../lib/checks/workloads.js';
import type { ObjectRow } from '../../lib/observe/objects.js';
import type { LedgerEntry } from '../../lib/pod/ledger.js';
import type { Alteration } from '../support/controls.js';
import { clone, control as runControl, expectFailure, load, passes, quotedRows } from '../support/controls.js';

/** control(), and with H12_DUMP set, prints each alteration's message and quoted rows (to write the expectations). */
function control<T>(rec: T, check: (r: T) => void, alts: Record<string, Alteration<T>>): void {
  if (process.env.H12_DUMP) {
    for (const [what, [alter]] of Object.entries(alts)) {
      const c = clone(rec);
      alter(c);
      try {
        check(c);
        console.log(`## ${what}: PASSED`);
      } catch (e) {
        console.log(`## ${what}\n${(e as Error).message.split('\nTimeline rows:\n')[0]}\nQUOTES ${JSON.stringify(quotedRows((e as Error).message))}`);
      }
    }
  }
  runControl(rec, check, alts);
}

const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The whole message is `text`, followed by the quoted rows when there are any. */
const says = (text: string) => new RegExp(`^${escape(text)}(\nTimeline rows:\n|$)`);
const line = (ledger: LedgerEntry[], container: string, event: string) => {
  const e = ledger.find((x) => x.container === container && x.event === event);
  if (!e) throw new Error(`recording lacks the ledger line ${container} ${event}`);
  return e;
};
const lastOf = (rows: RecordedRow[]) => rows.at(-1)!;
const objRow = (rows: ObjectRow[], name: string, pred: (r: ObjectRow) => boolean = () => true) => {
  const r = rows.find((x) => x.name === name && pred(x));
  if (!r) throw new Error(`recording lacks a row of ${name} this alteration needs`);
  return r;
};
type Statuses = Array<{ name: string; restartCount?: number; state?: Record<string, { exitCode?: number } | undefined>; lastState?: Record<string, { exitCode?: number } | undefined> }>;
const inits = (r: ObjectRow) => (r.status.initContainerStatuses as Statuses | undefined) ?? [];
const apps = (r: ObjectRow) => (r.status.containerStatuses as Statuses | undefined) ?? [];
/** Makes every init container status of `name`'s rows look successful (exit 0, no failed last state). */
const initNeverFailed = (rows: ObjectRow[], name: string) =>
  rows.filter((r) => r.name === name).forEach((r) => inits(r).forEach((s) => {
    if (s.state?.terminated) s.state.terminated.exitCode = 0;
    delete s.lastState?.terminated;
  }));

describe('network, resources and workloads negative controls (recorded on kind v1.34.12, altered behaviour)', () => {
  describe('network: NET_ADMIN change seen by the app', () => {
    const rec = load('network-netadmin');
    const seen = (r: Recording) => n.checkNetnsChangeSeen(r, 'init-net', 'app');
    const changeOnce = 'expected init-net to change the network namespace once, unrefused (one "netns-changed" ledger line); observed ';
    control(rec, seen, {
      'the init container never changed it': [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'netns-changed')), says(`${changeOnce}started, ip-10.244.0.30`)],
      'the init container changed it twice': [(r) => r.ledger.push({ ...line(r.ledger, 'init-net', 'netns-changed') }), says(`${changeOnce}started, ip-10.244.0.30, netns-changed, netns-changed`)],
      'the init container was also refused': [(r) => r.ledger.push({ ...line(r.ledger, 'init-net', 'netns-changed'), event: 'refused-eperm' }), says(`${changeOnce}started, ip-10.244.0.30, netns-changed, refused-eperm`)],
      'the init container wrote nothing': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'init-net')), says(`${changeOnce}no ledger line`)],
      'the app did not see the address': [(r) => (line(r.ledger, 'app', 'sees-address').event = 'lacks-address'), says('expected app to see the address init-net added (192.0.2.10); observed started, ip-10.244.0.30, lacks-address, sees-route')],
      'the app did not see the route': [(r) => (line(r.ledger, 'app', 'sees-route').event = 'lacks-route'), says('expected app to see the route init-net added (198.51.100.0/24); observed started, ip-10.244.0.30, sees-address, lacks-route')],
      'the app wrote nothing': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'app')), says('expected app to see the address init-net added (192.0.2.10); observed no ledger line')],
      'the app started before the change': [(r) => (line(r.ledger, 'app', 'started').uptime = 13374.45), says('expected app to start after init-net changed the namespace (uptime 13374.46); observed app started at uptime 13374.45')],
      'the app wrote no start': [(r) => (r.ledger = r.ledger.filter((e) => !(e.container === 'app' && e.event === 'started'))), says('expected app to start after init-net changed the namespace (uptime 13374.46); observed no "started" line of app')],
    });
    passes(rec, seen, { 'the app started in the centisecond of the change': (r) => (line(r.ledger, 'app', 'started').uptime = 13374.46) });

    const podIPs = load<string[]>('network-pod-ips');
    const shared = (r: Recording & { ips: string[] }) => n.checkSharedPodIp(r, r.ips, ['init-net', 'app']);
    const withIps = { ...rec, ips: podIPs };
    control(withIps, shared, {
      'the API reported another pod IP': [(r) => (r.ips = ['10.244.0.99']), says('expected init-net to see the pod IP the API reports (10.244.0.99) as its own address; observed 10.244.0.30')],
      'the app saw another address (its own namespace)': [(r) => (line(r.ledger, 'app', 'ip-10.244.0.30').event = 'ip-10.244.0.31'), says('expected app to see the pod IP the API reports (10.244.0.30) as its own address; observed 10.244.0.31')],
      'the init container saw a second address': [(r) => r.ledger.push({ ...line(r.ledger, 'init-net', 'ip-10.244.0.30'), event: 'ip-10.244.0.5' }), says('expected init-net to see the pod IP the API reports (10.244.0.30) as its own address; observed 10.244.0.30, 10.244.0.5')],
      'the app saw no address': [(r) => (r.ledger = r.ledger.filter((e) => !(e.container === 'app' && e.event.startsWith('ip-')))), says('expected app to see the pod IP the API reports (10.244.0.30) as its own address; observed no address')],
      'the API reported no pod IP': [(r) => (r.ips = []), says('expected the API to report an IPv4 pod IP; observed status.podIPs []')],
      'the API reported only an IPv6 pod IP': [(r) => (r.ips = ['fd00::1e']), says('expected the API to report an IPv4 pod IP; observed status.podIPs ["fd00::1e"]')],
      'the API reported a second IPv4 address the containers did not see': [(r) => (r.ips = ['10.244.0.30', '10.244.0.2']), says('expected init-net to see the pod IP the API reports (10.244.0.2, 10.244.0.30) as its own address; observed 10.244.0.30')],
    });
    passes(withIps, shared, {
      'the pod is dual-stack (its IPv6 address is left out)': (r) => (r.ips = [...r.ips, 'fd00::1e']),
      'the API lists the IPv4 address twice': (r) => (r.ips = [...r.ips, ...r.ips]),
      'a container wrote its address twice': (r) => r.ledger.push({ ...line(r.ledger, 'app', 'ip-10.244.0.30') }),
      'the pod has two IPv4 addresses, listed by the API and by the containers in other orders': (r) => {
        r.ips = ['10.244.0.30', '10.0.0.9'];
        r.ledger.push({ ...line(r.ledger, 'init-net', 'ip-10.244.0.30'), event: 'ip-10.0.0.9' });
        r.ledger.unshift({ ...line(r.ledger, 'app', 'ip-10.244.0.30'), event: 'ip-10.0.0.9' });
        r.ledger.push({ ...line(r.ledger, 'app', 'ip-10.0.0.9'), event: 'ip-10.244.0.30' });
        r.ledger.splice(r.ledger.indexOf(line(r.ledger, 'app', 'ip-10.244.0.30')), 1);
      },
    });
  });

  describe('network: the change refused without NET_ADMIN', () => {
    const refusedEvery = 'expected every attempt of init-net refused with Operation not permitted ("refused-eperm"); observed ';
    for (const [file, policy] of [['network-refused-never', 'Never'], ['network-refused-always', 'Always']] as const) {
      const refused = (r: Recording) => n.checkChangeRefused(r, 'init-net', 'app', policy, 3);
      control(load(file), refused, {
        [`(${policy}) the change went through`]: [(r) => (line(r.ledger, 'init-net', 'refused-eperm').event = 'netns-changed'), says(`${refusedEvery}netns-changed`)],
        [`(${policy}) it was refused for another reason`]: [(r) => (line(r.ledger, 'init-net', 'refused-eperm').event = 'refused-other'), says(`${refusedEvery}refused-other`)],
        [`(${policy}) one attempt changed it`]: [(r) => r.ledger.push({ ...line(r.ledger, 'init-net', 'refused-eperm'), event: 'netns-changed' }), says(`${refusedEvery}refused-eperm, netns-changed`)],
        [`(${policy}) no outcome was written`]: [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'refused-eperm')), says(`${refusedEvery}no outcome in the ledger`)],
        [`(${policy}) the app ran`]: [(r) => (containerIn(lastOf(r.rows), 'app')!.state = 'running'), says('expected app never to run; observed it ran')],
        [`(${policy}) the app wrote to the ledger`]: [(r) => r.ledger.push({ ...r.ledger[0]!, container: 'app' }), says('expected app never to run; observed it ran')],
      });
    }
    const never = (r: Recording) => n.checkChangeRefused(r, 'init-net', 'app', 'Never', 3);
    control(load('network-refused-never'), never, {
      'the pod did not fail': [(r) => (lastOf(r.rows).phase = 'Pending'), says('expected phase Failed with STATUS Init:Error or Init:ExitCode:3; observed phase Pending, STATUS Pending → Init:0/1 → Init:Error')],
      'the STATUS was not Init:Error': [(r) => (lastOf(r.rows).status = 'Error'), says('expected phase Failed with STATUS Init:Error or Init:ExitCode:3; observed phase Failed, STATUS Pending → Init:0/1 → Init:Error → Error')],
      'the init container restarted': [(r) => (containerIn(lastOf(r.rows), 'init-net')!.restartCount = 1), says('expected init-net never restarted (restartPolicy Never); observed restartCount 1')],
    });
    passes(load('network-refused-never'), never, {
      'the STATUS was Init:ExitCode:3': (r) => (lastOf(r.rows).status = 'Init:ExitCode:3'),
      'the rows carry no status of the init container': (r) => r.rows.forEach((x) => (x.containers = x.containers.filter((c) => c.name !== 'init-net'))),
    });
    const always = (r: Recording) => n.checkChangeRefused(r, 'init-net', 'app', 'Always', 3);
    control(load('network-refused-always'), always, {
      'CrashLoopBackOff was never shown': [(r) => r.rows.forEach((x) => (x.status = x.status.replace('CrashLoopBackOff', 'Error'))), says('expected STATUS Init:CrashLoopBackOff (restartPolicy Always); observed Pending → Init:0/1 → Init:Error')],
      'the init container never restarted': [(r) => r.rows.forEach((x) => x.containers.forEach((c) => (c.restartCount = 0))), says('expected init-net restarted (restartPolicy Always); observed restartCount 0')],
      'the rows carry no status of the init container': [(r) => r.rows.forEach((x) => (x.containers = x.containers.filter((c) => c.name !== 'init-net'))), says('expected init-net restarted (restartPolicy Always); observed restartCount 0')],
      'the pod left Pending': [(r) => (lastOf(r.rows).phase = 'Running'), says('expected phase Pending throughout; observed phase Running at row #6'), [6]],
      'only the app restarted (the init container has no status)': [
        (r) => r.rows.forEach((x) => {
          x.containers = x.containers.filter((c) => c.name !== 'init-net');
          x.containers.forEach((c) => (c.restartCount = 1));
        }),
        says('expected init-net restarted (restartPolicy Always); observed restartCount 0'),
      ],
    });
  });

  describe('resources: scheduling by the effective request', () => {
    for (const r of ['cpu', 'memory'] as const) {
      const rec = load<SchedulingRecord>(`resources-too-much-${r}`);
      const check = (x: SchedulingRecord) => res.checkUnschedulable(x, [r]);
      const node = Object.keys(rec.free)[0]!;
      const other = r === 'cpu' ? 'memory' : 'cpu';
      control(rec, check, {
        [`(${r}) the node had room after all (the premise)`]: [(x) => (x.free[node]![r] = 1e15), says(`expected the effective request to exceed what every node has free in ${r} only (the scenario's premise); observed request ${JSON.stringify(rec.requests)}, free ${JSON.stringify({ [node]: { ...rec.free[node]!, [r]: 1e15 } })}: short of nothing`)],
        [`(${r}) the pod also lacked ${other} (the premise)`]: [(x) => (x.requests[other] = 1e15), /\}\}: short of cpu(, memory)?$/],
        [`(${r}) the pod was scheduled`]: [(x) => (x.condition = { status: 'True' }), says('expected condition PodScheduled False, reason Unschedulable; observed {"status":"True"}')],
        [`(${r}) it was unschedulable for another reason`]: [(x) => (x.condition!.reason = 'SchedulerError'), says(`expected condition PodScheduled False, reason Unschedulable; observed ${JSON.stringify({ ...rec.condition, reason: 'SchedulerError' })}`)],
        [`(${r}) it had no PodScheduled condition`]: [(x) => delete x.condition, says('expected condition PodScheduled False, reason Unschedulable; observed "no PodScheduled condition"')],
        [`(${r}) the message named another resource`]: [(x) => (x.condition!.message = x.condition!.message!.replace(`Insufficient ${r}`, `Insufficient ${other}`)), says(`expected the Unschedulable message to name the resource ("Insufficient ${r}"); observed "${rec.condition!.message!.replace(`Insufficient ${r}`, `Insufficient ${other}`)}"`)],
        [`(${r}) the message was empty`]: [(x) => delete x.condition!.message, says(`expected the Unschedulable message to name the resource ("Insufficient ${r}"); observed ""`)],
        [`(${r}) a row showed it scheduled`]: [(x) => (x.rows.at(-1)!.conditions.PodScheduled = 'True'), says('expected the pod Pending and never scheduled; observed row #2: phase Pending, PodScheduled True'), [2]],
        [`(${r}) a row showed it running`]: [(x) => (x.rows.at(-1)!.phase = 'Running'), says('expected the pod Pending and never scheduled; observed row #2: phase Running, PodScheduled False (Unschedulable)'), [2]],
      });
      const low = load<SchedulingRecord>(`resources-lowered-${r}`);
      control(low, res.checkScheduled, {
        [`(${r}) lowered, it still did not fit (the premise)`]: [(x) => (x.free[node]![r] = 0), says(`expected the effective request to fit a node (the scenario's premise); observed request ${JSON.stringify(low.requests)}, free ${JSON.stringify({ [node]: { ...low.free[node]!, [r]: 0 } })}`)],
        [`(${r}) lowered, it was not scheduled`]: [(x) => (x.condition = { status: 'False', reason: 'Unschedulable' }), says('expected condition PodScheduled True; observed {"status":"False","reason":"Unschedulable"}')],
        [`(${r}) lowered, it had no PodScheduled condition`]: [(x) => delete x.condition, says('expected condition PodScheduled True; observed "no PodScheduled condition"')],
        [`(${r}) lowered, it failed instead of running`]: [(x) => x.rows.forEach((row) => row.phase === 'Running' && (row.phase = 'Failed')), says('expected phase Running; observed phases Pending, Failed')],
        [`(${r}) lowered, it never ran`]: [(x) => x.rows.forEach((row) => (row.phase = 'Pending')), says('expected phase Running; observed phases Pending')],
      });
    }
    const cpu = load<SchedulingRecord>('resources-too-much-cpu');
    it('fails when cpu alone was short where cpu and memory were expected (the premise)', () =>
      expectFailure((x: SchedulingRecord) => res.checkUnschedulable(x, ['cpu', 'memory']), clone(cpu), says(`expected the effective request to exceed what every node has free in cpu, memory only (the scenario's premise); observed request ${JSON.stringify(cpu.requests)}, free ${JSON.stringify(cpu.free)}: short of cpu`)));
    const side = load<SchedulingRecord>('resources-with-sidecar');
    control(side, (x) => res.checkUnschedulable(x, ['cpu']), {
      'the sidecar had not been added to the sum (the request computed as for a plain init container)': [(x) => (x.requests.cpu = x.requests.cpu / 2), says(`expected the effective request to exceed what every node has free in cpu only (the scenario's premise); observed request {"cpu":684,"memory":0}, free ${JSON.stringify(side.free)}: short of nothing`)],
    });
    passes(load<SchedulingRecord>('resources-with-plain-init'), res.checkScheduled, { 'as recorded': () => undefined });
  });

  describe('workloads-deployment: a rollout held by a failing init container', () => {
    const rec = load<RolloutRecording>('workloads-deployment-rollout');
    const newPod = 'web-7b6c9975d7-xhshl';
    const [oldA] = rec.oldPods;
    control(rec, w.checkRolloutHeld, {
      'the deadline was never reported': [(r) => (r.deployment = r.deployment.slice(0, -1)), says('expected condition Progressing False (ProgressDeadlineExceeded) in the end; observed Progressing True (ReplicaSetUpdated)')],
      'the Deployment was never seen': [(r) => (r.deployment = []), says('expected condition Progressing False (ProgressDeadlineExceeded) in the end; observed Progressing absent')],
      'the deadline was reported in the very millisecond of the rollout (that is after it: too early)': [
        (r) => r.deployment.splice(-1, 0, { ...r.deployment.at(-1)!, seq: 0, receivedAt: r.rolloutAt, status: { ...r.deployment.at(-1)!.status, availableReplicas: 2 } }),
        says('expected ProgressDeadlineExceeded no sooner than 6s after the rollout; observed after 0.00s'),
        [0],
      ],
      'the deadline was reported only before the rollout': [(r) => r.deployment.forEach((x) => (x.receivedAt = '2000-01-01T00:00:00.000Z')), says('expected Progressing False (ProgressDeadlineExceeded) reported after the rollout; observed only before it')],
      'the deadline came too early': [(r) => (r.deployment.at(-1)!.receivedAt = new Date(Date.parse(r.rolloutAt) + 4000).toISOString()), says('expected ProgressDeadlineExceeded no sooner than 6s after the rollout; observed after 4.00s'), [11]],
      'the available replicas dropped during the rollout': [(r) => (r.deployment.at(-2)!.status.availableReplicas = 1), says('expected availableReplicas ≥ 2 throughout the rollout (the old pods kept serving); observed 1 at row #10'), [10]],
      'the available replicas dropped in the very millisecond of the rollout': [
        (r) => {
          r.deployment.at(-2)!.status.availableReplicas = 1;
          r.deployment.at(-2)!.receivedAt = r.rolloutAt;
        },
        says('expected availableReplicas ≥ 2 throughout the rollout (the old pods kept serving); observed 1 at row #10'),
        [10],
      ],
      'an old pod was deleted in the very millisecond of the rollout': [(r) => r.pods.push({ ...objRow(r.pods, oldA!, (x) => x.conditions.Ready === 'True'), seq: 18, event: 'DELETED', receivedAt: r.rolloutAt }), says(`expected the old pods Ready and kept throughout the rollout; observed ${oldA} deleted at row #18`), [18]],
      'a request failed in the very millisecond of the rollout': [(r) => r.probes.push({ at: r.rolloutAt, status: 503, body: 'no endpoints available\n' }), says(`expected every request through the Service answered by an old pod (200, "served by the old ReplicaSet"); observed 503 "no endpoints available" at ${rec.rolloutAt}`)],
      'no pod of the new template was made': [(r) => (r.pods = r.pods.filter((x) => x.name !== newPod)), says('expected at least one pod of the new template; observed none')],
      'the new pod initialized': [(r) => (objRow(r.pods, newPod, (x) => x.seq === 17).conditions.Initialized = 'True'), says(`expected pod ${newPod} never initialized nor Ready; observed row #17`)],
      'the new pod became Ready': [(r) => (objRow(r.pods, newPod, (x) => x.seq === 17).conditions.Ready = 'True'), says(`expected pod ${newPod} never initialized nor Ready; observed row #17`)],
      'the new pod\'s init container never failed': [(r) => initNeverFailed(r.pods, newPod), says(`expected pod ${newPod}'s init container seen failing; observed no failed attempt`)],
      'the new pod\'s app ran': [(r) => (apps(objRow(r.pods, newPod, (x) => x.seq === 17))[0]!.state = { running: {} }), says(`expected pod ${newPod}'s app container never to run; observed it ran`)],
      'an old pod was deleted': [(r) => r.pods.push({ ...objRow(r.pods, oldA!, (x) => x.conditions.Ready === 'True'), seq: 18, event: 'DELETED', receivedAt: r.deployment.at(-1)!.receivedAt }), says(`expected the old pods Ready and kept throughout the rollout; observed ${oldA} deleted at row #18`), [18]],
      'an old pod became unready': [(r) => r.pods.push({ ...objRow(r.pods, oldA!), seq: 18, conditions: { Ready: 'False (ContainersNotReady)' }, receivedAt: r.deployment.at(-1)!.receivedAt }), says(`expected the old pods Ready and kept throughout the rollout; observed ${oldA} Ready False (ContainersNotReady) at row #18`), [18]],
      'the new pod initialized (with a reason)': [(r) => (objRow(r.pods, newPod, (x) => x.seq === 17).conditions.Initialized = 'True (PodCompleted)'), says(`expected pod ${newPod} never initialized nor Ready; observed row #17`)],
      'the new pod became Ready (with a reason)': [(r) => (objRow(r.pods, newPod, (x) => x.seq === 17).conditions.Ready = 'True (Whatever)'), says(`expected pod ${newPod} never initialized nor Ready; observed row #17`)],
      'a request through the Service failed': [(r) => (r.probes.at(-3)!.status = 503), says(`expected every request through the Service answered by an old pod (200, "served by the old ReplicaSet"); observed 503 "served by the old ReplicaSet" at ${rec.probes.at(-3)!.at}`)],
      'a request was answered by the new template': [(r) => (r.probes.at(-1)!.body = 'new'), says(`expected every request through the Service answered by an old pod (200, "served by the old ReplicaSet"); observed 200 "new" at ${rec.probes.at(-1)!.at}`)],
      'the requests stopped before the deadline was reported': [(r) => (r.probes = r.probes.filter((p) => p.at < r.deployment.at(-1)!.receivedAt)), says('expected requests through the Service until after the deadline was reported; observed 22 requests, the last at 2026-11-27T01:51:32.943Z; deadline reported at 2026-11-27T01:51:33.062Z')],
      'no request was made during the rollout': [(r) => (r.probes = r.probes.filter((p) => p.at < r.rolloutAt)), says('expected requests through the Service until after the deadline was reported; observed 0 requests, the last at never; deadline reported at 2026-11-27T01:51:33.062Z')],
    });
    passes(rec, w.checkRolloutHeld, {
      'the first rollout overran its deadline before the template changed (a loaded node), the one after the change came in time': (r) =>
        r.deployment.unshift({ ...r.deployment.at(-1)!, seq: 0, receivedAt: new Date(Date.parse(r.rolloutAt) - 2000).toISOString() }),
      'the deadline came exactly 5 s after the rollout (1 s of timestamp slack)': (r) => (r.deployment.at(-1)!.receivedAt = new Date(Date.parse(r.rolloutAt) + 5000).toISOString()),
      'requests before the rollout failed (the Service was not ready yet)': (r) => r.probes.unshift({ at: '2000-01-01T00:00:00.000Z', status: 503, body: 'no endpoints' }),
      "the new pod's init failures show only as last states (each current attempt's state unknown)": (r) =>
        r.pods.forEach((x) => x.name === newPod && inits(x).forEach((c) => delete c.state)),
      'the last request was made in the millisecond the deadline was reported': (r) => (r.probes.at(-1)!.at = r.deployment.at(-1)!.receivedAt),
      'an old pod reports Ready with a reason': (r) => r.pods.push({ ...objRow(r.pods, oldA!, (x) => x.seq === 12), seq: 18, conditions: { ...objRow(r.pods, oldA!, (x) => x.seq === 12).conditions, Ready: 'True (Whatever)' }, receivedAt: r.deployment.at(-1)!.receivedAt }),
    });
  });

  describe('workloads-statefulset: OrderedReady', () => {
    const ordered = load<ObjectRow[]>('workloads-statefulset-ordered');
    control(ordered, (p) => w.checkOrderedReady(p, 'web', 2), {
      'pod-1 was created before pod-0 was Ready': [(p) => p.splice(4, 0, ...p.splice(6, 1)), says('expected pod web-1 created only after web-0 was Ready (OrderedReady); observed web-1 first seen at row #7, web-0 Ready at row #6')],
      'pod-0 was never Ready and pod-1 came anyway': [(p) => p.forEach((x) => x.name === 'web-0' && (x.conditions.Ready = 'False')), says('expected pod web-1 created only after web-0 was Ready (OrderedReady); observed web-1 first seen at row #7, web-0 Ready never')],
      'pod-1 was never created': [(p) => p.splice(6), says('expected pod web-1 to be created; observed never seen')],
      'pod-1 never became Ready': [(p) => p.forEach((x) => x.name === 'web-1' && (x.conditions.Ready = 'False')), says('expected pod web-1 Ready; observed never Ready'), [7, 8, 9, 10, 11, 12]],
      'pod-1 was the first pod seen': [(p) => p.unshift(...p.splice(6, 1)), says('expected pod web-1 created only after web-0 was Ready (OrderedReady); observed web-1 first seen at row #7, web-0 Ready at row #6')],
    });
    passes(ordered, (p) => w.checkOrderedReady(p, 'web', 2), {
      "pod-0's Ready row is the first row seen": (p) => p.unshift({ ...p.splice(5, 1)[0]! }),
      'the pods report Ready with a reason': (p) => p.forEach((x) => x.conditions.Ready === 'True' && (x.conditions.Ready = 'True (Whatever)')),
    });
    const held = load<{ pods: ObjectRow[]; heldMs: number }>('workloads-statefulset-held');
    const isHeld = (h: typeof held) => w.checkSetHeld(h.pods, 'held', h.heldMs, 6000);
    control(held, isHeld, {
      'pod-1 was created while pod-0 failed': [(h) => h.pods.push({ ...h.pods[0]!, name: 'held-1', seq: 6 }), says('expected no pod but held-0 while it fails (OrderedReady); observed held-1 at row #6'), [6]],
      'pod-0 became Ready (with a reason)': [(h) => (h.pods.at(-1)!.conditions.Ready = 'True (Whatever)'), says('expected pod held-0 never initialized nor Ready; observed row #5')],
      'pod-0 initialized': [(h) => (h.pods.at(-1)!.conditions.Initialized = 'True'), says('expected pod held-0 never initialized nor Ready; observed row #5')],
      "pod-0's init container never restarted": [(h) => h.pods.forEach((x) => inits(x).forEach((s) => (s.restartCount = 0))), says("expected pod held-0's init container restarted; observed restartCount 0"), [1, 2, 3, 4, 5]],
      "pod-0's init container never failed": [(h) => initNeverFailed(h.pods, 'held-0'), says("expected pod held-0's init container seen failing; observed no failed attempt")],
      'the set was observed too briefly': [(h) => (h.heldMs = 5999), says('expected the set observed held for 6s; observed 5.999s')],
    });
    passes(held, isHeld, { 'it was observed exactly 6 s': (h) => (h.heldMs = 6000) });
  });

  describe('workloads-daemonset: unavailable while its init container fails', () => {
    const rec = load<{ bad: ObjectRow[]; good: ObjectRow[]; badPods: ObjectRow[] }>('workloads-daemonset-daemonsets');
    const unavailable = (r: typeof rec) => w.checkDaemonUnavailable(r.bad, r.badPods);
    const badPod = rec.badPods[0]!.name;
    control(rec, unavailable, {
      'numberUnavailable was not reported': [(r) => delete r.bad.at(-1)!.status.numberUnavailable, says('expected numberUnavailable = desiredNumberScheduled ≥ 1 while the init container fails; observed desired 1, unavailable 0')],
      'no pod was desired': [(r) => (r.bad.at(-1)!.status.desiredNumberScheduled = 0), says('expected numberUnavailable = desiredNumberScheduled ≥ 1 while the init container fails; observed desired 0, unavailable 1')],
      'the failing pod was counted ready': [(r) => (r.bad[0]!.status.numberReady = 1), says('expected no daemon pod ever ready or available; observed row #1: ready 1, available 0'), [1]],
      'the failing pod was counted available': [(r) => (r.bad[0]!.status.numberAvailable = 1), says('expected no daemon pod ever ready or available; observed row #1: ready 0, available 1'), [1]],
      'the pod became available in the end': [(r) => r.bad.push({ ...r.bad.at(-1)!, seq: 3, status: { ...r.bad.at(-1)!.status, numberUnavailable: 0, numberAvailable: 1 } }), says('expected numberUnavailable = desiredNumberScheduled ≥ 1 while the init container fails; observed desired 1, unavailable 0')],
      'nothing was desired and nothing unavailable': [(r) => (r.bad.at(-1)!.status = { ...r.bad.at(-1)!.status, desiredNumberScheduled: 0, numberUnavailable: 0 }), says('expected numberUnavailable = desiredNumberScheduled ≥ 1 while the init container fails; observed desired 0, unavailable 0')],
      'two pods for one desired node': [(r) => r.badPods.push({ ...r.badPods[0]!, name: 'another', seq: 6 }), says(`expected one pod per desired node (1); observed 2: ${badPod}, another`)],
      'its init container never failed': [(r) => initNeverFailed(r.badPods, badPod), says(`expected pod ${badPod}'s init container seen failing; observed no failed attempt`)],
    });
    control(rec.good, w.checkDaemonAvailable, {
      'the pod was not available': [(g) => (g.at(-1)!.status.numberAvailable = 0), says('expected numberAvailable = desiredNumberScheduled ≥ 1, numberUnavailable 0; observed desired 1, available 0, unavailable 0')],
      'a pod was unavailable': [(g) => (g.at(-1)!.status.numberUnavailable = 1), says('expected numberAvailable = desiredNumberScheduled ≥ 1, numberUnavailable 0; observed desired 1, available 1, unavailable 1')],
      'nothing was desired': [(g) => (g.at(-1)!.status.desiredNumberScheduled = 0), says('expected numberAvailable = desiredNumberScheduled ≥ 1, numberUnavailable 0; observed desired 0, available 1, unavailable 0')],
      'no row was recorded': [(g) => g.splice(0), says('expected numberAvailable = desiredNumberScheduled ≥ 1, numberUnavailable 0; observed desired 0, available 0, unavailable 0')],
    });
  });

  describe('workloads-job: backoffLimit and completion', () => {
    type JobRec = { job: ObjectRow[]; pods: ObjectRow[] };
    const never = load<JobRec>('workloads-job-backoff-never');
    // The pods' names are read in each test: verdict code run at load counts as load-time code under Stryker.
    const first = () => w.podNames(never.pods)[0]!;
    const second = () => w.podNames(never.pods)[1]!;
    control(never, (r) => w.checkJobBackoffExceeded(r.job, r.pods, 'Never', 1), {
      'the Job did not fail': [(r) => (r.job = r.job.slice(0, -1)), says('expected condition Failed True (BackoffLimitExceeded); observed Failed absent')],
      'the Job was never seen': [(r) => (r.job = []), says('expected condition Failed True (BackoffLimitExceeded); observed Failed absent')],
      'the Job failed for another reason': [(r) => (r.job.at(-1)!.conditions.Failed = 'True (DeadlineExceeded)'), says('expected condition Failed True (BackoffLimitExceeded); observed Failed True (DeadlineExceeded)')],
      'only one pod was made': [(r) => (r.pods = r.pods.filter((x) => x.name !== second())), () => says(`expected 2 pod(s) (restartPolicy Never, backoffLimit 1); observed 1: ${first()}`)],
      'a pod restarted its init container': [(r) => (inits(objRow(r.pods, second(), (x) => x.seq === 12))[0]!.restartCount = 1), () => says(`expected pod ${second()} Failed without a restart (restartPolicy Never); observed restartCount 1, phases Pending, Failed`)],
      'a pod did not fail': [(r) => r.pods.forEach((x) => x.name === first() && (x.status.phase = 'Pending')), () => says(`expected pod ${first()} Failed without a restart (restartPolicy Never); observed restartCount 0, phases Pending`)],
      "a pod's app ran": [(r) => (apps(objRow(r.pods, first(), (x) => x.seq === 6))[0]!.state = { terminated: { exitCode: 0 } }), () => says(`expected pod ${first()}'s app container never to run; observed it ran`)],
      "a pod's init container never failed": [(r) => initNeverFailed(r.pods, second()), () => says(`expected pod ${second()}'s init container seen failing; observed no failed attempt`)],
    });
    passes(never, (r) => w.checkJobBackoffExceeded(r.job, r.pods, 'Never', 1), {
      'no container status carries a last state': (r) => r.pods.forEach((x) => [...inits(x), ...apps(x)].forEach((c) => delete c.lastState)),
      'the app container statuses carry no state': (r) => r.pods.forEach((x) => apps(x).forEach((c) => delete c.state)),
    });
    const onFailure = load<JobRec>('workloads-job-backoff-onfailure');
    const pod = () => w.podNames(onFailure.pods)[0]!;
    control(onFailure, (r) => w.checkJobBackoffExceeded(r.job, r.pods, 'OnFailure', 1), {
      'the init container never restarted in place': [(r) => r.pods.forEach((x) => inits(x).forEach((s) => (s.restartCount = 0))), () => says(`expected pod ${pod()}'s init container restarted in place ≥ 1 times (restartPolicy OnFailure); observed restartCount 0`)],
      'a second pod was made': [(r) => r.pods.push({ ...r.pods[0]!, name: 'another', seq: 13 }), () => says(`expected 1 pod(s) (restartPolicy OnFailure, backoffLimit 1); observed 2: ${pod()}, another`)],
    });
    const completes = load<JobRec>('workloads-job-completes');
    const done = () => w.podNames(completes.pods)[0]!;
    control(completes, (r) => w.checkJobCompleted(r.job, r.pods), {
      'the Job did not complete': [(r) => (r.job = r.job.slice(0, -1)), says('expected condition Complete True and 1 succeeded; observed Complete absent, succeeded 0')],
      'the Job was never seen': [(r) => (r.job = []), says('expected condition Complete True and 1 succeeded; observed Complete absent, succeeded 0')],
      'the Job reported Complete False': [(r) => (r.job.at(-1)!.conditions.Complete = 'False (Whatever)'), says('expected condition Complete True and 1 succeeded; observed Complete False (Whatever), succeeded 1')],
      'the pod succeeded with no Initialized condition': [(r) => r.pods.forEach((x) => delete x.conditions.Initialized), () => says(`expected pod ${done()} Succeeded after its init containers; observed Pending/Initialized undefined, Succeeded/Initialized undefined`)],
      'the Job completed with no pod succeeded': [(r) => delete r.job.at(-1)!.status.succeeded, says('expected condition Complete True and 1 succeeded; observed Complete True (CompletionsReached), succeeded 0')],
      'two pods were made': [(r) => r.pods.push({ ...r.pods[0]!, name: 'another', seq: 8 }), says('expected 1 pod; observed 2')],
      'no pod was made': [(r) => (r.pods = []), says('expected 1 pod; observed 0')],
      'the pod failed': [(r) => r.pods.forEach((x) => x.status.phase === 'Succeeded' && (x.status.phase = 'Failed')), () => says(`expected pod ${done()} Succeeded after its init containers; observed Pending/Initialized undefined, Pending/Initialized False (ContainersNotInitialized), Pending/Initialized True, Pending/Initialized True (PodCompleted), Failed/Initialized True (PodCompleted)`)],
      'the pod succeeded without being initialized': [(r) => r.pods.forEach((x) => x.conditions.Initialized && (x.conditions.Initialized = 'False (ContainersNotInitialized)')), () => says(`expected pod ${done()} Succeeded after its init containers; observed Pending/Initialized undefined, Pending/Initialized False (ContainersNotInitialized), Succeeded/Initialized False (ContainersNotInitialized)`)],
    });
  });

  it('object rows are quoted one a line: sequence, elapsed time, event, name, the status counts and phase that are set, conditions', () => {
    const rows: ObjectRow[] = [
      { seq: 3, receivedAt: '', elapsedMs: 1234, event: 'MODIFIED', name: 'web', resourceVersion: '9', conditions: { Progressing: 'True (ReplicaSetUpdated)', Available: 'False' }, status: { phase: 'Pending', replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1, desiredNumberScheduled: 1, numberReady: 0, numberAvailable: 0, numberUnavailable: 1, active: 1, failed: 0, succeeded: 0, other: 7 } },
      { seq: 4, receivedAt: '', elapsedMs: 50, event: 'ADDED', name: 'x', resourceVersion: '10', conditions: {}, status: {} },
    ];
    expect(w.formatRows(rows)).to.equal(
      '#3 t+1.23s MODIFIED web phase=Pending replicas=2 updatedReplicas=1 readyReplicas=1 availableReplicas=1 unavailableReplicas=1 desiredNumberScheduled=1 numberReady=0 numberAvailable=0 numberUnavailable=1 active=1 failed=0 succeeded=0 Progressing:True (ReplicaSetUpdated) Available:False\n#4 t+0.05s ADDED x',
    );
  });
});
