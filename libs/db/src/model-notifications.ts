import { type EntityManager } from 'typeorm';

/**
 * PostgreSQL channel on which model changes are announced (promotion, rollback, shadow, a line's model override).
 * Inference instances LISTEN on it and also poll, so a missed notification only delays a swap.
 */
export const MODELS_CHANNEL = 'linescope_models';

/** Announces a change inside the caller's transaction: PostgreSQL delivers it only if the transaction commits. */
export async function notifyModelsChanged(
  manager: EntityManager,
  payload: Record<string, unknown>,
): Promise<void> {
  await manager.query(`SELECT pg_notify($1, $2)`, [MODELS_CHANNEL, JSON.stringify(payload)]);
}

/** Subscribes a dedicated connection to the model-change channel. */
export async function listenForModelChanges(client: { query(sql: string): Promise<unknown> }): Promise<void> {
  await client.query(`LISTEN ${MODELS_CHANNEL}`);
}
