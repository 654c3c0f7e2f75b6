/** No model version serves the line: no production version and no line override. */
export class NoModelError extends Error {
  readonly code = 'no_model';
  constructor(message = 'no model version serves this line') {
    super(message);
    this.name = 'NoModelError';
  }
}

/** A model should serve the request but is not loaded (yet, or its load failed). Retrying later may work. */
export class ModelUnavailableError extends Error {
  readonly code = 'model_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'ModelUnavailableError';
  }
}

export class UnknownLineError extends Error {
  readonly code = 'unknown_line';
  constructor(lineId: string) {
    super(`no production line ${lineId}`);
    this.name = 'UnknownLineError';
  }
}
