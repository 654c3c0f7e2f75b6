import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { MeDto } from '../dtos/auth.dto';
import { CreateTokenDto, CreateUserDto, IssuedTokenDto } from '../dtos/user.dto';
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
