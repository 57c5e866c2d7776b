// keyplane's policy pack: the policies of `keyplane/policy`, run by the analyzer launcher.
"use strict";
const { PolicyPack } = require("@pulumi/policy");
const { keyplanePolicyPackArgs } = require("../dist/policy");

new PolicyPack("keyplane", keyplanePolicyPackArgs());
