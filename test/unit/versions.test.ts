import { expect } from 'chai';
import { ExitCode, InitcError } from '../../lib/errors.js';
import { PINNED_PATCHES, crictlBuildsWithKube, crictlVersionFor, kubeletCommandTakesContext, kubeletNeedsFailCgroupV1Off, parseKubeVersion, resolveKubeVersion } from '../../lib/cluster/local/versions.js';

describe('Kubernetes version resolution', () => {
  it('defaults to the pinned 1.34 patch', () => {
    expect(resolveKubeVersion(undefined).gitVersion).to.equal(`v${PINNED_PATCHES['1.34']}`);
  });

  it('maps a minor, with or without v, to its pinned patch', () => {
    expect(resolveKubeVersion('1.33').semver).to.equal(PINNED_PATCHES['1.33']);
    expect(resolveKubeVersion('v1.36').semver).to.equal(PINNED_PATCHES['1.36']);
    expect(resolveKubeVersion(`v${PINNED_PATCHES['1.35']}`).semver).to.equal(PINNED_PATCHES['1.35']);
  });

  for (const bad of ['1.99', '2.0', 'latest', '1.34.0', '1', '']) {
    it(`refuses "${bad}" with the unknown-version exit code`, () => {
      try {
        resolveKubeVersion(bad);
        expect.fail(`"${bad}" was accepted`);
      } catch (err) {
        expect(err).to.be.instanceOf(InitcError);
        expect((err as InitcError).exitCode).to.equal(ExitCode.unknownVersion);
        expect((err as Error).message).to.include('1.34');
      }
    });
  }

  it('knows which releases need failCgroupV1 off and a kubelet context', () => {
    expect(kubeletNeedsFailCgroupV1Off(parseKubeVersion('1.35.8'))).to.equal(true);
    expect(kubeletNeedsFailCgroupV1Off(parseKubeVersion('1.30.0'))).to.equal(false);
    expect(kubeletCommandTakesContext(parseKubeVersion('1.33.13'))).to.equal(false);
    expect(kubeletCommandTakesContext(parseKubeVersion('1.34.12'))).to.equal(true);
  });

  it('crictl of the release\'s own minor builds inside kube\'s module; the others from their own', () => {
    const v = (s: string) => parseKubeVersion(s);
    expect(['1.33.13', '1.34.12', '1.35.8', '1.36.5'].map((s) => crictlVersionFor(v(s)))).to.deep.equal(['v1.34.0', 'v1.34.0', 'v1.37.0', 'v1.37.0']);
    expect(['1.33.13', '1.34.12', '1.35.8', '1.36.5', '1.37.1'].map((s) => crictlBuildsWithKube(v(s)))).to.deep.equal([false, true, false, false, true]);
  });
});
