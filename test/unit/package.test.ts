/**
 * The package: what it declares (bin, files, runtime dependencies), how an installed initc finds
 * its dependencies' commands and its suites revision without the repository's sources, and its
 * --version. The tarball itself is packed and installed in test/integration/package.test.ts.
 */
import { promises as fs, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { REVISION_STAMP, revisionFiles, suitesRevision, writeRevisionStamp } from '../../lib/report/revision.js';
import { packageBin, packageDir } from '../../lib/util/package-bin.js';
import { INITC_VERSION, projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

interface Manifest {
  version: string;
  private?: boolean;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as Manifest;

/** The packages a folder's TypeScript sources import (bare specifiers, node: builtins left out). */
async function importedPackages(dir: string): Promise<Set<string>> {
  const found = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.ts')) {
        const text = await fs.readFile(p, 'utf8');
        for (const m of text.matchAll(/^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/gm)) {
          const spec = (m[1] ?? m[2])!;
          if (spec.startsWith('node:')) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  await walk(dir);
  return found;
}

describe('the package', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-pkg-unit-'));
  });
  afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

  describe('package.json', () => {
    it('is installable (not private), names the compiled CLI as initc, and builds before it packs', () => {
      expect(manifest.private).to.equal(undefined);
      expect(manifest.bin).to.deep.equal({ initc: 'dist/lib/cli/main.js' });
      expect(manifest.scripts.prepack).to.equal('bash scripts/prepack');
      expect(manifest.engines.node).to.equal('>=20.19');
      expect(manifest.version).to.match(/^\d+\.\d+\.\d+$/);
    });

    it('packs only the compiled CLI, suites and fixtures, the revision stamp, the Go sources, schemas and examples', () => {
      expect(manifest.files).to.deep.equal([
        'dist/lib/**/*.js',
        'dist/suites/**/*.js',
        'dist/fixtures/**/*.js',
        REVISION_STAMP,
        'lib/cluster/local/go/**/*.go',
        'lib/cluster/storage/go/**/*.go',
        'schemas/*.json',
        'examples/**/*.yml',
        'examples/**/*.yaml',
      ]);
    });

    it('every package the CLI, the suites and the fixtures import is a runtime dependency; the tools of the repository are not', async () => {
      const imported = new Set([...(await importedPackages(path.join(projectRoot(), 'lib'))), ...(await importedPackages(path.join(projectRoot(), 'suites'))), ...(await importedPackages(path.join(projectRoot(), 'fixtures')))]);
      expect([...imported].sort()).to.include.members(['@kubernetes/client-node', 'chai', 'execa', 'mocha', 'yargs']);
      for (const p of imported) expect(manifest.dependencies, `${p} is imported at run time`).to.have.property(p);
      // Loaded by name at run time: Mocha's reporter, and the Allure CLI run for the HTML report.
      for (const p of ['allure-mocha', 'allure']) expect(manifest.dependencies).to.have.property(p);
      for (const p of Object.keys(manifest.dependencies)) expect(p).to.not.match(/^(tsx|typescript|@stryker-mutator\/|@types\/)/);
      for (const p of ['tsx', 'typescript', '@stryker-mutator/core', 'ajv']) expect(manifest.devDependencies).to.have.property(p);
    });

    it('every Go source the embedded cluster builds is under the packed lib/cluster/local/go or lib/cluster/storage/go', async () => {
      const go = path.join(projectRoot(), 'lib', 'cluster', 'local', 'go');
      const sources = (await fs.readdir(go, { recursive: true })).filter((f) => f.endsWith('.go')).sort();
      expect(sources).to.deep.equal(['coredns/main.go', 'kube/main.go', 'pause/main.go']);
      const build = await fs.readFile(path.join(projectRoot(), 'lib', 'cluster', 'local', 'build.ts'), 'utf8');
      expect([...build.matchAll(/goSource\('(\w+)', '([\w.]+)'\)/g)].map((m) => `${m[1]}/${m[2]}`).sort()).to.deep.equal(sources);
      // The storage provisioner's module: every .go file of its folder is an input of its build.
      const storage = await fs.readFile(path.join(projectRoot(), 'lib', 'cluster', 'storage', 'build.ts'), 'utf8');
      expect(storage).to.include("path.join(projectRoot(), 'lib', 'cluster', 'storage', 'go')");
      expect((await fs.readdir(path.join(projectRoot(), 'lib', 'cluster', 'storage', 'go'))).filter((f) => f.endsWith('.go')).length).to.be.above(0);
    });
  });

  describe('a dependency\'s command, found as Node finds the package', () => {
    it('the Allure CLI and Mocha\'s commands, from the repository\'s node_modules', () => {
      // Where Node's own resolution finds them (allure's main is dist/index.js; the repository's
      // node_modules, or above it when Stryker runs the tests in a sandbox).
      // (require.resolve answers with symbolic links resolved: node_modules may be one.)
      const allure = path.dirname(path.dirname(createRequire(import.meta.url).resolve('allure')));
      expect(path.basename(allure)).to.equal('allure');
      expect(realpathSync(packageDir('allure'))).to.equal(allure);
      expect(realpathSync(packageBin('allure'))).to.equal(path.join(allure, 'cli.js'));
      const mocha = path.join(path.dirname(allure), 'mocha');
      expect(realpathSync(packageBin('mocha'))).to.equal(path.join(mocha, 'bin', 'mocha.js'));
      expect(realpathSync(packageBin('mocha', '_mocha'))).to.equal(path.join(mocha, 'bin', '_mocha'));
    });

    it('hoisted above initc, as an install into another project lays it out', async () => {
      const from = pathToFileURL(path.join(dir, 'node_modules', 'initc', 'dist', 'lib', 'util', 'package-bin.js')).href;
      await fs.mkdir(path.join(dir, 'node_modules', 'initc', 'dist', 'lib', 'util'), { recursive: true });
      await fs.mkdir(path.join(dir, 'node_modules', 'tool'), { recursive: true });
      await fs.writeFile(path.join(dir, 'node_modules', 'tool', 'package.json'), JSON.stringify({ name: 'tool', bin: 'run.js' }));
      expect(packageDir('tool', from)).to.equal(path.join(dir, 'node_modules', 'tool'));
      expect(packageBin('tool', 'tool', from)).to.equal(path.join(dir, 'node_modules', 'tool', 'run.js'));
      expect(() => packageBin('tool', 'other', from)).to.throw('the package tool has no command other');
      // Nested under initc (npm install -g) comes first.
      await fs.mkdir(path.join(dir, 'node_modules', 'initc', 'node_modules', 'tool'), { recursive: true });
      await fs.writeFile(path.join(dir, 'node_modules', 'initc', 'node_modules', 'tool', 'package.json'), JSON.stringify({ name: 'tool', bin: { tool: 'bin/t.js', other: 'bin/o.js' } }));
      expect(packageBin('tool', 'tool', from)).to.equal(path.join(dir, 'node_modules', 'initc', 'node_modules', 'tool', 'bin', 't.js'));
      expect(packageBin('tool', 'other', from)).to.equal(path.join(dir, 'node_modules', 'initc', 'node_modules', 'tool', 'bin', 'o.js'));
      expect(() => packageBin('tool', 'third', from)).to.throw('the package tool has no command third');
    });

    it('a package that is not installed, or has no commands, is named', async () => {
      const from = pathToFileURL(path.join(dir, 'a', 'x.js')).href;
      expect(() => packageDir('no-such-package', from)).to.throw(`the package no-such-package is not installed (looked in ${path.join(dir, 'a', 'node_modules')}, ${path.join(dir, 'node_modules')}, `);
      await fs.mkdir(path.join(dir, 'node_modules', 'lib-only'), { recursive: true });
      await fs.writeFile(path.join(dir, 'node_modules', 'lib-only', 'package.json'), JSON.stringify({ name: 'lib-only' }));
      expect(() => packageBin('lib-only', 'lib-only', from)).to.throw('the package lib-only has no command lib-only');
      // A folder without package.json is not the package.
      await fs.mkdir(path.join(dir, 'a', 'node_modules', 'lib-only'), { recursive: true });
      expect(packageDir('lib-only', from)).to.equal(path.join(dir, 'node_modules', 'lib-only'));
    });
  });

  describe('the suites revision of an installed package', () => {
    const stamp = () => path.join(dir, REVISION_STAMP);

    it('the stamp is dist/suites-revision.txt', () => {
      expect(REVISION_STAMP).to.equal('dist/suites-revision.txt');
    });

    it('without the sources, the revision stamped when it was packed', async () => {
      await fs.mkdir(path.dirname(stamp()), { recursive: true });
      await fs.writeFile(stamp(), '0123456789ab\n');
      expect(await suitesRevision(dir)).to.equal('0123456789ab');
      await fs.writeFile(stamp(), '  fedcba987654 ');
      expect(await suitesRevision(dir)).to.equal('fedcba987654');
    });

    it('a stamp that is not a revision, or none, is an error naming the file', async () => {
      await fs.mkdir(path.dirname(stamp()), { recursive: true });
      for (const bad of ['0123456789a', '0123456789abc', '0123456789aB', 'x0123456789ab', '0123456789ab\nextra', '']) {
        await fs.writeFile(stamp(), bad);
        let err: Error | undefined;
        await suitesRevision(dir).catch((e: Error) => (err = e));
        expect(err?.message, JSON.stringify(bad)).to.equal(`${stamp()} holds ${JSON.stringify(bad.trim())}, not a suites revision`);
      }
      await fs.rm(stamp());
      let missing: Error | undefined;
      await suitesRevision(dir).catch((e: Error) => (missing = e));
      expect(missing?.message).to.equal(`no suites sources under ${dir} and no dist/suites-revision.txt: the package was not packed with its revision`);
    });

    it('the sources, when there, decide over a stamp; packing stamps the sources\' revision', async () => {
      await fs.mkdir(path.join(dir, 'suites'), { recursive: true });
      await fs.writeFile(path.join(dir, 'suites', 'a.spec.ts'), 'a\n');
      const fromSources = await suitesRevision(dir);
      expect(await writeRevisionStamp(dir)).to.equal(fromSources);
      expect(await fs.readFile(stamp(), 'utf8')).to.equal(`${fromSources}\n`);
      await fs.writeFile(stamp(), '0123456789ab\n');
      expect(await suitesRevision(dir)).to.equal(fromSources);
      // The stamp is no source of the revision itself.
      expect(await revisionFiles(dir)).to.deep.equal(['suites/a.spec.ts']);
      // Moved away from its sources, the package reads the revision they had.
      await writeRevisionStamp(dir);
      await fs.rm(path.join(dir, 'suites'), { recursive: true });
      expect(await suitesRevision(dir)).to.equal(fromSources);
    });
  });

  it('initc --version is the package\'s version, from any directory', async function () {
    this.timeout(60_000);
    expect(INITC_VERSION).to.equal(manifest.version);
    const r = await initc(['--version'], { cwd: dir });
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(String(r.stdout).trim()).to.equal(manifest.version);
  });
});
