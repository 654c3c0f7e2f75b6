import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACTOR_TYPES, type ActorType } from '@linescope/db';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, Length, Max, Min } from 'class-validator';
import { IsText } from './text.validators';

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Who acted: a user id (or a camera id)' })
  @IsOptional()
  @IsText()
  @Length(1, 100)
  actorId?: string;

  @ApiPropertyOptional({
    description: 'The action, exactly (e.g. user.disable, line.update)',
    example: 'line.create',
  })
  @IsOptional()
  @IsText()
  @Length(1, 100)
  action?: string;

  @ApiPropertyOptional({ description: 'What was acted on: user, production_line, camera, model_version…' })
  @IsOptional()
  @IsText()
  @Length(1, 100)
  targetType?: string;

  @ApiPropertyOptional({ description: 'The id of what was acted on' })
  @IsOptional()
  @IsText()
  @Length(1, 100)
  targetId?: string;

  @ApiPropertyOptional({ description: 'At or after (ISO 8601)', example: '2026-12-01T00:00:00.000Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsText()
  cursor?: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Increasing with every event (a string: 64-bit)', example: '42' }) id!: string;
  @ApiProperty({ enum: ACTOR_TYPES, example: 'user' }) actorType!: ActorType;
  @ApiProperty({ nullable: true, type: String, example: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c100a' })
  actorId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The acting user's email, when the actor is a user",
    example: 'admin@example.com',
  })
  actorEmail!: string | null;
  @ApiProperty({ example: 'line.create' }) action!: string;
  @ApiProperty({ nullable: true, type: String, example: 'production_line' }) targetType!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1001' })
  targetId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { name: 'tiles-line-1' } })
  details!: Record<string, unknown>;
  @ApiProperty({ example: '2026-12-03T08:15:00.000Z' }) createdAt!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next (older) page' })
  nextCursor!: string | null;
}
