export { UserRepository, type UserRecord } from '@linescope/db';
