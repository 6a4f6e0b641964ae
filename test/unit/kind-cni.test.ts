/**
 * initc's stand-in for kindnetd (lib/cluster/kind/cni.ts): the manifest kind applies, and its node
 * script run for real by bash against stand-ins of kubectl (printing node lines as a watch does)
 * and ip (answering `route show` from a table and logging what it is asked), in a temporary folder.
 * Nothing here touches a cluster, a route or the host's CNI folder.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { execa } from 'execa';
import { CNI_CONF_FILE, CNI_LAUNCHER, KUBELET_KUBECONFIG, NODE_LINE_JSONPATH, cniNodeScript, defaultCniManifest, ptpConflist } from '../../lib/cluster/kind/cni.js';

type Doc = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

describe('kind: the stand-in CNI (cni.ts)', () => {
  describe('the manifest', () => {
    const m = defaultCniManifest('localhost/initc/fixture:v1');
    const docs = yaml.loadAll(m) as Doc[];
    const ds = docs.find((d) => d.kind === 'DaemonSet') as unknown as {
      spec: { template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } };
    };
    const pod = ds.spec.template.spec;
    const container = pod.containers[0]!;

    it('starts with kind\'s template marker and has no template action for kind to fill in', () => {
      expect(m.split('\n')[1]).to.equal('# would you kindly template this file');
      expect(m).to.not.include('{{');
    });

    it('is a service account allowed to read nodes, and a DaemonSet of it', () => {
      expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).to.deep.equal([
        'ServiceAccount initc-cni',
        'ClusterRole initc:initc-cni',
        'ClusterRoleBinding initc:initc-cni',
        'DaemonSet initc-cni',
      ]);
      expect(docs[1]!.rules).to.deep.equal([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
      expect(docs[2]!.roleRef).to.deep.equal({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'initc:initc-cni' });
      expect(docs[2]!.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'initc-cni', namespace: 'kube-system' }]);
      expect(pod.serviceAccountName).to.equal('initc-cni');
    });

    it('runs the fixture image without pulling, privileged in the node\'s network and pid namespaces, on every node', () => {
      expect(container.image).to.equal('localhost/initc/fixture:v1');
      expect(container.imagePullPolicy).to.equal('Never');
      expect(container.securityContext).to.deep.equal({ privileged: true });
      expect(pod.hostNetwork).to.equal(true);
      expect(pod.hostPID).to.equal(true);
      expect(pod.tolerations).to.deep.equal([{ operator: 'Exists' }]);
      expect(pod.priorityClassName).to.equal('system-node-critical');
      expect(container.env).to.deep.equal([{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    });

    it('runs the node script through the launcher, unchanged by YAML', () => {
      expect(container.command).to.deep.equal(['sh', '-c', CNI_LAUNCHER, cniNodeScript()]);
      expect(CNI_LAUNCHER).to.equal('trap \'kill $! 2>/dev/null; exit 0\' TERM INT; nsenter -t 1 -m -- bash -c "$0" & wait $!');
    });
  });

  it('the conflist: ptp with host-local addresses of the given range, and portmap', () => {
    expect(JSON.parse(ptpConflist('10.244.1.0/24'))).to.deep.equal({
      cniVersion: '1.0.0',
      name: 'initc-ptp',
      plugins: [
        { type: 'ptp', ipMasq: false, mtu: 1500, ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    });
  });

  it('the node script\'s defaults are the node\'s paths and the service account through the launcher\'s root', () => {
    const s = cniNodeScript();
    expect(s).to.include(`conf='/etc/cni/net.d/${CNI_CONF_FILE}'\n`);
    expect(s).to.include('sa="/proc/$PPID/root/var/run/secrets/kubernetes.io/serviceaccount"\n');
    expect(s).to.include(`sed -n 's/^ *server: *//p' '${KUBELET_KUBECONFIG}'`);
    expect(s).to.include("kc='/run/initc-cni/kubeconfig'\n");
    expect(s).to.include(`get nodes --watch -o 'jsonpath=${NODE_LINE_JSONPATH}'`);
    expect(NODE_LINE_JSONPATH).to.equal('{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}');
  });

  describe('the node script, run against stand-ins', function () {
    this.timeout(20_000);
    let dir: string;

    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-cni-'));
      await fs.mkdir(path.join(dir, 'bin'));
      await fs.writeFile(path.join(dir, 'kubelet.conf'), 'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: AAAA\n    server: https://kn-control-plane:6443\n  name: kn\n');
      // kubectl: logs its arguments, prints the watch's lines; ip: answers `route show exact` from routes.txt, logs every call.
      await stub('kubectl', 'echo "$*" >> "$STUB/kubectl.log"; cat "$STUB/nodes.txt"');
      await stub('ip', 'echo "$*" >> "$STUB/ip.log"; if [ "$2" = show ]; then grep -F "$4 " "$STUB/routes.txt" || true; fi');
      // The loop's pause ends the script (its trap exits 0), so each run is one pass of the watch.
      await stub('sleep', 'kill -TERM $PPID');
      await fs.writeFile(path.join(dir, 'routes.txt'), '');
    });
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));

    const stub = (name: string, body: string) => fs.writeFile(path.join(dir, 'bin', name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    const read = (f: string) => fs.readFile(path.join(dir, f), 'utf8').catch(() => '');
    const run = async (nodes: string, env: Record<string, string | undefined> = { NODE_NAME: 'kn-worker' }) => {
      await fs.writeFile(path.join(dir, 'nodes.txt'), nodes);
      const script = cniNodeScript({ confDir: path.join(dir, 'net.d'), kubeletKubeconfig: path.join(dir, 'kubelet.conf'), serviceAccountDir: path.join(dir, 'sa'), stateDir: path.join(dir, 'state') });
      return execa('bash', ['-c', script], { env: { ...env, STUB: dir, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` }, extendEnv: false, reject: false, timeout: 15_000, stdin: 'ignore' });
    };
    const conflist = () => read(`net.d/${CNI_CONF_FILE}`);

    it('writes its own node\'s conflist and routes every other node\'s range via its address; skips nodes it cannot place yet', async () => {
      const r = await run(
        [
          'kn-control-plane 10.244.0.0/24 172.19.0.2',
          'kn-worker2  172.19.0.4', // no podCIDR yet
          'kn-worker 10.244.1.0/24 172.19.0.3',
          'kn-worker3 10.244.3.0/24', // no address yet
          'kn-worker4 10.244.4.0/24 172.19.0.5 fc00::5', // dual-stack: the first address
          '',
        ].join('\n'),
      );
      expect(r.exitCode, r.stderr).to.equal(0);
      expect(await conflist()).to.equal(`${ptpConflist('10.244.1.0/24')}\n`);
      expect((await read('ip.log')).split('\n').filter(Boolean)).to.deep.equal([
        'route show exact 10.244.0.0/24',
        'route replace 10.244.0.0/24 via 172.19.0.2',
        'route show exact 10.244.4.0/24',
        'route replace 10.244.4.0/24 via 172.19.0.5',
      ]);
      expect(r.stdout.split('\n')).to.deep.equal([
        'route to kn-control-plane\'s pods 10.244.0.0/24 via 172.19.0.2',
        `wrote ${dir}/net.d/${CNI_CONF_FILE} for kn-worker's pods 10.244.1.0/24`,
        'route to kn-worker4\'s pods 10.244.4.0/24 via 172.19.0.5',
      ]);
    });

    it('leaves a route that is in place, replaces one via another address (not a mere prefix of it)', async () => {
      await fs.writeFile(path.join(dir, 'routes.txt'), '10.244.0.0/24 via 172.19.0.2 dev eth0 \n10.244.2.0/24 via 172.19.0.30 dev eth0 \n');
      const r = await run('kn-control-plane 10.244.0.0/24 172.19.0.2\nkn-worker2 10.244.2.0/24 172.19.0.3\n');
      expect(r.exitCode, r.stderr).to.equal(0);
      expect((await read('ip.log')).split('\n').filter((l) => l.includes('replace'))).to.deep.equal(['route replace 10.244.2.0/24 via 172.19.0.3']);
      expect(r.stdout).to.equal('route to kn-worker2\'s pods 10.244.2.0/24 via 172.19.0.3');
    });

    it('rewrites its conflist only when its range changed', async () => {
      const first = await run('kn-worker 10.244.1.0/24 172.19.0.3\nkn-worker 10.244.1.0/24 172.19.0.3\n');
      expect(first.stdout.split('\n')).to.have.length(1);
      const again = await run('kn-worker 10.244.1.0/24 172.19.0.3\n');
      expect(again.stdout).to.equal('');
      const changed = await run('kn-worker 10.244.7.0/24 172.19.0.3\n');
      expect(changed.stdout).to.equal(`wrote ${dir}/net.d/${CNI_CONF_FILE} for kn-worker's pods 10.244.7.0/24`);
      expect(await conflist()).to.equal(`${ptpConflist('10.244.7.0/24')}\n`);
      expect(await fs.readdir(path.join(dir, 'net.d'))).to.deep.equal([CNI_CONF_FILE]);
    });

    it('watches the nodes with a kubeconfig of the service account and the API server of the kubelet\'s kubeconfig', async () => {
      await run('');
      expect(await read('kubectl.log')).to.equal(`--kubeconfig=${dir}/state/kubeconfig get nodes --watch -o jsonpath=${NODE_LINE_JSONPATH}\n`);
      const kc = yaml.load(await read('state/kubeconfig')) as Record<string, unknown>;
      expect(kc).to.deep.equal({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'cluster', cluster: { server: 'https://kn-control-plane:6443', 'certificate-authority': `${dir}/sa/ca.crt` } }],
        users: [{ name: 'initc-cni', user: { tokenFile: `${dir}/sa/token` } }],
        contexts: [{ name: 'initc-cni', context: { cluster: 'cluster', user: 'initc-cni' } }],
        'current-context': 'initc-cni',
      });
    });

    it('fails at once, saying why, without its node\'s name or the API server\'s address', async () => {
      const noName = await run('kn-worker 10.244.1.0/24 172.19.0.3\n', {});
      expect(noName.exitCode).to.not.equal(0);
      expect(noName.stderr).to.include('NODE_NAME (spec.nodeName) is missing');
      await fs.writeFile(path.join(dir, 'kubelet.conf'), 'apiVersion: v1\n');
      const noServer = await run('kn-worker 10.244.1.0/24 172.19.0.3\n');
      expect(noServer.exitCode).to.equal(1);
      expect(noServer.stderr).to.equal(`no API server address in ${dir}/kubelet.conf`);
      expect(await conflist()).to.equal('');
      expect(await read('kubectl.log')).to.equal('');
    });

    it('the launcher runs the script as a child of the shell that stays in the container (its $PPID), passing the environment', async () => {
      // nsenter stand-in: drops `-t 1 -m --` and runs the rest in place, as nsenter does after entering the namespace.
      await stub('nsenter', '[ "$1 $2 $3 $4" = "-t 1 -m --" ] || exit 9; shift 4; exec "$@"');
      const child = execa('sh', ['-c', CNI_LAUNCHER, 'echo "$PPID $NODE_NAME"'], { env: { NODE_NAME: 'kn-worker', PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` }, reject: false, stdin: 'ignore' });
      const r = await child;
      expect(r.exitCode, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`${child.pid} kn-worker`);
    });
  });
});
