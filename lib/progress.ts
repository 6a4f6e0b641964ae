/**
 * Progress lines for long steps, on stderr so stdout stays parseable (`initc cluster kubeconfig`).
 * A step prints when it starts and when it ends, with its duration; `update` reprints the running
 * step's detail, named by its step, at most every few seconds so a slow build shows it is alive.
 * Steps may run at once (builds in parallel): each keeps the nesting depth it started at, held per
 * async context, so one step's lines never indent another's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Progress {
  step<T>(title: string, work: (step: StepHandle) => Promise<T>): Promise<T>;
  info(message: string): void;
}

export interface StepHandle {
  update(detail: string): void;
}

export class ConsoleProgress implements Progress {
  private readonly depth = new AsyncLocalStorage<number>();

  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
    private readonly minUpdateIntervalMs = 5000,
  ) {}

  info(message: string): void {
    this.write(`${this.indent()}${message}`);
  }

  async step<T>(title: string, work: (step: StepHandle) => Promise<T>): Promise<T> {
    const started = Date.now();
    let lastUpdate = 0;
    const depth = this.depth.getStore() ?? 0;
    const indent = '  '.repeat(depth);
    const name = shortTitle(title);
    this.write(`${indent}▸ ${title}`);
    const handle: StepHandle = {
      update: (detail) => {
        const now = Date.now();
        if (now - lastUpdate < this.minUpdateIntervalMs) return;
        lastUpdate = now;
        this.write(`${indent}  … ${name}: ${detail} (${seconds(now - started)})`);
      },
    };
    try {
      const result = await this.depth.run(depth + 1, () => work(handle));
      this.write(`${indent}✔ ${title} (${seconds(Date.now() - started)})`);
      return result;
    } catch (err) {
      this.write(`${indent}✘ ${title} (${seconds(Date.now() - started)})`);
      throw err;
    }
  }

  private indent(): string {
    return '  '.repeat(this.depth.getStore() ?? 0);
  }
}

export const silentProgress: Progress = {
  info: () => undefined,
  step: (_title, work) => work({ update: () => undefined }),
};

/** A step's title without its trailing parenthesis (a log path), to name it on its update lines. */
export function shortTitle(title: string): string {
  return title.replace(/\s*\([^()]*\)$/, '');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
