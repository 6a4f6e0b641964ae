import { expect } from 'chai';
import yaml from 'js-yaml';
import * as cfg from '../../lib/cluster/local/configs.js';
import * as cmd from '../../lib/cluster/local/commands.js';
import { clusterLayout, listenEndpoints } from '../../lib/cluster/local/layout.js';
import { guardRules, hostGuardRules, inNetns } from '../../lib/cluster/local/network.js';
import { parseKubeVersion } from '../../lib/cluster/local/versions.js';

const l = clusterLayout({ dataRoot: '/d', runRoot: '/r' });
const load = (s: string) => yaml.load(s) as Record<string, any>;

describe('embedded cluster configuration', () => {
  it('binds every server to loopback or the node address only', () => {
    for (const e of listenEndpoints(l)) expect(['127.0.0.1', l.network.nodeIP], `${e.owner}`).to.include(e.host);
    const api = cmd.apiserverCommand(l).args;
    expect(api).to.include(`--bind-address=${l.network.nodeIP}`);
    expect(api).to.include('--anonymous-auth=false');
    expect(api).to.include('--authorization-mode=Node,RBAC');
    expect(api.some((a) => a.startsWith('--insecure'))).to.equal(false);
    for (const c of [cmd.controllerManagerCommand(l), cmd.schedulerCommand(l)]) expect(c.args).to.include('--bind-address=127.0.0.1');
    expect(cmd.etcdCommand(l).args).to.include('--client-cert-auth=true');
    expect(cmd.etcdCommand(l).args.find((a) => a.startsWith('--listen-client-urls'))).to.equal('--listen-client-urls=https://127.0.0.1:2379');
  });

  it('configures the kubelet for cgroup v1, this cluster\'s containerd and DNS, and no image GC', () => {
    const k = load(cfg.kubeletConfigYaml(l, parseKubeVersion('1.34.12'), '/d/resolv.conf'));
    expect(k.cgroupDriver).to.equal('cgroupfs');
    expect(k.failCgroupV1).to.equal(false);
    expect(k.containerRuntimeEndpoint).to.equal(`unix://${l.containerdSocket}`);
    expect(k.clusterDNS).to.deep.equal([l.network.dnsServiceIP]);
    expect(k.imageGCHighThresholdPercent).to.equal(100);
    expect(k.authentication.anonymous.enabled).to.equal(false);
    expect(k.protectKernelDefaults).to.equal(false);
    expect(k.cgroupRoot).to.equal(l.cgroupRoot);
  });

  it('gives every component the gates asked for, and the kubelet its fields over initc\'s own', () => {
    const gates = { ContainerRestartRules: true, EnvFiles: false };
    for (const c of [cmd.apiserverCommand(l, gates), cmd.controllerManagerCommand(l, gates), cmd.schedulerCommand(l, gates)]) {
      expect(c.args.filter((a) => a.startsWith('--feature-gates')), c.name).to.deep.equal(['--feature-gates=ContainerRestartRules=true,EnvFiles=false']);
    }
    for (const c of [cmd.apiserverCommand(l), cmd.controllerManagerCommand(l), cmd.schedulerCommand(l)]) expect(c.args.some((a) => a.startsWith('--feature-gates')), c.name).to.equal(false);
    const settings = { featureGates: gates, kubelet: { crashLoopBackOff: { maxContainerRestartPeriod: '5s' }, authentication: { x509: {} } } };
    const k = load(cfg.kubeletConfigYaml(l, parseKubeVersion('1.34.12'), '/d/resolv.conf', settings));
    expect(k.featureGates).to.deep.equal(gates);
    expect(k.crashLoopBackOff).to.deep.equal({ maxContainerRestartPeriod: '5s' });
    expect(k.authentication.x509.clientCAFile, 'objects merge, initc\'s fields stay').to.equal(`${l.pkiDir}/ca.crt`);
    expect(load(cfg.kubeletConfigYaml(l, parseKubeVersion('1.34.12'), '/d/resolv.conf')).featureGates).to.equal(undefined);
    expect(load(cfg.kubeProxyConfigYaml(l, settings)).featureGates).to.deep.equal(gates);
    expect(load(cfg.kubeProxyConfigYaml(l)).featureGates).to.equal(undefined);
  });

  it('gives containerd the imported pause image and the oom_score_adj restriction', () => {
    const toml = cfg.containerdConfigToml(l, '/usr/sbin/runc');
    expect(toml).to.match(/^version = 3$/m);
    expect(toml).to.include(`sandbox = '${cfg.PAUSE_IMAGE}'`);
    expect(toml).to.include('restrict_oom_score_adj = true');
    expect(toml).to.include('netns_mounts_under_state_dir = true');
    expect(toml).to.include(`address = '${l.containerdSocket}'`);
  });

  it('uses ptp without masquerade for pods', () => {
    const c = JSON.parse(cfg.cniConfig(l));
    expect(c.plugins[0].type).to.equal('ptp');
    expect(c.plugins[0].ipMasq).to.equal(false);
    expect(c.plugins[0].ipam.ranges[0][0].subnet).to.equal('10.244.0.0/24');
    expect(c.plugins[0].ipam.dataDir).to.equal(l.cniIpamDir);
  });

  it('serves cluster.local from the API and NXDOMAIN for every other name', () => {
    const f = cfg.corefile(l);
    expect(f).to.include(`cluster.local:53 244.10.in-addr.arpa 96.10.in-addr.arpa {`);
    expect(f).to.include('rcode NXDOMAIN');
    expect(f).not.to.include('forward');
    expect(f.match(/bind 10\.253\.0\.1/g)).to.have.length(2);
    expect(cfg.reverseZone('10.96.0.0/16')).to.equal('96.10.in-addr.arpa');
  });

  it('writes kubeconfigs that point at the node address with client certificates', () => {
    const k = load(cfg.componentKubeconfig(l, 'scheduler'));
    expect(k.clusters[0].cluster.server).to.equal('https://10.253.0.1:6443');
    expect(k.users[0].user['client-certificate']).to.equal('/d/initc/pki/scheduler.crt');
    const admin = load(cfg.adminKubeconfig(l, 'CA', 'CERT', 'KEY'));
    expect(Buffer.from(admin.users[0].user['client-key-data'], 'base64').toString()).to.equal('KEY');
    expect(admin['current-context']).to.equal('initc');
  });

  it('keeps pod traffic between pods and drops the rest inside the namespace; the host forwards nothing into or out of it', () => {
    const rules = guardRules(l).map((r) => r.join(' '));
    expect(rules[0]).to.match(/^-s 10\.244\.0\.0\/16 -d 10\.244\.0\.0\/16 .* -j ACCEPT$/);
    expect(rules.slice(1).every((r) => r.endsWith('-j DROP'))).to.equal(true);
    expect(rules).to.have.length(4);
    expect(rules.at(-1)).not.to.include('-s');
    expect(hostGuardRules(l).map((r) => r.join(' '))).to.deep.equal([
      '-i initc0 -m comment --comment initc cluster initc -j DROP',
      '-o initc0 -m comment --comment initc cluster initc -j DROP',
    ]);
    expect(inNetns(l, ['ip', 'a'])).to.deep.equal(['nsenter', '--net=/run/netns/initc', '--', 'ip', 'a']);
  });
});
