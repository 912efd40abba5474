import type { Platform } from './variant';

/** argv[2] of a server process, as JSON. */
export interface ServerArgs {
  variantFile: string;
  platform: Platform;
}

/** Parent → server. */
export type ServerRequest = { type: 'stats'; id: number; gc?: boolean };

/** A snapshot of the server process, taken inside it. */
export interface ServerStats {
  /** `process.cpuUsage()` (user + system, all threads), in microseconds. */
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Heap reserved by V8, used or not. */
  heapTotalBytes: number;
  /** Memory of Buffers and other C++ objects tied to JS objects. */
  externalBytes: number;
  /** Times a handler ran its work since the process started. */
  executions: number;
}

/** Server → parent. */
export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'stats'; id: number; stats: ServerStats };
