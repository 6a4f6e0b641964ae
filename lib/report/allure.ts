/** The single-file Allure 3 report, from a folder of Allure results. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../errors.js';
import { packageBin } from '../util/package-bin.js';

export async function generateAllureReport(resultsDir: string, reportDir: string): Promise<void> {
  const config = path.join(path.dirname(resultsDir), 'allurerc.json');
  await fs.writeFile(config, JSON.stringify({ name: 'initc', output: reportDir, plugins: { awesome: { options: { singleFile: true, reportName: 'initc', groupBy: ['feature'] } } } }, null, 2));
  const r = await execa(process.execPath, [packageBin('allure'), 'generate', resultsDir, '--config', config, '--output', reportDir], { reject: false });
  if (r.exitCode !== 0) throw new InitcError('reportFailed', `allure generate failed on ${resultsDir}: ${String(r.stderr || r.stdout).trim().split('\n').pop()}`);
}
