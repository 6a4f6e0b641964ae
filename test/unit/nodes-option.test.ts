/** `--nodes N`: its values, and which provider it goes to (lib/cli/validate.ts, lib/cli/providers.ts). Nothing is started. */
import { expect } from 'chai';
import { ExitCode, InitcError } from '../../lib/errors.js';
import { makeProvider, nodeCount } from '../../lib/cli/providers.js';
import { KindProvider } from '../../lib/cluster/kind/kind.js';

const usage = (f: () => unknown, message: string) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'a usage error').to.be.instanceOf(InitcError);
  expect((err as InitcError).exitCode).to.equal(ExitCode.usage);
  expect((err as InitcError).message).to.equal(message);
};

describe('--nodes', () => {
  it('takes a whole number from 1 to 4, or nothing', () => {
    expect([1, 2, 3, 4].map((nodes) => nodeCount({ nodes }))).to.deep.equal([1, 2, 3, 4]);
    expect(nodeCount({})).to.equal(undefined);
    for (const bad of [0, 5, 1.5, -1, NaN]) usage(() => nodeCount({ nodes: bad }), `--nodes must be a whole number from 1 to 4, not ${String(bad)}`);
    usage(() => nodeCount({ nodes: '2' as unknown as number }), '--nodes must be a whole number from 1 to 4, not 2');
  });

  it('goes to the kind provider, which makes one node when not given', () => {
    const p = makeProvider({ provider: 'kind', 'k8s-version': '1.34', nodes: 3 });
    expect(p).to.be.instanceOf(KindProvider);
    expect((p as KindProvider).nodes).to.equal(3);
    expect((makeProvider({ 'kind-cluster': 'kn', 'k8s-version': '1.34' }) as KindProvider).nodes).to.equal(1);
  });

  it('is refused for an existing cluster, and goes to the embedded cluster as well', () => {
    usage(() => makeProvider({ kubeconfig: '/nonexistent', 'k8s-version': '1.34', nodes: 1 }), '--nodes sets up a cluster initc starts; an existing cluster (--kubeconfig, --context) has the nodes it has');
    expect(makeProvider({ provider: 'local', 'k8s-version': '1.34', nodes: 2 }).name).to.equal('local');
    expect(makeProvider({ provider: 'local', 'k8s-version': '1.34', nodes: 1 }).name).to.equal('local');
  });
});
