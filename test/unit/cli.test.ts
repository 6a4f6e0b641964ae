import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { selectSuites } from '../../lib/cli/run.js';
import { initc } from '../support/cli.js';

/** One line on stderr, no stack trace. */
function expectOneLineError(r: { stderr: unknown; exitCode?: number }, code: number, pattern: RegExp) {
  const stderr = String(r.stderr);
  expect(r.exitCode, stderr).to.equal(code);
  expect(stderr).to.match(pattern);
  expect(stderr).not.to.match(/\n\s+at /);
}

describe('initc command line: bad input', function () {
  this.timeout(60_000);

  it('an unknown flag exits 2', async () => {
    expectOneLineError(await initc(['cluster', 'status', '--no-such-flag']), ExitCode.usage, /Unknown argument/i);
  });

  it('an unknown command exits 2', async () => {
    expectOneLineError(await initc(['bogus']), ExitCode.usage, /Unknown argument|command/i);
  });

  it('an unknown Kubernetes version exits 3', async () => {
    expectOneLineError(await initc(['cluster', 'up', '--k8s-version', '1.99']), ExitCode.unknownVersion, /unsupported Kubernetes version "1\.99"/);
  });

  it('an unknown suite exits 2', () => {
    expect(() => selectSuites(['smoke,nosuch'])).to.throw(/unknown suite nosuch/);
    expect(selectSuites(['all'])).to.include.members(['order', 'sidecar']).and.not.include('smoke');
    expect(selectSuites(['smoke'])).to.deep.equal(['smoke']);
  });

  it('a kubeconfig that cannot be read exits 7', async () => {
    expectOneLineError(await initc(['run', '--kubeconfig', '/nonexistent/kubeconfig']), ExitCode.kubeconfig, /cannot be read/);
  });

  it('a kubeconfig whose cluster cannot be reached exits 7', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kc-'));
    const file = path.join(dir, 'config');
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    await fs.writeFile(file, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
    try {
      expectOneLineError(await initc(['run', '--kubeconfig', file]), ExitCode.kubeconfig, /cannot be reached/);
      expectOneLineError(await initc(['run', '--kubeconfig', file, '--context', 'nope']), ExitCode.kubeconfig, /has no context "nope"/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('the embedded cluster without root exits 4', async function () {
    if (process.getuid?.() !== 0) this.skip(); // only root can drop to another user to try
    const r = await initc(['cluster', 'up'], { uid: 65534, gid: 65534, env: { ...process.env, HOME: '/tmp' } });
    expectOneLineError(r, ExitCode.notRoot, /needs root/);
  });

  it('a port already taken exits 5 before anything is built or started', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(2379, '127.0.0.1', resolve));
    try {
      const r = await initc(['cluster', 'up']);
      expectOneLineError(r, ExitCode.portTaken, /127\.0\.0\.1:2379 \(for etcd \(client\)\) is already taken/);
    } finally {
      server.close();
    }
  });
});
