import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, type UserEntity, type UserRole } from '@linescope/db';
import { IsEmail, IsIn, IsOptional, Length } from 'class-validator';
import { IsText } from './text.validators';

export class CreateUserDto {
  @ApiProperty({ example: 'qa.lead@example.com' })
  @IsEmail()
  email!: string;

  @ApiProperty({ example: 'QA lead' })
  @IsText()
  @Length(1, 200)
  displayName!: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role!: UserRole;
}

export class CreateTokenDto {
  @ApiPropertyOptional({ example: 'laptop' })
  @IsOptional()
  @IsText()
  @Length(0, 100)
  name?: string;
}

export class UserDto {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: USER_ROLES }) role!: UserRole;
  @ApiProperty() createdAt!: string;
}

export class IssuedTokenDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'Bearer token. Shown once.', example: 'lsu_...' }) token!: string;
}

export function mapUser(user: UserEntity): UserDto {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}
