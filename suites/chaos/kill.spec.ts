import { PRINTOUT_END, flakySlow, holdsFirstAttempt, pod, printsLedger, succeeds } from '../../fixtures/pod.js';
import type { RestartPolicy } from '../../fixtures/pod.js';
import { killContainer, runtimeExitOfKill } from '../../lib/chaos/kill-container.js';
import { checkConvergedUnderKills, checkOnlyKilledReran } from '../../lib/checks/chaos.js';
import { newSeed, seededRandom } from '../../lib/chaos/random.js';
import { allContainerStatuses } from '../../lib/observe/status.js';
import { ENV } from '../../lib/session.js';
import { checkFailedWithoutRestart } from '../../lib/checks/behaviours.js';
import { phase, podMatches } from '../../lib/observe/wait.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const EXIT = { SIGKILL: 137, SIGTERM: 143 } as const;

const killedPod = (policy: RestartPolicy, signal: keyof typeof EXIT) =>
  pod(`killed-${policy.toLowerCase()}-${signal.toLowerCase()}`).restartPolicy(policy).init(succeeds('init-a')).init(holdsFirstAttempt('init-b')).init(succeeds('init-c')).app(printsLedger('app'));

describe('chaos-kill: an init container killed mid-run', function () {
  this.timeout(120_000);

  for (const policy of ['Always', 'OnFailure'] as const) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      scenarioTest(`restartPolicy ${policy}, ${signal}: only the killed init container runs again (exit ${EXIT[signal]}, restartCount 1); the one before it ran once; then the rest and the app`, async (kit) => {
        const run = await kit.start(killedPod(policy, signal));
        await run.untilLog('init-b', / init-b started$/);
        await kit.inject(run, killContainer(run.namespace, run.name, 'init-b', signal));
        await run.until(phase('Running', 60_000));
        await run.untilLog('app', /^== end$/);
        checkOnlyKilledReran(await kit.recording(run), ['init-a'], 'init-b', ['init-c'], 'app', EXIT[signal], runtimeExitOfKill(kit.injections));
      });
    }
  }

  scenarioTest('restartPolicy Never, SIGKILL: the pod fails (Init:Error, exit 137), nothing after the killed init container runs', async (kit) => {
    const run = await kit.start(killedPod('Never', 'SIGKILL'));
    await run.untilLog('init-b', / init-b started$/);
    await kit.inject(run, killContainer(run.namespace, run.name, 'init-b', 'SIGKILL'));
    await run.until(phase('Failed', 60_000));
    checkFailedWithoutRestart(await kit.recording(run), 'init-b', EXIT.SIGKILL, ['init-c', 'app']);
  });

  // Each attempt takes SECONDS; a kill lands at most ~1 s (status delay) + 2.5 s + the injection after it starts.
  const FAILURES = 1;
  const SECONDS = 6;
  scenarioTest(`a flaky init container (fails ${FAILURES} time, ${SECONDS}s an attempt) killed at random moments of random attempts (seeded) still converges: each attempt ends as planned, restartCount = kills + scripted failures`, async (kit) => {
    const seed = Number(process.env[ENV.seed] ?? newSeed());
    const random = seededRandom(seed, 'flaky-under-kills');
    const kills = 1 + Math.floor(random() * 2);
    const attempts = kills + FAILURES;
    const order = Array.from({ length: attempts }, (_, i) => i + 1).sort(() => random() - 0.5);
    const killed = new Set(order.slice(0, kills));
    const plan = Array.from({ length: attempts }, (_, i) => ({ attempt: i + 1, kill: killed.has(i + 1), afterMs: Math.round(200 + random() * 2300) }));
    kit.attach('chaos plan', `seed ${seed} (repeat with --seed ${seed})\n${plan.map((p) => `attempt ${p.attempt}: ${p.kill ? `SIGKILL ${p.afterMs} ms after it is seen running` : 'scripted failure'}`).join('\n')}`);
    const run = await kit.start(pod('flaky-under-kills').init(flakySlow('init-flaky', FAILURES, SECONDS)).app(printsLedger('app')));
    for (const p of plan.filter((x) => x.kill)) {
      await run.until(podMatches(`init-flaky attempt ${p.attempt} running`, (pod) => allContainerStatuses(pod).some((c) => c.name === 'init-flaky' && (c.restartCount ?? 0) === p.attempt - 1 && Boolean(c.state?.running)), 120_000));
      await new Promise((r) => setTimeout(r, p.afterMs));
      await kit.inject(run, killContainer(run.namespace, run.name, 'init-flaky', 'SIGKILL'));
    }
    await run.until(phase('Running', 120_000));
    await run.untilLog('app', new RegExp(`^${PRINTOUT_END}$`));
    checkConvergedUnderKills(await kit.recording(run), 'init-flaky', plan.map((p) => (p.kill ? EXIT.SIGKILL : 1)));
  }, { timeoutMs: 200_000 });
});
