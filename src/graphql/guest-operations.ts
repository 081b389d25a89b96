import { type DocumentNode, GraphQLError, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.ts';

/** The root fields a caller without credentials may select: getting credentials. */
const GUEST_FIELDS = new Set(['signInWithWechat', 'refreshSession', '__typename']);

function guestMayRun(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    operations.length === 1 ? operations[0] : operations.find((o) => o.name?.value === (operationName ?? undefined));
  if (!operation || operation.operation === 'subscription') return false;
  // Only plain fields: a fragment spread on the root could hide anything.
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && GUEST_FIELDS.has(s.name.value));
}

const refusal = () =>
  new GraphQLError('Sign in first: send Authorization: Bearer <accessToken> (signInWithWechat), or an API key.', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });

/**
 * A request without credentials reaches yoga only where sign-in is served (http/auth admits it as GUEST, with a
 * small body): it may sign in or refresh, nothing else. Checked per execution (the validation cache is shared by
 * every caller, so a validation rule would not see who asks).
 */
export function useGuestOperations(): Plugin<GraphQLContext> {
  const check = (args: { contextValue: unknown; document: DocumentNode; operationName?: string | null }) => {
    const principal = (args.contextValue as GraphQLContext).principal;
    return principal.kind !== 'guest' || guestMayRun(args.document, args.operationName);
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!check(args)) setResultAndStopExecution({ errors: [refusal()] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (!check(args)) setResultAndStopExecution({ errors: [refusal()] });
    },
  };
}
