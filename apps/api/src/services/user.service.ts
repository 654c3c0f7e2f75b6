import { Injectable } from '@nestjs/common';
import { type NewUser, createUserWithToken, issueUserToken } from '@linescope/accounts';
import { DatabaseTransactions, UserRepository } from '@linescope/db';
import { type IssuedTokenDto, mapUser } from '../dtos/user.dto';
import { ApiError } from '../errors/api-error';
import { isUniqueViolation } from '../errors/database-errors';

/** People and their bearer tokens. The first admin is made by the launcher on a fresh installation. */
@Injectable()
export class UserService {
  constructor(private readonly transactions: DatabaseTransactions) {}

  async create(input: NewUser, actorId: string | null): Promise<IssuedTokenDto> {
    try {
      const { user, token } = await createUserWithToken(this.transactions, input, actorId);
      return { user: mapUser(user), token };
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ApiError(409, 'user_exists', `a user ${input.email} already exists`);
      throw error;
    }
  }

  async createToken(userId: string, name: string): Promise<IssuedTokenDto> {
    return this.transactions.run(async (tx) => {
      const users = tx.get(UserRepository);
      const user = await users.findEntity(userId);
      if (!user) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
      return { user: mapUser(user), token: await issueUserToken(users, userId, name) };
    });
  }
}
