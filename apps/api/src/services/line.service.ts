import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DatabaseTransactions,
  type LineChanges,
  ModelVersionRepository,
  type ProductionLineEntity,
  ProductionLineRepository,
} from '@linescope/db';
import { randomBytes } from 'node:crypto';
import { type UserPrincipal } from '../auth/principals';
import {
  type CreateLineDto,
  type CreatedLineDto,
  type LineDto,
  type UpdateLineDto,
  mapLine,
} from '../dtos/line.dto';
import { ApiError } from '../errors/api-error';
import { isForeignKeyViolation, isUniqueViolation } from '../errors/database-errors';

@Injectable()
export class LineService {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly lines: ProductionLineRepository,
  ) {}

  async create(input: CreateLineDto, actor: UserPrincipal): Promise<CreatedLineDto> {
    checkBand(input);
    const webhookSecret = input.webhookUrl ? randomBytes(32).toString('base64url') : null;
    try {
      return await this.transactions.run(async (tx) => {
        const line = await tx.get(ProductionLineRepository).create({ ...input, webhookSecret });
        await tx.get(AuditRepository).append({
          actorType: 'user',
          actorId: actor.userId,
          action: 'line.create',
          targetType: 'production_line',
          targetId: line.id,
          details: { name: line.name },
        });
        return { ...mapLine(line), ...(webhookSecret ? { webhookSecret } : {}) };
      });
    } catch (error) {
      throw translate(error, input.name);
    }
  }

  async list(): Promise<LineDto[]> {
    return (await this.lines.list()).map(mapLine);
  }

  async get(id: string): Promise<ProductionLineEntity> {
    const line = await this.lines.findById(id);
    if (!line) throw new ApiError(404, 'line_not_found', `no production line ${id}`);
    return line;
  }

  async update(id: string, input: UpdateLineDto, actor: UserPrincipal): Promise<CreatedLineDto> {
    try {
      return await this.transactions.run(async (tx) => {
        const lines = tx.get(ProductionLineRepository);
        const line = await lines.lockById(id);
        if (!line) throw new ApiError(404, 'line_not_found', `no production line ${id}`);
        // Fields the request left out keep their stored value.
        const changes = Object.fromEntries(
          Object.entries(input).filter(([, value]) => value !== undefined),
        ) as LineChanges;
        checkBand({ ...line, ...changes });
        // A new webhook target gets a new secret, shown once.
        const newSecret = input.webhookUrl && input.webhookUrl !== line.webhookUrl;
        if (newSecret) changes.webhookSecret = randomBytes(32).toString('base64url');
        if (input.webhookUrl === null) changes.webhookSecret = null;
        const saved = await lines.save(line, changes);
        const decisionChanged = (
          ['modelVersionId', 'operatingThreshold', 'uncertainLow', 'uncertainHigh'] as const
        ).some((field) => field in input);
        if (decisionChanged) await tx.get(ModelVersionRepository).notifyChanged({ event: 'line', id });
        await tx.get(AuditRepository).append({
          actorType: 'user',
          actorId: actor.userId,
          action: 'line.update',
          targetType: 'production_line',
          targetId: id,
          details: { ...input },
        });
        return { ...mapLine(saved), ...(newSecret ? { webhookSecret: saved.webhookSecret! } : {}) };
      });
    } catch (error) {
      throw translate(error, input.name);
    }
  }
}

function checkBand(line: {
  operatingThreshold?: number | null;
  uncertainLow?: number | null;
  uncertainHigh?: number | null;
}) {
  const { operatingThreshold: t, uncertainLow: low, uncertainHigh: high } = line;
  if (low != null && high != null && low > high)
    throw new ApiError(400, 'invalid_band', 'uncertainLow must not exceed uncertainHigh');
  if (t != null && ((low != null && t < low) || (high != null && t > high)))
    throw new ApiError(400, 'invalid_band', 'operatingThreshold must lie inside the uncertain band');
}

function translate(error: unknown, name: string | undefined): unknown {
  if (isUniqueViolation(error))
    return new ApiError(409, 'line_exists', `a line named ${name} already exists`);
  if (isForeignKeyViolation(error))
    return new ApiError(400, 'model_not_found', 'modelVersionId names no model version');
  return error;
}
