import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { MeDto } from '../dtos/auth.dto';
import {
  CreateTokenDto,
  CreateUserDto,
  IssuedTokenDto,
  TemporaryPasswordDto,
  UpdateUserDto,
  UserDto,
} from '../dtos/user.dto';
import { ApiError } from '../errors/api-error';
import { ApiErrors, ApiJsonBody } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { AuthService } from '../services/auth.service';
import { UserService } from '../services/user.service';

@ApiTags('users')
@Controller('api/v1/users')
export class UsersController {
  constructor(
    private readonly users: UserService,
    private readonly auth: AuthService,
  ) {}

  @Get('me')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'The caller (cookie or bearer token)' })
  @ApiOkResponse({ type: MeDto, description: 'The signed-in user', example: EXAMPLES.me })
  me(@CurrentPrincipal() principal: UserPrincipal): Promise<MeDto> {
    return this.auth.me(principal.userId);
  }

  @Post()
  @Allow('admin')
  @ApiOperation({ summary: 'Create a person with a role; answers their first bearer token' })
  @ApiJsonBody(CreateUserDto, {
    email: 'new.engineer@example.com',
    displayName: 'New engineer',
    role: 'ml_engineer',
  })
  @ApiCreatedResponse({
    type: IssuedTokenDto,
    description: 'The user and a bearer token, shown once',
    example: { user: EXAMPLES.user, token: 'lsu_3q2Zk7Vf0bP9xW4mR8tL1nH6cJ5yD2sA' },
  })
  @ApiErrors(400, [409, 'A user with this email exists (user_exists)'])
  create(@Body() body: CreateUserDto, @CurrentPrincipal() actor: UserPrincipal): Promise<IssuedTokenDto> {
    return this.users.create(body, actor.userId);
  }

  @Get()
  @Allow('admin')
  @ApiOperation({ summary: 'Every person with their role, state and last sign-in' })
  @ApiOkResponse({ type: [UserDto], example: [EXAMPLES.user] })
  list(): Promise<UserDto[]> {
    return this.users.list();
  }

  @Patch(':id')
  @Allow('admin')
  @ApiOperation({
    summary: "Change a person's role, or disable / enable them",
    description:
      'Disabling ends their console sessions and revokes their bearer tokens at once (an enabled account gets ' +
      'new ones by a password reset or POST /users/:id/tokens). The product always keeps an enabled ' +
      'administrator: demoting or disabling the last one answers 409 last_admin. Audited.',
  })
  @ApiParam({ name: 'id', example: EXAMPLE_IDS.user })
  @ApiBody({
    type: UpdateUserDto,
    examples: {
      role: { summary: 'Make them an ML engineer', value: { role: 'ml_engineer' } },
      enable: { summary: 'Enable them', value: { disabled: false } },
    },
  })
  @ApiOkResponse({ type: UserDto, example: { ...EXAMPLES.user, role: 'ml_engineer' } })
  @ApiErrors(
    [400, 'invalid_request: neither role nor disabled, or a bad value'],
    [404, 'No such user (user_not_found)'],
    [409, 'last_admin: the product would have no enabled administrator'],
  )
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateUserDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<UserDto> {
    return this.users.update(id, body, actor);
  }

  @Post(':id/password-reset')
  @HttpCode(200)
  @Allow('admin')
  @ApiOperation({
    summary: "Reset a person's password to a temporary one, shown once",
    description:
      'The person signs in with the temporary password and must choose a new one before anything else ' +
      '(their session answers 403 password_change_required elsewhere). Their sessions end; their bearer ' +
      'tokens are kept. Audited.',
  })
  @ApiParam({ name: 'id', example: EXAMPLE_IDS.user })
  @ApiOkResponse({
    type: TemporaryPasswordDto,
    example: { user: { ...EXAMPLES.user, mustChangePassword: true }, temporaryPassword: 'q3Vb7-xT9pLmA2cW' },
  })
  @ApiErrors([400, 'The id is not a UUID'], [404, 'No such user (user_not_found)'])
  resetPassword(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<TemporaryPasswordDto> {
    return this.users.resetPassword(id, actor);
  }

  @Post(':id/tokens')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: "Issue a bearer token for a person (one's own, or anyone's for an admin)" })
  @ApiParam({ name: 'id', description: 'The user', example: EXAMPLE_IDS.user })
  @ApiJsonBody(CreateTokenDto, { name: 'laptop' })
  @ApiCreatedResponse({
    type: IssuedTokenDto,
    description: 'A new bearer token, shown once',
    example: { user: EXAMPLES.user, token: 'lsu_8hG2mQ5wE1rT7yU4iO9pA3sD6fK0lZxC' },
  })
  @ApiErrors(400, [403, 'Only admins issue tokens for other users'], [404, 'No such user (user_not_found)'])
  createToken(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CreateTokenDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<IssuedTokenDto> {
    if (actor.role !== 'admin' && actor.userId !== id)
      throw new ApiError(403, 'forbidden', 'only admins issue tokens for other users');
    return this.users.createToken(id, body.name ?? '');
  }
}
