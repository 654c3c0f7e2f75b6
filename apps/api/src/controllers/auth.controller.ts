import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { type Request, type Response } from 'express';
import { Allow, CurrentPrincipal, SECURITY_SCHEMES } from '../auth/auth.decorators';
import { assertSameSite } from '../auth/csrf';
import { type UserPrincipal } from '../auth/principals';
import {
  clearSessionCookie,
  readSessionCookie,
  setSessionCookie,
  wantsSecureCookie,
} from '../auth/session-cookie';
import { ChangePasswordDto, LoginDto, MeDto, SessionDto } from '../dtos/auth.dto';
import { ApiErrors, ApiJsonBody } from '../openapi/api-docs';
import { EXAMPLES } from '../openapi/examples';
import { AuthService } from '../services/auth.service';

const SESSION_EXAMPLE = {
  user: EXAMPLES.me,
  csrfToken: 'y5bVq1mX0R2hZ8cT3kLw7nE4pA6sJ9dF',
  expiresAt: '2026-11-29T20:15:00.000Z',
};

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with email and password',
    description:
      'Sets the `ls_session` cookie (HttpOnly, SameSite=Strict). 401 invalid_credentials; after 5 failures for ' +
      'one email (or 20 from one address) within 15 minutes, 429 too_many_attempts with Retry-After.',
  })
  @ApiJsonBody(LoginDto, { email: 'qa.lead@example.com', password: 'a long passphrase' })
  @ApiOkResponse({ type: SessionDto, example: SESSION_EXAMPLE })
  @ApiErrors(
    400,
    [401, 'The email or the password is wrong (invalid_credentials)'],
    [403, 'Sent from another site (csrf_failed)'],
    [429, 'Too many failed sign-ins; retry after Retry-After seconds (too_many_attempts)'],
  )
  async login(
    @Body() body: LoginDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionDto> {
    assertSameSite(request, this.config.publicUrl);
    const signIn = await this.auth.login(body.email, body.password, request.ip ?? 'unknown');
    setSessionCookie(response, signIn.token, {
      maxAgeSeconds: signIn.maxAgeSeconds,
      secure: wantsSecureCookie(request, this.config.publicUrl),
    });
    return signIn.session;
  }

  @Get('session')
  // Reads the cookie itself (a bearer token has no session), so it is documented here rather than by @Allow.
  @ApiSecurity(SECURITY_SCHEMES.session)
  @ApiOperation({ summary: 'The session of the cookie, with its CSRF token (401 when signed out)' })
  @ApiOkResponse({ type: SessionDto, example: SESSION_EXAMPLE })
  @ApiErrors([401, 'Not signed in, or the session has ended (unauthenticated)'])
  session(@Req() request: Request): Promise<SessionDto> {
    return this.auth.session(readSessionCookie(request));
  }

  @Post('logout')
  @HttpCode(204)
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'End the cookie session and clear the cookie' })
  @ApiNoContentResponse({ description: 'Signed out (with a bearer token: nothing to end, also 204)' })
  async logout(
    @CurrentPrincipal() principal: UserPrincipal,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.auth.logout(principal);
    clearSessionCookie(response, wantsSecureCookie(request, this.config.publicUrl));
  }

  @Post('password')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: "Set the caller's own password",
    description:
      "With a bearer token (such as the first administrator's token in data/initial-admin-token) no " +
      'currentPassword is needed; with the session cookie it is, once a password exists. Other sessions end. ' +
      'Answers 200 with the user (the contract allowed 204; the sign-in page uses the email).',
  })
  @ApiJsonBody(ChangePasswordDto, { newPassword: 'a longer passphrase, 2026' })
  @ApiOkResponse({ type: MeDto, example: EXAMPLES.me })
  @ApiErrors(
    [400, 'newPassword breaks its rule, or currentPassword is missing (current_password_required)'],
    [403, 'The current password is wrong (invalid_credentials)'],
  )
  changePassword(
    @Body() body: ChangePasswordDto,
    @CurrentPrincipal() principal: UserPrincipal,
  ): Promise<MeDto> {
    return this.auth.changePassword(principal, body.currentPassword, body.newPassword);
  }
}
