import type { Db } from '../db/database.js';
import { listActiveDepartments } from '../departments/department-repository.js';
import { trainRouter } from './classifier/index.js';
import type { Router } from './router.js';
import { loadTrainingExamples, trainingFingerprint } from './routing-examples.js';

export const LEARNED_ROUTER_NAME = 'learned-v1';

export interface TrainedRouter {
  router: Router;
  /** What it was trained on; a different fingerprint means it is out of date. */
  fingerprint: string;
  examples: number;
}

/** Trains the router on the departments' rules and every example not withdrawn, as they are in the database. */
export async function loadRouter(db: Db): Promise<TrainedRouter> {
  const fingerprint = await trainingFingerprint(db);
  const [departments, examples] = await Promise.all([listActiveDepartments(db), loadTrainingExamples(db)]);
  const router = trainRouter({
    departments: departments.map((d) => ({ code: d.code, category: d.category_code, keywords: d.keywords })),
    examples,
  });
  return { router, fingerprint, examples: examples.length };
}
