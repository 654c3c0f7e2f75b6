/** A reason the process cannot start. Its message is one line for the operator; no stack trace is printed. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
