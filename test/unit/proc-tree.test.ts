/** The shim's pid read from /proc/<pid>/stat (lib/cluster/local/proc-tree.ts): a command with spaces and parentheses does not shift the fields. */
import { expect } from 'chai';
import { parentFromStat } from '../../lib/cluster/local/proc-tree.js';

describe('proc-tree: the parent pid of a process', () => {
  it('is the 4th field, counted after the last ")" of the command', () => {
    expect(parentFromStat('4242 (pause) S 4200 4242 4242 0 -1 4194560 105 0 0 0')).to.equal(4200);
    expect(parentFromStat('77 (a) b (c) R 12 77 77 0')).to.equal(12);
  });

  it('none for a gone process (empty text), pid 0 or garbage', () => {
    expect(parentFromStat('')).to.equal(undefined);
    expect(parentFromStat('1 (init) S 0 1 1 0')).to.equal(undefined);
    expect(parentFromStat('5 (x) S ? 1')).to.equal(undefined);
  });
});
