import { expect } from 'chai';
import { UNSET, checkEnvSeen, checkNotCreated, envFileSyntax, envLine, envPrinted, otherSyntax } from '../../lib/checks/env-files.js';
import { checkAdmission, expectedAdmission, featureSupport } from '../../lib/checks/features.js';
import type { Admission, Support } from '../../lib/checks/features.js';
import type { GateInForce } from '../../lib/cluster/features.js';
import type { Recording } from '../../lib/checks/recording.js';
import { containerIn } from '../../lib/checks/recording.js';
import { clone, expectFailure, load } from '../support/controls.js';

// Recorded by suites/features/env-files.spec.ts on the embedded cluster, v1.36.5 (EnvFiles beta, on) and v1.34.12 (alpha, off).
const ran = load('env-files-v1.36-env-files');
const log = load<{ log: string }>('env-files-v1.36-app-log').log;
const noKey = load('env-files-v1.36-no-key');
const msg = (name: string) => load<{ message: string }>(`env-files-v1.36-${name}-message`).message;
type RecordedDiscovery = { support: Support; admission: Admission; apiserver: { gates: Record<string, GateInForce> }; kubelets: Array<{ component: string; gates: Record<string, GateInForce> }> };
const discovery = (v: string) => load<RecordedDiscovery>(v === '1.34' ? 'env-files-discovery-1.34' : `env-files-${v}-discovery`);
const gatesOf = (g: Record<string, GateInForce>) => new Map(Object.entries(g));

