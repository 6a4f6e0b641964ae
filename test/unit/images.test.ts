import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { ociLayout } from '../../lib/cluster/local/images.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('locally made OCI images', () => {
  const layer = Buffer.from('pretend this is a tar');
  const files = ociLayout('localhost/initc/fixture:v1', layer, { cmd: ['sh'], env: ['PATH=/bin'] });
  const json = (name: string) => JSON.parse(files.get(name)!.toString());

  it('names the image for ctr import and keeps every blob under its digest', () => {
    const index = json('index.json');
    expect(index.manifests[0].annotations['io.containerd.image.name']).to.equal('localhost/initc/fixture:v1');
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).to.equal('v1');
    for (const [name, data] of files) if (name.startsWith('blobs/sha256/')) expect(name).to.equal(`blobs/sha256/${sha(data)}`);
  });

  it('links index → manifest → config and layer, with the layer as diff id', () => {
    const manifestDigest = json('index.json').manifests[0].digest.slice(7);
    const manifest = json(`blobs/sha256/${manifestDigest}`);
    expect(manifest.layers[0].digest).to.equal(`sha256:${sha(layer)}`);
    const config = json(`blobs/sha256/${manifest.config.digest.slice(7)}`);
    expect(config.rootfs.diff_ids).to.deep.equal([`sha256:${sha(layer)}`]);
    expect(config.config.Cmd).to.deep.equal(['sh']);
    expect(config.os).to.equal('linux');
  });
});
