/**
 * The gated-feature verdicts (lib/checks/features.ts, lib/checks/restart-all.ts): feature
 * discovery's decision and the API server's admission replayed from discoveries recorded on real
 * clusters (test/fixtures/recordings/*-discovery-<version>.json), and the restart-rules and
 * restart-all checks on recorded timelines, as recorded (they pass) and altered (they must fail
 * with the message of the expectation the alteration breaks).
 */
import { expect } from 'chai';
// The client library's own serializer (createNamespacedPod's), not exported from its index.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import type { GateInForce } from '../../lib/cluster/features.js';
import type { Admission, ComponentGatesRead, RestartAllLayout, RestartAllRecording } from '../../lib/checks/features.js';
import {
  KUBELET_GATES,
  admissionOf,
  checkAdmission,
  checkFailedAfterRestart,
  checkInitRuns,
  checkRestartCounts,
  checkRestartedAll,
  checkRestartingCondition,
  checkRunsKept,
  checkSamePod,
  describeAdmission,
  describeReinitialization,
  expectedAdmission,
  featureSupport,
  filesFromPrintout,
} from '../../lib/checks/features.js';
import type { Recording, RecordedRow } from '../../lib/checks/recording.js';
import type { LedgerEntry } from '../../lib/pod/ledger.js';
import { clone, control, expectFailure, load, passes } from '../support/controls.js';

interface RecordedComponent {
  component: string;
  gates?: Record<string, GateInForce>;
  unreadable?: string;
}
interface RecordedDiscovery {
  support: { supported: boolean; reason: string };
  admission: Admission;
  apiserver: RecordedComponent;
  kubelets: RecordedComponent[];
}

const component = (c: RecordedComponent): ComponentGatesRead => ({ component: c.component, ...(c.gates ? { gates: new Map(Object.entries(c.gates)) } : { unreadable: c.unreadable }) });
const gates = (entries: Record<string, boolean>) => new Map(Object.entries(entries).map(([g, enabled]) => [g, { enabled, stage: 'BETA' }]));
const kubelet = (entries: Record<string, boolean>, name = 'kubelet n1'): ComponentGatesRead => ({ component: name, gates: gates(entries) });
const ALL_ON = { ContainerRestartRules: true, RestartAllContainersOnContainerExits: true, NodeDeclaredFeatures: true };

