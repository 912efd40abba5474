import { MaybePromise } from '../stores/cache-store.interface';
import { isThenable } from '../utils/is-thenable';
import { Flight, FlightResult, Ticket } from './flight';
import { StatsCounter } from './stats.counter';
import { EntryKey } from './store-keys';

const TIMED_OUT = Symbol('timed out');

/** How many recently landed keys are remembered for reads that overlapped them (then forgotten). */
const LANDED_MEMORY = 10_000;

/** How a flight starts and ends its ticket (the engine's `begin` and `release`). */
export interface TicketOffice {
  begin(key: EntryKey, tags: readonly string[]): MaybePromise<Ticket>;
  release(ticket: Ticket): void;
}

/**
 * One computation per store key at a time. A caller joins the computation in progress unless it
 * is older than `flightTimeout`; a joiner waits at most `flightTimeout`, then runs its own; a
 * joiner of a computation whose result could not be stored (nothing to share safely) runs its own.
 * A rejection reaches every joiner.
 */
export class SingleFlight {
  readonly flights = new Map<string, Flight<unknown>>();
  /**
   * Set once a read was asynchronous (a remote store): only then can a read overlap a landing, so
   * an in-process store never pays for recording them.
   */
  tracksLandings = false;
  /** Counts the flights that ended with a storable result; `landed` maps a key to its last one. */
  private landings = 0;
  private readonly landed = new Map<string, number>();

  constructor(
    private readonly office: TicketOffice,
    private readonly stats: StatsCounter,
  ) {}

  /** True while a computation of `storeKey` runs that is younger than `timeoutMs`. */
  joinable(storeKey: string, timeoutMs: number): boolean {
    const running = this.flights.get(storeKey);
    return running !== undefined && Date.now() - running.startedAt < timeoutMs;
  }

  /** A mark to take when an asynchronous read starts (see `landedSince`). */
  get mark(): number {
    return this.landings;
  }

  /**
   * True when a computation of `storeKey` ended with a storable result after `mark` was taken: a
   * read that started before its write landed may have missed it, and should read again rather
   * than compute a second time (a stampede on a remote store).
   */
  landedSince(storeKey: string, mark: number): boolean {
    const landing = this.landed.get(storeKey);
    return landing !== undefined && landing > mark;
  }

  run<T>(
    storeKey: string,
    key: EntryKey,
    tags: readonly string[],
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
    user: string | undefined,
    timeoutMs: number,
  ): { leader: boolean; promise: Promise<FlightResult<T>> } {
    const running = this.flights.get(storeKey) as Flight<T> | undefined;
    if (running !== undefined && this.joinable(storeKey, timeoutMs)) {
      this.stats.coalesced++;
      const own = () => this.solo(key, tags, run);
      const promise = waitAtMost(running.promise, timeoutMs).then((result) =>
        result === TIMED_OUT || result.payload === undefined ? own() : result,
      );
      return { leader: false, promise };
    }
    let ticket!: Ticket;
    const promise = startWith(this.office.begin(key, tags), (started) => {
      ticket = started;
      return run(started);
    });
    const flight: Flight<T> = {
      get ticket() {
        return ticket;
      },
      promise,
      startedAt: Date.now(),
    };
    this.flights.set(storeKey, flight as Flight<unknown>);
    const settle = () => {
      if (this.flights.get(storeKey) === flight) this.flights.delete(storeKey);
      if (ticket !== undefined) this.office.release(ticket);
    };
    const land = (result: FlightResult<T>) => {
      settle();
      if (result.payload === undefined || !this.tracksLandings) return;
      if (this.landed.size >= LANDED_MEMORY) this.landed.clear();
      this.landed.set(storeKey, ++this.landings);
    };
    promise.then(
      (result) => (result.written ? result.written.then(() => land(result), settle) : land(result)),
      settle,
    );
    return { leader: true, promise };
  }

  /** Detaches the computations whose ticket matches (or has not started): later callers start afresh. */
  detach(matches: (ticket: Ticket) => boolean): void {
    for (const [storeKey, flight] of this.flights) {
      const ticket = flight.ticket;
      if (ticket === undefined ? true : matches(ticket)) this.flights.delete(storeKey);
    }
  }

  /** A computation of this caller's own, that nobody joins. */
  private solo<T>(
    key: EntryKey,
    tags: readonly string[],
    run: (ticket: Ticket) => Promise<FlightResult<T>>,
  ): Promise<FlightResult<T>> {
    let ticket: Ticket | undefined;
    const promise = startWith(this.office.begin(key, tags), (started) => {
      ticket = started;
      return run(started);
    });
    const settle = () => ticket !== undefined && this.office.release(ticket);
    promise.then(settle, settle);
    return promise.then((result) => ({ ...result, own: true }));
  }
}

/**
 * Runs `run` with the ticket: at once when it was issued synchronously (an in-process store), so
 * a leader starts its computation without a promise hop; a synchronous throw becomes a rejection.
 */
function startWith<R>(
  begun: MaybePromise<Ticket>,
  run: (ticket: Ticket) => Promise<R>,
): Promise<R> {
  if (isThenable<Ticket>(begun)) return Promise.resolve(begun).then(run);
  try {
    return run(begun);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `promise`, or `TIMED_OUT` once `ms` have passed (never, for `Infinity`). */
function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
