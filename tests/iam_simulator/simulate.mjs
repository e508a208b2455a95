// Reads lines on stdin, each a JSON array of iam-simulate Simulation objects, and writes one line for each: the JSON
// array of the evaluator's verdicts, {"result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or {"errors": ...}.
// tests/iam_evaluator.py keeps one process running per test process and sends it every batch; it ends at end of input.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue
  const verdicts = []
  for (const simulation of JSON.parse(line)) {
    const response = await runSimulation(simulation, {})
    if (response.resultType === 'error') {
      verdicts.push({ errors: response.errors })
    } else {
      verdicts.push({ result: response.overallResult })
    }
  }
  process.stdout.write(JSON.stringify(verdicts) + '\n')
}
