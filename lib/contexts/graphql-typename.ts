import { GraphqlCall } from './graphql-args';

interface AbstractTypeLike {
  name: string;
  resolveType?: (value: unknown, context: unknown, info: unknown, type: unknown) => unknown;
}

/**
 * For a field of union or interface type: a function that copies a result with `__typename` set
 * on each object, as the type's `resolveType` names it for the miss. A hit hands back plain
 * objects, where the `instanceof` checks `@nestjs/graphql` resolves types with would fail; with
 * `__typename` they resolve as the miss did. `undefined` for fields of concrete types.
 */
export function typenamesFor(
  call: GraphqlCall,
): ((value: unknown) => Promise<unknown>) | undefined {
  const type = namedType(call.info?.returnType);
  if (type?.resolveType === undefined) return undefined;
  const resolveType = type.resolveType;
  const name = async (item: unknown): Promise<unknown> => {
    if (typeof item !== 'object' || item === null) return item;
    if (Array.isArray(item)) return Promise.all(item.map(name));
    const typename = await resolveType(item, call.context, call.info, type);
    return typeof typename === 'string' ? { ...item, __typename: typename } : item;
  };
  return name;
}

function namedType(type: unknown): AbstractTypeLike | undefined {
  let current = type as (AbstractTypeLike & { ofType?: unknown }) | undefined;
  while (current && current.ofType !== undefined) current = current.ofType as typeof current;
  return current;
}
