import { expect } from 'chai';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { pod, sidecar, sleeps, succeeds } from '../fixtures/pod.js';
import type { ApiRejection } from '../lib/checks/behaviours.js';
import { checkForbiddenInitFields, checkSameRejection } from '../lib/checks/behaviours.js';
import { ApiError, requestJson } from '../lib/kube/raw.js';
import type { ScenarioKit } from '../lib/scenario/kit.js';
import { scenarioTest } from '../lib/scenario/kit.js';
import { supportsSidecars } from '../lib/scenario/features.js';

const PROBE = { exec: { command: ['true'] }, periodSeconds: 5 };
const FIELDS: Record<string, Partial<V1Container>> = {
  livenessProbe: { livenessProbe: PROBE },
  readinessProbe: { readinessProbe: PROBE },
  startupProbe: { startupProbe: PROBE },
  lifecycle: { lifecycle: { preStop: { exec: { command: ['true'] } } } },
};

/** POSTs the pod; resolves with the server's refusal, or with undefined when it accepted it. */
async function submit(kit: ScenarioKit, body: V1Pod, dryRun: boolean): Promise<ApiRejection | undefined> {
  const ns = await kit.namespace();
  try {
    await requestJson(kit.kc, 'POST', `/api/v1/namespaces/${ns}/pods${dryRun ? '?dryRun=All' : ''}`, { body });
    kit.attach(`${dryRun ? 'dry-run ' : ''}POST ${body.metadata?.name}`, `accepted\nrequest:\n${JSON.stringify(body, null, 2)}`);
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    kit.attach(`${dryRun ? 'dry-run ' : ''}POST ${body.metadata?.name}`, `HTTP ${err.statusCode}\nresponse:\n${JSON.stringify(err.body, null, 2)}\nrequest:\n${JSON.stringify(body, null, 2)}`);
    return { httpStatus: err.statusCode, body: err.body as ApiRejection['body'] };
  }
}

async function expectNotCreated(kit: ScenarioKit, name: string): Promise<void> {
  const ns = await kit.namespace();
  const status = await requestJson(kit.kc, 'GET', `/api/v1/namespaces/${ns}/pods/${name}`).then(() => 200, (e: ApiError) => e.statusCode);
  expect(status, `GET pod ${name} after the refusal (404: nothing was created)`).to.equal(404);
}

async function expectRejected(kit: ScenarioKit, name: string, fields: string[]): Promise<void> {
  const init: V1Container = Object.assign({}, succeeds('plain-init'), ...fields.map((f) => FIELDS[f]));
  const body = pod(kit.objectName(name)).init(succeeds('first-init')).init(init).app(sleeps('app')).build(await kit.namespace(), kit.labels());
  const real = await submit(kit, body, false);
  const dry = await submit(kit, body, true);
  expect(real, 'the API server refused the pod').to.not.equal(undefined);
  expect(dry, 'the API server refused the dry run').to.not.equal(undefined);
  await kit.saveRecord(name, { real, dry });
  checkForbiddenInitFields(real!, 1, fields);
  checkSameRejection(real!, dry!);
  await expectNotCreated(kit, kit.objectName(name));
}

describe('validation: probes and lifecycle hooks on plain init containers are refused', function () {
  this.timeout(60_000);

  for (const field of Object.keys(FIELDS)) {
    scenarioTest(`${field} on a plain init container → 422 Invalid, one FieldValueForbidden at spec.initContainers[1].${field}; dry run the same; nothing created`, (kit) =>
      expectRejected(kit, `with-${field.toLowerCase()}`, [field]),
    );
  }

  scenarioTest('all four at once → one cause each', (kit) => expectRejected(kit, 'with-all-four', Object.keys(FIELDS)));

  scenarioTest('the same fields on a sidecar (restartPolicy Always) are accepted', async (kit) => {
    const support = await supportsSidecars(kit.kc, await kit.namespace());
    if (!support.supported) kit.skip(support.reason);
    const side: V1Container = { ...sidecar('side'), ...FIELDS.livenessProbe, ...FIELDS.readinessProbe, ...FIELDS.lifecycle, startupProbe: PROBE };
    const body = pod(kit.objectName('sidecar-with-probes')).init(side).app(sleeps('app')).build(await kit.namespace(), kit.labels());
    expect(await submit(kit, body, true), 'dry-run refusal').to.equal(undefined);
    expect(await submit(kit, body, false), 'refusal').to.equal(undefined);
    const created = await requestJson<V1Pod>(kit.kc, 'GET', `/api/v1/namespaces/${await kit.namespace()}/pods/${kit.objectName('sidecar-with-probes')}`);
    const c = created.spec!.initContainers![0]!;
    expect(c.restartPolicy, 'restartPolicy kept (a server without sidecars drops it)').to.equal('Always');
    for (const f of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const) expect(c[f], `${f} kept on the sidecar`).to.not.equal(undefined);
  });
});
