import * as keyplane from "keyplane";

const deployer = new keyplane.ApiKey("deployer", {
  securityLevel: "advanced",
  roles: ["Security Admin"],
  comment: "deploy pipeline",
  expiresIn: "30d",
  rotateBefore: "7d",
  overlap: "24h",
});
const exporter = new keyplane.ApiKey("metrics-exporter", {
  roles: ["Viewer"],
  comment: "metrics exporter",
  expiresIn: "90d",
  rotateBefore: "14d",
  overlap: "24h",
});

export const deployerKeyId = deployer.keyId;
export const deployerKey = deployer.key;
export const exporterKeyId = exporter.keyId;
export const exporterKey = exporter.key;
