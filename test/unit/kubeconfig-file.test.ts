import { expect } from 'chai';
import { checkMergeable, mergeKubeconfig, parseKubeconfigDoc, removeFromKubeconfig } from '../../lib/cluster/kubeconfig-file.js';
import { InitcError } from '../../lib/errors.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

  describe('a file that is not a kubeconfig initc can merge into', () => {
    const refusal = (text: string): InitcError => {
      try {
        parseKubeconfigDoc(text, '/home/u/.kube/config');
      } catch (err) {
        return err as InitcError;
      }
      throw new Error(`accepted: ${text}`);
    };

    it('is refused with one line naming the file and the way out, exit code 7', () => {
      for (const [text, says] of [
        ['just a string', 'it holds a string, not a mapping'],
        ['- a\n- b\n', 'it holds a list, not a mapping'],
        ['42', 'it holds a number, not a mapping'],
        ['clusters: 5\n', 'its clusters are not a list of entries with a name'],
        ['users:\n- user: {}\n', 'its users are not a list of entries with a name'],
        ['contexts:\n- 3\n', 'its contexts are not a list of entries with a name'],
        ['a: [\n', 'is not YAML ('],
      ] as const) {
        const err = refusal(text);
        expect(err, text).to.be.instanceOf(InitcError);
        expect(err.exitCode, text).to.equal(7);
        expect(err.message, text).to.include('/home/u/.kube/config').and.include(says).and.include('--no-merge-kubeconfig');
        expect(err.message, text).not.to.include('\n');
      }
    });

    it('an empty file and a real kubeconfig are accepted as they are', () => {
      expect(parseKubeconfigDoc('', 'f')).to.deep.equal({});
      expect(parseKubeconfigDoc('# only a comment\n', 'f')).to.deep.equal({});
      const doc = parseKubeconfigDoc('apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: "https://x"}\nusers: []\ncontexts: null\n', 'f');
      expect(doc.clusters).to.deep.equal([{ name: 'c', cluster: { server: 'https://x' } }]);
    });

    it('is refused before a cluster starts; a missing file is no problem', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kubeconfig-'));
      try {
        await checkMergeable(path.join(dir, 'absent'));
        await fs.writeFile(path.join(dir, 'config'), 'not: [valid');
        const err = await checkMergeable(path.join(dir, 'config')).then(() => undefined, (e: unknown) => e as InitcError);
        expect(err?.exitCode).to.equal(7);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  });
});
