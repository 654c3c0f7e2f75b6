import { type NextFunction, type Request, type Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, labelled with the app's name. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly jobsFinished: Counter<'kind' | 'outcome'>;

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry, prefix: 'linescope_' });
    this.httpDuration = new Histogram({
      name: 'linescope_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.jobsFinished = new Counter({
      name: 'linescope_jobs_finished_total',
      help: 'Background jobs finished, by kind and outcome (done, skipped, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [this.registry],
    });
  }

  /** Express middleware timing every request; the route label is the matched pattern, never the raw URL. */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
        end({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
      });
      next();
    };
  }
}