describe('gated features: discovery', () => {
  it('names the gates each feature needs on the kubelet (the dependency map)', () => {
    expect(KUBELET_GATES).to.deep.equal({
      ContainerRestartRules: ['ContainerRestartRules'],
      RestartAllContainersOnContainerExits: ['ContainerRestartRules', 'RestartAllContainersOnContainerExits', 'NodeDeclaredFeatures'],
      EnvFiles: ['EnvFiles'],
      InPlacePodVerticalScalingInitContainers: ['InPlacePodVerticalScaling', 'InPlacePodVerticalScalingInitContainers', 'NodeDeclaredFeatures'],
    });
  });

  it('tells kept from dropped fields by value, naming the ones that did not come back as sent', () => {
    const rules = [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }];
    expect(admissionOf({ restartPolicy: 'Never', restartPolicyRules: rules }, { restartPolicy: 'Never', restartPolicyRules: clone(rules) })).to.deep.equal({ outcome: 'kept' });
    expect(admissionOf({ restartPolicy: 'Never', restartPolicyRules: rules }, { restartPolicy: undefined, restartPolicyRules: undefined })).to.deep.equal({ outcome: 'dropped', fields: ['restartPolicy', 'restartPolicyRules'] });
    expect(admissionOf({ restartPolicy: 'Never', restartPolicyRules: rules }, { restartPolicy: 'Never', restartPolicyRules: [{ action: 'Restart' }] })).to.deep.equal({ outcome: 'dropped', fields: ['restartPolicyRules'] });
    expect(admissionOf({}, {})).to.deep.equal({ outcome: 'kept' });
  });

  it('describes each admission', () => {
    expect(describeAdmission({ outcome: 'kept' })).to.equal('kept the fields');
    expect(describeAdmission({ outcome: 'dropped', fields: ['a', 'b'] })).to.equal('dropped a, b');
    expect(describeAdmission({ outcome: 'refused', message: 'no' })).to.equal('refused the pod: no');
  });

  for (const [file, feature] of [
    ['restart-rules-discovery-1.36', 'ContainerRestartRules'],
    ['restart-all-discovery-1.36', 'RestartAllContainersOnContainerExits'],
    ['restart-rules-discovery-1.34-crr', 'ContainerRestartRules'],
    ['restart-rules-discovery-1.35', 'ContainerRestartRules'],
    ['restart-all-discovery-1.35-gates', 'RestartAllContainersOnContainerExits'],
  ] as const) {
    it(`decides as recorded on ${file}`, () => {
      const d = load<RecordedDiscovery>(file);
      expect(featureSupport(feature, d.admission, d.kubelets.map(component))).to.deep.equal(d.support);
      expect(d.support.supported).to.equal(true);
    });
  }

  for (const [file, feature, reason] of [
    ['restart-rules-discovery-1.34', 'ContainerRestartRules', 'ContainerRestartRules: the API server dropped restartPolicy, restartPolicyRules; kubelet initc-feat-node runs ContainerRestartRules off'],
    [
      'restart-all-discovery-1.34',
      'RestartAllContainersOnContainerExits',
      'RestartAllContainersOnContainerExits: the API server dropped restartPolicy, restartPolicyRules; kubelet initc-feat-node does not know RestartAllContainersOnContainerExits, NodeDeclaredFeatures',
    ],
    ['restart-all-discovery-1.34-crr', 'RestartAllContainersOnContainerExits', "RestartAllContainersOnContainerExits: the API server refused the pod: Pod \"initc-restart-all-probe\" is invalid: spec.containers[0].restartPolicyRules[0].action: Unsupported value: \"RestartAllContainers\": supported values: \"Restart\"; kubelet initc-feat-node does not know RestartAllContainersOnContainerExits, NodeDeclaredFeatures"],
    ['restart-all-discovery-1.35', 'RestartAllContainersOnContainerExits', "RestartAllContainersOnContainerExits: the API server refused the pod: Pod \"initc-restart-all-probe\" is invalid: spec.containers[0].restartPolicyRules[0].action: Unsupported value: \"RestartAllContainers\": supported values: \"Restart\"; kubelet initc-feat-node runs RestartAllContainersOnContainerExits, NodeDeclaredFeatures off"],
  ] as const) {
    it(`says why the feature is off on ${file}`, () => {
      const d = load<RecordedDiscovery>(file);
      expect(featureSupport(feature, d.admission, d.kubelets.map(component))).to.deep.equal({ supported: false, reason });
    });
  }

  it('says why a feature is off: the API server dropped or refused the fields', () => {
    expect(featureSupport('ContainerRestartRules', { outcome: 'dropped', fields: ['restartPolicy', 'restartPolicyRules'] }, [kubelet(ALL_ON)])).to.deep.equal({
      supported: false,
      reason: 'ContainerRestartRules: the API server dropped restartPolicy, restartPolicyRules',
    });
    expect(featureSupport('RestartAllContainersOnContainerExits', { outcome: 'refused', message: 'Unsupported value' }, [kubelet(ALL_ON)])).to.deep.equal({
      supported: false,
      reason: 'RestartAllContainersOnContainerExits: the API server refused the pod: Unsupported value',
    });
    expect(featureSupport('ContainerRestartRules', { outcome: 'dropped', fields: ['restartPolicy'] }, [kubelet({ ContainerRestartRules: false }), { component: 'kubelet n2', unreadable: 'HTTP 403' }]).reason).to.equal(
      'ContainerRestartRules: the API server dropped restartPolicy; kubelet n1 runs ContainerRestartRules off; cannot tell whether kubelet n2 runs ContainerRestartRules: its gates cannot be read (HTTP 403)',
    );
  });

  it('says why a feature is off on the kubelets: no node, unreadable gates, an unknown gate, a gate off', () => {
    const kept: Admission = { outcome: 'kept' };
    expect(featureSupport('ContainerRestartRules', kept, [])).to.deep.equal({ supported: false, reason: 'ContainerRestartRules: no node to run the pods on' });
    expect(featureSupport('RestartAllContainersOnContainerExits', kept, [{ component: 'kubelet n1', unreadable: 'HTTP 403: forbidden' }]).reason).to.equal(
      'RestartAllContainersOnContainerExits: the API server kept the fields, but cannot tell whether kubelet n1 runs ContainerRestartRules, RestartAllContainersOnContainerExits, NodeDeclaredFeatures: its gates cannot be read (HTTP 403: forbidden)',
    );
    expect(featureSupport('ContainerRestartRules', kept, [{ component: 'kubelet n1' }]).reason).to.equal(
      'ContainerRestartRules: the API server kept the fields, but cannot tell whether kubelet n1 runs ContainerRestartRules: its gates cannot be read (no reason given)',
    );
    expect(featureSupport('RestartAllContainersOnContainerExits', kept, [kubelet({ ContainerRestartRules: true })])).to.deep.equal({
      supported: false,
      reason: 'RestartAllContainersOnContainerExits: the API server kept the fields, but kubelet n1 does not know RestartAllContainersOnContainerExits, NodeDeclaredFeatures',
    });
    expect(featureSupport('RestartAllContainersOnContainerExits', kept, [kubelet({ ...ALL_ON, RestartAllContainersOnContainerExits: false, NodeDeclaredFeatures: false }), kubelet(ALL_ON, 'kubelet n2')])).to.deep.equal({
      supported: false,
      reason: 'RestartAllContainersOnContainerExits: the API server kept the fields, but kubelet n1 runs RestartAllContainersOnContainerExits, NodeDeclaredFeatures off',
    });
    expect(featureSupport('ContainerRestartRules', kept, [kubelet({ ContainerRestartRules: false }), kubelet({}, 'kubelet n2')]).reason).to.equal(
      'ContainerRestartRules: the API server kept the fields, but kubelet n1 runs ContainerRestartRules off; kubelet n2 does not know ContainerRestartRules',
    );
  });

  it('says which kubelets run the gates when every one does', () => {
    expect(featureSupport('ContainerRestartRules', { outcome: 'kept' }, [kubelet(ALL_ON), kubelet(ALL_ON, 'kubelet n2')])).to.deep.equal({
      supported: true,
      reason: 'ContainerRestartRules: the API server kept the fields; kubelet n1, kubelet n2 run ContainerRestartRules on',
    });
  });
});

