/**
 * The ledger's one format (lib/pod/ledger.ts): the shell line the fixture containers run, and
 * parseLedger reading it back, from the file or from a container's log (with the log's own
 * timestamp before each line). The order recording's ledger (test/fixtures/recordings) is read
 * back exactly as it was written.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { pod, shell } from '../../lib/pod/builder.js';
import type { LedgerEntry } from '../../lib/pod/ledger.js';
import { ledgerLine, ledgerOf, parseLedger } from '../../lib/pod/ledger.js';
import { projectRoot } from '../../lib/util/paths.js';

const orderLedger = () => (JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'recordings', 'order-order.json'), 'utf8')) as { ledger: LedgerEntry[] }).ledger;
const written = (e: LedgerEntry) => `${e.time} ${e.uptime} ${e.container} ${e.event}`;

describe('the ledger', () => {
  it('each container appends its line to the shared file on the ledger volume and echoes it to its log', () => {
    expect(ledgerLine('init-a', 'ran')).to.equal(`l="$(date -u +%Y-%m-%dT%H:%M:%SZ) $(cut -d' ' -f1 /proc/uptime) init-a ran"; echo "$l" >> /ledger/ledger.log; echo "$l"`);
    const c = shell('init-a', ledgerLine('init-a', 'ran'));
    expect(c.volumeMounts).to.deep.include({ name: 'ledger', mountPath: '/ledger' });
    // An emptyDir outlives every container of the pod and the loss of its sandbox.
    expect(pod('p').init(c).app(shell('app', 'sleep 1')).build('ns').spec!.volumes).to.deep.include({ name: 'ledger', emptyDir: {} });
  });

  it('reads a real ledger back exactly, from the file and from a log whose lines carry a timestamp prefix', () => {
    const ledger = orderLedger();
    expect(ledger.length).to.be.greaterThan(3);
    expect(parseLedger(ledger.map(written).join('\n'))).to.deep.equal(ledger);
    expect(parseLedger(ledger.map((e) => `2026-11-26T22:25:07.123456789Z ${written(e)}`).join('\n'))).to.deep.equal(ledger);
    expect(parseLedger(`${ledger.map((e) => `${written(e)}\r`).join('\n')}\n`), 'CRLF and a last newline').to.deep.equal(ledger);
  });

  it('reads an uptime without decimals, and skips every line that is not a ledger line', () => {
    expect(parseLedger('2026-01-01T00:00:00Z 995 init-a started  ')).to.deep.equal([{ time: '2026-01-01T00:00:00Z', uptime: 995, container: 'init-a', event: 'started' }]);
    expect(parseLedger('2026-01-01T00:00:00Z 12.5 init-b ran')).to.deep.equal([{ time: '2026-01-01T00:00:00Z', uptime: 12.5, container: 'init-b', event: 'ran' }]);
    for (const noise of [
      '',
      'sh: not found',
      '2026-01-01T00:00:00Z 12.34 init-a',
      '2026-01-01T00:00:00Z 12.34 init-a ran too-many',
      '2026-01-01T00:00:00Z x12 init-a ran',
      '2026-01-01T00:00:00Z 12. init-a ran',
      '2026-01-01T00:00:00 12.34 init-a ran',
      '2026-01-01 00:00:00Z 12.34 init-a ran',
      '26-01-01T00:00:00Z 12.34 init-a ran',
      '2026-1-01T00:00:00Z 12.34 init-a ran',
      '2026-01-01T00:00:00Z  12.34 init-a ran',
    ])
      expect(parseLedger(noise), JSON.stringify(noise)).to.deep.equal([]);
  });

  it('a container\'s lines, in ledger order', () => {
    const ledger = orderLedger();
    const a = ledgerOf(ledger, 'init-a');
    expect(a.length).to.be.greaterThan(0);
    expect(a).to.deep.equal(ledger.filter((e) => e.container === 'init-a'));
    expect(ledgerOf(ledger, 'nobody')).to.deep.equal([]);
  });
});
