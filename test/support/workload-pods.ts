/** Pods recorded on an embedded cluster (test/fixtures/workload-faults/NAME.json, a `kubectl get pods -o json`). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { projectRoot } from '../../lib/util/paths.js';

export const pods = (name: string): V1Pod[] => (JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'workload-faults', `${name}.json`), 'utf8')) as { items: V1Pod[] }).items;
