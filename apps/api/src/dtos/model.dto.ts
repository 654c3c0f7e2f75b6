import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MODEL_STAGES,
  type ModelStage,
  type ModelVersionEntity,
  VERDICTS,
  type Verdict,
} from '@linescope/db';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { IsText } from './text.validators';

export class ModelVersionDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ example: 'mobilenetv2' }) architecture!: string;
  @ApiProperty({ type: Object }) spec!: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'integer' },
    minItems: 2,
    maxItems: 2,
    description: 'The input image size, [height, width] in pixels',
    example: [224, 224],
  })
  inputSize!: [number, number];
  @ApiProperty({ example: ['ok', 'defect'] }) classNames!: string[];
  @ApiProperty({ type: Object }) metrics!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: Number }) operatingThreshold!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uncertainLow!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uncertainHigh!: number | null;
  @ApiProperty({ enum: MODEL_STAGES }) stage!: ModelStage;
  @ApiProperty() shadow!: boolean;
  @ApiProperty({ nullable: true, type: String }) teacherId!: string | null;
  @ApiProperty({ nullable: true, type: String }) trainingJobId!: string | null;
  @ApiProperty({ nullable: true, type: String }) datasetFingerprint!: string | null;
  @ApiProperty({ nullable: true, type: String }) promotedAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ModelQueryDto {
  @ApiPropertyOptional({ enum: MODEL_STAGES })
  @IsOptional()
  @IsIn(MODEL_STAGES)
  stage?: ModelStage;
}

export class ShadowDto {
  @ApiProperty({ description: 'true: score live traffic beside production; false: stop' })
  @IsBoolean()
  enabled!: boolean;
}

export class ShadowDisagreementDto {
  @ApiProperty() inspectionId!: string;
  @ApiProperty({ enum: VERDICTS }) verdict!: Verdict;
  @ApiProperty() score!: number;
  @ApiProperty({ enum: VERDICTS }) productionVerdict!: Verdict;
  @ApiProperty() productionScore!: number;
  @ApiProperty() createdAt!: string;
}

export class ShadowReportDto {
  @ApiProperty() modelVersionId!: string;
  @ApiProperty() shadow!: boolean;
  @ApiProperty({ description: 'Inspections scored by both' }) total!: number;
  @ApiProperty() agreements!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'agreements / total' }) agreementRate!:
    number | null;
  @ApiProperty({
    description: 'counts[productionVerdict][shadowVerdict]',
    example: { ok: { ok: 90, defect: 2, uncertain: 1 }, defect: { ok: 0, defect: 7, uncertain: 0 } },
  })
  counts!: Record<Verdict, Record<Verdict, number>>;
  @ApiProperty({ type: [ShadowDisagreementDto], description: 'The 50 most recent disagreements' })
  recentDisagreements!: ShadowDisagreementDto[];
}

export function mapModelVersion(model: ModelVersionEntity): ModelVersionDto {
  return {
    id: model.id,
    name: model.name,
    version: model.version,
    architecture: model.architecture,
    spec: model.spec,
    inputSize: [model.inputHeight, model.inputWidth],
    classNames: model.classNames,
    metrics: model.metrics,
    operatingThreshold: model.operatingThreshold,
    uncertainLow: model.uncertainLow,
    uncertainHigh: model.uncertainHigh,
    stage: model.stage,
    shadow: model.shadow,
    teacherId: model.teacherId,
    trainingJobId: model.trainingJobId,
    datasetFingerprint: model.datasetFingerprint,
    promotedAt: model.promotedAt?.toISOString() ?? null,
    createdAt: model.createdAt.toISOString(),
  };
}

const REASON_EXAMPLE = 'v7 misses fewer cracks on line 2 (recall 0.97 vs 0.91 on last week reviews)';

/** Why a version is promoted or rolled back: required, recorded in the audit log with the actor. */
export class ModelChangeReasonDto {
  @ApiProperty({
    description: 'Why (required, non-empty; kept in the audit log with who did it)',
    example: REASON_EXAMPLE,
    minLength: 1,
    maxLength: 1000,
  })
  @IsText({ multiline: true })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(1000)
  reason!: string;
}

export class LineOverrideDto {
  @ApiProperty({ description: 'The production line', example: EXAMPLE_IDS.line })
  @IsUUID()
  lineId!: string;

  @ApiProperty({
    description:
      'The version this line serves instead of production; null: the line follows production again',
    nullable: true,
    type: String,
    example: EXAMPLE_IDS.candidateModel,
  })
  @ValidateIf((_, value) => value !== null)
  @IsUUID()
  modelVersionId!: string | null;
}

