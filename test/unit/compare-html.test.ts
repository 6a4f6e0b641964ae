/**
 * compare.html as a browser shows it: Debian's chromium, headless, from file://. The screenshot
 * is kept in the test's temporary folder (its path is printed) as evidence of what was rendered.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'chai';
import { compareRuns, loadRun } from '../../lib/report/compare.js';
import { writeComparison } from '../../lib/report/compare-files.js';
import { onPath } from '../../lib/util/fsx.js';
import { projectRoot } from '../../lib/util/paths.js';

const RUNS = path.join(projectRoot(), 'test', 'fixtures', 'runs');

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

describe('compare.html in headless Chromium', function () {
  this.timeout(20_000);
  let dir: string;
  let html: string;
  let chromium: string;
  before(async () => {
    const found = await onPath('chromium');
    if (!found) throw new Error('chromium is not on PATH: install Debian\'s chromium (scripts/setup does; or apt-get install -y chromium) to test the comparison page');
    chromium = found;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-html-'));
    const runs = [await loadRun(path.join(RUNS, 'v1.34'), async () => 'x'), await loadRun(path.join(RUNS, 'v1.36'), async () => 'x')];
    html = (await writeComparison(compareRuns(runs, dir), dir)).html;
  });

  after(async () => {
    if (dir) await fs.rm(path.join(dir, 'profile'), { recursive: true, force: true });
  });

  // Its own profile folder, so the browser neither reads nor leaves state in the user's home.
  const browse = (...args: string[]) =>
    execa(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', `--user-data-dir=${path.join(dir, 'profile')}`, '--window-size=1400,1000', '--virtual-time-budget=8000', ...args, `file://${html}`], { timeout: 15_000, reject: false });

  it('loads nothing from elsewhere: no script, stylesheet, font or image from a URL', async () => {
    const text = await fs.readFile(html, 'utf8');
    expect(text).not.to.match(/<script|<link|@import|url\(|src=/i);
    expect(text.match(/href="([^"#][^"]*)"/g) ?? []).to.deep.equal([]);
  });

  it('renders the version columns and the timeline charts (screenshot kept)', async () => {
    const screenshot = path.join(dir, 'compare.png');
    const shot = await browse(`--screenshot=${screenshot}`);
    expect(shot.exitCode, String(shot.stderr).slice(-2000)).to.equal(0);
    const png = await fs.readFile(screenshot);
    expect(pngSize(png)).to.deep.equal({ width: 1400, height: 1000 });
    // A blank page compresses to a few kilobytes; tables and text do not.
    expect(png.length).to.be.greaterThan(50_000);
    process.stdout.write(`      screenshot: ${screenshot}\n`);

    const dom = await browse('--dump-dom');
    expect(dom.exitCode, String(dom.stderr).slice(-2000)).to.equal(0);
    const page = String(dom.stdout);
    const headers = [...page.matchAll(/<th class="version">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).to.deep.equal(['v1.34.12', 'v1.36.5', 'v1.34.12', 'v1.36.5']);
    const charts = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(charts.length).to.be.greaterThan(0);
    expect(charts.filter((svg) => /<polyline class="status" points="[\d., ]+"/.test(svg)).length).to.equal(charts.length);
    expect(page).to.include('aria-label="v1.36.5: pod flaky"').and.include('aria-label="v1.34.12: pod flaky"');
  });
});
