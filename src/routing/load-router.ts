import type { Db } from '../db/database.js';
import { listActiveDepartments } from '../departments/department-repository.js';
import { createKeywordRouter } from './keyword-router.js';
import type { Router } from './router.js';

export const KEYWORD_ROUTER_NAME = 'keywords-v1';

/** Builds the router from the departments as loaded in the database (admins edit them there). */
export async function loadRouter(db: Db): Promise<Router> {
  const departments = await listActiveDepartments(db);
  return createKeywordRouter(
    departments.map((d) => ({ code: d.code, category: d.category_code, keywords: d.keywords })),
  );
}
