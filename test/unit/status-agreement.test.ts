import { expect } from 'chai';
import type { RecordedRow } from '../../lib/checks/recording.js';
import { checkStatusAgreement } from '../../lib/checks/status-agreement.js';

const row = (seq: number, status: string, serverStatus: string | undefined): RecordedRow => ({
  seq, receivedAt: '', elapsedMs: seq * 100, resourceVersion: String(seq), event: 'MODIFIED', phase: 'Pending', status, serverStatus, ready: '0/1', restarts: 0, conditions: {}, containers: [],
});

describe('STATUS cross-check (initc printPod port vs the server Table)', () => {
  it('passes when every row was compared and agreed', () => {
    checkStatusAgreement([{ pod: 'a', rows: [row(1, 'Pending', 'Pending'), row(2, 'Init:0/1', 'Init:0/1')] }]);
  });
  it('fails on a disagreement, naming the pod, row and both values', () => {
    expect(() => checkStatusAgreement([{ pod: 'a', rows: [row(1, 'Pending', 'Pending'), row(2, 'Init:0/1', 'Init:Error')] }])).to.throw(
      /expected initc's STATUS \(printPod port\) to equal the server's Table on every row; observed 1 disagreement\(s\):\na #2 rv 2: initc computed "Init:0\/1", the server printed "Init:Error"/,
    );
  });
  it('fails when a row carries no server STATUS (it was not compared)', () => {
    expect(() => checkStatusAgreement([{ pod: 'a', rows: [row(1, 'Pending', 'Pending'), row(2, 'Running', undefined)] }])).to.throw(/expected the server's STATUS on every row of a; observed none on rows #2/);
  });
  it('names every row without a server STATUS, and every disagreement on a line of its own', () => {
    expect(() => checkStatusAgreement([{ pod: 'a', rows: [row(1, 'Pending', 'Pending'), row(2, 'Init:0/1', undefined), row(3, 'Running', undefined)] }])).to.throw(/observed none on rows #2, #3\n/);
    expect(() => checkStatusAgreement([{ pod: 'a', rows: [row(1, 'Pending', 'Init:0/1')] }, { pod: 'b', rows: [row(4, 'Running', 'Completed')] }])).to.throw(
      /observed 2 disagreement\(s\):\na #1 rv 1: initc computed "Pending", the server printed "Init:0\/1"\nb #4 rv 4: initc computed "Running", the server printed "Completed"$/,
    );
  });
  it('fails when a pod has no rows (nothing was compared)', () => {
    expect(() => checkStatusAgreement([{ pod: 'a', rows: [row(1, 'Pending', 'Pending')] }, { pod: 'b', rows: [] }])).to.throw(/expected the timeline of b to hold rows to compare; observed no rows at all/);
  });
});
