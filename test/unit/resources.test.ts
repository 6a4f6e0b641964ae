/**
 * The port of upstream's PodRequests (k8s.io/component-helpers/resource/helpers.go) and the
 * quantity parsing the resources suite predicts scheduling with; the expected values are the ones
 * upstream's own helpers_test.go cases give (sidecars add up, plain init containers take the max).
 */
import { expect } from 'chai';
import { containerRequests, freeOnNode, insufficient, parseQuantity, podRequests, predictFit } from '../../lib/checks/resources.js';

const c = (cpu?: string, memory?: string, restartPolicy?: string) => ({ restartPolicy, resources: { requests: { ...(cpu && { cpu }), ...(memory && { memory }) } } });

describe('resources: quantities and effective pod requests', () => {
  it('parses quantities as resource.Quantity does', () => {
    const cases: Array<[string, number]> = [
      ['1', 1], ['250m', 0.25], ['1.5', 1.5], ['.5', 0.5], ['2.', 2], ['-1', -1], ['+3', 3], ['100n', 1e-7], ['7u', 7e-6],
      ['2k', 2000], ['3M', 3e6], ['4G', 4e9], ['5T', 5e12], ['6P', 6e15], ['7E', 7e18],
      ['1Ki', 1024], ['128Mi', 134217728], ['2Gi', 2147483648], ['1Ti', 2 ** 40], ['1Pi', 2 ** 50], ['1Ei', 2 ** 60],
      ['12.5', 12.5], ['.25', 0.25], ['1e10', 1e10], ['1e3', 1000], ['1E3', 1000], ['5e-1', 0.5], ['2e+2', 200], [' 8039444Ki ', 8039444 * 1024],
    ];
    for (const [q, want] of cases) expect(parseQuantity(q), q).to.be.closeTo(want, Math.abs(want) * 1e-12);
  });

  it('refuses what is no quantity, naming it', () => {
    for (const q of ['', 'abc', '1x', '1.2.3', 'Mi', '1 Mi', '1mi', '1KiB', 'e3']) expect(() => parseQuantity(q), q).to.throw(`not a Kubernetes quantity: "${q}"`);
  });

  it('gives a container its cpu in millicores (rounded up) and memory in bytes (rounded up); absent is 0', () => {
    expect(containerRequests({ cpu: '250m', memory: '1Ki' })).to.deep.equal({ cpu: 250, memory: 1024 });
    expect(containerRequests({ cpu: '1.0005' })).to.deep.equal({ cpu: 1001, memory: 0 });
    expect(containerRequests({ cpu: '2', memory: '0.5' })).to.deep.equal({ cpu: 2000, memory: 1 });
    expect(containerRequests({ cpu: '0.1' })).to.deep.equal({ cpu: 100, memory: 0 });
    expect(containerRequests(undefined)).to.deep.equal({ cpu: 0, memory: 0 });
    expect(containerRequests({})).to.deep.equal({ cpu: 0, memory: 0 });
    expect(containerRequests({ cpu: '0', memory: '0' })).to.deep.equal({ cpu: 0, memory: 0 });
  });

  it('containers without resources request nothing', () => {
    expect(podRequests({ containers: [{}], initContainers: [{}, { restartPolicy: 'Always' }] })).to.deep.equal({ cpu: 0, memory: 0 });
  });

  it('app containers add up', () => {
    expect(podRequests({ containers: [c('100m', '10Mi'), c('200m', '20Mi'), {}] })).to.deep.equal({ cpu: 300, memory: 30 * 2 ** 20 });
  });

  it('plain init containers: the largest one, when it is larger than the apps, per resource', () => {
    expect(podRequests({ containers: [c('100m', '100Mi')], initContainers: [c('2', '10Mi'), c('500m', '50Mi')] })).to.deep.equal({ cpu: 2000, memory: 100 * 2 ** 20 });
    expect(podRequests({ containers: [c('100m', '1Mi')], initContainers: [c('50m', '2Mi')] })).to.deep.equal({ cpu: 100, memory: 2 * 2 ** 20 });
  });

  it('sidecars add to the apps, and to every init container declared after them (upstream helpers_test.go: "restartable init container")', () => {
    // app 100m + sidecars 200m + 300m = 600m; init use: plain-1 alone 500m; plain-2 after both sidecars 100m + 500m = 600m; sidecar-2's own use 500m.
    const spec = { containers: [c('100m')], initContainers: [c('500m'), c('200m', undefined, 'Always'), c('300m', undefined, 'Always'), c('100m')] };
    expect(podRequests(spec).cpu).to.equal(600);
    // A plain init container after a sidecar: its request plus the sidecar's, larger than apps + sidecars.
    expect(podRequests({ containers: [c('100m')], initContainers: [c('200m', undefined, 'Always'), c('1')] }).cpu).to.equal(1200);
    // Only restartPolicy Always makes a sidecar.
    expect(podRequests({ containers: [c('100m')], initContainers: [c('200m', undefined, 'OnFailure'), c('300m')] }).cpu).to.equal(300);
    // A sidecar alone: apps + sidecar.
    expect(podRequests({ containers: [c('600m', '1Mi')], initContainers: [c('600m', '2Mi', 'Always')] })).to.deep.equal({ cpu: 1200, memory: 3 * 2 ** 20 });
    // Several sidecars' cumulative use, the largest init use.
    expect(podRequests({ containers: [], initContainers: [c('1', undefined, 'Always'), c('2', undefined, 'Always')] }).cpu).to.equal(3000);
  });

  it('pod-level requests replace the containers\' sum for the resources they name; overhead is added', () => {
    expect(podRequests({ containers: [c('100m', '10Mi')], resources: { requests: { cpu: '1' } } })).to.deep.equal({ cpu: 1000, memory: 10 * 2 ** 20 });
    expect(podRequests({ containers: [c('100m', '10Mi')], resources: { requests: { memory: '1Mi' } } })).to.deep.equal({ cpu: 100, memory: 2 ** 20 });
    expect(podRequests({ containers: [c('100m', '10Mi')], resources: {} })).to.deep.equal({ cpu: 100, memory: 10 * 2 ** 20 });
    expect(podRequests({ containers: [c('100m', '10Mi')], overhead: { cpu: '50m', memory: '1Mi' } })).to.deep.equal({ cpu: 150, memory: 11 * 2 ** 20 });
  });

  it("a node's free resources: allocatable less the requests of its pods that have not ended", () => {
    const pods = [
      { spec: { containers: [c('100m', '1Mi')] }, phase: 'Running' },
      { spec: { containers: [c('200m', '2Mi')] }, phase: 'Pending' },
      { spec: { containers: [c('400m', '4Mi')] } },
      { spec: { containers: [c('1', '1Gi')] }, phase: 'Succeeded' },
      { spec: { containers: [c('1', '1Gi')] }, phase: 'Failed' },
    ];
    expect(freeOnNode({ cpu: '2', memory: '1Gi', pods: '110' }, pods)).to.deep.equal({ cpu: 1300, memory: 2 ** 30 - 7 * 2 ** 20 });
  });

  it('insufficient: a request above what is free; a zero request always fits', () => {
    expect(insufficient({ cpu: 101, memory: 0 }, { cpu: 100, memory: -5 })).to.deep.equal(['cpu']);
    expect(insufficient({ cpu: 100, memory: 11 }, { cpu: 100, memory: 10 })).to.deep.equal(['memory']);
    expect(insufficient({ cpu: 100, memory: 10 }, { cpu: 100, memory: 10 })).to.deep.equal([]);
    expect(insufficient({ cpu: 0, memory: 0 }, { cpu: -1, memory: -1 })).to.deep.equal([]);
  });

  it('predicts a fit when any node has room; otherwise names what every node lacks', () => {
    const free = { a: { cpu: 100, memory: 100 }, b: { cpu: 300, memory: 50 } };
    expect(predictFit({ requests: { cpu: 200, memory: 60 }, free })).to.deep.equal({ fits: false, short: [] });
    expect(predictFit({ requests: { cpu: 200, memory: 40 }, free })).to.deep.equal({ fits: true, short: [] });
    expect(predictFit({ requests: { cpu: 400, memory: 40 }, free })).to.deep.equal({ fits: false, short: ['cpu'] });
    expect(predictFit({ requests: { cpu: 400, memory: 400 }, free })).to.deep.equal({ fits: false, short: ['cpu', 'memory'] });
    expect(predictFit({ requests: { cpu: 1, memory: 1 }, free: {} })).to.deep.equal({ fits: false, short: [] });
  });
});
