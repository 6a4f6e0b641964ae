/** The runc wrapper that holds a container at its start: run for real with /bin/sh and jq, over a fake runc and a bundle in a temporary folder. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { HOLD_MOUNT, holdKey, holdNextStart, holdWrapperScript } from '../../lib/cluster/local/runc-hold.js';

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
