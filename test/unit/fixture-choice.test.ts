import { expect } from 'chai';
import { FIXTURE_IMAGE_ENV, LOCAL_FIXTURE_IMAGE, PUBLIC_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { chooseFixtureImage } from '../../lib/scenario/fixture-check.js';
import { scriptedServer } from '../support/scripted-server.js';

type Node = { spec?: { unschedulable?: boolean }; status?: { images?: Array<{ names: string[] }> } };

/** A loopback API server whose node list is `nodes`. */
async function withNodes<T>(nodes: Node[], body: (kc: Awaited<ReturnType<typeof scriptedServer>>['kc']) => Promise<T>): Promise<T> {
  const s = await scriptedServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/api/v1/nodes')) return res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: nodes.map((n, i) => ({ metadata: { name: `n${i}` }, ...n })) }));
    res.statusCode = 404;
    res.end('{}');
  });
  try {
    return await body(s.kc);
  } finally {
    s.close();
  }
}

const withLocal: Node = { status: { images: [{ names: ['other:1'] }, { names: [LOCAL_FIXTURE_IMAGE, 'localhost/initc/fixture@sha256:abc'] }] } };
const without: Node = { status: { images: [{ names: ['other:1'] }] } };

describe('the fixture image a run chooses', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env[FIXTURE_IMAGE_ENV];
    delete process.env[FIXTURE_IMAGE_ENV];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[FIXTURE_IMAGE_ENV];
    else process.env[FIXTURE_IMAGE_ENV] = saved;
  });

  it('the flag first, then INITC_FIXTURE_IMAGE', async () => {
    process.env[FIXTURE_IMAGE_ENV] = 'from/env:1';
    await withNodes([without], async (kc) => {
      expect(await chooseFixtureImage(kc, 'kubeconfig', 'from/flag:1')).to.deep.equal({ image: 'from/flag:1', why: '--fixture-image' });
      expect(await chooseFixtureImage(kc, 'kubeconfig')).to.deep.equal({ image: 'from/env:1', why: FIXTURE_IMAGE_ENV });
    });
  });

  it('the local image on the embedded cluster, whatever its node reports', async () => {
    await withNodes([without], async (kc) => expect(await chooseFixtureImage(kc, 'local')).to.deep.equal({ image: LOCAL_FIXTURE_IMAGE, why: 'made locally for the embedded cluster' }));
  });

  it('on kind, the local image when the node image has it preloaded (built here), else the public busybox (an official node image)', async () => {
    await withNodes([withLocal], async (kc) => expect((await chooseFixtureImage(kc, 'kind')).image).to.equal(LOCAL_FIXTURE_IMAGE));
    await withNodes([without], async (kc) => expect((await chooseFixtureImage(kc, 'kind')).image).to.equal(PUBLIC_FIXTURE_IMAGE));
  });

  it('on a kubeconfig cluster: the local image only when every schedulable node has it, else the pinned public busybox', async () => {
    await withNodes([withLocal, withLocal], async (kc) => expect(await chooseFixtureImage(kc, 'kubeconfig')).to.deep.equal({ image: LOCAL_FIXTURE_IMAGE, why: 'every node already has it' }));
    await withNodes([withLocal, { ...without, spec: { unschedulable: true } }], async (kc) => expect((await chooseFixtureImage(kc, 'kubeconfig')).image).to.equal(LOCAL_FIXTURE_IMAGE));
    await withNodes([withLocal, without], async (kc) => expect(await chooseFixtureImage(kc, 'kubeconfig')).to.deep.equal({ image: PUBLIC_FIXTURE_IMAGE, why: `the nodes lack ${LOCAL_FIXTURE_IMAGE}; pulled (--fixture-image names another)` }));
    await withNodes([{}], async (kc) => expect((await chooseFixtureImage(kc, 'kubeconfig')).image).to.equal(PUBLIC_FIXTURE_IMAGE));
    await withNodes([], async (kc) => expect((await chooseFixtureImage(kc, 'kubeconfig')).image).to.equal(PUBLIC_FIXTURE_IMAGE));
  });
});
