// Which shard of the due index an org lives in. The index is partitioned by shard so a sweep reads it in parallel
// pages and no single partition holds the whole fleet.

/**
 * Stable shard for an org (FNV-1a of its id), so an org stays in one shard while SHARD_COUNT is unchanged. Growing
 * SHARD_COUNT is safe: an org keeps its old shard (below the new count, so still swept) until its next commit moves
 * it. Shrinking is not: orgs in shards at or above the new count would never be swept again.
 */
export function dueShardFor(orgId: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orgId.length; i++) {
    hash ^= orgId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}
