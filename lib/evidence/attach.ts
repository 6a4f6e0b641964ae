/** Evidence into the Allure result of the running test (a no-op outside an Allure run). */
import { attachment } from 'allure-js-commons';
import type { EvidenceFile } from './collect.js';

export async function attachEvidence(files: EvidenceFile[]): Promise<void> {
  for (const f of files) await attachment(f.name, f.content, f.contentType);
}
