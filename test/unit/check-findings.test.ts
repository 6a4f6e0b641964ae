/** `initc check`: static findings and the pure verdicts (no cluster). */
import path from 'node:path';
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { isUnboundedWait, repullReason, staticFindings, timeoutAsPid1 } from '../../lib/check/findings.js';
import { chooseWorkload, loadManifests, parseManifestText } from '../../lib/check/manifests.js';
import { checkBoundedDuringOutage, checkInitOrder, checkSameProbe, readyWithNewInits, sideBySide } from '../../lib/check/verdicts.js';
import type { RecordedRow } from '../../lib/checks/recording.js';
import { projectRoot } from '../../lib/util/paths.js';

const example = async (name: string) => staticFindings((await loadManifests(path.join(projectRoot(), 'examples', 'check', name))).workload);
const sh = (script: string) => ({ name: 'c', image: 'x:1', command: ['sh', '-c', script] });

describe('check: static findings', () => {
  it('the idempotent example has none', async () => {
    expect(await example('idempotent')).to.deep.equal([]);
  });

  it('the waiting-forever example: an unbounded wait, at the command\'s path', async () => {
    const f = await example('waits-forever');
    expect(f.map((x) => `${x.severity} ${x.path}`)).to.deep.equal(['warning spec.template.spec.initContainers[0].command']);
    expect(f[0]!.message).to.match(/waits in a loop with no bound/);
    expect(f[0]!.why).to.match(/stays Init:N\/M forever/);
  });

  it('the probe-on-init example: the probe, predicted refused', async () => {
    const f = await example('probe-on-init');
    expect(f.map((x) => `${x.severity} ${x.object} ${x.path}`)).to.deep.equal(['error Pod/probed spec.initContainers[0].readinessProbe']);
  });

  it('no resources; the appending example', async () => {
    const f = await example('appends-to-volume');
    expect(f.map((x) => x.path)).to.deep.equal([]);
    const w = chooseWorkload(parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { initContainers: [{ name: i, image: "x:1" }], containers: [{ name: a, image: x }] }\n', 'p.yaml'), 'p.yaml').workload;
    expect(staticFindings(w).map((x) => x.path)).to.deep.equal(['spec.initContainers[0].resources']);
  });

  it('unbounded waits: loops without timeout, unless the pod has activeDeadlineSeconds', () => {
    expect(isUnboundedWait(sh('until nslookup db; do sleep 1; done'))).to.equal(true);
    expect(isUnboundedWait(sh('while ! wget -q http://db; do sleep 2; done'))).to.equal(true);
    expect(isUnboundedWait(sh("timeout 60 sh -c 'until nslookup db; do sleep 1; done'"))).to.equal(false);
    expect(isUnboundedWait(sh('for i in $(seq 1 30); do nslookup db && exit 0; sleep 1; done; exit 1'))).to.equal(false);
    expect(isUnboundedWait(sh('cp /src/* /data/'))).to.equal(false);
    const pod = (deadline: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  ${deadline}\n  initContainers: [{ name: i, image: "x:1", command: [sh, -c, "until nslookup db; do sleep 1; done"], resources: { requests: { cpu: 1m } } }]\n  containers: [{ name: a, image: x }]\n`;
    const find = (t: string) => staticFindings(chooseWorkload(parseManifestText(t, 'p.yaml'), 'p.yaml').workload).map((f) => f.path);
    expect(find(pod('restartPolicy: Always'))).to.deep.equal(['spec.initContainers[0].command']);
    expect(find(pod('activeDeadlineSeconds: 300'))).to.deep.equal([]);
  });

  it('`timeout` as the last command of sh -c (then PID 1, deaf to SIGTERM)', () => {
    expect(timeoutAsPid1(sh("sleep 3; timeout 10 sh -c 'until nslookup db; do sleep 1; done'"))).to.equal(true);
    expect(timeoutAsPid1(sh("timeout 10 sh -c 'until nslookup db; do sleep 1; done'"))).to.equal(true);
    expect(timeoutAsPid1(sh("if timeout 10 sh -c 'until nslookup db; do sleep 1; done'; then echo ok; else exit 1; fi"))).to.equal(false);
    expect(timeoutAsPid1(sh("timeout 10 sh -c 'until nslookup db; do sleep 1; done'; echo done"))).to.equal(false);
    expect(timeoutAsPid1({ name: 'c', image: 'x:1', command: ['timeout', '10', 'wait-for-db'] })).to.equal(false);
  });

  it('images pulled again on every re-run', () => {
    expect(repullReason({ name: 'c', image: 'busybox' })).to.match(/has no tag/);
    expect(repullReason({ name: 'c', image: 'registry:5000/busybox:latest' })).to.match(/tagged :latest/);
    expect(repullReason({ name: 'c', image: 'busybox:1.37', imagePullPolicy: 'Always' })).to.match(/imagePullPolicy: Always/);
    expect(repullReason({ name: 'c', image: 'registry:5000/busybox:1.37' })).to.equal(undefined);
    expect(repullReason({ name: 'c', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent' })).to.equal(undefined);
    expect(repullReason({ name: 'c', image: 'busybox@sha256:abc' })).to.equal(undefined);
  });

  it('sidecars may carry probes', () => {
    const t = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  initContainers: [{ name: s, image: "x:1", restartPolicy: Always, readinessProbe: { exec: { command: [true] } }, resources: { requests: { cpu: 1m } } }]\n  containers: [{ name: a, image: x }]\n';
    expect(staticFindings(chooseWorkload(parseManifestText(t, 'p.yaml'), 'p.yaml').workload)).to.deep.equal([]);
  });
});

const term = (name: string, started: string, finished: string, exitCode = 0, id = `containerd://${name}`) => ({ name, ready: false, restartCount: 0, image: 'x', imageID: '', containerID: id, state: { terminated: { exitCode, startedAt: new Date(started), finishedAt: new Date(finished), containerID: id } } });
const podOf = (statuses: unknown[], ready = true): V1Pod =>
  ({
    spec: { initContainers: [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'app' }] },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], initContainerStatuses: statuses },
  }) as unknown as V1Pod;

describe('check: verdicts', () => {
  it('init order: each starts when the one before finished (same second allowed)', () => {
    checkInitOrder(podOf([term('a', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'), term('b', '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z')]));
    expect(() => checkInitOrder(podOf([term('a', '2026-01-01T00:00:01Z', '2026-01-01T00:00:05Z'), term('b', '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z')]))).to.throw(/b to start after a finished/);
    expect(() => checkInitOrder(podOf([term('a', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z', 1), term('b', '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z')]))).to.throw(/a finished with exit 0/);
  });

  it('Ready with new init containers: every containerID changed', () => {
    const p = podOf([term('a', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z', 0, 'c://a2'), term('b', '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z', 0, 'c://b2')]);
    expect(readyWithNewInits(p, { a: 'c://a1', b: 'c://b1' })).to.equal(true);
    expect(readyWithNewInits(p, { a: 'c://a1', b: 'c://b2' })).to.equal(false);
    expect(readyWithNewInits(podOf((p.status!.initContainerStatuses as unknown[]), false), { a: 'c://a1', b: 'c://b1' })).to.equal(false);
  });

  it('probe: the same output holds; another is "not idempotent", side by side', () => {
    checkSameProbe({ exitCode: 0, stdout: 'x\n', stderr: '' }, { exitCode: 0, stdout: 'x\n', stderr: '' }, 'f');
    expect(() => checkSameProbe({ exitCode: 0, stdout: 'run\n', stderr: '' }, { exitCode: 0, stdout: 'run\nrun\n', stderr: '' }, 'the sandbox loss')).to.throw(/^not idempotent: the --probe output after the sandbox loss differs[\s\S]*before\s+│ after[\s\S]*≠\s+│ run/);
    expect(sideBySide('a\nb', 'a\nc')).to.match(/\n  a\s+│ a\n≠ b\s+│ c$/);
  });

  it('outage: an init container running through it, never ending, fails; one that gave up passes', () => {
    const row = (containers: unknown[], ready = 'False'): RecordedRow => ({ seq: 1, receivedAt: '', elapsedMs: 0, resourceVersion: '1', event: 'MODIFIED', phase: 'Pending', status: 'Init:0/1', ready: '0/1', restarts: 0, conditions: { Ready: ready }, containers }) as unknown as RecordedRow;
    const running = { name: 'a', kind: 'init', state: 'running', restartCount: 0, ready: false, startedAt: '2026-01-01T00:00:01Z', containerID: 'c://1' };
    const pod = { spec: { initContainers: [{ name: 'a' }] } } as V1Pod;
    expect(() => checkBoundedDuringOutage([row([running])], pod, 20_000, 'db')).to.throw(/give up on Service db within the 20s[\s\S]*init container a was still waiting/);
    const failed = { ...running, state: 'terminated', exitCode: 143, finishedAt: '2026-01-01T00:00:11Z' };
    checkBoundedDuringOutage([row([running]), row([failed])], pod, 20_000, 'db');
    expect(() => checkBoundedDuringOutage([row([running])], { spec: { ...pod.spec, activeDeadlineSeconds: 60 } } as V1Pod, 20_000, 'db'), 'a deadline that did not strike').to.throw(/did not strike/);
    checkBoundedDuringOutage([row([running], 'True')], pod, 20_000, 'db');
  });
});

describe('initc check: how long the cluster DNS remembers a removed Service', () => {
  it('nothing when the cache leaves cluster.local out; else the kubernetes plugin\'s ttl; 5 s (its default) without one', async () => {
    const { dnsTtlSeconds } = await import('../../lib/check/verdicts.js');
    const kubeadm = '.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    cache 30 {\n       disable success cluster.local\n    }\n}\n';
    expect(dnsTtlSeconds(kubeadm), 'kubeadm: cluster.local kept out of the cache').to.equal(0);
    expect(dnsTtlSeconds(kubeadm.replace('disable success cluster.local', 'prefetch 10'))).to.equal(30);
    expect(dnsTtlSeconds('.:53 {\n    kubernetes cluster.local\n    cache 30\n}\n')).to.equal(5);
    expect(dnsTtlSeconds(undefined)).to.equal(5);
  });
});
