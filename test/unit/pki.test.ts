import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { certificatePlan, opensslExtensions, subject, writePki } from '../../lib/cluster/local/pki.js';

const inputs = { nodeName: 'n1', nodeIP: '10.253.0.1', apiServiceIP: '10.96.0.1', clusterDomain: 'cluster.local' };

describe('embedded cluster PKI', () => {
  it('plans the apiserver certificate for every name a client uses', () => {
    const api = certificatePlan(inputs).find((c) => c.name === 'apiserver')!;
    expect(api.ipAddresses).to.include.members(['127.0.0.1', '10.253.0.1', '10.96.0.1']);
    expect(api.dnsNames).to.include('kubernetes.default.svc.cluster.local');
    expect(opensslExtensions(api)).to.include('extendedKeyUsage = serverAuth').and.include('IP:10.96.0.1');
  });

  it('gives the kubelet its node identity and admin the masters group', () => {
    const plan = certificatePlan(inputs);
    expect(subject(plan.find((c) => c.name === 'kubelet-client')!)).to.equal('/O=system:nodes/CN=system:node:n1');
    expect(plan.find((c) => c.name === 'admin')!.organization).to.equal('system:masters');
  });

  it('writes certificates signed by its CA, keys readable by root only', async function () {
    this.timeout(30_000);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-pki-'));
    try {
      await writePki(path.join(dir, 'pki'), inputs);
      const pki = path.join(dir, 'pki');
      expect((await fs.stat(pki)).mode & 0o777).to.equal(0o700);
      const ca = new X509Certificate(await fs.readFile(path.join(pki, 'ca.crt')));
      for (const spec of certificatePlan(inputs)) {
        const cert = new X509Certificate(await fs.readFile(path.join(pki, `${spec.name}.crt`)));
        expect(cert.verify(ca.publicKey), `${spec.name} signed by the CA`).to.equal(true);
        expect(cert.subject).to.include(`CN=${spec.commonName}`);
        expect((await fs.stat(path.join(pki, `${spec.name}.key`))).mode & 0o777).to.equal(0o600);
      }
      const api = new X509Certificate(await fs.readFile(path.join(pki, 'apiserver.crt')));
      expect(api.checkIP('10.96.0.1')).to.equal('10.96.0.1');
      expect(api.checkHost('kubernetes.default.svc')).to.equal('kubernetes.default.svc');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
