import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';

// The TypeORM CLI's data source: `npm run migration:generate -- src/database/migrations/Name` with DATABASE_URL set.
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set for the TypeORM CLI (e.g. postgres://postgres@127.0.0.1:5432/order_sync_dev)');

export default new DataSource(dataSourceOptions(url));
