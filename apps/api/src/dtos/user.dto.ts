import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, type UserEntity, type UserRole } from '@linescope/db';
import { IsBoolean, IsEmail, IsIn, IsOptional, Length } from 'class-validator';
import { IsText } from './text.validators';

export class CreateUserDto {
  @ApiProperty({ example: 'qa.lead@example.com' })
  @IsEmail()
  email!: string;

  @ApiProperty({ example: 'QA lead' })
  @IsText()
  @Length(1, 200)
  displayName!: string;

  @ApiProperty({ enum: USER_ROLES, example: 'qa' })
  @IsIn(USER_ROLES)
  role!: UserRole;

  @ApiPropertyOptional({
    description:
      'Also give the person a temporary password (answered once as temporaryPassword), to be changed at the ' +
      'first sign-in: how the console adds people',
    default: false,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  temporaryPassword?: boolean;
}

export class CreateTokenDto {
  @ApiPropertyOptional({ example: 'laptop' })
  @IsOptional()
  @IsText()
  @Length(0, 100)
  name?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES, example: 'ml_engineer' })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({
    description:
      'true disables the account: its sessions and bearer tokens stop working at once (and stay revoked if ' +
      'it is enabled again); false enables it',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class UserDto {
  @ApiProperty({ example: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c100a' }) id!: string;
  @ApiProperty({ example: 'qa.lead@example.com' }) email!: string;
  @ApiProperty({ example: 'QA lead' }) displayName!: string;
  @ApiProperty({ enum: USER_ROLES, example: 'qa' }) role!: UserRole;
  @ApiProperty({ example: false }) disabled!: boolean;
  @ApiProperty({
    description: 'The password is a temporary one (an administrator set it) not yet changed',
    example: false,
  })
  mustChangePassword!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The last console sign-in with a password; null if never (or before this was recorded)',
    example: '2026-12-03T08:15:00.000Z',
  })
  lastSignInAt!: string | null;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' }) createdAt!: string;
}

export class IssuedTokenDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'Bearer token. Shown once.', example: 'lsu_...' }) token!: string;
  @ApiPropertyOptional({
    description:
      'The temporary password, when asked for. Shown once; it must be changed at the first sign-in.',
    example: 'q3Vb7-xT9pLmA2cW',
  })
  temporaryPassword?: string;
}

export class TemporaryPasswordDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({
    description:
      'Shown once. The person signs in with it and must then choose a new password before anything else.',
    example: 'q3Vb7-xT9pLmA2cW',
  })
  temporaryPassword!: string;
}

export function mapUser(user: UserEntity): UserDto {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabledAt != null,
    mustChangePassword: user.passwordMustChange ?? false,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}
