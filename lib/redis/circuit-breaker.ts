export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Stops calling a dead Redis: after `threshold` consecutive failures the circuit opens and calls
 * fail at once, without a network round; after `cooldownMs` it half-opens and lets one call through
 * as a probe. The probe's success closes it, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: CircuitState = 'closed';

  constructor(
    private readonly threshold = 5,
    private readonly cooldownMs = 500,
    private readonly onChange?: (state: CircuitState) => void,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  /** True when a call may go to Redis now (as a probe when half-open). */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.probing) return false;
    if (this.current === 'open' && Date.now() - this.openedAt < this.cooldownMs) return false;
    this.move('half-open');
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.move('closed');
  }

  failure(): void {
    this.probing = false;
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.threshold) {
      this.openedAt = Date.now();
      if (this.current !== 'open') this.move('open');
    }
  }

  private move(state: CircuitState): void {
    this.current = state;
    this.onChange?.(state);
  }
}
