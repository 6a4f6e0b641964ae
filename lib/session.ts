/**
 * What a suite needs to know about the run it is part of, passed by `initc run` through the
 * environment so that suites also run under plain `mocha` against any kubeconfig.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { defaultKubeconfigPath } from './cluster/kubeconfig-file.js';
import { loadKubeConfig } from './cluster/provider.js';
import { FIXTURE_IMAGE_ENV } from './fixture-image.js';
import { newRunId } from './scenario/namespace.js';

export const ENV = {
  kubeconfig: 'INITC_KUBECONFIG',
  context: 'INITC_CONTEXT',
  runId: 'INITC_RUN_ID',
  provider: 'INITC_PROVIDER',
  keepOnFailure: 'INITC_KEEP_ON_FAILURE',
  recordDir: 'INITC_RECORD_DIR',
  seed: 'INITC_SEED',
  fixtureImage: FIXTURE_IMAGE_ENV,
} as const;

let cached: { kc: KubeConfig; runId: string } | undefined;

export function session(): { kc: KubeConfig; runId: string } {
  if (!cached) {
    const file = process.env[ENV.kubeconfig] || defaultKubeconfigPath();
    const runId = process.env[ENV.runId] || newRunId();
    process.env[ENV.runId] = runId;
    cached = { kc: loadKubeConfig(file, process.env[ENV.context] || undefined), runId };
  }
  return cached;
}
