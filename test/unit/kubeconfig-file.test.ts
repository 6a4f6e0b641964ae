import { expect } from 'chai';
import { mergeKubeconfig, removeFromKubeconfig } from '../../lib/cluster/kubeconfig-file.js';
import type { KubeconfigDoc } from '../../lib/cluster/kubeconfig-file.js';

const users: KubeconfigDoc = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'prod', cluster: { server: 'https://prod' } }],
  users: [{ name: 'me', user: { token: 't' } }],
  contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'me' } }],
  'current-context': 'prod',
};
const ours: KubeconfigDoc = {
  clusters: [{ name: 'initc', cluster: { server: 'https://10.253.0.1:6443' } }],
  users: [{ name: 'initc-admin', user: {} }],
  contexts: [{ name: 'initc', context: { cluster: 'initc', user: 'initc-admin' } }],
  'current-context': 'initc',
};

describe('kubeconfig merging', () => {
  it('adds our context beside the user\'s and makes it current', () => {
    const merged = mergeKubeconfig(users, ours);
    expect(merged.contexts!.map((c) => c.name)).to.deep.equal(['prod', 'initc']);
    expect(merged['current-context']).to.equal('initc');
  });

  it('replaces a stale entry of the same name instead of duplicating it', () => {
    const twice = mergeKubeconfig(mergeKubeconfig(users, ours), ours);
    expect(twice.clusters!.filter((c) => c.name === 'initc')).to.have.length(1);
  });

  it('removes exactly what it added and restores the previous context', () => {
    const back = removeFromKubeconfig(mergeKubeconfig(users, ours), 'initc', 'prod');
    expect(back.clusters).to.deep.equal(users.clusters);
    expect(back.users).to.deep.equal(users.users);
    expect(back.contexts).to.deep.equal(users.contexts);
    expect(back['current-context']).to.equal('prod');
  });

  it('leaves no current context when the previous one is gone', () => {
    const back = removeFromKubeconfig(mergeKubeconfig({}, ours), 'initc', undefined);
    expect(back).not.to.have.property('current-context');
  });
});