export class EpochCurvePointDto {
  @ApiProperty({ example: 1 }) epoch!: number;
  @ApiProperty({ example: 0.52 }) trainLoss!: number;
  @ApiProperty({ example: 0.78 }) trainAccuracy!: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.48 }) valLoss!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.81 }) valAccuracy!: number | null;
  @ApiProperty({ example: 0.001 }) learningRate!: number;
  @ApiProperty({ example: 12.4 }) durationSeconds!: number;
}

export class ModelCurvesDto {
  @ApiProperty({ example: EXAMPLE_IDS.model }) modelVersionId!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The job that trained it; null for imported versions',
  })
  trainingJobId!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The epoch whose weights were kept (early stopping)',
  })
  bestEpoch!: number | null;
  @ApiProperty({ type: [EpochCurvePointDto], description: 'One point per epoch, in order' })
  epochs!: EpochCurvePointDto[];
}

export class ModelConfigDto {
  @ApiProperty({ example: EXAMPLE_IDS.model }) modelVersionId!: string;
  @ApiProperty({ nullable: true, type: String }) trainingJobId!: string | null;
  @ApiProperty({
    type: Object,
    description: 'The fully resolved training config: every default and derived value filled in',
    example: {
      epochs: 20,
      batchSize: 32,
      model: { arch: 'resnet', depth: 18 },
      optimizer: { kind: 'adamw' },
    },
  })
  config!: Record<string, unknown>;
  @ApiProperty({
    type: Object,
    nullable: true,
    description: 'The dataset the job was given (folder or reviews), when the version came from a job',
    example: { kind: 'folder', path: 'magnetic-tile' },
  })
  dataset!: Record<string, unknown> | null;
}

export class ClassFiguresDto {
  @ApiProperty({ example: 'defect' }) className!: string;
  @ApiProperty({ nullable: true, type: Number, example: 0.95 }) precision!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.97 }) recall!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.96 }) f1!: number | null;
  @ApiProperty({ example: 40, description: 'True samples of the class in the test split' }) support!: number;
}

export class MacroFiguresDto {
  @ApiProperty({ nullable: true, type: Number }) precision!: number | null;
  @ApiProperty({ nullable: true, type: Number }) recall!: number | null;
  @ApiProperty({ nullable: true, type: Number }) f1!: number | null;
}

export class CalibrationBinDto {
  @ApiProperty({ example: 0.9 }) lower!: number;
  @ApiProperty({ example: 1 }) upper!: number;
  @ApiProperty({ example: 31 }) count!: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.96 }) meanPredicted!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.94 }) observedFrequency!: number | null;
}

export class CalibrationDto {
  @ApiProperty({ nullable: true, type: Number, example: 0.03 }) expectedCalibrationError!: number | null;
  @ApiProperty({ type: [CalibrationBinDto] }) bins!: CalibrationBinDto[];
}

export class RocPointDto {
  @ApiProperty() threshold!: number;
  @ApiProperty({ nullable: true, type: Number }) falsePositiveRate!: number | null;
  @ApiProperty({ nullable: true, type: Number }) truePositiveRate!: number | null;
}

export class PrPointDto {
  @ApiProperty() threshold!: number;
  @ApiProperty({ nullable: true, type: Number }) precision!: number | null;
  @ApiProperty({ nullable: true, type: Number }) recall!: number | null;
}

export class VerdictRowDto {
  @ApiProperty() ok!: number;
  @ApiProperty() defect!: number;
  @ApiProperty() uncertain!: number;
}

export class VerdictCountsDto {
  @ApiProperty({ type: VerdictRowDto, description: 'Truly ok parts, by verdict' }) ok!: VerdictRowDto;
  @ApiProperty({ type: VerdictRowDto, description: 'Truly defective parts, by verdict' })
  defect!: VerdictRowDto;
}

export class TestVerdictsDto {
  @ApiProperty({ type: VerdictCountsDto }) counts!: VerdictCountsDto;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of defects called ok' }) escapeRate!:
    number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of ok parts called defect' })
  falseRejectRate!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of all parts sent to review' })
  reviewRate!: number | null;
}

export class OperatingPointDto {
  @ApiProperty({ example: 0.31, description: 'Scores at or above are defect' }) threshold!: number;
  @ApiProperty({ example: 0.99 }) targetRecall!: number;
  @ApiProperty({ nullable: true, type: Number }) validationRecall!: number | null;
  @ApiProperty({ nullable: true, type: Number }) validationPrecision!: number | null;
  @ApiProperty({ example: 0.12 }) uncertainLow!: number;
  @ApiProperty({ example: 0.64 }) uncertainHigh!: number;
  @ApiProperty({
    type: TestVerdictsDto,
    description: 'How the test split is sorted by this threshold and band',
  })
  test!: TestVerdictsDto;
}

