import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { MeDto } from '../dtos/auth.dto';
import { CreateTokenDto, CreateUserDto, IssuedTokenDto } from '../dtos/user.dto';
import { ApiError } from '../errors/api-error';
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
  @ApiOkResponse({ type: MeDto, description: 'The signed-in user (cookie or bearer)' })
  me(@CurrentPrincipal() principal: UserPrincipal): Promise<MeDto> {
    return this.auth.me(principal.userId);
  }

  @Post()
  @Allow('admin')
  @ApiCreatedResponse({ type: IssuedTokenDto, description: 'The user and a bearer token, shown once' })
  create(@Body() body: CreateUserDto, @CurrentPrincipal() actor: UserPrincipal): Promise<IssuedTokenDto> {
    return this.users.create(body, actor.userId);
  }

  @Post(':id/tokens')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiCreatedResponse({ type: IssuedTokenDto, description: 'A new bearer token, shown once' })
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