describe('gated features: what the API server must do with the fields', () => {
  const REFUSAL = 'Pod "initc-restart-all-probe" is invalid: spec.containers[0].restartPolicyRules[0].action: Unsupported value: "RestartAllContainers": supported values: "Restart"';

  it('expects the fields refused where the release has no ContainerRestartRules (1.33), with the messages v1.33.13 gave', () => {
    const rules = expectedAdmission('ContainerRestartRules', gates({}));
    const all = expectedAdmission('RestartAllContainersOnContainerExits', gates({ RestartAllContainersOnContainerExits: true }));
    expect([rules.outcome, rules.why]).to.deep.equal(['refused', 'the release has no ContainerRestartRules: an init container\'s restartPolicy may only be Always']);
    expect([all.outcome, all.why]).to.deep.equal(['refused', 'the release has no ContainerRestartRules: an app container may not have a restartPolicy']);
    // As the v1.33.13 API server answered the probes (compare of 1.33–1.36, 2026-12-07).
    checkAdmission(rules, { outcome: 'refused', message: 'Pod "initc-restart-rules-probe" is invalid: spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"' });
    checkAdmission(all, { outcome: 'refused', message: 'Pod "initc-restart-all-probe" is invalid: spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers' });
    expectFailure((a: Admission) => checkAdmission(rules, a), { outcome: 'refused', message: 'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers' }, /^expected the refusal to match/);
    expectFailure((a: Admission) => checkAdmission(all, a), { outcome: 'dropped', fields: ['restartPolicy'] }, /^expected the API server to refuse the pod/);
  });

  it('expects the fields dropped where ContainerRestartRules is off, whatever the other gates', () => {
    for (const g of [gates({ ContainerRestartRules: false, RestartAllContainersOnContainerExits: true })]) {
      for (const feature of ['ContainerRestartRules', 'RestartAllContainersOnContainerExits'] as const) {
        const e = expectedAdmission(feature, g);
        expect(e.outcome).to.equal('dropped');
        expect(e.message).to.equal(undefined);
        expect(e.why).to.equal('ContainerRestartRules is off: dropContainerRestartRules clears restartPolicyRules and a non-Always container restartPolicy');
      }
    }
  });

  it('expects the fields kept, or the action refused where RestartAllContainersOnContainerExits is off', () => {
    expect(expectedAdmission('ContainerRestartRules', gates({ ContainerRestartRules: true, RestartAllContainersOnContainerExits: false }))).to.deep.equal({ outcome: 'kept', why: 'ContainerRestartRules is on' });
    const refused = expectedAdmission('RestartAllContainersOnContainerExits', gates({ ContainerRestartRules: true, RestartAllContainersOnContainerExits: false }));
    expect(refused.outcome).to.equal('refused');
    expect(refused.why).to.equal('RestartAllContainersOnContainerExits is off: validation allows the action Restart only');
    expect(refused.message!.test(REFUSAL)).to.equal(true);
    expect(refused.message!.test('Unsupported value: "RestartAllContainers": supported values: "Restart", "RestartAllContainers"')).to.equal(true);
    expect(refused.message!.test('Unsupported value: "Never": supported values: "Always"')).to.equal(false);
    expect(expectedAdmission('RestartAllContainersOnContainerExits', gates({ ContainerRestartRules: true }))).to.include({ outcome: 'refused' });
    expect(expectedAdmission('RestartAllContainersOnContainerExits', gates(ALL_ON))).to.deep.equal({ outcome: 'kept', why: 'ContainerRestartRules and RestartAllContainersOnContainerExits are on' });
  });

  for (const file of [
    'restart-rules-discovery-1.36',
    'restart-all-discovery-1.36',
    'restart-rules-discovery-1.34',
    'restart-all-discovery-1.34',
    'restart-rules-discovery-1.34-crr',
    'restart-all-discovery-1.34-crr',
    'restart-rules-discovery-1.35',
    'restart-all-discovery-1.35',
    'restart-rules-discovery-1.35-gates',
    'restart-all-discovery-1.35-gates',
  ]) {
    it(`passes on ${file} as recorded`, () => {
      const d = load<RecordedDiscovery>(file);
      const feature = file.startsWith('restart-rules') ? 'ContainerRestartRules' : 'RestartAllContainersOnContainerExits';
      checkAdmission(expectedAdmission(feature, component(d.apiserver).gates!), d.admission);
    });
  }

  it('fails when the server did otherwise than its gates say', () => {
    const kept = expectedAdmission('ContainerRestartRules', gates({ ContainerRestartRules: true }));
    const dropped = expectedAdmission('ContainerRestartRules', gates({ ContainerRestartRules: false }));
    const refused = expectedAdmission('RestartAllContainersOnContainerExits', gates({ ContainerRestartRules: true }));
    expectFailure((a: Admission) => checkAdmission(kept, a), { outcome: 'dropped', fields: ['restartPolicy'] }, /^expected the API server to keep the fields \(ContainerRestartRules is on\); observed the API server dropped restartPolicy$/);
    expectFailure((a: Admission) => checkAdmission(dropped, a), { outcome: 'kept' }, /^expected the API server to drop the fields \(ContainerRestartRules is off: .*\); observed the API server kept the fields$/);
    expectFailure((a: Admission) => checkAdmission(refused, a), { outcome: 'kept' }, /^expected the API server to refuse the pod \(RestartAllContainersOnContainerExits is off: validation allows the action Restart only\); observed the API server kept the fields$/);
    expectFailure((a: Admission) => checkAdmission(refused, a), { outcome: 'refused', message: 'Forbidden: something else' }, /^expected the refusal to match \/Unsupported value: "RestartAllContainers": supported values: "Restart"\/ \(RestartAllContainersOnContainerExits is off: validation allows the action Restart only\); observed the API server refused the pod: Forbidden: something else$/);
    checkAdmission(refused, { outcome: 'refused', message: REFUSAL });
    checkAdmission({ outcome: 'refused', why: 'any refusal' }, { outcome: 'refused', message: 'whatever' });
  });
});

