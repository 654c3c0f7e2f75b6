import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MODEL_STAGES,
  type ModelStage,
  type ModelVersionEntity,
  VERDICTS,
  type Verdict,
} from '@linescope/db';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';

export class ModelVersionDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ example: 'mobilenetv2' }) architecture!: string;
  @ApiProperty({ type: Object }) spec!: Record<string, unknown>;
  @ApiProperty({ example: [224, 224] }) inputSize!: [number, number];
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
