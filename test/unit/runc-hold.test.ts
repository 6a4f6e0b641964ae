/** The runc wrapper that holds a container at its start: run for real with /bin/sh and jq, over a fake runc and a bundle in a temporary folder. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { HOLD_MOUNT, blockNextStart, holdKey, holdNextStart, holdWrapperScript } from '../../lib/cluster/local/runc-hold.js';

describe('runc wrapper: holding a container at its start', () => {
  let dir: string;
  let holds: string;
  let wrapper: string;
  let calls: string;
  const spec = (namespace: string, container: string) => ({
    ociVersion: '1.2.0',
    process: { args: ['sh', '-c', 'echo hi >> /data/x'], cwd: '/' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    annotations: { 'io.kubernetes.cri.sandbox-namespace': namespace, 'io.kubernetes.cri.container-name': container, 'io.kubernetes.cri.sandbox-name': 'p-0' },
  });
  const bundle = async (name: string, namespace: string, container: string) => {
    const b = path.join(dir, name);
    await fs.mkdir(b, { recursive: true });
    await fs.writeFile(path.join(b, 'config.json'), JSON.stringify(spec(namespace, container)));
    return b;
  };
  const config = async (b: string) => JSON.parse(await fs.readFile(path.join(b, 'config.json'), 'utf8')) as ReturnType<typeof spec>;
  const run = (args: string[]) => execa(wrapper, args);

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-runc-hold-'));
    holds = path.join(dir, 'holds');
    calls = path.join(dir, 'calls');
    const fakeRunc = path.join(dir, 'runc');
    await fs.writeFile(fakeRunc, `#!/bin/sh\necho "$*" >> '${calls}'\nexit 7\n`, { mode: 0o755 });
    wrapper = path.join(dir, 'wrapper');
    await fs.writeFile(wrapper, holdWrapperScript({ runc: fakeRunc, holdsDir: holds, busybox: '/bin/busybox', jq: '/usr/bin/jq' }), { mode: 0o755 });
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const createArgs = (b: string) => ['--root', '/run/x', '--log', `${b}/log.json`, '--log-format', 'json', 'create', '--bundle', b, '--pid-file', `${b}/init.pid`, 'abc123'];

  it('with no rule it only execs runc, with every argument and its exit code', async () => {
    const b = await bundle('b1', 'ns', 'migrate');
    const before = await fs.readFile(path.join(b, 'config.json'), 'utf8');
    const r = await run(createArgs(b)).catch((e: { exitCode: number }) => e);
    expect(r.exitCode).to.equal(7);
    expect(await fs.readFile(calls, 'utf8')).to.equal(`${createArgs(b).join(' ')}\n`);
    expect(await fs.readFile(path.join(b, 'config.json'), 'utf8')).to.equal(before);
  });

  it('a rule for the container: that one create gets the sleeper, bound read-only; the rule is claimed; the next create runs as written', async () => {
    const withdraw = await holdNextStart(holds, 'ns', 'migrate');
    expect(await fs.readdir(holds)).to.deep.equal([holdKey('ns', 'migrate')]);
    const b = await bundle('b2', 'ns', 'migrate');
    await run(createArgs(b)).catch(() => undefined);
    const held = await config(b);
    expect(held.process.args).to.deep.equal([HOLD_MOUNT, 'sleep', '2147483647']);
    expect(held.mounts.at(-1)).to.deep.equal({ destination: HOLD_MOUNT, type: 'bind', source: '/bin/busybox', options: ['rbind', 'ro'] });
    expect(held.mounts).to.have.length(2);
    expect(await fs.readFile(calls, 'utf8')).to.equal(`${createArgs(b).join(' ')}\n`);
    const again = await bundle('b3', 'ns', 'migrate');
    await run(createArgs(again)).catch(() => undefined);
    expect((await config(again)).process.args, 'one rule, one start').to.deep.equal(['sh', '-c', 'echo hi >> /data/x']);
    expect(await withdraw()).to.equal(true);
    expect(await fs.readdir(holds)).to.deep.equal([]);
  });

  it('another container, another namespace, or a call that is not create: left as written, the rule kept', async () => {
    const withdraw = await holdNextStart(holds, 'ns', 'migrate');
    const other = await bundle('b4', 'ns', 'write-config');
    const elsewhere = await bundle('b5', 'ns2', 'migrate');
    const started = await bundle('b6', 'ns', 'migrate');
    await run(createArgs(other)).catch(() => undefined);
    await run(createArgs(elsewhere)).catch(() => undefined);
    await run(['--root', '/run/x', 'start', '--bundle', started, 'abc']).catch(() => undefined);
    for (const b of [other, elsewhere, started]) expect((await config(b)).process.args[0], b).to.equal('sh');
    expect(await fs.readdir(holds)).to.deep.equal([holdKey('ns', 'migrate')]);
    expect(await withdraw(), 'never used').to.equal(false);
    expect(await fs.readdir(holds)).to.deep.equal([]);
  });

  it('--bundle=PATH is read too', async () => {
    await holdNextStart(holds, 'ns', 'migrate');
    const b = await bundle('b7', 'ns', 'migrate');
    await run(['create', `--bundle=${b}`, 'id']).catch(() => undefined);
    expect((await config(b)).process.args[0]).to.equal(HOLD_MOUNT);
  });
});

describe('runc wrapper: blocking a container\'s create (the embedded cluster\'s, blocks: true)', () => {
  let dir: string;
  let holds: string;
  let wrapper: string;
  let calls: string;
  const bundle = async (name: string, container: string) => {
    const b = path.join(dir, name);
    await fs.mkdir(b, { recursive: true });
    await fs.writeFile(path.join(b, 'config.json'), JSON.stringify({ process: { args: ['sh'] }, mounts: [], annotations: { 'io.kubernetes.cri.sandbox-namespace': 'ns', 'io.kubernetes.cri.container-name': container } }));
    return b;
  };
  const calledWith = () => fs.readFile(calls, 'utf8').catch(() => '');

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-runc-block-'));
    holds = path.join(dir, 'holds');
    calls = path.join(dir, 'calls');
    const fakeRunc = path.join(dir, 'runc');
    await fs.writeFile(fakeRunc, `#!/bin/sh\necho "$*" >> '${calls}'\n`, { mode: 0o755 });
    wrapper = path.join(dir, 'wrapper');
    await fs.writeFile(wrapper, holdWrapperScript({ runc: fakeRunc, holdsDir: holds, busybox: '/bin/busybox', jq: '/usr/bin/jq', blocks: true }), { mode: 0o755 });
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('without blocks the script is the plain holder (kind\'s node image keeps its inputs)', () => {
    const o = { runc: '/r', holdsDir: '/h', busybox: '/b', jq: '/j' };
    expect(holdWrapperScript(o)).to.not.include('release');
    expect(holdWrapperScript({ ...o, blocks: false })).to.equal(holdWrapperScript(o));
    expect(holdWrapperScript({ ...o, blocks: true })).to.include('.release');
  });

  it('a block rule: the create waits, unchanged, until released, then runs runc; the rule is claimed and cleaned up', async () => {
    const blocked = await blockNextStart(holds, 'ns', 'app');
    expect(await blocked.claimed()).to.equal(false);
    const b = await bundle('b1', 'app');
    const before = await fs.readFile(path.join(b, 'config.json'), 'utf8');
    const create = execa(wrapper, ['create', '--bundle', b, 'id1']);
    for (let i = 0; i < 50 && !(await blocked.claimed()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await blocked.claimed()).to.equal(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await calledWith(), 'runc not called while blocked').to.equal('');
    expect(await fs.readFile(path.join(holds, `${holdKey('ns', 'app')}.held`), 'utf8')).to.match(new RegExp(`^block\\n.*\\n${b}\\n$`));
    await blocked.release();
    await create;
    expect(await calledWith()).to.equal(`create --bundle ${b} id1\n`);
    expect(await fs.readFile(path.join(b, 'config.json'), 'utf8'), 'the spec as written').to.equal(before);
    expect(await fs.readdir(holds)).to.deep.equal([]);
    const again = await bundle('b2', 'app');
    await execa(wrapper, ['create', '--bundle', again, 'id2']);
    expect(await calledWith(), 'one rule, one block').to.equal(`create --bundle ${b} id1\ncreate --bundle ${again} id2\n`);
  });

  it('a block rule never used: release withdraws it, leaves no release file; another container is not blocked', async () => {
    const blocked = await blockNextStart(holds, 'ns', 'app');
    await execa(wrapper, ['create', '--bundle', await bundle('b3', 'init-a'), 'id3']);
    expect(await blocked.claimed()).to.equal(false);
    await blocked.release();
    expect(await fs.readdir(holds)).to.deep.equal([]);
  });

  it('a release file left by a killed wrapper does not let the next block through', async () => {
    await fs.mkdir(holds, { recursive: true });
    await fs.writeFile(path.join(holds, `${holdKey('ns', 'app')}.release`), '');
    const blocked = await blockNextStart(holds, 'ns', 'app');
    expect(await fs.readdir(holds)).to.deep.equal([holdKey('ns', 'app')]);
    await blocked.release();
  });

  it('a hold rule still gets the sleeper under the blocking wrapper', async () => {
    await holdNextStart(holds, 'ns', 'app');
    const b = await bundle('b4', 'app');
    await execa(wrapper, ['create', '--bundle', b, 'id4']);
    expect((JSON.parse(await fs.readFile(path.join(b, 'config.json'), 'utf8')) as { process: { args: string[] } }).process.args).to.deep.equal([HOLD_MOUNT, 'sleep', '2147483647']);
  });
});
