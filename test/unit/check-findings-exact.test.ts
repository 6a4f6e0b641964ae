/** `initc check`'s static findings, each heuristic with the cases on both sides of it and the exact finding. */
import { expect } from 'chai';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { commandText, formatFinding, isUnboundedWait, repullReason, staticFindings, timeoutAsPid1 } from '../../lib/check/findings.js';
import type { Workload } from '../../lib/check/manifests.js';

const c = (o: Partial<V1Container>): V1Container => ({ name: 'c', image: 'x:1', resources: { requests: { cpu: '1m' } }, ...o });
const sh = (script: string, extra: Partial<V1Container> = {}) => c({ command: ['sh', '-c', script], ...extra });
const workload = (initContainers: V1Container[], o: { kind?: Workload['kind']; spec?: Partial<V1PodSpec>; objectSpec?: Record<string, unknown> } = {}): Workload => ({
  kind: o.kind ?? 'Pod',
  name: 'w',
  source: 'f.yaml',
  object: { apiVersion: 'v1', kind: o.kind ?? 'Pod', metadata: { name: 'w' }, spec: o.objectSpec ?? {} },
  podSpec: { containers: [{ name: 'app' }], initContainers, ...o.spec } as V1PodSpec,
  specPath: 'spec',
});

describe('check findings: the command as text', () => {
  it('command then args, joined by one blank; either may be missing', () => {
    expect(commandText(c({ command: ['a', 'b'], args: ['c'] }))).to.equal('a b c');
    expect(commandText(c({ args: ['c', 'd'] }))).to.equal('c d');
    expect(commandText(c({ command: ['a'] }))).to.equal('a');
    expect(commandText(c({}))).to.equal('');
  });
});

describe('check findings: timeout as PID 1', () => {
  it('the last command of sh -c (sh, bash, ash, dash, by path too) is timeout', () => {
    for (const shell of ['sh', 'bash', 'ash', 'dash', '/bin/sh', '/usr/bin/bash']) expect(timeoutAsPid1(c({ command: [shell, '-c', 'timeout 10 sleep 100'] })), shell).to.equal(true);
    expect(timeoutAsPid1(c({ command: ['sh'], args: ['-c', 'echo a; timeout 5 x'] })), 'script in args').to.equal(true);
    expect(timeoutAsPid1(sh('echo a && timeout 5 x'))).to.equal(true);
    expect(timeoutAsPid1(sh('echo a\ntimeout 5 x\n'))).to.equal(true);
    expect(timeoutAsPid1(sh("timeout 10 sh -c 'until x; do sleep 1; done'"))).to.equal(true);
    expect(timeoutAsPid1(sh('timeout 10 sh -c "a; b"'))).to.equal(true);
    expect(timeoutAsPid1(sh('timeout 5 x;  '))).to.equal(true);
  });
  it('not when something follows it, it is in an if, it kills with KILL/9, or no shell runs it', () => {
    expect(timeoutAsPid1(sh('timeout 5 x; echo done'))).to.equal(false);
    expect(timeoutAsPid1(sh("if timeout 10 sh -c 'x'; then :; else exit 1; fi"))).to.equal(false);
    expect(timeoutAsPid1(sh('timeout -s KILL 5 x'))).to.equal(false);
    expect(timeoutAsPid1(sh('timeout -s 9 5 x'))).to.equal(false);
    expect(timeoutAsPid1(sh('timeout -sKILL 5 x'))).to.equal(false);
    expect(timeoutAsPid1(sh('timeout -s 90 5 x')), '90 is no KILL').to.equal(true);
    expect(timeoutAsPid1(c({ command: ['timeout', '5', 'x'] })), 'no shell').to.equal(false);
    expect(timeoutAsPid1(c({ command: ['zsh', '-c', 'timeout 5 x'] }))).to.equal(false);
    expect(timeoutAsPid1(c({ command: ['shx', '-c', 'timeout 5 x'] }))).to.equal(false);
    expect(timeoutAsPid1(c({ command: ['-c', 'timeout 5 x'] })), 'the first word is no shell').to.equal(false);
    expect(timeoutAsPid1(c({ command: ['sh', 'timeout 5 x'] })), 'no -c').to.equal(false);
    expect(timeoutAsPid1(c({ command: ['sh', '-c'] })), 'no script').to.equal(false);
    expect(timeoutAsPid1(sh('mytimeout 5 x'))).to.equal(false);
    expect(timeoutAsPid1(sh('timeout'))).to.equal(false);
    expect(timeoutAsPid1(sh("echo 'a; timeout 5 x'")), 'inside quotes it is one word').to.equal(false);
    expect(timeoutAsPid1(sh('echo "a; timeout 5 x"'))).to.equal(false);
    expect(timeoutAsPid1(sh('echo ""; timeout 5 x')), 'empty quotes').to.equal(true);
  });
});

