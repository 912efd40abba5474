import { LoggerService } from '@nestjs/common';

/** A Nest logger that records what it is given, so tests can assert on warnings and errors. */
export class LogCapture implements LoggerService {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];

  log(): void {}
  debug(): void {}
  verbose(): void {}
  fatal(): void {}

  warn(message: unknown): void {
    this.warnings.push(String(message));
  }

  error(message: unknown): void {
    this.errors.push(String(message));
  }

  /** Warnings whose text contains `text`. */
  warningsAbout(text: string): string[] {
    return this.warnings.filter((message) => message.includes(text));
  }

  /** Errors whose text contains `text`. */
  errorsAbout(text: string): string[] {
    return this.errors.filter((message) => message.includes(text));
  }
}
