import { Body, Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { CreateTokenDto, CreateUserDto, IssuedTokenDto } from '../dtos/user.dto';
import { ApiError } from '../errors/api-error';
import { UserService } from '../services/user.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UserService) {}

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
