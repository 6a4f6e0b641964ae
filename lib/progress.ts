/**
 * Progress lines for long steps, on stderr so stdout stays parseable (`initc cluster kubeconfig`).
 * A step prints when it starts and when it ends, with its duration; `update` reprints the running
 * step's detail at most every few seconds so a slow build shows it is alive.
 */
export interface Progress {
  step<T>(title: string, work: (step: StepHandle) => Promise<T>): Promise<T>;
  info(message: string): void;
}

export interface StepHandle {
  update(detail: string): void;
}

export class ConsoleProgress implements Progress {
  private depth = 0;

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
    const indent = this.indent();
    this.write(`${indent}▸ ${title}`);
    this.depth++;
    const handle: StepHandle = {
      update: (detail) => {
        const now = Date.now();
        if (now - lastUpdate < this.minUpdateIntervalMs) return;
        lastUpdate = now;
        this.write(`${indent}  … ${detail} (${seconds(now - started)})`);
      },
    };
    try {
      const result = await work(handle);
      this.write(`${indent}✔ ${title} (${seconds(Date.now() - started)})`);
      return result;
    } catch (err) {
      this.write(`${indent}✘ ${title} (${seconds(Date.now() - started)})`);
      throw err;
    } finally {
      this.depth--;
    }
  }

  private indent(): string {
    return '  '.repeat(this.depth);
  }
}

export const silentProgress: Progress = {
  info: () => undefined,
  step: (_title, work) => work({ update: () => undefined }),
};

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
