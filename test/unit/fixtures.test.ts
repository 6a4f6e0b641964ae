import { expect } from 'chai';
import { parseLedger } from '../../fixtures/pod.js';
import { smokePod } from '../../fixtures/smoke.js';
import { FIXTURE_COMMANDS, FIXTURE_IMAGE_ENV, LOCAL_FIXTURE_IMAGE, PUBLIC_FIXTURE_IMAGE, fixtureCheckScript, parseFixtureCheck } from '../../lib/fixture-image.js';

describe('fixture pods', () => {
  it('builds the smoke pod from the local fixture image, never pulling', () => {
    const p = smokePod().build('ns1', { 'initc.dev/run': 'r1' });
    const all = [...p.spec!.initContainers!, ...p.spec!.containers];
    expect(all.map((c) => c.name)).to.deep.equal(['init-a', 'init-b', 'app']);
    for (const c of all) {
      expect(c.image).to.equal(LOCAL_FIXTURE_IMAGE);
      expect(c.imagePullPolicy).to.equal('IfNotPresent');
    }
    expect(LOCAL_FIXTURE_IMAGE).not.to.match(/:latest$/);
    expect(PUBLIC_FIXTURE_IMAGE).not.to.match(/:latest$/);
    expect(p.metadata!.labels!['initc.dev/run']).to.equal('r1');
  });

  it('builds fixture containers from the image the run chose (INITC_FIXTURE_IMAGE)', () => {
    const before = process.env[FIXTURE_IMAGE_ENV];
    process.env[FIXTURE_IMAGE_ENV] = 'example.org/mirror/busybox:1.37';
    try {
      const p = smokePod().build('ns1', {});
      expect([...p.spec!.initContainers!, ...p.spec!.containers].map((c) => c.image)).to.deep.equal(Array(3).fill('example.org/mirror/busybox:1.37'));
    } finally {
      if (before === undefined) delete process.env[FIXTURE_IMAGE_ENV];
      else process.env[FIXTURE_IMAGE_ENV] = before;
    }
  });

  it('checks every command the fixtures run, and reads the check back', () => {
    const script = fixtureCheckScript();
    for (const c of FIXTURE_COMMANDS) expect(script).to.include(` ${c}`);
    expect(parseFixtureCheck('noise\ninitc-fixture-check missing:\n')).to.deep.equal([]);
    expect(parseFixtureCheck('initc-fixture-check missing: httpd nslookup\n')).to.deep.equal(['httpd', 'nslookup']);
    expect(parseFixtureCheck('sh: not found\n')).to.equal(undefined);
  });

  it('parses ledger lines and ignores anything else', () => {
    const entries = parseLedger('2026-01-01T00:00:00Z 12.34 init-a ran\nnoise\n2026-01-01T00:00:01Z 12.50 init-b ran\n');
    expect(entries.map((e) => [e.container, e.uptime])).to.deep.equal([['init-a', 12.34], ['init-b', 12.5]]);
  });
});
