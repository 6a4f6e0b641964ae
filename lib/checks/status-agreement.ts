/**
 * The STATUS cross-check: on every row of a pod's timeline, the STATUS initc computed (its port of
 * upstream's printPod) must equal the one the API server printed in its Table for the same
 * object. A row without the server's STATUS was not compared, and a timeline without rows
 * compared nothing: both fail too, so the check can never pass by having checked nothing.
 */
import type { RecordedRow } from './recording.js';
import { fail } from './recording.js';

export interface PodRows {
  pod: string;
  rows: RecordedRow[];
}

export function checkStatusAgreement(pods: PodRows[]): void {
  for (const { pod, rows } of pods) {
    if (rows.length === 0) fail(`the timeline of ${pod} to hold rows to compare`, 'no rows at all');
    const unprinted = rows.filter((r) => r.serverStatus === undefined);
    if (unprinted.length) fail(`the server's STATUS on every row of ${pod}`, `none on rows ${unprinted.map((r) => `#${r.seq}`).join(', ')}`, unprinted);
  }
  const disagreements = pods.flatMap(({ pod, rows }) => rows.filter((r) => r.serverStatus !== r.status).map((r) => `${pod} #${r.seq} rv ${r.resourceVersion}: initc computed "${r.status}", the server printed "${r.serverStatus}"`));
  if (disagreements.length) fail(`initc's STATUS (printPod port) to equal the server's Table on every row`, `${disagreements.length} disagreement(s):\n${disagreements.join('\n')}`);
}
