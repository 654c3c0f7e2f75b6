import path from 'node:path';
import { z } from 'zod';
import { parseS3Endpoint } from './s3-endpoint';

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The environment variables every app reads. Parsed and validated once, at boot. */
export const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: logLevel.default('info'),
    DATA_DIR: z.string().min(1).default('data'),
    DATABASE_URL: z
      .string()
      .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** PostgreSQL system identifier of the cluster the apps must reach (set by the launcher for its embedded one). */
    DATABASE_SYSTEM_ID: z
      .string()
      .regex(/^\d+$/, 'must be a PostgreSQL system identifier (digits)')
      .optional(),
    /** Bound on each object-store call on the request path: past it the call fails and the API answers 503. */
    STORAGE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** Bound on waiting for a database connection (new, or free in a busy pool): past it, 503 database_unavailable. */
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** Bound on one SQL statement, lock waits included (statement_timeout; the client gives up 1 s later). */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** A client must send a request's headers within this (Node's headersTimeout); else 408 and the connection closes. */
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** A client must send a whole request, body included, within this (Node's requestTimeout); else 408. */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
    /** Bound on the API's calls to the inference service that a person waits for (a heatmap rendered on demand). */
    INFERENCE_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /** Bound on one webhook delivery; a receiver slower than this counts as failed and is retried. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Most render-heatmap jobs kept waiting; the oldest beyond it are dropped (rendered on demand when opened). */
    HEATMAP_BACKLOG_MAX: z.coerce.number().int().min(1).default(500),
    /** Days an image is kept after capture, by what became of it; a line may override each (see Retention). */
    RETENTION_OK_DAYS: z.coerce.number().int().min(1).default(30),
    RETENTION_FLAGGED_DAYS: z.coerce.number().int().min(1).default(180),
    RETENTION_REVIEWED_DAYS: z.coerce.number().int().min(1).default(730),
    /** Share of the data folder's disk past which the logs and the health details warn. */
    DISK_WARN_RATIO: z.coerce.number().gt(0).max(1).default(0.8),
    /** First port the launcher's embedded PostgreSQL tries at first start (later starts reuse the recorded one). */
    EMBEDDED_DATABASE_PORT: port.default(54329),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    MIGRATIONS_RUN: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    STORAGE_DRIVER: z.enum(['fs', 's3']).optional(),
    S3_ENDPOINT: z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseS3Endpoint(value);
        } catch (error) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
        }
      })
      .optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
      .default('linescope'),
    S3_ACCESS_KEY: z.string().optional(),
    S3_SECRET_KEY: z.string().optional(),
    S3_REGION: z.string().default('us-east-1'),
    API_PORT: port.default(3000),
    INFERENCE_PORT: port.default(3001),
    TRAINER_PORT: port.default(3002),
    HOST: z.string().default('127.0.0.1'),
    /**
     * Comma-separated base URLs of inference instances, tried healthy-first by the API. Unset: this box's inference
     * service at INFERENCE_PORT (a fixed default would send images to whatever listens on :3001).
     */
    INFERENCE_URLS: z.string().optional(),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    MAX_IMAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(20 * 1024 * 1024),
    MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).default(50_000_000),
    DEFAULT_CAMERA_RATE_LIMIT: z.coerce.number().positive().default(50),
    /** Base URL that signed image links point at; defaults to the API's own address. */
    PUBLIC_URL: z.string().url().optional(),
    /** Signs short-lived image links. Every API instance needs the same value; a random one is made if unset. */
    URL_SIGNING_SECRET: z.string().min(16).optional(),
    /**
     * Shared secret the API (and any caller) sends to the inference service as `Authorization: Bearer ...`.
     * `npm start` generates one into the data folder; required in production, where the services run apart.
     */
    INFERENCE_TOKEN: z.string().min(16).optional(),
    /** Folders that training jobs launched over the API may read `<class>/<image>` datasets from (comma-separated). */
    TRAINING_DATA_ROOTS: z.string().optional(),
    /** TensorFlow.js backend: unset picks tensorflow (tfjs-node[-gpu]) when installed, else wasm, else cpu. */
    TF_BACKEND: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
    TRAINER_HEARTBEAT_SECONDS: z.coerce.number().positive().default(10),
    /** A running training job whose worker has been silent this long is queued again (and resumes). */
    TRAINER_SILENT_AFTER_SECONDS: z.coerce.number().positive().default(90),
    /** A quantised variant whose test accuracy fell more than this many points below its fp32 model is not promoted. */
    QUANTIZED_MAX_ACCURACY_DROP_POINTS: z.coerce.number().min(0).max(100).default(0.5),
    /** A console session unused this long ends (fractions allowed). */
    SESSION_IDLE_HOURS: z.coerce.number().positive().max(8760).default(12),
    /** A console session ends this long after sign-in, however active. */
    SESSION_MAX_HOURS: z.coerce.number().positive().max(8760).default(168),
    /** How long a reviewer holds the review-queue items it claimed. */
    REVIEW_CLAIM_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
    /** How many days of inspection partitions the maintain-partitions job keeps created ahead of today (UTC). */
    INSPECTION_PARTITIONS_AHEAD_DAYS: z.coerce.number().int().min(1).max(366).default(7),
    /** Inspection rows older than this many days are dropped by day partition (unset: kept forever). */
    INSPECTION_ROW_RETENTION_DAYS: z.coerce.number().int().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['HTTP_HEADERS_TIMEOUT_MS'],
        message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
      });
    if (env.NODE_ENV === 'production' && !env.INFERENCE_TOKEN)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['INFERENCE_TOKEN'],
        message: 'is required in production (the shared secret between the API and the inference service)',
      });
    if (env.SESSION_IDLE_HOURS > env.SESSION_MAX_HOURS)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['SESSION_IDLE_HOURS'],
        message: 'must not exceed SESSION_MAX_HOURS',
      });
    const driver = env.STORAGE_DRIVER ?? (env.S3_ENDPOINT ? 's3' : 'fs');
    if (driver !== 's3') return;
    for (const key of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) {
      if (!env[key])
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'is required for S3 storage' });
    }
  });

