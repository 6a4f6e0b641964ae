/**
 * The watch loop both timelines share (lib/observe/watch-loop.ts) against a scripted API server on
 * loopback, with a clock that records each wait instead of sleeping through it: how the
 * resourceVersion moves on, which errors are kept and how, when it lists again, how long it waits
 * after how many fruitless tries, and that a stop ends it with nothing after.
 */
import type http from 'node:http';
import { expect } from 'chai';
import { resumingWatch, retryDelayMs } from '../../lib/observe/watch-loop.js';
import type { ResumingWatch } from '../../lib/observe/watch-loop.js';
import { untilTrue } from '../support/poll.js';
import { scriptedServer } from '../support/scripted-server.js';
import type { ScriptedServer } from '../support/scripted-server.js';
import { abortableSleep } from '../../lib/util/time.js';

type Reply = (res: http.ServerResponse, send: (type: string, object: unknown) => void) => void;
const status = (code: number): Reply => (res) => {
  res.statusCode = code;
  res.end(JSON.stringify({ kind: 'Status', code, message: `status ${code}` }));
};
const stayOpen: Reply = () => undefined;

interface Loop {
  server: ScriptedServer;
  /** The resourceVersion of each watch request, in order. */
  watched: string[];
  events: string[];
  sleeps: number[];
  errors: string[];
  relists: number;
  stop: AbortController;
  done: Promise<void>;
}

/**
 * Runs the loop from resourceVersion 5 against watches answered by `watch(n)` (from 1) and relists
 * answered by `relist(n)`; each event's resourceVersion is its object's `rv`.
 */
async function loop(watch: (n: number, stop: AbortController) => Reply, relist: (n: number) => Promise<string> = async () => '9', o: Partial<ResumingWatch> = {}): Promise<Loop> {
  const stop = new AbortController();
  const l: Omit<Loop, 'server' | 'done'> = { watched: [], events: [], sleeps: [], errors: [], relists: 0, stop };
  const server = await scriptedServer((req, res) => {
    l.watched.push(new URL(req.url!, 'http://x').searchParams.get('resourceVersion')!);
    res.setHeader('Content-Type', 'application/json');
    watch(l.watched.length, stop)(res, (type, object) => res.write(`${JSON.stringify({ type, object })}\n`));
  });
  const done = resumingWatch(
    {
      kc: server.kc,
      watchPath: (rv) => `/api/v1/pods?watch=1&resourceVersion=${rv}`,
      accept: 'application/json',
      onEvent: (type, object, rv) => {
        l.events.push(`${type}@${rv}`);
        return (object as { rv?: string } | undefined)?.rv ?? rv;
      },
      relist: () => relist(++l.relists),
      errors: l.errors,
      signal: stop.signal,
      sleep: async (ms, signal) => {
        expect(signal).to.equal(stop.signal);
        l.sleeps.push(ms);
        await new Promise((r) => setTimeout(r, 1));
      },
      ...o,
    },
    '5',
  );
  return Object.assign(l, { server, done });
}


const unstamped = (errors: string[]) => errors.map((e) => e.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''));

