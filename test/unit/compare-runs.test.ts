import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { comparisonClusterName, planRuns, runsVerdict } from '../../lib/cli/compare-runs.js';
import type { FinishedRun, PlannedRun } from '../../lib/cli/compare-runs.js';

describe('compare: the runs it makes', () => {
  const pass = ['--suite', 'order', '--seed', '7'];

  it('embedded versions run side by side, each on an embedded cluster of its own named for this comparison, each into its own folder', () => {
    expect(planRuns({ versions: ['1.34', 'v1.36.5'], provider: 'local', passThrough: pass, tag: 'ab12' })).to.deep.equal({
      parallel: true,
      runs: [
        { label: '1.34', folder: 'v1.34', args: ['run', '--provider', 'local', '--local-cluster', 'cmp-ab12-134', '--k8s-version', '1.34', ...pass] },
        { label: 'v1.36.5', folder: 'v1.36.5', args: ['run', '--provider', 'local', '--local-cluster', 'cmp-ab12-136', '--k8s-version', 'v1.36.5', ...pass] },
      ],
    });
    expect(comparisonClusterName('ffff', '1.4')).to.equal('cmp-ffff-14');
    expect(comparisonClusterName('ffff', 'v1.100.2')).to.have.length(12);
  });

  it('kind versions and kubeconfig contexts run side by side', () => {
    const kind = planRuns({ versions: ['v1.33.13', '1.35'], provider: 'kind', passThrough: [] });
    expect(kind.parallel).to.equal(true);
    expect(kind.runs.map((r) => [r.folder, r.args.join(' ')])).to.deep.equal([
      ['v1.33.13', 'run --provider kind --k8s-version v1.33.13'],
      ['v1.35', 'run --provider kind --k8s-version 1.35'],
    ]);
    const contexts = planRuns({ contexts: ['kind-a', 'prod/eu 1'], provider: 'kubeconfig', kubeconfig: '/k', passThrough: pass });
    expect(contexts.parallel).to.equal(true);
    expect(contexts.runs.map((r) => [r.label, r.folder, r.args.join(' ')])).to.deep.equal([
      ['kind-a', 'context-kind-a', `run --kubeconfig /k --context kind-a ${pass.join(' ')}`],
      ['prod/eu 1', 'context-prod_eu_1', `run --kubeconfig /k --context prod/eu 1 ${pass.join(' ')}`],
    ]);
  });

  const done = (label: string, exitCode: number, error?: string): FinishedRun => ({ run: { label, folder: label, args: [] } as PlannedRun, out: `/o/${label}`, exitCode, error });

  it('passes when every run passed; failed tests make 1; a run that could not run fails with its reason and folder', () => {
    expect(runsVerdict([done('1.34', 0), done('1.36', 0)])).to.equal(undefined);
    const failed = runsVerdict([done('1.34', 0), done('1.36', 1)])!;
    expect([failed.exitCode, failed.message]).to.deep.equal([ExitCode.testsFailed, 'tests failed in 1.36; the comparison shows where']);
    const broken = runsVerdict([done('1.34', 1), done('1.36', 9, 'building kube v1.36.5 failed')])!;
    expect([broken.exitCode, broken.message]).to.deep.equal([ExitCode.buildFailed, 'the run of 1.36 ended with exit 9 (building a component from the Go module proxy failed (its log file is named)): building kube v1.36.5 failed (its folder: /o/1.36)']);
    expect(runsVerdict([done('1.34', 130)])!.exitCode).to.equal(ExitCode.interrupted);
  });
});
