/** The keyplane SDK. */
export {};
