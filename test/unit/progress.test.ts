import { expect } from 'chai';
import { ConsoleProgress, shortTitle } from '../../lib/progress.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConsoleProgress', () => {
  it('indents a nested step under its parent and names each update by its step', async () => {
    const lines: string[] = [];
    const p = new ConsoleProgress((l) => lines.push(l), 0);
    await p.step('outer', async () => {
      p.info('inside outer');
      await p.step('build kube v1.34.12 (log: /tmp/x.log)', async (s) => {
        s.update('compiled 3 of ~10 packages');
      });
    });
    p.info('after');
    expect(lines.map((l) => l.replace(/\(\d+\.\ds\)/, '(T)'))).to.deep.equal([
      '▸ outer',
      '  inside outer',
      '  ▸ build kube v1.34.12 (log: /tmp/x.log)',
      '    … build kube v1.34.12: compiled 3 of ~10 packages (T)',
      '  ✔ build kube v1.34.12 (log: /tmp/x.log) (T)',
      '✔ outer (T)',
      'after',
    ]);
  });

  it('keeps steps that run at once at the depth each started at, even when they end out of order', async () => {
    const lines: string[] = [];
    const p = new ConsoleProgress((l) => lines.push(l), 0);
    let releaseA!: () => void;
    const aWaits = new Promise<void>((r) => (releaseA = r));
    await p.step('all', async () => {
      const a = p.step('a', async () => {
        await aWaits;
        p.info('a late');
      });
      const b = p.step('b', async () => {
        await tick();
        p.info('b inside');
      });
      await b;
      releaseA();
      await a;
      p.info('all inside');
    });
    expect(lines.map((l) => l.replace(/ \(\d+\.\ds\)$/, ''))).to.deep.equal([
      '▸ all',
      '  ▸ a',
      '  ▸ b',
      '    b inside',
      '  ✔ b',
      '    a late',
      '  ✔ a',
      '  all inside',
      '✔ all',
    ]);
  });

  it('marks a failed step and leaves the depth as it was', async () => {
    const lines: string[] = [];
    const p = new ConsoleProgress((l) => lines.push(l), 0);
    await p.step('bad', async () => {
      throw new Error('no');
    }).catch(() => undefined);
    p.info('next');
    expect(lines.map((l) => l.replace(/ \(\d+\.\ds\)$/, ''))).to.deep.equal(['▸ bad', '✘ bad', 'next']);
  });

  it('prints an update at most once per interval', async () => {
    const lines: string[] = [];
    const p = new ConsoleProgress((l) => lines.push(l), 60_000);
    await p.step('s', async (h) => {
      h.update('one');
      h.update('two');
    });
    expect(lines.filter((l) => l.includes('…'))).to.have.length(1);
    expect(lines[1]).to.match(/^ {2}… s: one \(0\.\ds\)$/);
  });

  it('names a step on its updates without its trailing parenthesis', () => {
    expect(shortTitle('build kube v1.34.12 (log: /x/y.log)')).to.equal('build kube v1.34.12');
    expect(shortTitle('images (pause, fixture) ready')).to.equal('images (pause, fixture) ready');
    expect(shortTitle('plain')).to.equal('plain');
  });
});