const rowOf = (r: Recording, seq: number): RecordedRow => {
  const row = r.rows.find((x) => x.seq === seq);
  if (!row) throw new Error(`recording lacks row #${seq}`);
  return row;
};
const snap = (row: RecordedRow, name: string) => {
  const c = row.containers.find((x) => x.name === name);
  if (!c) throw new Error(`row #${row.seq} lacks ${name}`);
  return c;
};
/** The container's snapshot in every row that has one. */
const snaps = (r: Recording, name: string) => r.rows.flatMap((x) => x.containers.filter((c) => c.name === name));
const last = (r: Recording) => r.rows[r.rows.length - 1]!;

describe('restart-rules: init container runs under container-level policies and rules (recorded on 1.36.5)', () => {
  const runsOf = (codes: number[], fails: boolean) => (r: Recording) => checkInitRuns(r, 'init-rule', 'app', codes, fails);

  it('passes on the first two cases recorded on 1.34.12 with ContainerRestartRules=true', () => {
    runsOf([42, 0], false)(load('restart-rules-never-in-match-1.34'));
    runsOf([3], true)(load('restart-rules-never-in-miss-1.34'));
  });

  describe('pod Never, rule In [42], exits 42 then 0: restarted, the pod runs', () => {
    control(load('restart-rules-never-in-match'), runsOf([42, 0], false), {
      'the init container was not restarted (one run, exit 42)': [(r) => (r.rows = r.rows.filter((x) => !x.containers.length || snap(x, 'init-rule').restartCount === 0)), /^expected init-rule's runs to exit with 42, 0; observed 42\n/],
      'the restartCount ended at 2': [(r) => (snap(last(r), 'init-rule').restartCount = 2), /^expected init-rule's restartCount to end at 1; observed 2\n/],
      'the pod failed': [(r) => (last(r).phase = 'Failed'), /^expected the pod not to fail; observed phase Failed\n/],
      'the app never ran': [(r) => snaps(r, 'app').forEach((c) => Object.assign(c, { state: 'waiting', startedAt: undefined, last: undefined })), /^expected app to run after init-rule succeeded; observed app never ran\n/],
    });
  });

  describe('pod Never, rule In [42], exits 3: not restarted, the pod fails', () => {
    control(load('restart-rules-never-in-miss'), runsOf([3], true), {
      'the pod did not fail': [(r) => (last(r).phase = 'Pending'), /^expected the pod to fail; observed its phase ended at Pending\n/],
      'the app ran': [(r) => Object.assign(snap(last(r), 'app'), { state: 'running', startedAt: '2026-12-07T03:02:30Z' }), /^expected app never to run; observed app ran\n/],
      'the init container exited 42 instead': [(r) => snaps(r, 'init-rule').forEach((c) => c.exitCode !== undefined && (c.exitCode = 42)), /^expected init-rule's runs to exit with 3; observed 42\n/],
      'the init container was restarted': [(r) => (snap(last(r), 'init-rule').restartCount = 1), /^expected init-rule's restartCount to end at 0; observed 1\n/],
    });
    it('fails when the init container never ran', () => {
      const r = load('restart-rules-never-in-miss');
      snaps(r, 'init-rule').forEach((c) => Object.assign(c, { state: 'waiting', startedAt: undefined, exitCode: undefined, containerID: undefined }));
      expectFailure(runsOf([3], true), r, /^expected init-rule's runs to exit with 3; observed no run\n/);
    });
    it('names a run that has not exited', () => {
      const r = load('restart-rules-never-in-miss');
      snaps(r, 'init-rule').forEach((c) => delete c.exitCode);
      expectFailure(runsOf([3], true), r, /^expected init-rule's runs to exit with 3; observed no exit\n/);
    });
  });

  for (const [file, codes, fails] of [
    ['restart-rules-never-notin', [7, 3], true],
    ['restart-rules-never-onfailure', [1, 0], false],
    ['restart-rules-always-never', [1], true],
    ['restart-rules-onfailure-in', [42, 5], true],
  ] as const) {
    describe(`${file}: runs exiting ${codes.join(', ')}, the pod ${fails ? 'fails' : 'runs'}`, () => {
      it('passes on the recorded behaviour', () => runsOf([...codes], fails)(load(file)));
      it('fails when one more run was expected', () => expectFailure(runsOf([...codes, 9], fails), load(file), new RegExp(`^expected init-rule's runs to exit with ${[...codes, 9].join(', ')}; observed ${codes.join(', ')}\\n`)));
      it('passes on the same case recorded on 1.34.12 with ContainerRestartRules=true', () => runsOf([...codes], fails)(load(`${file}-1.34`)));
      it('fails when the expectation is the other outcome', () => expectFailure(runsOf([...codes], !fails), load(file), fails ? /^expected the pod not to fail; observed phase Failed\n/ : /^expected the pod to fail; observed its phase ended at Running\n/));
    });
  }
});

const LAYOUT: RestartAllLayout = { inits: ['init-once', 'init-append'], sidecars: ['sidecar'], apps: ['app', 'app-b'], trigger: 'app', exitCode: 42 };
const rec = () => load<RestartAllRecording>('restart-all-restart-all');
/** The n-th (1-based) ledger line of `container` with `event`. */
const nth = (r: RestartAllRecording, container: string, event: string, n: number): LedgerEntry => {
  const e = r.ledger.filter((x) => x.container === container && x.event === event)[n - 1];
  if (!e) throw new Error(`recording lacks ${container} ${event} #${n}`);
  return e;
};

describe('restart-all: every container restarted in place (recorded on 1.36.5)', () => {
  describe('re-runs in order after the trigger', () => {
    const check = (r: RestartAllRecording) => checkRestartedAll(r, LAYOUT);
    control(rec(), check, {
      'the trigger wrote no exit line': [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'exits-42')), /^expected 1 "exits-42" ledger line of app; observed 0$/],
      'an init container ran once': [(r) => r.ledger.splice(r.ledger.indexOf(nth(r, 'init-once', 'started', 2)), 1), /^expected 2 "started" ledger lines of init-once; observed 1: uptime 11877\.2$/],
      'an init container re-ran before the exit': [(r) => (nth(r, 'init-once', 'started', 2).uptime = 11880.37), /^expected init-once to start again after app exited \(uptime 11880\.38\); observed its second start at uptime 11880\.37$/],
      'the second init container re-ran before the first finished': [
        (r) => (nth(r, 'init-append', 'started', 2).uptime = 11883.73),
        /^expected init-append to start again only after init-once finished its re-run \(uptime 11883\.74\); observed init-append started again at uptime 11883\.73$/,
      ],
      'the first init container did not finish its re-run': [(r) => r.ledger.splice(r.ledger.indexOf(nth(r, 'init-once', 'ran', 2)), 1), /^expected 2 "ran" ledger lines of init-once; observed 1: uptime 11877\.2$/],
      'the sidecar re-ran before the init containers finished': [
        (r) => (nth(r, 'sidecar', 'started', 2).uptime = 11884.41),
        /^expected sidecar sidecar to start again after the init containers' re-runs \(uptime 11884\.42\); observed it started again at uptime 11884\.41$/,
      ],
      'an app re-ran before the sidecar': [(r) => (nth(r, 'app-b', 'started', 2).uptime = 11885.43), /^expected app-b to start again after sidecar sidecar did \(uptime 11885\.44\); observed app-b started again at uptime 11885\.43$/],
      'the trigger exited twice': [(r) => r.ledger.push({ ...nth(r, 'app', 'exits-42', 1), uptime: 11890 }), /^expected 1 "exits-42" ledger line of app; observed 2: uptime 11880\.38, uptime 11890$/],
    });
    passes(rec(), check, {
      'each re-run started in the centisecond its predecessor finished': (r) => {
        nth(r, 'init-once', 'started', 2).uptime = 11880.38;
        nth(r, 'init-append', 'started', 2).uptime = nth(r, 'init-once', 'ran', 2).uptime;
        nth(r, 'sidecar', 'started', 2).uptime = nth(r, 'init-append', 'ran', 2).uptime;
        nth(r, 'app', 'started', 2).uptime = nth(r, 'sidecar', 'started', 2).uptime;
      },
    });
    it('takes the exit as the start when there are no init containers', () => {
      const r = rec();
      nth(r, 'sidecar', 'started', 2).uptime = 11880.38;
      checkRestartedAll(r, { ...LAYOUT, inits: [] });
      nth(r, 'sidecar', 'started', 2).uptime = 11880.37;
      expectFailure((x: RestartAllRecording) => checkRestartedAll(x, { ...LAYOUT, inits: [] }), r, /^expected sidecar to start again after app exited \(uptime 11880\.38\); observed its second start at uptime 11880\.37$/);
    });
  });

  describe('the same pod', () => {
    const check = (r: RestartAllRecording) => checkSamePod(r.identities, r.rows);
    control(rec(), check, {
      'the pod was replaced (another UID)': [(r) => (r.identities[r.identities.length - 1]!.uid = 'other'), /^expected one pod UID throughout; observed 1bb73250-22eb-4133-8d9c-2263f68afb2a, other\n/],
      'a row had no UID': [(r) => delete r.identities[0]!.uid, /^expected one pod UID throughout; observed none, 1bb73250/],
      'the IP changed': [(r) => (r.identities[r.identities.length - 1]!.podIP = '10.245.0.99'), /^expected one pod IP throughout; observed 10\.245\.0\.12, 10\.245\.0\.99\n/],
      'no row had an IP': [(r) => r.identities.forEach((i) => delete i.podIP), /^expected one pod IP throughout; observed none\n/],
      'the last row had no IP': [(r) => delete r.identities[r.identities.length - 1]!.podIP, /^expected the pod IP 10\.245\.0\.12 in the last row; observed none\n/],
    });
    it('fails on no rows', () => expectFailure((r: RestartAllRecording) => checkSamePod(r.identities, r.rows), { ...rec(), identities: [] }, /^expected one pod UID throughout; observed no row\n/));
  });

  describe('AllContainersRestarting True then False', () => {
    const check = (r: RestartAllRecording) => checkRestartingCondition(r.rows);
    control(rec(), check, {
      'the condition never went True': [(r) => (rowOf(r, 12).conditions.AllContainersRestarting = 'False'), /^expected AllContainersRestarting True in some row; observed absent → False\n/],
      'the condition never showed': [(r) => r.rows.forEach((x) => delete x.conditions.AllContainersRestarting), /^expected AllContainersRestarting True in some row; observed absent\n/],
      'the condition stayed True': [
        (r) => r.rows.filter((x) => x.seq >= 12).forEach((x) => (x.conditions.AllContainersRestarting = 'True (RestartAllContainersStarted)')),
        /^expected AllContainersRestarting False after it was True; observed absent → False → True \(RestartAllContainersStarted\)\n/,
      ],
      'the condition ended True': [(r) => (last(r).conditions.AllContainersRestarting = 'True'), /^expected AllContainersRestarting to end False; observed it ended True\n/],
    });
    passes(rec(), check, {
      'the condition was True in the first row': (r) => (r.rows = r.rows.filter((x) => x.seq >= 12)),
      'the condition went False with a reason': (r) => r.rows.filter((x) => x.seq > 12).forEach((x) => (x.conditions.AllContainersRestarting = 'False (PodCompleted)')),
    });
    it('fails when the condition ended with another value beginning False', () => {
      const r = rec();
      last(r).conditions.AllContainersRestarting = 'Unknown False';
      expectFailure(check, r, /^expected AllContainersRestarting to end False; observed it ended Unknown False\n/);
    });
    it('passes on the 1.35.8 recordings (gates on), the failed one ending False (PodFailed)', () => {
      check(load<RestartAllRecording>('restart-all-restart-all-1.35'));
      check(load<RestartAllRecording>('restart-all-fails-after-restart-1.35'));
    });
  });

  describe('every restartCount +1', () => {
    const ALL = ['init-once', 'init-append', 'sidecar', 'app', 'app-b'];
    const check = (r: RestartAllRecording) => checkRestartCounts(r.rows, ALL, 1);
    control(rec(), check, {
      'one container counted 2': [(r) => (snap(last(r), 'app').restartCount = 2), /^expected every restartCount 1 \(init-once, init-append, sidecar, app, app-b\); observed init-once=1, init-append=1, sidecar=1, app=2, app-b=1\n/],
      'one container counted 0': [(r) => (snap(last(r), 'init-once').restartCount = 0), /^expected every restartCount 1 .*; observed init-once=0, /],
      'a container was missing': [(r) => (last(r).containers = last(r).containers.filter((c) => c.name !== 'app-b')), /; observed init-once=1, init-append=1, sidecar=1, app=1, app-b=absent\n/],
    });
    it('fails when a count of 11 is read for 1', () => {
      const r = rec();
      snap(last(r), 'app').restartCount = 11;
      expectFailure(check, r, /app=11/);
    });
  });

  describe('the idempotent and the appending init container told apart by the kept volume', () => {
    const check = (r: RestartAllRecording) => checkRunsKept(r, { container: 'init-once', file: '/data/once' }, { container: 'init-append', file: '/data/appends' });
    control(rec(), check, {
      'the appending file showed one run (the volume was emptied)': [(r) => (r.files['/data/appends'] = ['init-append ran']), /^expected \/data\/appends to hold 2 lines after init-append ran twice; observed 1: init-append ran$/],
      'the idempotent file showed two runs': [(r) => r.files['/data/once']!.push('init-once ran'), /^expected \/data\/once to hold 1 line after init-once ran twice; observed 2: init-once ran \| init-once ran$/],
      'a file was gone': [(r) => delete r.files['/data/appends'], /^expected \/data\/appends \(written by init-append\) in the data volume after the restart; observed no such file; printed: \/data\/once, \/data\/triggered$/],
      'nothing was printed': [(r) => (r.files = {}), /^expected \/data\/once \(written by init-once\) in the data volume after the restart; observed no such file; printed: none$/],
      'the appending container ran once': [(r) => r.ledger.splice(r.ledger.indexOf(nth(r, 'init-append', 'ran', 2)), 1), /^expected 2 "ran" ledger lines of init-append; observed 1: uptime 11878\.51$/],
    });
  });

  it('passes every check on the run recorded on 1.35.8 with the gates on', () => {
    const r = load<RestartAllRecording>('restart-all-restart-all-1.35');
    checkRestartedAll(r, LAYOUT);
    checkSamePod(r.identities, r.rows);
    checkRestartCounts(r.rows, ['init-once', 'init-append', 'sidecar', 'app', 'app-b'], 1);
    checkRunsKept(r, { container: 'init-once', file: '/data/once' }, { container: 'init-append', file: '/data/appends' });
  });

  describe('under a Never pod, an init container failing in its re-run fails the pod (recorded on 1.35.8)', () => {
    const check = (r: Recording) => checkFailedAfterRestart(r, 'init-fails', ['app', 'app-b']);
    const failed = () => load('restart-all-fails-after-restart-1.35');
    control(failed(), check, {
      'the re-run succeeded': [(r) => snaps(r, 'init-fails').forEach((c) => c.exitCode === 1 && (c.exitCode = 0)), /^expected init-fails to succeed, then fail in its re-run; observed runs exiting 0, 0\n/],
      'the first run failed': [(r) => snaps(r, 'init-fails').forEach((c) => c.exitCode === 0 && (c.exitCode = 2)), /^expected init-fails to succeed, then fail in its re-run; observed runs exiting 2, 1\n/],
      'the init container never re-ran': [(r) => (r.rows = r.rows.filter((x) => x.seq <= 9)), /^expected init-fails to succeed, then fail in its re-run; observed runs exiting 0\n/],
      'the re-run had not exited': [(r) => snaps(r, 'init-fails').forEach((c) => c.exitCode === 1 && delete c.exitCode), /^expected init-fails to succeed, then fail in its re-run; observed runs exiting 0, no exit\n/],
      'the pod did not fail': [(r) => (last(r).phase = 'Running'), /^expected the pod to fail; observed its phase ended at Running\n/],
      'the apps ran again': [
        (r) => ['app', 'app-b'].forEach((a) => (snap(last(r), a).state = 'running')),
        /^expected no app to run again after init-fails failed; observed app, app-b ran again\n/,
      ],
      'an app ended terminated after the restart': [(r) => (snap(last(r), 'app-b').state = 'terminated'), /^expected no app to run again after init-fails failed; observed app-b ran again\n/],
    });
    passes(failed(), check, {
      'an app had not restarted and is running (it never stopped)': (r) => Object.assign(snap(last(r), 'app'), { state: 'running', restartCount: 0 }),
      'an app is absent from the last row': (r) => (last(r).containers = last(r).containers.filter((c) => c.name !== 'app')),
    });
    it('fails when the init container never ran', () => {
      const r = failed();
      snaps(r, 'init-fails').forEach((c) => Object.assign(c, { state: 'waiting', startedAt: undefined, exitCode: undefined, containerID: undefined, last: undefined }));
      expectFailure(check, r, /^expected init-fails to succeed, then fail in its re-run; observed runs exiting none\n/);
    });
    it('fails when the init container ran three times', () => {
      const r = failed();
      const extra = { ...clone(snap(last(r), 'init-fails')), containerID: 'containerd://extra', startedAt: '2030-01-01T00:00:00Z', exitCode: 1 };
      r.rows.push({ ...clone(last(r)), seq: 99, containers: [extra] });
      expectFailure(check, r, /^expected init-fails to succeed, then fail in its re-run; observed runs exiting 0, 1, 1\n/);
    });
  });

  it('describes the pod during the in-place restart: phase back to Pending, Initialized True throughout, STATUS PodInitializing (never Init:N/M)', () => {
    expect(describeReinitialization(rec().rows)).to.equal(
      'from row #12 to #22\nphase: Running → Pending → Running → Pending → Running → Pending → Running\nInitialized: True\nSTATUS: Error → RestartingAllContainers → PodInitializing → Running',
    );
    expect(describeReinitialization(load<Recording>('restart-all-fails-after-restart-1.36').rows)).to.equal(
      'from row #12 to #19\nphase: Running → Pending → Running → Pending → Failed\nInitialized: True\nSTATUS: Error → RestartingAllContainers → PodInitializing',
    );
    const r = rec();
    delete rowOf(r, 14).conditions.Initialized;
    expect(describeReinitialization(r.rows.filter((x) => x.seq <= 14))).to.equal('from row #12 to #14\nphase: Running → Pending\nInitialized: True → absent\nSTATUS: Error → RestartingAllContainers → PodInitializing');
    expect(describeReinitialization(r.rows.filter((x) => x.seq !== 12))).to.equal('AllContainersRestarting never went True');
    expect(describeReinitialization(rec().rows.filter((x) => x.seq >= 12 && x.seq <= 13))).to.equal('from row #12 to #13\nphase: Running\nInitialized: True\nSTATUS: Error → RestartingAllContainers');
  });

  it('reads the data files from the printout, up to its end line', () => {
    expect(filesFromPrintout('ledger line\n== /data/a\nx\n\ny\n== /data/b\n== end\nafter\n== not-a-path\n')).to.deep.equal({ '/data/a': ['x', 'y'], '/data/b': [] });
    expect(filesFromPrintout('== /data/a x\nz')).to.deep.equal({});
    expect(filesFromPrintout(' == /data/a\nz')).to.deep.equal({});
  });
});

describe('the client library keeps the restart fields on the way out', () => {
  it('serializes restartPolicy and restartPolicyRules of a container unchanged', () => {
    const container = { name: 'c', restartPolicy: 'Never', restartPolicyRules: [{ action: 'RestartAllContainers', exitCodes: { operator: 'NotIn', values: [0, 3] } }] };
    const out = ObjectSerializer.serialize({ metadata: { name: 'p' }, spec: { restartPolicy: 'Never', initContainers: [container], containers: [container] } }, 'V1Pod', '') as { spec: { initContainers: unknown[]; containers: unknown[] } };
    // What goes on the wire: JSON leaves out the serializer's undefined fields.
    const sent = JSON.parse(JSON.stringify(out)) as typeof out;
    expect(sent.spec.initContainers[0]).to.deep.equal(container);
    expect(sent.spec.containers[0]).to.deep.equal(container);
  });
});
