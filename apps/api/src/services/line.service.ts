import { Injectable } from '@nestjs/common';
import { ProductionLineEntity, notifyModelsChanged } from '@linescope/db';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
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
import { AuditRepository } from '../repositories/audit.repository';

@Injectable()
export class LineService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
  ) {}

  async create(input: CreateLineDto, actor: UserPrincipal): Promise<CreatedLineDto> {
    checkBand(input);
    const webhookSecret = input.webhookUrl ? randomBytes(32).toString('base64url') : null;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const line = await manager.getRepository(ProductionLineEntity).save({ ...input, webhookSecret });
        await this.audit.append(manager, {
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
    const lines = await this.dataSource.getRepository(ProductionLineEntity).find({ order: { name: 'ASC' } });
    return lines.map(mapLine);
  }

  async get(id: string): Promise<ProductionLineEntity> {
    const line = await this.dataSource.getRepository(ProductionLineEntity).findOneBy({ id });
    if (!line) throw new ApiError(404, 'line_not_found', `no production line ${id}`);
    return line;
  }

  async update(id: string, input: UpdateLineDto, actor: UserPrincipal): Promise<CreatedLineDto> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(ProductionLineEntity);
        const line = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!line) throw new ApiError(404, 'line_not_found', `no production line ${id}`);
        const merged = repo.merge(line, input);
        checkBand(merged);
        // A new webhook target gets a new secret, shown once.
        const newSecret = input.webhookUrl && input.webhookUrl !== line.webhookUrl;
        if (newSecret) merged.webhookSecret = randomBytes(32).toString('base64url');
        if (input.webhookUrl === null) merged.webhookSecret = null;
        const saved = await repo.save(merged);
        const decisionChanged = (
          ['modelVersionId', 'operatingThreshold', 'uncertainLow', 'uncertainHigh'] as const
        ).some((field) => field in input);
        if (decisionChanged) await notifyModelsChanged(manager, { event: 'line', id });
        await this.audit.append(manager, {
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
