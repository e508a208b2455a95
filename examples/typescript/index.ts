// A TypeScript program using the hardened components from another language. `pulumi package add
// <path or git URL>/components` generates the SDK (@hardened-accounts/hardened) into sdks/hardened and adds it
// to package.json. The components' arguments live in args.json, which tests/test_examples.py constructs
// through the component provider: the values checked there are the values this program sends.
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as hardened from "@hardened-accounts/hardened";

import args from "./args.json";

// Explicit providers: each component lands in the account (project) its provider points at.
const awsBackup = new aws.Provider("aws-backup", { region: "eu-west-1", allowedAccountIds: ["222233334444"] });
const gcpBackup = new gcp.Provider("gcp-backup", { project: "acme-backups", region: "europe-west3" });

// A component's `providers` option hands the provider to the resources it creates (`provider` would name the
// provider of the hardened package itself).
const backups = new hardened.ImmutableBucket("backups", args.immutableBucket, { providers: [awsBackup] });
const vault = new hardened.LockedVault("vault", args.lockedVault, { providers: [awsBackup] });
const offsite = new hardened.LockedBucket("offsite", args.lockedBucket, { providers: [gcpBackup] });

export const bucketName = backups.bucketName;
export const vaultArn = vault.vaultArn;
export const offsiteBucketUrl = offsite.bucketUrl;
