/**
 * Vitest 5's reporter calls Map.groupBy (Node ≥ 21) when it prints failures; on Node 20 (this project's
 * CI) the failure report itself crashes. vitest.config.ts imports this first, in the main process.
 */
type GroupBy = <K, V>(items: Iterable<V>, key: (item: V, index: number) => K) => Map<K, V[]>;

const mapWithGroupBy = Map as unknown as { groupBy?: GroupBy };
mapWithGroupBy.groupBy ??= <K, V>(items: Iterable<V>, key: (item: V, index: number) => K) => {
  const groups = new Map<K, V[]>();
  let index = 0;
  for (const item of items) {
    const k = key(item, index++);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

const objectWithGroupBy = Object as unknown as { groupBy?: <V>(items: Iterable<V>, key: (item: V, index: number) => PropertyKey) => Record<PropertyKey, V[]> };
objectWithGroupBy.groupBy ??= <V>(items: Iterable<V>, key: (item: V, index: number) => PropertyKey) =>
  Object.fromEntries(mapWithGroupBy.groupBy!(items, key)) as Record<PropertyKey, V[]>;
