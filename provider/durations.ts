/** Durations moved to sdk/durations.ts (the CLI and the demo use them too); kept for the provider's imports. */
export * from "../sdk/durations";