describe('env-files (lib/checks/env-files.ts, EnvFiles in lib/checks/features.ts)', () => {
  it('reads the variables the app printed at its start', () => {
    expect([...envPrinted(log)]).to.deep.equal([['GREETING', 'hello from init-env'], ['ABSENT', UNSET]]);
    expect([...envPrinted('env A=1=2\nenv 9X=1\nxenv B=2\nenv C=')]).to.deep.equal([['A', '1=2'], ['C', '']]);
  });

  it('v1.36.5: the app saw the value the init container wrote, and no optional key the file lacks', () => {
    checkEnvSeen(ran, 'app', log, 'GREETING', 'hello from init-env');
    checkEnvSeen(ran, 'app', log, 'ABSENT', UNSET);
    expectFailure((r: Recording) => checkEnvSeen(r, 'app', log, 'GREETING', 'something else'), ran, /^expected app to see GREETING=something else; observed GREETING=hello from init-env$/);
    expectFailure((r: Recording) => checkEnvSeen(r, 'app', log, 'ABSENT', 'x'), ran, /^expected app to see ABSENT=x; observed ABSENT=\(unset\)$/);
    expectFailure((r: Recording) => checkEnvSeen(r, 'app', log, 'GREETING', UNSET), ran, /^expected app to see GREETING=\(unset\); observed GREETING=hello from init-env$/);
    expectFailure((r: Recording) => checkEnvSeen(r, 'app', '', 'GREETING', 'hello from init-env'), ran, /^expected app to print GREETING at its start; observed no "env GREETING=" line in its log: ""$/);
    expectFailure((r: Recording) => checkEnvSeen(r, 'app', log, 'GREETING', 'hello from init-env'), noKey, /^expected app to run; observed app never ran/);
  });

  it('v1.36.5: a required key the file lacks, an unquoted value, no file: the app is never created, each for its reason', () => {
    checkNotCreated(noKey, 'app', msg('no-key'), /environment variable key "GREETING" not found in file/);
    checkNotCreated(load('env-files-v1.36-other-syntax'), 'app', msg('other-syntax'), /couldn't parse env file/);
    checkNotCreated(load('env-files-v1.36-no-file'), 'app', msg('no-file'), /couldn't parse env file/);
    expectFailure((r: Recording) => checkNotCreated(r, 'app', msg('other-syntax'), /environment variable key "GREETING" not found/), noKey, /^expected the waiting message to match \/environment variable key "GREETING" not found\/; observed couldn't parse env file$/);
    expectFailure((r: Recording) => checkNotCreated(r, 'app', undefined, /x/), noKey, /^expected the waiting message to match \/x\/; observed no message$/);
    expectFailure((r: Recording) => checkNotCreated(r, 'app', msg('no-key'), /GREETING/), ran, /^expected app never to run; observed app ran/);
    const otherReason = clone(noKey);
    for (const row of otherReason.rows) {
      const c = containerIn(row, 'app');
      if (c?.reason === 'CreateContainerConfigError') c.reason = 'PodInitializing';
    }
    expectFailure((r: Recording) => checkNotCreated(r, 'app', msg('no-key'), /GREETING/), otherReason, /^expected app waiting with reason CreateContainerConfigError; observed waiting reasons seen: PodInitializing/);
  });

  it('the API server keeps fileKeyRef where EnvFiles is on (1.36.5), refuses the emptied variable where off (1.34.12)', () => {
    const on = discovery('v1.36');
    const off = discovery('1.34');
    checkAdmission(expectedAdmission('EnvFiles', gatesOf(on.apiserver.gates)), on.admission);
    checkAdmission(expectedAdmission('EnvFiles', gatesOf(off.apiserver.gates)), off.admission);
    expect(off.admission.outcome).to.equal('refused');
    expect(expectedAdmission('EnvFiles', gatesOf(on.apiserver.gates))).to.deep.equal({ outcome: 'kept', why: 'EnvFiles is on' });
    expect(expectedAdmission('EnvFiles', new Map()).outcome, 'a release without the gate (1.33) decodes no fileKeyRef: refused alike').to.equal('refused');
    expectFailure((a: Admission) => checkAdmission(expectedAdmission('EnvFiles', gatesOf(off.apiserver.gates)), a), on.admission, /^expected the API server to refuse the pod \(EnvFiles is off: /);
    const support = (d: RecordedDiscovery) => featureSupport('EnvFiles', d.admission, d.kubelets.map((k) => ({ component: k.component, gates: gatesOf(k.gates) })));
    expect(support(on).supported).to.equal(true);
    expect(support(off)).to.include({ supported: false });
    expect(support(off).reason).to.match(/^EnvFiles: the API server refused the pod: .*must specify one of.*; kubelet \S+ runs EnvFiles off$/);
  });

  it('the syntax follows the kubelet\'s EnvFiles stage: alpha KEY=value (quotes kept), beta KEY=\'value\' only', () => {
    expect(['ALPHA', 'BETA', 'GA'].map(envFileSyntax)).to.deep.equal(['plain', 'quoted', 'quoted']);
    expect(envLine('quoted', 'K', 'a b')).to.equal("K='a b'");
    expect(envLine('plain', 'K', 'a b')).to.equal('K=a b');
    expect(otherSyntax('quoted', 'K', 'v')).to.deep.equal({ line: 'K=v', refused: true });
    expect(otherSyntax('plain', 'K', 'v')).to.deep.equal({ line: "K='v'", refused: false, read: "'v'" });
  });

  it('v1.34.12 with EnvFiles on (alpha): the plain value is read, and a quoted one keeps its quotes', () => {
    const gate = discovery('v1.34-gate');
    expect(gate.kubelets.map((k) => k.gates.EnvFiles)).to.deep.equal([{ enabled: true, stage: 'ALPHA' }]);
    const main = load('env-files-v1.34-gate-env-files');
    checkEnvSeen(main, 'app', load<{ log: string }>('env-files-v1.34-gate-app-log').log, 'GREETING', 'hello from init-env');
    const quoted = load('env-files-v1.34-gate-other-syntax');
    const quotedLog = load<{ log: string }>('env-files-v1.34-gate-other-syntax-log').log;
    checkEnvSeen(quoted, 'app', quotedLog, 'GREETING', "'hello'");
    expectFailure((r: Recording) => checkEnvSeen(r, 'app', quotedLog, 'GREETING', 'hello'), quoted, /^expected app to see GREETING=hello; observed GREETING='hello'$/);
    checkNotCreated(load('env-files-v1.34-gate-no-key'), 'app', load<{ message: string }>('env-files-v1.34-gate-no-key-message').message, /environment variable key "GREETING" not found in file/);
    checkNotCreated(load('env-files-v1.34-gate-no-file'), 'app', load<{ message: string }>('env-files-v1.34-gate-no-file-message').message, /couldn't parse env file/);
  });
});
