/** Health replies: the reference's `healthcheck` and the `health_check` the official Go SDK calls. */
import { z } from "zod";
import { replyEnvelope } from "./common";

/** `GET /public_api/v1/health_check/` (Go SDK `HealthCheck`, `types.HealthCheckResponse`). */
export const HealthCheckReply = replyEnvelope(
  z.object({
    service: z.string().describe("Which service answers (`keyplane`)."),
    status: z.string().describe("`available` while the server serves."),
    reason: z.string().describe("Why the status is not `available`; empty otherwise."),
    timestamp: z.number().int().describe("Server time, epoch ms."),
  }),
);
