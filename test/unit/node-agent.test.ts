/**
 * Node access through a privileged pod, without a cluster: the pod it makes, the node it picks,
 * what it reads from the probe and the kubelet's configz, the exec status, and the detached host
 * scripts, run here by /bin/sh against stand-in `systemctl` and `crictl` programs that only log
 * (nothing of this host is stopped). With an exec that answers like a node without crictl or
 * systemd, the faults report NodeCapabilityMissing (their tests are skipped, saying so). And the
 * flag checks of `initc run --node-access` (exit 2 before anything starts).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { KubeConfig } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { execa } from 'execa';
import { NSENTER, agentPod, chooseAgentNode, formatAgentRef, parseAgentRef } from '../../lib/cluster/agent/agent-pod.js';
import { logProblems, rebootScript, restartApiServerScript, restartUnitScript, shq } from '../../lib/cluster/agent/host-scripts.js';
import { PrivilegedPodNode } from '../../lib/cluster/agent/privileged-pod.js';
import { describeProbe, parseProbe, probeScript } from '../../lib/cluster/agent/probe.js';
import { execExitCode } from '../../lib/kube/exec.js';
import type { ExecResult } from '../../lib/kube/exec.js';
import { NODE_ACCESS_PROBLEM_ENV, NODE_AGENT_ENV, PINNED_NODE_ENV, nodeAccessFor } from '../../lib/cluster/node-access.js';
import { NodeCapabilityMissing, restartsDetached } from '../../lib/cluster/provider.js';
import { KindNode } from '../../lib/cluster/kind/node.js';
import { rebootNode, restartComponent } from '../../lib/chaos/node-faults.js';
import { initc } from '../support/cli.js';
import { skipInMutationRun } from '../support/mutation-run.js';

const node = (name: string, o: { ready?: boolean; unschedulable?: boolean; taint?: string } = {}): V1Node => ({
  metadata: { name },
  spec: { unschedulable: o.unschedulable, taints: o.taint ? [{ key: 'k', effect: o.taint }] : [] },
  status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

const PROBE_OK = ['crictl=/usr/local/bin/crictl', 'systemctl=/usr/bin/systemctl', 'systemd-run=/usr/bin/systemd-run', 'booted=yes', 'pid1=systemd', 'unit-kubelet=active', 'unit-containerd=active', 'apiserver-manifest=yes'].join('\n');

describe('node access through a privileged pod', () => {
  it('names the agent namespace/pod and reads it back; refuses anything else', () => {
    expect(formatAgentRef({ namespace: 'initc-node-agent-x1', pod: 'initc-node-agent' })).to.equal('initc-node-agent-x1/initc-node-agent');
    expect(parseAgentRef('initc-node-agent-x1/initc-node-agent')).to.deep.equal({ namespace: 'initc-node-agent-x1', pod: 'initc-node-agent' });
    for (const bad of ['', 'ns', 'ns/', '/pod', 'a/b/c', 'NS/pod']) expect(parseAgentRef(bad), bad).to.equal(undefined);
  });

  it('makes a privileged pod with the host namespaces and root, pinned to the node, tolerating every taint', () => {
    const p = agentPod({ node: 'n1', image: 'busybox:x', labels: { 'initc.dev/run': 'r1' } });
    expect(p.metadata?.labels).to.include({ 'initc.dev/run': 'r1' });
    expect(p.spec).to.include({ nodeName: 'n1', hostPID: true, hostNetwork: true, hostIPC: true, restartPolicy: 'Always' });
    expect(p.spec?.tolerations).to.deep.equal([{ operator: 'Exists' }]);
    const c = p.spec!.containers[0]!;
    expect(c.image).to.equal('busybox:x');
    expect(c.securityContext?.privileged).to.equal(true);
    expect(c.volumeMounts).to.deep.equal([{ name: 'host', mountPath: '/host' }]);
    expect(p.spec?.volumes).to.deep.equal([{ name: 'host', hostPath: { path: '/' } }]);
  });

  it('picks a Ready node that takes pods, preferring the one that runs the API server, and says so when there was a choice', () => {
    expect(chooseAgentNode([node('only')], [])).to.deep.equal({ node: 'only' });
    const many = [node('b'), node('a'), node('cp', { taint: 'NoSchedule' }), node('down', { ready: false }), node('cordoned', { unschedulable: true }), node('c')];
    const byName = chooseAgentNode(many, []);
    expect(byName.node).to.equal('a');
    expect(byName.note).to.match(/3 nodes take pods \(a, b, c\).*pinned to a/);
    const withApi = chooseAgentNode(many, ['c', 'cp']);
    expect(withApi.node).to.equal('c');
    expect(withApi.note).to.match(/pinned to c \(it runs the API server\)/);
    expect(() => chooseAgentNode([node('cp', { taint: 'NoSchedule' }), node('down', { ready: false })], [])).to.throw(/no Ready node takes pods \(cp: tainted or cordoned, down: not Ready\)/);
    expect(() => chooseAgentNode([], [])).to.throw(/no node at all/);
  });

  it('reads the probe and the configz: crictl, the CRI endpoint (with or without unix://), systemd, units, the static API server', () => {
    const p = parseProbe(PROBE_OK, { containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock', staticPodPath: '/etc/kubernetes/manifests' });
    expect(p).to.deep.include({ crictl: '/usr/local/bin/crictl', runtimeEndpoint: 'unix:///run/containerd/containerd.sock', systemd: true, pid1: 'systemd', apiServerManifest: true, staticPodPath: '/etc/kubernetes/manifests' });
    expect(p.units).to.deep.equal({ kubelet: 'active', containerd: 'active' });
    expect(p.notes).to.deep.equal([]);
    expect(describeProbe(p)).to.equal('crictl /usr/local/bin/crictl → unix:///run/containerd/containerd.sock; systemd (kubelet active, containerd active); API server a static pod (/etc/kubernetes/manifests)');
    expect(parseProbe(PROBE_OK, { containerRuntimeEndpoint: '/run/containerd/containerd.sock' }).runtimeEndpoint).to.equal('unix:///run/containerd/containerd.sock');
    const noEndpoint = parseProbe(PROBE_OK, {});
    expect(noEndpoint.runtimeEndpoint).to.equal(undefined);
    expect(noEndpoint.notes.join()).to.match(/names no containerRuntimeEndpoint: crictl uses the node's own configuration/);
    expect(parseProbe(PROBE_OK, undefined, 'HTTP 403: forbidden').notes.join()).to.match(/configz could not be read \(HTTP 403: forbidden\)/);
    const bare = parseProbe('crictl=\nsystemctl=\nsystemd-run=\nbooted=no\npid1=tini\napiserver-manifest=no', {});
    expect(bare).to.deep.include({ crictl: undefined, systemd: false, pid1: 'tini', apiServerManifest: false });
    expect(describeProbe(bare)).to.match(/^no crictl; no systemd: does not run systemd \(PID 1 is "tini"\); API server not a static pod here/);
    // systemd as PID 1 without systemd-run cannot detach: no systemd for our purposes.
    expect(parseProbe(PROBE_OK.replace('systemd-run=/usr/bin/systemd-run', 'systemd-run='), {})).to.deep.include({ systemd: false, noSystemd: 'has no systemd-run (systemd is PID 1)' });
    expect(parseProbe(PROBE_OK.replace('systemctl=/usr/bin/systemctl', 'systemctl='), {}).noSystemd).to.equal('has no systemctl (systemd is PID 1)');
  });

  it('the probe script runs in a POSIX shell and prints every key', async () => {
    const r = await execa('sh', ['-c', probeScript('/nonexistent/manifests')]);
    const keys = String(r.stdout).split('\n').map((l) => l.split('=')[0]);
    for (const k of ['crictl', 'systemctl', 'systemd-run', 'booted', 'pid1', 'apiserver-manifest']) expect(keys, k).to.include(k);
    expect(String(r.stdout)).to.match(/^apiserver-manifest=no$/m);
  });

  it('reads an exec status: Success is 0, the ExitCode cause otherwise, none when the exec itself failed', () => {
    expect(execExitCode({ status: 'Success' })).to.equal(0);
    expect(execExitCode({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })).to.equal(3);
    expect(execExitCode({ status: 'Failure', message: 'container not found' })).to.equal(undefined);
    expect(execExitCode(undefined)).to.equal(undefined);
  });

  it('finds the failed steps in a detached command\'s log', () => {
    expect(logProblems('stop rc=0\nstart rc=0\ndone')).to.deep.equal([]);
    expect(logProblems('stop kubelet rc=0\nstopp failed=2\nrmp failed=0\nsandboxes left=1\nstart kubelet rc=0\ndone')).to.deep.equal(['stopp failed=2', 'sandboxes left=1']);
    expect(logProblems('park rc=1\nstop rc=1 (still running after 60s)')).to.have.length(2);
  });

  it('quotes for the shell', async () => {
    const r = await execa('sh', ['-c', `printf %s ${shq("it's $HOME `x`")}`]);
    expect(r.stdout).to.equal("it's $HOME `x`");
  });
});

describe('the detached host scripts (stand-in systemctl and crictl)', function () {
  this.timeout(20_000);
  // They run in sh, where no mutant is ever active: skipped in the mutation run (test/support/mutation-run.ts).
  beforeEach(skipInMutationRun);
  let dir: string;
  let calls: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-agent-'));
    calls = path.join(dir, 'calls');
    await fs.writeFile(path.join(dir, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${calls}\nexit \${FAIL_SYSTEMCTL:-0}\n`, { mode: 0o755 });
    // crictl: `pods -q` lists two sandboxes until rmp ran; `ps ... -q` lists the API server once.
    await fs.writeFile(
      path.join(dir, 'crictl'),
      `#!/bin/sh\necho "crictl $*" >> ${calls}\ncase "$*" in\n*"pods -q"*) [ -f ${dir}/removed ] || printf 'sb1\\nsb2\\n';;\n*"rmp"*) touch ${dir}/removed;;\n*"--state Running"*) ;;\n*"ps --name"*) echo api1;;\nesac\nexit 0\n`,
      { mode: 0o755 },
    );
    env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const called = async () => (await fs.readFile(calls, 'utf8')).trim().split('\n');

  it('a kubelet restart stops it, waits, starts it, and logs each step', async () => {
    const log = path.join(dir, 'log');
    await execa('sh', ['-c', restartUnitScript('kubelet', 200, { log })], { env });
    expect(await called()).to.deep.equal(['systemctl stop kubelet', 'systemctl start kubelet', 'systemctl start kubelet']);
    const text = await fs.readFile(log, 'utf8');
    expect(text.trim().split('\n')).to.deep.equal(['stop rc=0', 'start rc=0', 'done']);
    expect(logProblems(text)).to.deep.equal([]);
  });

  it('a restart cut short (TERM while down) still starts the unit again', async () => {
    const log = path.join(dir, 'log');
    const child = execa('sh', ['-c', restartUnitScript('containerd', 2000, { log })], { env, reject: false });
    for (let i = 0; i < 60 && !(await fs.readFile(calls, 'utf8').catch(() => '')).includes('stop'); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await child;
    const c = await called();
    expect(c[0]).to.equal('systemctl stop containerd');
    expect(c.at(-1)).to.equal('systemctl start containerd');
  });

  it('a failed stop is in the log', async () => {
    const log = path.join(dir, 'log');
    await execa('sh', ['-c', restartUnitScript('kubelet', 50, { log })], { env: { ...env, FAIL_SYSTEMCTL: '5' } });
    expect(logProblems(await fs.readFile(log, 'utf8'))).to.deep.equal(['stop rc=5', 'start rc=5']);
  });

  it('an API server restart parks its manifest out of the static pod folder, stops its container, and puts the manifest back', async () => {
    const manifests = path.join(dir, 'etc', 'manifests');
    await fs.mkdir(manifests, { recursive: true });
    const manifest = path.join(manifests, 'kube-apiserver.yaml');
    await fs.writeFile(manifest, 'kind: Pod\n');
    const log = path.join(dir, 'log');
    await execa('sh', ['-c', restartApiServerScript(100, manifest, { crictl: shq(path.join(dir, 'crictl')), log })], { env });
    expect(await fs.readFile(manifest, 'utf8')).to.equal('kind: Pod\n');
    expect(await fs.readdir(path.join(dir, 'etc'))).to.deep.equal(['manifests']);
    expect(await called()).to.deep.equal(["crictl ps --name ^kube-apiserver$ -q", 'crictl stop --timeout 1 api1', "crictl ps --name ^kube-apiserver$ --state Running -q"]);
    expect((await fs.readFile(log, 'utf8')).trim().split('\n')).to.deep.equal(['park rc=0', 'stop rc=0', 'start rc=0', 'done']);
  });

  it('a node reboot stops the kubelet, stops and removes every sandbox, restarts containerd, then starts the kubelet', async () => {
    const log = path.join(dir, 'log');
    await execa('sh', ['-c', rebootScript({ crictl: shq(path.join(dir, 'crictl')), log })], { env });
    expect(await called()).to.deep.equal([
      'systemctl stop kubelet',
      'crictl pods -q',
      'crictl stopp sb1',
      'crictl stopp sb2',
      'crictl pods -q',
      'crictl rmp --force sb1',
      'crictl rmp --force sb2',
      'crictl pods -q',
      'systemctl stop containerd',
      'systemctl start containerd',
      'crictl version',
      'systemctl start kubelet',
      'systemctl start containerd',
      'systemctl start kubelet',
    ]);
    const text = await fs.readFile(log, 'utf8');
    expect(text).to.match(/sandboxes left=0/);
    expect(logProblems(text)).to.deep.equal([]);
  });
});

describe('PrivilegedPodNode on a node that lacks what a fault needs', () => {
  const agent = (probeOut: string, seen: string[][] = []) =>
    new PrivilegedPodNode(() => new KubeConfig(), { namespace: 'ns', pod: 'initc-node-agent' }, 'n1', {
      configz: async () => ({ containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock', staticPodPath: '/etc/kubernetes/manifests' }),
      exec: async (argv): Promise<ExecResult> => {
        seen.push(argv);
        return { exitCode: 0, stdout: argv.includes('-c') && argv.at(-1)!.includes('crictl=') ? probeOut : 'out\n', stderr: '' };
      },
    });

  it('runs crictl and kill in the host\'s namespaces, with the node\'s crictl and the kubelet\'s CRI endpoint', async () => {
    const seen: string[][] = [];
    const a = agent(PROBE_OK, seen);
    expect(await a.crictl(['pods', '-q'])).to.equal('out\n');
    await a.signalProcess(4242, 'SIGTERM');
    expect(seen.at(-2)).to.deep.equal([...NSENTER, '/usr/local/bin/crictl', '--runtime-endpoint', 'unix:///run/containerd/containerd.sock', '--timeout', '20s', 'pods', '-q']);
    expect(seen.at(-1)).to.deep.equal([...NSENTER, 'sh', '-c', 'kill -s TERM 4242']);
    await a.signalProcess(1, 'SIGKILL').then(() => expect.fail('signalled pid 1'), (err: Error) => expect(err.message).to.match(/refusing to signal pid 1/));
  });

  it('without crictl: the CRI faults report NodeCapabilityMissing, naming what was looked for', async () => {
    const err = await agent(PROBE_OK.replace('crictl=/usr/local/bin/crictl', 'crictl=')).crictl(['pods']).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodeCapabilityMissing);
    expect((err as Error).message).to.match(/^node n1 has no crictl \(looked on its PATH and in \/usr\/local\/bin\/crictl, .*\): the container-runtime faults need it$/);
  });

  it('without systemd: restarts and the reboot report NodeCapabilityMissing', async () => {
    const a = agent(PROBE_OK.replace('booted=yes', 'booted=no').replace('pid1=systemd', 'pid1=tini'));
    for (const attempt of [() => a.restartComponent('kubelet', 3000), () => a.restartComponent('kube-apiserver', 3000), () => a.rebootNode()]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(NodeCapabilityMissing);
      expect((err as Error).message).to.match(/node n1 does not run systemd \(PID 1 is "tini"\)/);
    }
  });

  it('without an active kubelet unit, or without a static API server: those restarts report NodeCapabilityMissing', async () => {
    const noUnit = await agent(PROBE_OK.replace('unit-kubelet=active', 'unit-kubelet=inactive')).restartComponent('kubelet', 3000).catch((e: unknown) => e);
    expect(noUnit).to.be.instanceOf(NodeCapabilityMissing);
    expect((noUnit as Error).message).to.match(/no active systemd unit kubelet \(systemctl is-active kubelet: inactive\)/);
    const noApi = await agent(PROBE_OK.replace('apiserver-manifest=yes', 'apiserver-manifest=no')).restartComponent('kube-apiserver', 3000).catch((e: unknown) => e);
    expect(noApi).to.be.instanceOf(NodeCapabilityMissing);
    expect((noApi as Error).message).to.match(/the API server is no static pod of node n1/);
  });

  it('the node faults use the detached restarts when the access offers them, and the step-by-step ones otherwise', async () => {
    const a = agent(PROBE_OK);
    expect(restartsDetached(a)).to.equal(true);
    expect(restartsDetached(new KindNode('x'))).to.equal(false);
    const calls: string[] = [];
    const fake = Object.assign(Object.create(a) as PrivilegedPodNode, {
      restartComponent: async (c: string, ms: number) => void calls.push(`restart ${c} ${ms}`),
      rebootNode: async () => void calls.push('reboot'),
      stopComponent: async () => expect.fail('stopComponent called'),
    });
    await restartComponent('containerd', 3000).inject(fake);
    await rebootNode().inject(fake);
    expect(calls).to.deep.equal(['restart containerd 3000', 'reboot']);
    await a.stopComponent('kubelet').then(() => expect.fail('stopped alone'), (err: Error) => expect(err.message).to.match(/only within one detached restart/));
  });
});

describe('nodeAccessFor (the run\'s node access, from the environment)', () => {
  const kubeConfig = () => new KubeConfig();

  it('a kubeconfig cluster without the agent: no access, and the reason names the flag', () => {
    const r = nodeAccessFor('kubeconfig', 'ctx', { env: {}, kubeConfig });
    expect(r.access).to.equal(undefined);
    expect(r.why).to.match(/the kubeconfig provider offers no access to the node .*`initc run --node-access privileged-pod` allows initc a privileged pod on the node/);
  });

  it('with the agent the run made: a PrivilegedPodNode on its node, one per agent in a process', () => {
    const env = { [NODE_AGENT_ENV]: 'initc-node-agent-x1/initc-node-agent', [PINNED_NODE_ENV]: 'n1' };
    const r = nodeAccessFor('kubeconfig', 'ctx', { env, kubeConfig });
    expect(r.access).to.be.instanceOf(PrivilegedPodNode);
    expect(r.access!.nodeName).to.equal('n1');
    expect((r.access as PrivilegedPodNode).ref).to.deep.equal({ namespace: 'initc-node-agent-x1', pod: 'initc-node-agent' });
    expect(nodeAccessFor('kubeconfig', 'ctx', { env, kubeConfig }).access).to.equal(r.access);
  });

  it('when the agent could not start: no access, saying why', () => {
    const r = nodeAccessFor('kubeconfig', 'ctx', { env: { [NODE_ACCESS_PROBLEM_ENV]: 'the cluster refused the privileged agent pod: forbidden' }, kubeConfig });
    expect(r.why).to.equal('node access through a privileged pod failed: the cluster refused the privileged agent pod: forbidden');
  });
});

describe('initc run --node-access (flag checks, before anything starts)', function () {
  this.timeout(30_000);

  it('refuses --node-access privileged-pod with a provider that reaches its node itself, an unknown value, and --node-agent-image alone (exit 2)', async () => {
    const local = await initc(['run', '--node-access', 'privileged-pod', '--suite', 'chaos-kill']);
    expect(local.exitCode, String(local.stderr)).to.equal(2);
    expect(String(local.stderr)).to.match(/--node-access privileged-pod is for a cluster given by kubeconfig; the local provider reaches its node itself/);
    const bogus = await initc(['run', '--node-access', 'ssh', '--kubeconfig', '/nonexistent']);
    expect(bogus.exitCode, String(bogus.stderr)).to.equal(2);
    const alone = await initc(['run', '--node-agent-image', 'busybox', '--kubeconfig', '/nonexistent']);
    expect(alone.exitCode, String(alone.stderr)).to.equal(2);
    expect(String(alone.stderr)).to.match(/--node-agent-image goes with --node-access privileged-pod/);
  });
});
