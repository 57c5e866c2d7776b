/** The keyplane server. */
export {};
