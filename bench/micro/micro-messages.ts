/** argv[2] of the micro-benchmark process, as JSON. */
export interface MicroArgs {
  rounds: number;
  taskMs: number;
}

/** Micro-benchmark process → parent. */
export type MicroMessage =
  | { type: 'done'; tasks: { name: string; opsPerSec: number[] }[] }
  | { type: 'failed'; error: string };
