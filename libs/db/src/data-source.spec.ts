import { createEmptyDatabase, type TestDatabase } from '../../../test/support/database';
import { createDataSource } from './data-source';

describe('createDataSource', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createEmptyDatabase();
  });
  afterAll(async () => db.drop());

  it('opens connections with JIT compilation off (its compile time dwarfs the console queries over partitions)', async () => {
    const ds = createDataSource({ url: db.url, poolSize: 1 });
    await ds.initialize();
    try {
      expect(await ds.query(`SHOW jit`)).toEqual([{ jit: 'off' }]);
    } finally {
      await ds.destroy();
    }
  });
});
