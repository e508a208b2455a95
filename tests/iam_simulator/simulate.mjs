// Reads a JSON array of iam-simulate Simulation objects on stdin and writes, for each, the
// evaluator's verdict: {"result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or {"errors": ...}.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const verdicts = []
for (const simulation of simulations) {
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    verdicts.push({ errors: response.errors })
  } else {
    verdicts.push({ result: response.overallResult })
  }
}
process.stdout.write(JSON.stringify(verdicts))