export type Environment = z.infer<typeof environmentSchema>;

export type StorageConfig =
  | { driver: 'fs'; root: string }
  | {
      driver: 's3';
      endpoint: string;
      bucket: string;
      accessKey: string;
      secretKey: string;
      region: string;
    };

export interface AppConfig {
  env: Environment['NODE_ENV'];
  logLevel: Environment['LOG_LEVEL'];
  dataDir: string;
  database: {
    url: string | undefined;
    poolSize: number;
    runMigrations: boolean;
    systemIdentifier: string | undefined;
    embeddedPort: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
  };
  /** Node's server bounds on receiving a request: headers, and the whole request with its body. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  inferenceTimeoutMs: number;
  webhookTimeoutMs: number;
  heatmapBacklogMax: number;
  /** Product-wide image retention in days (ok, defect or uncertain, reviewed); lines may override each. */
  retention: { okDays: number; flaggedDays: number; reviewedDays: number };
  diskWarnRatio: number;
  storage: StorageConfig;
  /** Bound on one object-store call (inactivity for transfers); see STORAGE_TIMEOUT_MS. */
  storageTimeoutMs: number;
  host: string;
  ports: { api: number; inference: number; trainer: number };
  inferenceUrls: string[];
  shutdownTimeoutMs: number;
  ingest: { maxImageBytes: number; maxImagePixels: number; defaultCameraRateLimit: number };
  /** Base of links the API hands out; when unset, taken from each request's Host header. */
  publicUrl: string | undefined;
  urlSigningSecret: string | undefined;
  inferenceToken: string | undefined;
  trainingDataRoots: string[];
  tfBackend: 'tensorflow' | 'wasm' | 'cpu' | undefined;
  trainer: { heartbeatSeconds: number; silentAfterSeconds: number };
  quantizedMaxAccuracyDropPoints: number;
  console: { sessionIdleHours: number; sessionMaxHours: number; reviewClaimSeconds: number };
  /** Day partitions of inspections: created this far ahead; dropped past the retention (null: never). */
  inspectionPartitions: { aheadDays: number; rowRetentionDays: number | null };
}

export function toAppConfig(env: Environment): AppConfig {
  const dataDir = path.resolve(env.DATA_DIR);
  const driver = env.STORAGE_DRIVER ?? (env.S3_ENDPOINT ? 's3' : 'fs');
  const storage: StorageConfig =
    driver === 's3'
      ? {
          driver,
          endpoint: env.S3_ENDPOINT ?? '',
          bucket: env.S3_BUCKET,
          accessKey: env.S3_ACCESS_KEY ?? '',
          secretKey: env.S3_SECRET_KEY ?? '',
          region: env.S3_REGION,
        }
      : { driver, root: path.join(dataDir, 'storage') };
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    dataDir,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      runMigrations: env.MIGRATIONS_RUN,
      systemIdentifier: env.DATABASE_SYSTEM_ID,
      embeddedPort: env.EMBEDDED_DATABASE_PORT,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    http: { headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS },
    inferenceTimeoutMs: env.INFERENCE_TIMEOUT_MS,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    heatmapBacklogMax: env.HEATMAP_BACKLOG_MAX,
    retention: {
      okDays: env.RETENTION_OK_DAYS,
      flaggedDays: env.RETENTION_FLAGGED_DAYS,
      reviewedDays: env.RETENTION_REVIEWED_DAYS,
    },
    diskWarnRatio: env.DISK_WARN_RATIO,
    storage,
    storageTimeoutMs: env.STORAGE_TIMEOUT_MS,
    host: env.HOST,
    ports: { api: env.API_PORT, inference: env.INFERENCE_PORT, trainer: env.TRAINER_PORT },
    inferenceUrls: (env.INFERENCE_URLS ?? `http://127.0.0.1:${env.INFERENCE_PORT}`)
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    ingest: {
      maxImageBytes: env.MAX_IMAGE_BYTES,
      maxImagePixels: env.MAX_IMAGE_PIXELS,
      defaultCameraRateLimit: env.DEFAULT_CAMERA_RATE_LIMIT,
    },
    publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
    urlSigningSecret: env.URL_SIGNING_SECRET,
    inferenceToken: env.INFERENCE_TOKEN,
    trainingDataRoots: (env.TRAINING_DATA_ROOTS ?? path.join(dataDir, 'datasets'))
      .split(',')
      .map((root) => root.trim())
      .filter(Boolean)
      .map((root) => path.resolve(root)),
    tfBackend: env.TF_BACKEND,
    trainer: {
      heartbeatSeconds: env.TRAINER_HEARTBEAT_SECONDS,
      silentAfterSeconds: env.TRAINER_SILENT_AFTER_SECONDS,
    },
    quantizedMaxAccuracyDropPoints: env.QUANTIZED_MAX_ACCURACY_DROP_POINTS,
    console: {
      sessionIdleHours: env.SESSION_IDLE_HOURS,
      sessionMaxHours: env.SESSION_MAX_HOURS,
      reviewClaimSeconds: env.REVIEW_CLAIM_SECONDS,
    },
    inspectionPartitions: {
      aheadDays: env.INSPECTION_PARTITIONS_AHEAD_DAYS,
      rowRetentionDays: env.INSPECTION_ROW_RETENTION_DAYS ?? null,
    },
  };
}
