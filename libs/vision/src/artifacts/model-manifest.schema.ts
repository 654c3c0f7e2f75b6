import { z } from 'zod';
// Deep imports: the API reads manifests and must not load TensorFlow.js (the preprocess index does).
import { preprocessSpecSchema, type PreprocessSpec } from '../preprocess/preprocess-spec.schema';
import { checkViews, TEST_TIME_VIEWS, type TestTimeView } from '../test-time/test-time.views';
import { ModelArtifactError } from './model-artifact.error';

export const MODEL_MANIFEST_SCHEMA_VERSION = 1;

/** A file of the artifact, named relative to the model's prefix. */
export interface ArtifactFile {
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * How scores become decisions. The score is the summed probability of the positive classes; scores inside
 * [low, high) are UNCERTAIN and go to human review, `threshold` is the single cut used when a binary answer is
 * needed (metrics, exports). Invariant: 0 <= low <= threshold <= high <= 1.
 */
export interface OperatingPoint {
  threshold: number;
  uncertainBand: { low: number; high: number };
}

/** Everything needed to serve, audit or fine-tune a model version; stored as `manifest.json` beside the model. */
export interface ModelManifest {
  schemaVersion: typeof MODEL_MANIFEST_SCHEMA_VERSION;
  /** The zoo's architecture spec, opaque here. */
  architecture: Record<string, unknown>;
  /** [height, width]; always equal to `preprocessing.inputSize`. */
  inputSize: [number, number];
  preprocessing: PreprocessSpec;
  /** Output index i of the model is `classNames[i]`. */
  classNames: string[];
  /** Classes that mean "defect". */
  positiveClasses: string[];
  operatingPoint: OperatingPoint;
  trainingConfig: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
  files: { modelJson: ArtifactFile; weights: ArtifactFile[] };
  /** Version id of the teacher this model was distilled from. */
  teacherVersion?: string;
  /** Object key of an ONNX export of the same weights. */
  onnxKey?: string;
  /**
   * Test-time augmentation: every image is scored under each of these views and the probabilities averaged, by
   * evaluation and by every inference engine alike. Absent: the image alone.
   */
  testTimeViews?: TestTimeView[];
}

/** What a caller provides when saving: the rest (schema version, files, default date) is filled in. */
export interface ModelManifestInput extends Omit<
  ModelManifest,
  'schemaVersion' | 'files' | 'createdAt' | 'architecture' | 'trainingConfig' | 'metrics'
> {
  /** Any JSON-serialisable object (interfaces welcome). */
  architecture: object;
  trainingConfig: object;
  metrics: object;
  createdAt?: string;
}

const ARTIFACT_FILE_NAME = /^[A-Za-z0-9._=+-]+$/;

const artifactFileSchema = z
  .object({
    path: z
      .string()
      .regex(ARTIFACT_FILE_NAME, 'must be a plain file name')
      .refine((name) => name !== '.' && name !== '..', 'must be a plain file name'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
    bytes: z.number().int().nonnegative(),
  })
  .strict();

const probability = z.number().min(0).max(1);
const jsonObject = z.record(z.unknown());
const side = z.number().int().positive();

/** Every field but the ones filled in at save time; also used to check a caller's input before writing. */
const manifestBodySchema = z
  .object({
    architecture: jsonObject,
    inputSize: z.tuple([side, side]),
    preprocessing: preprocessSpecSchema,
    classNames: z.array(z.string().min(1)).min(1),
    positiveClasses: z.array(z.string().min(1)).min(1),
    operatingPoint: z
      .object({
        threshold: probability,
        uncertainBand: z.object({ low: probability, high: probability }).strict(),
      })
      .strict(),
    trainingConfig: jsonObject,
    metrics: jsonObject,
    createdAt: z.string().datetime({ offset: true }),
    teacherVersion: z.string().min(1).optional(),
    onnxKey: z.string().min(1).optional(),
    testTimeViews: z.array(z.enum(TEST_TIME_VIEWS)).min(1).optional(),
  })
  .strict();

type CrossCheckedFields = Pick<
  z.infer<typeof manifestBodySchema>,
  'inputSize' | 'preprocessing' | 'classNames' | 'positiveClasses' | 'operatingPoint' | 'testTimeViews'
>;

function checkConsistency(body: CrossCheckedFields, context: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    context.addIssue({ code: z.ZodIssueCode.custom, path, message });
  const [height, width] = body.inputSize;
  const [specHeight, specWidth] = body.preprocessing.inputSize;
  if (height !== specHeight || width !== specWidth) {
    issue(
      ['inputSize'],
      `[${height}, ${width}] differs from preprocessing.inputSize [${specHeight}, ${specWidth}]`,
    );
  }
  if (body.testTimeViews !== undefined) {
    try {
      checkViews(body.testTimeViews, height, width);
    } catch (error) {
      issue(['testTimeViews'], (error as Error).message);
    }
  }
  const classes = new Set(body.classNames);
  if (classes.size !== body.classNames.length) issue(['classNames'], 'class names must be unique');
  body.positiveClasses.forEach((name, index) => {
    if (!classes.has(name)) issue(['positiveClasses', index], `"${name}" is not one of classNames`);
  });
  const { threshold, uncertainBand } = body.operatingPoint;
  if (!(uncertainBand.low <= threshold && threshold <= uncertainBand.high)) {
    issue(
      ['operatingPoint'],
      `need low <= threshold <= high, got ${uncertainBand.low}, ${threshold}, ${uncertainBand.high}`,
    );
  }
}

const manifestInputSchema = manifestBodySchema.partial({ createdAt: true }).superRefine(checkConsistency);

const filesSchema = z
  .object({ modelJson: artifactFileSchema, weights: z.array(artifactFileSchema).min(1) })
  .strict();

const manifestSchema = manifestBodySchema
  .extend({ schemaVersion: z.literal(MODEL_MANIFEST_SCHEMA_VERSION), files: filesSchema })
  .strict()
  .superRefine(checkConsistency);

/** A manifest written by hand for a folder to import (e.g. a converted Keras model) may leave `files` out. */
const manifestWithoutFilesSchema = manifestBodySchema
  .extend({ schemaVersion: z.literal(MODEL_MANIFEST_SCHEMA_VERSION), files: filesSchema.optional() })
  .strict()
  .superRefine(checkConsistency);

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** A manifest whose `files` (names, sizes and sha256 of the model's files) may still have to be computed. */
export type ModelManifestWithoutFiles = Omit<ModelManifest, 'files'> & { files?: ModelManifest['files'] };

/** Validates a manifest read from storage (already JSON-parsed). */
export function parseModelManifest(value: unknown): ModelManifest;
/** With `filesOptional`, `files` may be absent (a folder to import whose digests are computed on import). */
export function parseModelManifest(
  value: unknown,
  options: { filesOptional: true },
): ModelManifestWithoutFiles;
export function parseModelManifest(
  value: unknown,
  options: { filesOptional?: boolean } = {},
): ModelManifestWithoutFiles {
  const version =
    typeof value === 'object' && value !== null
      ? (value as { schemaVersion?: unknown }).schemaVersion
      : undefined;
  if (version !== MODEL_MANIFEST_SCHEMA_VERSION) {
    throw new ModelArtifactError(
      version === undefined ? 'invalid_manifest' : 'unsupported_schema_version',
      version === undefined
        ? 'model manifest has no schemaVersion'
        : `model manifest schemaVersion ${JSON.stringify(version)} is not supported (this build reads ${MODEL_MANIFEST_SCHEMA_VERSION})`,
    );
  }
  const schema = options.filesOptional ? manifestWithoutFilesSchema : manifestSchema;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ModelArtifactError(
      'invalid_manifest',
      `invalid model manifest: ${describeIssues(result.error)}`,
    );
  }
  return result.data;
}

/** Validates what a caller wants to save, before anything is written. */
export function checkManifestInput(input: ModelManifestInput): void {
  const result = manifestInputSchema.safeParse(JSON.parse(JSON.stringify(input)));
  if (!result.success) {
    throw new ModelArtifactError(
      'invalid_manifest',
      `invalid model manifest: ${describeIssues(result.error)}`,
    );
  }
}