describe('check findings: unbounded waits', () => {
  it('a loop (until, while, for ((;;))) with nothing that bounds it', () => {
    expect(isUnboundedWait(sh('until nslookup db; do sleep 1; done'))).to.equal(true);
    expect(isUnboundedWait(sh('while ! nc -z db 5432; do sleep 1; done'))).to.equal(true);
    expect(isUnboundedWait(sh('for ((;;)); do x; done'))).to.equal(true);
    expect(isUnboundedWait(sh('for (( ; ; )); do x; done'))).to.equal(true);
    expect(isUnboundedWait(sh('for(( ;; )) do x; done'))).to.equal(true);
    expect(isUnboundedWait(sh('until_ready'))).to.equal(false);
    expect(isUnboundedWait(sh('for i in 1 2 3; do x; done'))).to.equal(false);
    expect(isUnboundedWait(sh('for ((i=0;;)); do x; done'))).to.equal(false);
  });
  it('bounded by timeout N, a deadline or tries variable, or arithmetic on a counter', () => {
    for (const bound of ['timeout 10 sh -c "until x; do sleep 1; done"', 'until x; do [ $(date +%s) -gt $deadline ] && exit 1; done', 'until x; do max_tries=1; done', 'until x; do maxtries=1; done', 'until x; do attempt=1; done', 'until x; do attempts=1; done', 'until x; do RETRIES=3; done', 'until x; do tries=3; done', 'n=0; until x; do n=$(( n + 1 )); done', 'n=0; until x; do n=$((n-1)); done', 'until x; do [ $((n<5)) ]; done', 'until x; do [ $((n>5)) ]; done']) {
      expect(isUnboundedWait(sh(bound)), bound).to.equal(false);
    }
    for (const notBound of ['until x; do timeout x; done', 'until x; do timeouts 5; done', 'until x; do mytries=1; done', 'until x; do n=$(( n )); done', 'until x; do n=$(( n * 2 )); done']) {
      expect(isUnboundedWait(sh(notBound)), notBound).to.equal(true);
    }
    expect(isUnboundedWait(sh('until x; do sleep 1; done; TIMEOUT 5')), 'case does not matter').to.equal(false);
  });
});

describe('check findings: images pulled again', () => {
  it('Always, :latest, no tag; not with a digest, another tag, or IfNotPresent/Never', () => {
    expect(repullReason(c({ image: 'x:1', imagePullPolicy: 'Always' }))).to.equal('imagePullPolicy: Always');
    expect(repullReason(c({ image: 'x@sha256:ab', imagePullPolicy: 'Always' }))).to.equal('imagePullPolicy: Always');
    expect(repullReason(c({ image: 'x@sha256:ab' }))).to.equal(undefined);
    expect(repullReason(c({ image: 'reg:5000/x' }))).to.equal('image reg:5000/x has no tag (it means :latest, and imagePullPolicy defaults to Always)');
    expect(repullReason(c({ image: 'reg:5000/x:latest' }))).to.equal('image reg:5000/x:latest is tagged :latest (imagePullPolicy defaults to Always)');
    expect(repullReason(c({ image: 'reg:5000/x:1.2' }))).to.equal(undefined);
    expect(repullReason(c({ image: 'x:latest', imagePullPolicy: 'IfNotPresent' }))).to.equal(undefined);
    expect(repullReason(c({ image: 'x', imagePullPolicy: 'Never' }))).to.equal(undefined);
    expect(repullReason(c({ image: undefined }))).to.equal('image  has no tag (it means :latest, and imagePullPolicy defaults to Always)');
    expect(repullReason(c({ image: 'a:b/x' })), 'a colon before the last slash is no tag').to.match(/has no tag/);
  });
});

