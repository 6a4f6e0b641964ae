import { expect } from 'chai';
import { PRINTOUT_END, pod, printsLedger, resultLine, writesResult } from '../fixtures/pod.js';
import { checkIdempotent, idempotencyVerdict } from '../lib/checks/behaviours.js';
import { backoffFloorMs } from '../lib/checks/backoff.js';
import { phase } from '../lib/observe/wait.js';
import type { PodRun } from '../lib/scenario/pod-run.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const FAILURES = 2;

async function resultsPrinted(run: PodRun): Promise<string[]> {
  await run.untilLog('app', new RegExp(`^${PRINTOUT_END}$`));
  return (await run.log('app')).split('\n').filter((l) => l.startsWith('result of '));
}

describe('idempotency: init code that re-runs', function () {
  this.timeout(150_000);

  scenarioTest(`a flaky init container re-run ${FAILURES} times leaves one result; the non-idempotent control is caught`, async (kit) => {
    const [good, bad] = await Promise.all([
      kit.start(pod('idempotent').init(writesResult('init-writer', FAILURES, true)).app(printsLedger('app'))),
      kit.start(pod('not-idempotent').init(writesResult('init-writer', FAILURES, false)).app(printsLedger('app'))),
    ]);
    await Promise.all([good.until(phase('Running', 120_000)), bad.until(phase('Running', 120_000))]);
    const [goodResults, badResults] = await Promise.all([resultsPrinted(good), resultsPrinted(bad)]);
    const reran = good.container('init-writer')?.restartCount ?? 0;
    await kit.saveRecord('results', { goodResults, badResults, reran });
    checkIdempotent(goodResults, reran, resultLine('init-writer', 1));
    expect(idempotencyVerdict(badResults), `negative control: the appending writer left ${badResults.length} results (${badResults.join(' | ') || 'none'}) after ${FAILURES} re-runs`).to.equal('not idempotent');
    expect(badResults, 'one result per attempt of the appending writer').to.deep.equal(Array.from({ length: FAILURES + 1 }, (_, i) => resultLine('init-writer', i + 1)));
  }, { floorMs: backoffFloorMs(FAILURES) });
});
