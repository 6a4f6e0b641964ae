import { expect } from 'chai';
import { runSmoke } from '../fixtures/smoke.js';
import { session } from '../lib/session.js';

describe('smoke: a pod with two init containers', function () {
  this.timeout(180_000);

  it('runs the init containers one after the other, in spec order, then the app', async () => {
    const { kc, runId } = session();
    const result = await runSmoke(kc, runId);
    expect(result.pod.status?.phase, 'pod phase').to.equal('Running');
    expect(result.ledger.map((e) => e.container), `ledger printed by the app:\n${result.appLog}`).to.deep.equal(['init-a', 'init-b', 'app']);
    expect(result.ledger[0]!.uptime, 'init-a wrote before init-b (node uptime)').to.be.at.most(result.ledger[1]!.uptime);
  });
});