describe('watch loop (lib/observe/watch-loop.ts)', function () {
  this.timeout(10_000);
  let l: Loop | undefined;
  afterEach(async () => {
    l?.stop.abort();
    await l?.done;
    l?.server.close();
    l = undefined;
  });

  it('waits 0.2 s doubling to 5 s after tries in a row without progress', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 30].map(retryDelayMs)).to.deep.equal([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('resumes from each event\'s resourceVersion; keeps ERROR events word for word, with their time; lists again only on 410 and resumes from the list', async () => {
    l = await loop((n) => (res, send) => {
      if (n === 1) {
        send('ADDED', { rv: '6' });
        send('ERROR', { code: 500, message: 'internal' });
        send('ERROR', undefined);
        send('ERROR', { code: 500 });
        send('BOOKMARK', {});
        return res.end();
      }
      if (n === 2) {
        send('ERROR', { code: 410, message: 'too old' });
        return res.end();
      }
      stayOpen(res, send);
    });
    await untilTrue('the third watch', () => l!.watched.length === 3);
    expect(l.watched).to.deep.equal(['5', '6', '9']);
    expect(l.events).to.deep.equal(['ADDED@5', 'BOOKMARK@6']);
    expect(unstamped(l.errors)).to.deep.equal(['watch error: internal', 'watch error: undefined', 'watch error: {"code":500}', 'watch error: too old']);
    expect(l.errors.every((e) => /^\d{4}-\d\d-\d\dT[\d:.]+Z watch error: /.test(e))).to.equal(true);
    expect(l.relists).to.equal(1);
    expect(l.sleeps, 'every watch delivered or was listed again after').to.deep.equal([]);
  });

  it('a 410 before another ERROR event is not gone: the last ERROR decides', async () => {
    l = await loop((n) => (res, send) => {
      if (n === 1) {
        send('ERROR', { code: 410, message: 'too old' });
        send('ERROR', { code: 500, message: 'then this' });
        return res.end();
      }
      stayOpen(res, send);
    });
    await untilTrue('the second watch', () => l!.watched.length === 2);
    expect(l.relists).to.equal(0);
    expect(l.watched).to.deep.equal(['5', '5']);
    expect(l.sleeps).to.deep.equal([200]);
  });

  it('a refused watch is kept as dropped and tried again from where it was, waiting longer each time', async () => {
    l = await loop((n, stop) => (res) => {
      if (n === 8) stop.abort();
      status(500)(res, () => undefined);
    });
    await l.done;
    expect(l.watched).to.deep.equal(['5', '5', '5', '5', '5', '5', '5', '5']);
    expect(l.sleeps).to.deep.equal([200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(unstamped(l.errors)).to.have.length(7);
    expect(unstamped(l.errors)[0]).to.equal('watch dropped: GET /api/v1/pods?watch=1&resourceVersion=5: HTTP 500: {"kind":"Status","code":500,"message":"status 500"}');
    expect(l.relists).to.equal(0);
  });

  it('a watch answered 410 lists again at once; a list that fails is kept and waited for; the watch resumes from where it was', async () => {
    l = await loop(
      (n) => (n <= 2 ? status(410) : stayOpen),
      async (n) => {
        if (n === 1) throw new Error('boom');
        return '9';
      },
    );
    await untilTrue('the third watch', () => l!.watched.length === 3);
    expect(l.watched).to.deep.equal(['5', '5', '9']);
    expect(unstamped(l.errors).map((e) => e.replace(/: GET .*/, ''))).to.deep.equal(['watch dropped', 'list again after 410 failed: boom', 'watch dropped']);
    expect(l.relists).to.equal(2);
    expect(l.sleeps).to.deep.equal([200]);
  });

  it('a watch that delivers clears the count of fruitless tries; one closed with nothing is waited for (no busy loop)', async () => {
    const delivers = [true, true, false, false, true, false];
    l = await loop((n) => (res, send) => {
      if (n > delivers.length) return stayOpen(res, send);
      if (delivers[n - 1]) send('MODIFIED', { rv: String(5 + n) });
      res.end();
    });
    await untilTrue('the seventh watch', () => l!.watched.length === 7);
    expect(l.watched).to.deep.equal(['5', '6', '7', '7', '7', '10', '10']);
    expect(l.sleeps).to.deep.equal([200, 400, 200]);
    expect(l.errors).to.deep.equal([]);
  });

  it('a stop ends an open watch with no error, and nothing follows it: no wait, no watch, no list', async () => {
    l = await loop(() => stayOpen);
    await untilTrue('the watch', () => l!.watched.length === 1);
    l.stop.abort();
    await l.done;
    await new Promise((r) => setTimeout(r, 20));
    expect(l.watched).to.have.length(1);
    expect(l.sleeps).to.deep.equal([]);
    expect(l.errors).to.deep.equal([]);
  });

  it('a watch refused as it is stopped is no error, and nothing follows it', async () => {
    l = await loop((_n, stop) => (res) => {
      stop.abort();
      status(410)(res, () => undefined);
    });
    await l.done;
    expect(l.watched).to.have.length(1);
    expect(l.errors).to.deep.equal([]);
    expect(l.relists).to.equal(0);
    expect(l.sleeps).to.deep.equal([]);
  });

  it('a watch that ends with 410 as it is stopped is not listed again', async () => {
    l = await loop((_n, stop) => (res, send) => {
      send('ERROR', { code: 410, message: 'too old' });
      stop.abort();
      res.end();
    });
    await l.done;
    expect(l.relists).to.equal(0);
    expect(l.sleeps).to.deep.equal([]);
  });

  it('with the real clock, a stop wakes the wait at once', async () => {
    l = await loop(() => status(500), undefined, { sleep: abortableSleep });
    await untilTrue('the first watch', () => l!.watched.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    const before = Date.now();
    l.stop.abort();
    await l.done;
    expect(Date.now() - before).to.be.below(150);
    expect(l.watched).to.have.length(1);
  });
});
