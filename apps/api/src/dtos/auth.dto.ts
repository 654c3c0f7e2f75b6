import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, type UserRole } from '@linescope/db';
import { IsOptional, Length } from 'class-validator';
import { IsText } from './text.validators';

export class LoginDto {
  @ApiProperty({ example: 'qa.lead@example.com' })
  @IsText()
  @Length(1, 320)
  email!: string;

  @ApiProperty({ example: 'a long passphrase' })
  @IsText()
  @Length(1, 1000)
  password!: string;
}

export class ChangePasswordDto {
  @ApiPropertyOptional({
    description:
      'Required with a session cookie when the user already has a password; not with a bearer token',
  })
  @IsOptional()
  @IsText()
  @Length(1, 1000)
  currentPassword?: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsText()
  @Length(10, 200, { message: 'newPassword must be 10 to 200 characters' })
  newPassword!: string;
}

export class MeDto {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: USER_ROLES }) role!: UserRole;
  @ApiProperty({
    description:
      'The password was reset by an administrator: until it is changed (POST /api/v1/auth/password) the ' +
      'session may call only /api/v1/auth/* and GET /api/v1/users/me (others answer 403 password_change_required)',
  })
  mustChangePassword!: boolean;
}

export class SessionDto {
  @ApiProperty({ type: MeDto }) user!: MeDto;
  @ApiProperty({ description: 'Send as X-CSRF-Token on every state-changing request made with the cookie' })
  csrfToken!: string;
  @ApiProperty({ description: 'When the session ends unless used again (idle) or at the latest (absolute)' })
  expiresAt!: string;
}

export function mapMe(user: {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  mustChangePassword: boolean;
}): MeDto {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
  };
}
