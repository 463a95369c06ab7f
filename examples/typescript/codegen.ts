// GraphQL Code Generator: the gateway's schema (../../schema.graphql, exported by
// `billing-gateway export-schema`) + the operations in ../operations/ -> src/generated/graphql.ts.
// `npm run codegen` writes it; `npm run codegen:check` fails when the committed file is stale.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: "../operations/*.graphql",
  generates: {
    "src/generated/graphql.ts": {
      // typescript-operations (6.x) writes the operations' result and variable types and the enums
      // and inputs they use; typed-document-node the documents, each typed with both.
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        // Every custom scalar of the schema is mapped; a new one fails generation instead of becoming `any`.
        strictScalars: true,
        scalars: {
          DateTime: "string",
          JSON: "unknown",
          MinorUnits: "number",
          UsageQuantity: "number",
        },
      },
    },
  },
};

export default config;
