import {
  MAX_ENTITIES_PER_BATCH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_PER_BATCH,
  MAX_TAGS_PER_BATCH,
} from "./limits.js";
import type { MlflowKeyValue, MlflowMetric } from "./types.js";

export interface BatchEntities {
  metrics?: readonly MlflowMetric[];
  params?: readonly MlflowKeyValue[];
  tags?: readonly MlflowKeyValue[];
}

/**
 * Splits what is to be logged into log-batch requests within MLflow's limits: at most 1000
 * metrics, 100 params and 100 tags per request, 1000 entities in all. Params come first, so a
 * run's params are complete as early as possible.
 */
export function chunkBatch(entities: BatchEntities): BatchEntities[] {
  const params = [...(entities.params ?? [])];
  const tags = [...(entities.tags ?? [])];
  const metrics = [...(entities.metrics ?? [])];
  const batches: BatchEntities[] = [];
  while (params.length > 0 || tags.length > 0 || metrics.length > 0) {
    const batchParams = params.splice(0, MAX_PARAMS_PER_BATCH);
    const batchTags = tags.splice(0, MAX_TAGS_PER_BATCH);
    const room = MAX_ENTITIES_PER_BATCH - batchParams.length - batchTags.length;
    const batchMetrics = metrics.splice(0, Math.min(room, MAX_METRICS_PER_BATCH));
    batches.push({
      ...(batchMetrics.length > 0 ? { metrics: batchMetrics } : {}),
      ...(batchParams.length > 0 ? { params: batchParams } : {}),
      ...(batchTags.length > 0 ? { tags: batchTags } : {}),
    });
  }
  return batches;
}
