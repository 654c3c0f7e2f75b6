import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type CameraApiKeyEntity, type CameraEntity } from '@linescope/db';
import { IsBoolean, IsNumber, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsText } from './text.validators';

export class CreateCameraDto {
  @ApiProperty({ example: 'cam-top-1' })
  @IsText()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'name must be 1-64 letters, digits, . _ -' })
  name!: string;

  @ApiPropertyOptional({
    description: 'Uploads per second before 429 (default from the server)',
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber()
  @Min(0.01)
  @Max(10_000)
  rateLimitPerSecond?: number | null;
}

export class RotateKeyDto {
  @ApiPropertyOptional({
    description: 'Keep the current keys valid (revoke them later) for a switch-over without downtime',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  keepPrevious?: boolean;
}

export class CameraDto {
  @ApiProperty() id!: string;
  @ApiProperty() lineId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: Number }) rateLimitPerSecond!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ApiKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'lsk_Ab12Cd' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

export class IssuedKeyDto {
  @ApiProperty({ type: CameraDto }) camera!: CameraDto;
  @ApiProperty({ type: ApiKeyDto }) key!: ApiKeyDto;
  @ApiProperty({ description: 'The API key. Shown once: store it in the camera now.', example: 'lsk_...' })
  apiKey!: string;
}

export function mapCamera(camera: CameraEntity): CameraDto {
  return {
    id: camera.id,
    lineId: camera.lineId,
    name: camera.name,
    rateLimitPerSecond: camera.rateLimitPerSecond,
    lastSeenAt: camera.lastSeenAt?.toISOString() ?? null,
    createdAt: camera.createdAt.toISOString(),
  };
}

export function mapKey(key: CameraApiKeyEntity): ApiKeyDto {
  return {
    id: key.id,
    prefix: key.keyPrefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