export class DefectEvaluationDto {
  @ApiProperty({ nullable: true, type: Number, example: 0.98 }) rocAuc!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.97 }) prAuc!: number | null;
  @ApiProperty({ type: [RocPointDto], description: 'At most 200 points, highest threshold first' })
  rocCurve!: RocPointDto[];
  @ApiProperty({ type: [PrPointDto], description: 'At most 200 points, highest threshold first' })
  prCurve!: PrPointDto[];
  @ApiProperty({ type: OperatingPointDto, nullable: true }) operatingPoint!: OperatingPointDto | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

export class EvaluationDetailDto {
  @ApiProperty({ example: 80 }) testCount!: number;
  @ApiProperty() diverged!: boolean;
  @ApiProperty({ example: ['identity'] }) views!: string[];
  @ApiProperty({ nullable: true, type: Number, example: 0.95 }) accuracy!: number | null;
  @ApiProperty({ nullable: true, type: Number }) logLoss!: number | null;
  @ApiProperty({ example: ['ok', 'defect'] }) classNames!: string[];
  @ApiProperty({
    description: 'confusion[trueClass][predictedClass]',
    type: 'array',
    items: { type: 'array', items: { type: 'integer' } },
    example: [
      [38, 2],
      [1, 39],
    ],
  })
  confusion!: number[][];
  @ApiProperty({ type: [ClassFiguresDto] }) perClass!: ClassFiguresDto[];
  @ApiProperty({ type: MacroFiguresDto }) macro!: MacroFiguresDto;
  @ApiProperty({ type: CalibrationDto }) calibration!: CalibrationDto;
  @ApiProperty({ type: DefectEvaluationDto, nullable: true }) defect!: DefectEvaluationDto | null;
}

export class QuantizationDto {
  @ApiProperty({ example: 'int8' }) variant!: string;
  @ApiProperty({ description: 'The int8 version', example: EXAMPLE_IDS.int8Model }) variantId!: string;
  @ApiProperty({ description: 'The fp32 version it was made from', example: EXAMPLE_IDS.model }) of!: string;
  @ApiProperty({ example: 'tiles-resnet18-int8' }) name!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.95 }) fp32Accuracy!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.9375 }) int8Accuracy!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: -1.25, description: 'int8 minus fp32, in points' })
  accuracyChangePoints!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 80 }) testImages!: number | null;
}

export class ModelEvaluationDto {
  @ApiProperty({ example: EXAMPLE_IDS.model }) modelVersionId!: string;
  @ApiProperty({ nullable: true, type: Number, example: 0.95 }) accuracy!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.98 }) rocAuc!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.97 }) prAuc!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.31 }) operatingThreshold!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.12 }) uncertainLow!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.64 }) uncertainHigh!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.08,
    description: 'Share of the test split the threshold and band send to review',
  })
  reviewShare!: number | null;
  @ApiProperty({
    type: EvaluationDetailDto,
    nullable: true,
    description:
      'The detailed evaluation on the test split; null for an int8 variant (only its accuracy is measured) and for versions registered before it was stored',
  })
  detail!: EvaluationDetailDto | null;
  @ApiProperty({
    type: QuantizationDto,
    nullable: true,
    description: 'The int8 variant made from this version, or (for an int8 version) its own figures',
  })
  quantization!: QuantizationDto | null;
}

/** A model folder trained elsewhere (the `npm run train` CLI) to register as a candidate. */
export class ImportModelDto {
  @ApiProperty({
    description:
      'The model folder (manifest.json, model.json, weights): a path relative to one of TRAINING_DATA_ROOTS, or ' +
      'an absolute path inside one. `npm run train -- --out <root>/runs --name x` writes `<root>/runs/objects/models/x`.',
    example: 'runs/objects/models/tiles-resnet10',
    minLength: 1,
    maxLength: 4096,
  })
  @IsText()
  @IsNotEmpty({ message: 'path must not be empty' })
  @MaxLength(4096)
  path!: string;

  @ApiProperty({
    description: 'The name of the model version it becomes (versions of one name are numbered)',
    example: 'tiles-resnet10-cli',
    minLength: 1,
    maxLength: 100,
  })
  @IsText()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(100)
  name!: string;
}
