import { HttpException } from '@nestjs/common';

/** Body of every error the API answers: a stable machine code and a sentence for people. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    const body: ErrorBody = { statusCode: status, error: code, message, ...(details ? { details } : {}) };
    super(body, status);
  }
}
