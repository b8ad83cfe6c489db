/** keadm's step output on stderr: `[i/n] what is being done`. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

export class Steps {
  #n = 0;
  constructor(
    private readonly io: Io,
    private readonly total: number,
  ) {}

  next(text: string): void {
    this.#n++;
    this.io.err(`[${this.#n}/${this.total}] ${text}\n`);
  }
}
