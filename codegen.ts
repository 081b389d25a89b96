import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * codegen v7 emits `new TypedDocumentString(...)` in string mode without defining it
 * (dotansimha/graphql-code-generator#10873). Wrapping with `String` keeps the phone bundle free of any GraphQL runtime;
 * the requester turns the wrapper back into a primitive.
 */
const typedDocumentStringShim =
  'const TypedDocumentString = String as unknown as new (document: string, meta?: Record<string, unknown>) => string;';

const sharedConfig = {
  enumsAsTypes: true,
  useTypeImports: true,
  nonOptionalTypename: true,
  avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
  scalars: { ID: 'string' },
};

/** `outDir` lets `codegen:check` regenerate elsewhere and compare with the committed output. */
export function sdkCodegenConfig(outDir = 'sdk/generated'): CodegenConfig {
  return {
    overwrite: true,
    schema: 'schema/schema.graphql',
    documents: ['sdk/operations/*.graphql'],
    generates: {
      [`${outDir}/schema.ts`]: { plugins: ['typescript'], config: sharedConfig },
      [`${outDir}/graphql.ts`]: {
        plugins: [{ add: { content: typedDocumentStringShim } }, 'typescript-operations', 'typescript-generic-sdk'],
        config: {
          ...sharedConfig,
          documentMode: 'string',
          dedupeFragments: true,
          importSchemaTypesFrom: `${outDir}/schema.ts`,
          namespacedImportName: 'Types',
          importExtension: '.ts',
        },
      },
    },
  };
}

export default sdkCodegenConfig(process.env.SDK_CODEGEN_OUT_DIR);
