/**
 * ApiKey's logic, by concern: the schema (inputs.ts), the plan (plan.ts), the scope (scope.ts),
 * verification after create (verify.ts) and the provider methods (provider.ts). The resource class
 * TypeScript programs use is in provider/dynamic/apiKey.ts.
 */
export {
  ADOPTED_KEY_VALUE,
  API_KEY_OUTPUT_ONLY,
  ApiKeyInputs,
  ApiKeyOutputs,
  type ApiKeyState,
  echoesOf,
} from "./inputs";
export { planApiKey, type ApiKeyPlan, type PlannedReplace } from "./plan";
export { apiKeyProvider } from "./provider";
