/** keyplane: Pulumi resources for API keys, role bindings, scope definitions and roles. */
export * as engine from "./engine";
