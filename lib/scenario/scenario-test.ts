/** scenarioTest: a Mocha test around a ScenarioKit (its labels, the planned skip, the verdict). */
import { label } from 'allure-js-commons';
import { attachEvidence } from '../evidence/attach.js';
import { ENV } from '../session.js';
import { ScenarioKit } from './kit.js';
import { evidenceHint, scenarioOutcome, unprovenFaults } from './verdict.js';

/**
 * A Mocha test around a ScenarioKit. The test's labels carry the suite, the server's version and
 * the provider; its failure message ends with where the evidence is.
 */
export interface ScenarioOptions {
  timeoutMs?: number;
  scenario?: string;
  /**
   * The time the scenario cannot beat: back-off the kubelet must sit through, or delays the
   * fixture makes on purpose. scripts/bench-suites compares the time to verdict with it.
   */
  floorMs?: number;
}

export function scenarioTest(title: string, body: (kit: ScenarioKit) => Promise<void>, opts: ScenarioOptions = {}): Mocha.Test {
  return it(title, async function () {
    const started = Date.now();
    if (opts.timeoutMs) this.timeout(opts.timeoutMs);
    const suiteTitle = this.test?.parent?.title ?? 'initc';
    const kit = new ScenarioKit(opts.scenario ?? suiteTitle.split(':')[0]!.trim(), this);
    const plannedSkip = kit.plannedSkip();
    // Decided before the run started (a namespace-scoped run's identity or namespaces lack what the suite needs): nothing is made.
    if (plannedSkip !== undefined) {
      await attachEvidence([{ name: 'skipped', contentType: 'text/plain', content: plannedSkip }]);
      if (this.test) this.test.title += ` (skipped: ${plannedSkip})`;
      this.skip();
    }
    const info = await kit.server();
    await label('k8sVersion', info.gitVersion);
    await label('provider', process.env[ENV.provider] || 'kubeconfig');
    await label('feature', suiteTitle);
    let failure: unknown;
    try {
      await body(kit);
      await label('initc.verdictMs', String(Date.now() - started));
      await label('initc.floorMs', String(opts.floorMs ?? 0));
      await label('initc.clusterMs', String((kit.lastMetAt ?? Date.now()) - started));
    } catch (err) {
      failure = err;
    }
    if (kit.skipped) {
      await kit.finish(false);
      throw failure;
    }
    // The cross-check runs whatever the outcome: a failed test's message says when it also disagreed.
    let disagreement: Error | undefined;
    try {
      kit.checkStatusAgreement();
    } catch (err) {
      disagreement = err as Error;
    }
    const problems = await kit.finish((failure ?? disagreement) !== undefined || unprovenFaults(kit.injections).length > 0);
    const outcome = scenarioOutcome({ failure, disagreement, problems, injections: kit.injections, evidenceHint: evidenceHint(kit.runs.map((r) => r.name)) });
    if (outcome !== undefined) throw outcome;
  });
}


