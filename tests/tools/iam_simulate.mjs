// Evaluate IAM requests offline with @cloud-copilot/iam-simulate (a maintained IAM
// simulator: identity policies, session policies, every condition operator, and the
// action/resource-type data of AWS's Service Authorization Reference).
// Usage: node iam_simulate.mjs < cases.json
//   cases.json: {"identityPolicy": {...}, "sessionPolicy": {...} | null,
//                "principal": "arn:aws:sts::…:assumed-role/…/…", "account": "123456789012",
//                "requests": [{"action": "ec2:StopInstances", "resource": "arn:…",
//                              "context": {"aws:RequestedRegion": "us-east-1"}}]}
// Prints one result per request: "Allowed", "ImplicitlyDenied", "ExplicitlyDenied", or
// "error: <what the simulator rejected>" (an action that does not exist, an ARN that is not
// one of the action's resource types, an invalid policy).
import { runSimulation } from "@cloud-copilot/iam-simulate";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = [];
for (const request of input.requests) {
  const simulation = {
    request: {
      principal: input.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: input.account },
      contextVariables: request.context || {},
    },
    identityPolicies: [{ name: "write-role", policy: input.identityPolicy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(input.sessionPolicy ? { sessionPolicy: input.sessionPolicy } : {}),
  };
  const answer = await runSimulation(simulation, {});
  results.push(
    answer.resultType === "error" ? `error: ${JSON.stringify(answer.errors)}` : answer.overallResult,
  );
}
console.log(JSON.stringify(results));