describe('check findings: the whole list for a workload', () => {
  it('probes and lifecycle on a plain init container are errors, each at its path; on a sidecar nothing', () => {
    const probe = { exec: { command: ['true'] } };
    const f = staticFindings(workload([c({ name: 'p', livenessProbe: probe, readinessProbe: probe, startupProbe: probe, lifecycle: {} }), c({ name: 's', restartPolicy: 'Always', readinessProbe: probe })]));
    expect(f.map((x) => [x.severity, x.path])).to.deep.equal([
      ['error', 'spec.initContainers[0].livenessProbe'],
      ['error', 'spec.initContainers[0].readinessProbe'],
      ['error', 'spec.initContainers[0].startupProbe'],
      ['error', 'spec.initContainers[0].lifecycle'],
    ]);
    expect(f[0]).to.deep.equal({
      severity: 'error',
      object: 'Pod/w',
      path: 'spec.initContainers[0].livenessProbe',
      message: 'livenessProbe on init container p, which is not a sidecar (no restartPolicy: Always)',
      why: 'the API server refuses the pod ("may not be set for init containers without restartPolicy=Always"): an init container runs to completion, so it is never probed; make it a sidecar or move the probe to the app',
    });
    expect(staticFindings(workload([c({ name: 'p', readinessProbe: null as never })]))).to.deep.equal([]);
  });
  it('timeout as PID 1 and an unbounded wait are warnings at the command; a sidecar is not judged for them', () => {
    const f = staticFindings(workload([sh('timeout 5 x', { name: 't' }), sh('until x; do sleep 1; done', { name: 'u' }), sh('until x; do sleep 1; done', { name: 's', restartPolicy: 'Always' })]));
    expect(f.map((x) => [x.path, x.message])).to.deep.equal([
      ['spec.initContainers[0].command', "init container t ends its shell script with `timeout`: the shell execs it, so what it bounds runs as the container's PID 1"],
      ['spec.initContainers[1].command', 'init container u waits in a loop with no bound (no `timeout` around it, and no activeDeadlineSeconds on the pod)'],
    ]);
    expect(f.every((x) => x.severity === 'warning' && x.object === 'Pod/w')).to.equal(true);
    expect(f[0]!.why).to.match(/^PID 1 ignores the SIGTERM/);
    expect(f[1]!.why).to.match(/^when the dependency it waits for is gone/);
  });
  it('a deadline on the pod, or on a Job, bounds the wait', () => {
    const wait = [sh('until x; do sleep 1; done', { name: 'u' })];
    expect(staticFindings(workload(wait, { spec: { activeDeadlineSeconds: 60 } }))).to.deep.equal([]);
    expect(staticFindings(workload(wait, { kind: 'Job', objectSpec: { activeDeadlineSeconds: 60 } }))).to.deep.equal([]);
    expect(staticFindings(workload(wait, { kind: 'Deployment', objectSpec: { activeDeadlineSeconds: 60 } })), 'only a Job\'s own deadline bounds its pods').to.have.length(1);
    expect(staticFindings({ ...workload(wait, { kind: 'Job' }), object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'w' } } })).to.have.length(1);
  });
  it('an image pulled again: at imagePullPolicy or at image; no resources: at resources', () => {
    const f = staticFindings(workload([c({ name: 'a', image: 'x:1', imagePullPolicy: 'Always' }), c({ name: 'b', image: 'x' }), c({ name: 'r', resources: {} }), c({ name: 'q', resources: { limits: { cpu: '1' } } }), c({ name: 'n', resources: undefined })]));
    expect(f.map((x) => [x.path, x.message])).to.deep.equal([
      ['spec.initContainers[0].imagePullPolicy', 'init container a: imagePullPolicy: Always'],
      ['spec.initContainers[1].image', 'init container b: image x has no tag (it means :latest, and imagePullPolicy defaults to Always)'],
      ['spec.initContainers[2].resources', 'init container r has no resources (requests or limits)'],
      ['spec.initContainers[4].resources', 'init container n has no resources (requests or limits)'],
    ]);
    expect(f.map((x) => x.severity)).to.deep.equal(['warning', 'warning', 'warning', 'warning']);
    expect(f[0]!.why).to.match(/^every re-run of the init containers/);
    expect(f[2]!.why).to.match(/^the pod's effective request is the larger/);
    expect(staticFindings(workload([], { spec: { initContainers: undefined } }))).to.deep.equal([]);
  });
  it('printed: a mark, the severity padded, object and path, then the message and why', () => {
    expect(formatFinding({ severity: 'warning', object: 'Pod/w', path: 'spec.x', message: 'm', why: 'y' })).to.equal('⚠ warning Pod/w spec.x\n    m\n    why: y');
    expect(formatFinding({ severity: 'error', object: 'Pod/w', path: 'spec.x', message: 'm', why: 'y' })).to.equal('✘ error   Pod/w spec.x\n    m\n    why: y');
    expect(formatFinding({ severity: 'refused', object: 'Pod/w', path: '', message: 'm', why: 'y' })).to.equal('✘ refused Pod/w \n    m\n    why: y');
  });
});

describe('check findings: edges of the heuristics', () => {
  it('a script given in args alone; a quoted last word; blank segments; bounds written tightly', () => {
    expect(timeoutAsPid1(c({ args: ['sh', '-c', 'timeout 5 x'] }))).to.equal(true);
    expect(timeoutAsPid1(sh('timeout 5 x; "echo done"')), 'a quoted command follows').to.equal(false);
    expect(timeoutAsPid1(sh('timeout 5 x;  ;')), 'blank segments are no command').to.equal(true);
    expect(isUnboundedWait(sh('until x; do n=$((n+1)); done'))).to.equal(false);
    expect(isUnboundedWait(sh('until x; do c=$((count+1)); done')), 'a counter of several letters').to.equal(false);
    expect(isUnboundedWait(sh('until x; do timeout  10 y; done'))).to.equal(false);
  });
  it('a digest without a tag-like part; the last of several colons is the tag', () => {
    expect(repullReason(c({ image: 'x@abc' }))).to.equal(undefined);
    expect(repullReason(c({ image: 'x:a:latest' }))).to.equal('image x:a:latest is tagged :latest (imagePullPolicy defaults to Always)');
  });
});
