// Reads lines on stdin, each a JSON array of iam-simulate Simulation objects, and writes one line for each: the JSON
// array of the evaluator's verdicts, {"result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or {"errors": ...}.
// tests/iam_evaluator.py keeps one process running per test process and sends it every batch; it ends at end of input.
//
// A simulation may also carry "uncataloguedContextKeys": context keys AWS fills in for the request that iam-data's
// catalogue does not list for the action (so runSimulation drops them: the GitHub Actions token's `sub` and `aud` for
// sts:AssumeRoleWithWebIdentity). runSimulation still validates the policies and the request and must report exactly
// those keys as the ones it ignored; the verdict is then iam-simulate's own runUnsafeSimulation's, which evaluates the
// context as given. Without the field, the verdict is runSimulation's, as before. (runUnsafeSimulation reads a resource
// policy's name from its metadata, which only a validated policy of @cloud-copilot/iam-policy, iam-simulate's own
// dependency, carries: given a bare document it fails.)
import { createInterface } from 'node:readline'
import { createValidatedPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy'
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const sorted = (keys) => [...keys].sort()

async function verdictOf({ uncataloguedContextKeys = [], ...simulation }) {
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    return { errors: response.errors }
  }
  if (uncataloguedContextKeys.length === 0) {
    return { result: response.overallResult }
  }
  const ignored = response.resultType === 'single' ? response.result.ignoredContextKeys : undefined
  if (JSON.stringify(sorted(ignored ?? [])) !== JSON.stringify(sorted(uncataloguedContextKeys))) {
    return { errors: { message: 'uncatalogued.context.keys.differ', ignored, declared: uncataloguedContextKeys } }
  }
  const { resourcePolicy } = simulation
  const validated = resourcePolicy
    ? createValidatedPolicy(resourcePolicy, validateResourcePolicy, { name: 'resourcePolicy' })
    : undefined
  return { result: runUnsafeSimulation({ ...simulation, resourcePolicy: validated }, {}) }
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue
  const verdicts = []
  for (const simulation of JSON.parse(line)) {
    verdicts.push(await verdictOf(simulation))
  }
  process.stdout.write(JSON.stringify(verdicts) + '\n')
}
