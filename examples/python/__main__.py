"""A custom role, a scope definition and an Advanced CI key that rotates itself."""
import pulumi
import pulumi_keyplane as keyplane

deployer = keyplane.Role("deployer", name="Deployer", components={"public_api": "view", "endpoints": "view"})
emea = keyplane.ScopeDefinition(
    "emea",
    name="EMEA only",
    areas={"endpoints": {"endpoint_groups": {"mode": "scope", "names": ["emea-servers"]}}},
)
ci = keyplane.ApiKey(
    "ci",
    security_level="advanced",
    roles=[deployer.name],
    comment="CI pipeline (Python)",
    expires_in="90d",
    rotate_before="7d",
    overlap="24h",
    scope=emea.scope_id,
)

pulumi.export("ciKeyId", ci.key_id)
pulumi.export("ciKey", ci.key)  # a secret
pulumi.export("expiresAt", ci.expires_at)
