/**
 * The watch loop both timelines share (PodTimeline, ObjectTimeline): watch from a resourceVersion;
 * each event moves it on; a dropped watch resumes from the last one; a 410 Gone (an ERROR event or
 * the HTTP status) lists again, so no change is lost. A watch that delivered nothing (closed at
 * once, refused, only errors) or a relist that failed waits before the next try, 0.2 s doubling to
 * 5 s; the signal (the timeline's stop()) ends the loop and its wait at once. Errors of the watch
 * itself are kept with their time for the evidence.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { watchStream } from '../kube/raw.js';
import { abortableSleep } from '../util/time.js';

export interface ResumingWatch {
  kc: KubeConfig;
  /** The watch request's path for a resourceVersion. */
  watchPath: (rv: string) => string;
  accept: string;
  /** Called for every event but ERROR (BOOKMARK included); returns the resourceVersion to resume from. */
  onEvent: (type: string, object: any, rv: string) => string;
  /** Lists again after 410 Gone, recording what it lists; returns the list's resourceVersion. */
  relist: () => Promise<string>;
  /** Where the loop keeps its errors. */
  errors: string[];
  signal: AbortSignal;
  /** The wait between tries (a test's clock may stand in). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The wait before try `failures` + 1 after that many tries in a row without progress. */
export function retryDelayMs(failures: number): number {
  return Math.min(200 * 2 ** (failures - 1), 5000);
}

function stamped(text: string) {
  return `${new Date().toISOString()} ${text}`;
}

/** Runs until `w.signal` aborts; never rejects on the server's account. */
export async function resumingWatch(w: ResumingWatch, fromRv: string): Promise<void> {
  const sleep = w.sleep ?? abortableSleep;
  let rv = fromRv;
  let failures = 0;
  while (!w.signal.aborted) {
    let gone = false;
    let progressed = false;
    try {
      await watchStream(
        w.kc,
        w.watchPath(rv),
        w.accept,
        (ev) => {
          if (ev.type === 'ERROR') {
            gone = ev.object?.code === 410;
            w.errors.push(stamped(`watch error: ${ev.object?.message ?? JSON.stringify(ev.object)}`));
            return;
          }
          progressed = true;
          rv = w.onEvent(ev.type, ev.object, rv);
        },
        w.signal,
      );
    } catch (err) {
      if (w.signal.aborted) return;
      w.errors.push(stamped(`watch dropped: ${(err as Error).message}`));
      gone = gone || (err as { statusCode?: number }).statusCode === 410;
      progressed = false;
    }
    if (gone && !w.signal.aborted) {
      try {
        rv = await w.relist();
        progressed = true;
      } catch (err) {
        w.errors.push(stamped(`list again after 410 failed: ${(err as Error).message}`));
        progressed = false;
      }
    }
    failures = progressed ? 0 : failures + 1;
    if (failures && !w.signal.aborted) await sleep(retryDelayMs(failures), w.signal);
  }
}
