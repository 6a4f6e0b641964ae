/** The comparison written out: compare.html, compare.md and compare.json in one folder. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Comparison } from './compare.js';
import { compareHtml } from './html.js';
import { compareMarkdown } from './markdown.js';
import { modelJson } from './model.js';

export const COMPARISON_FILES = ['compare.html', 'compare.md', 'compare.json'] as const;

export interface ComparisonFiles {
  html: string;
  markdown: string;
  json: string;
}

export async function writeComparison(c: Comparison, outDir: string): Promise<ComparisonFiles> {
  await fs.mkdir(outDir, { recursive: true });
  const files = { html: path.join(outDir, 'compare.html'), markdown: path.join(outDir, 'compare.md'), json: path.join(outDir, 'compare.json') };
  await fs.writeFile(files.html, compareHtml(c));
  await fs.writeFile(files.markdown, compareMarkdown(c));
  await fs.writeFile(files.json, modelJson(c));
  return files;
}
