import { expect } from 'chai';
import { parseLedger } from '../../fixtures/pod.js';
import { smokePod } from '../../fixtures/smoke.js';
import { FIXTURE_IMAGE } from '../../lib/fixture-image.js';

describe('fixture pods', () => {
  it('builds the smoke pod from the local fixture image, never pulling', () => {
    const p = smokePod().build('ns1', { 'initc.dev/run': 'r1' });
    const all = [...p.spec!.initContainers!, ...p.spec!.containers];
    expect(all.map((c) => c.name)).to.deep.equal(['init-a', 'init-b', 'app']);
    for (const c of all) {
      expect(c.image).to.equal(FIXTURE_IMAGE);
      expect(c.imagePullPolicy).to.equal('IfNotPresent');
    }
    expect(FIXTURE_IMAGE).not.to.match(/:latest$/);
    expect(p.metadata!.labels!['initc.dev/run']).to.equal('r1');
  });

  it('parses ledger lines and ignores anything else', () => {
    const entries = parseLedger('2026-01-01T00:00:00Z 12.34 init-a ran\nnoise\n2026-01-01T00:00:01Z 12.50 init-b ran\n');
    expect(entries.map((e) => [e.container, e.uptime])).to.deep.equal([['init-a', 12.34], ['init-b', 12.5]]);
  });
});
